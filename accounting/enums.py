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


class VatPeriodicity(models.TextChoices):
    MONTHLY = "monthly", _("Mensuelle")
    QUARTERLY = "quarterly", _("Trimestrielle")


class CutOffKind(models.TextChoices):
    """Year-end cut-offs; the value is the balance-sheet account they use."""

    INVOICES_TO_ISSUE = "418", _("Factures à établir (418)")
    PREPAID_REVENUE = "487", _("Produits constatés d'avance (487)")
    INVOICES_NOT_RECEIVED = "408", _("Factures non parvenues (408)")
    PREPAID_EXPENSES = "486", _("Charges constatées d'avance (486)")

    @property
    def is_revenue(self) -> bool:
        return self in (CutOffKind.INVOICES_TO_ISSUE, CutOffKind.PREPAID_REVENUE)


class BooksAction(models.TextChoices):
    LOCK = "lock", _("Verrouillage de période")
    UNLOCK = "unlock", _("Déverrouillage de période")
    REVERSAL = "reversal", _("Contrepassation")
    VAT_RETURN = "vat_return", _("Déclaration de TVA validée")
    CUT_OFF = "cut_off", _("Écriture d'inventaire")
    CLOSE = "close", _("Clôture d'exercice")
    REOPEN = "reopen", _("Réouverture d'exercice")


class BankFileFormat(models.TextChoices):
    CAMT053 = "camt053", _("CAMT.053 (ISO 20022)")
    OFX = "ofx", _("OFX")


class BankMatchKind(models.TextChoices):
    """How a bank line was matched to its entry lines; empty while it is not."""

    NONE = "", _("non rapprochée")
    AUTO = "auto", _("automatique")
    MANUAL = "manual", _("manuel")
