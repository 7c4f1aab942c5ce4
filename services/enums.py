from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _


class OfferingKind(models.TextChoices):
    BASKET = "basket", _("Paniers de légumes")
    LAUNDRY = "laundry", _("Blanchisserie")
    HOME_SERVICE = "home_service", _("Services à domicile")
    GOODS = "goods", _("Épicerie et produits")
    MOBILITY = "mobility", _("Mobilité")
    TRAINING = "training", _("Formation")


class Unit(models.TextChoices):
    ITEM = "item", _("pièce")
    KG = "kg", _("kg")
    HOUR = "hour", _("heure")
    DAY = "day", _("jour")
    DELIVERY = "delivery", _("livraison")
    KM = "km", _("km")
    SESSION = "session", _("séance")


class Audience(models.TextChoices):
    BOTH = "both", _("Habitant·es et organisations")
    RESIDENTS = "residents", _("Habitant·es")
    ORGANISATIONS = "organisations", _("Organisations")


# The French VAT rates the hub uses; 0 means exempt (the offering then carries its mention).
VAT_RATE_CHOICES = [
    (Decimal("0.00"), _("Exonéré (0 %)")),
    (Decimal("5.50"), _("5,5 %")),
    (Decimal("10.00"), _("10 %")),
    (Decimal("20.00"), _("20 %")),
]
VAT_RATES = [rate for rate, _label in VAT_RATE_CHOICES]


class RevenueAccount(models.TextChoices):
    PRODUCE = "701", _("701 — Ventes de produits finis (production des jardins)")
    SERVICES = "706", _("706 — Prestations de services")
    LAUNDRY = "7061", _("7061 — Prestations de blanchisserie")
    HOME_SERVICES = "7062", _("7062 — Services à la personne")
    MOBILITY = "7063", _("7063 — Mobilité")
    TRAINING = "7064", _("7064 — Formation")
    GOODS = "707", _("707 — Ventes de marchandises")
    ANCILLARY = "7084", _("7084 — Mise à disposition de personnel facturée")
