"""The Collectif's monthly shared-services plan and its members' fixed shares."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from hub.models import Structure
from marketplace.enums import AllocationMethod
from marketplace.models.fields import MONEY


class SharedServicesPlan(models.Model):
    """What the Collectif bills its member structures each month for shared services (DOMAIN.md rule 12)."""

    label = models.CharField(
        _("libellé"), max_length=150, default="Services mutualisés : comptabilité, accueil, informatique"
    )
    monthly_amount = models.DecimalField(_("montant mensuel HT"), **MONEY)
    method = models.CharField(_("clé de répartition"), max_length=10, choices=AllocationMethod.choices)
    is_active = models.BooleanField(_("actif"), default=True)

    class Meta:
        verbose_name = _("refacturation des services mutualisés")
        verbose_name_plural = _("refacturations des services mutualisés")
        constraints = [
            models.CheckConstraint(
                condition=Q(monthly_amount__gt=0),
                name="marketplace_shared_plan_amount_positive",
                violation_error_message=_("Le montant mensuel doit être positif."),
            ),
        ]

    def __str__(self) -> str:
        return self.label


class SharedServicesShare(models.Model):
    plan = models.ForeignKey(SharedServicesPlan, on_delete=models.CASCADE, related_name="shares")
    structure = models.ForeignKey(
        Structure, verbose_name=_("structure membre"), on_delete=models.PROTECT, related_name="+"
    )
    percent = models.DecimalField(_("part (%)"), max_digits=5, decimal_places=2)

    class Meta:
        verbose_name = _("part fixe")
        verbose_name_plural = _("parts fixes")
        constraints = [
            models.UniqueConstraint(fields=["plan", "structure"], name="marketplace_shared_share_unique"),
            models.CheckConstraint(
                condition=Q(percent__gt=0) & Q(percent__lte=100),
                name="marketplace_shared_share_percent_range",
                violation_error_message=_("Une part est comprise entre 0 et 100 %."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.structure} {self.percent} %"
