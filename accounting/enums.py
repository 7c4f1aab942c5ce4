from django.db import models
from django.utils.translation import gettext_lazy as _


class JournalCode(models.TextChoices):
    """The journals of DOMAIN.md rule 11; the value is the FEC JournalCode."""

    OPENING = "AN", _("À-nouveaux")
    SALES = "VE", _("Ventes")
    PURCHASES = "AC", _("Achats")
    BANK = "BQ", _("Banque")
    STRIPE = "ST", _("Stripe")
    CASH = "CA", _("Caisse")
    MISC = "OD", _("Opérations diverses")


# Classes of the PCG whose balances are carried forward by the opening entry (balance sheet).
BALANCE_SHEET_CLASSES = frozenset({1, 2, 3, 4, 5})


# === Purchases ===
class SupplierInvoiceStatus(models.TextChoices):
    """A supplier invoice: typed as a draft, posted to the purchases journal, paid (lettered)."""

    DRAFT = "draft", _("Brouillon")
    POSTED = "posted", _("Comptabilisée")
    PAID = "paid", _("Payée")
    CANCELLED = "cancelled", _("Annulée (extournée)")


class SupplierPaymentMethod(models.TextChoices):
    TRANSFER = "transfer", _("Virement")
    CHEQUE = "cheque", _("Chèque")


# VAT rates of France a supplier invoice line may carry (percent, as strings as in offerings).
PURCHASE_VAT_RATES = ("0.00", "2.10", "5.50", "10.00", "20.00")
