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
