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


class BankFileFormat(models.TextChoices):
    CAMT053 = "camt053", _("CAMT.053 (ISO 20022)")
    OFX = "ofx", _("OFX")


class BankMatchKind(models.TextChoices):
    """How a bank line was matched to its entry lines; empty while it is not."""

    NONE = "", _("non rapprochée")
    AUTO = "auto", _("automatique")
    MANUAL = "manual", _("manuel")
