"""How each structure sells online."""

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from hub.models import Structure
from marketplace.enums import PaymentMethod


class SellerSettings(models.Model):
    """How a structure sells online: accepted payment methods and the platform fee."""

    structure = models.OneToOneField(
        Structure, verbose_name=_("structure"), on_delete=models.CASCADE, related_name="seller_settings"
    )
    accepts_card = models.BooleanField(_("carte bancaire"), default=True)
    accepts_cash = models.BooleanField(_("espèces au retrait"), default=True)
    accepts_cheque = models.BooleanField(_("chèque au retrait"), default=True)
    accepts_transfer = models.BooleanField(_("virement (organisations)"), default=True)
    accepts_cesu = models.BooleanField(_("CESU (services à la personne)"), default=False)
    platform_fee_percent = models.DecimalField(
        _("commission de la plateforme (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    payment_terms_days = models.PositiveSmallIntegerField(_("délai de paiement (jours)"), default=30)
    # An order is collected at the first opening of its pickup point at least this long after it is
    # placed (the longest of its sellers'): docs/adr/0015-pickup-date-and-payment-follow-up.md.
    preparation_hours = models.PositiveSmallIntegerField(
        _("délai de préparation (heures)"),
        default=24,
        validators=[MaxValueValidator(24 * 14)],
        help_text=_("Temps minimum entre la commande et son retrait au point de retrait."),
    )

    class Meta:
        verbose_name = _("réglages de vente")
        verbose_name_plural = _("réglages de vente")
        constraints = [
            models.CheckConstraint(
                condition=Q(platform_fee_percent__gte=0) & Q(platform_fee_percent__lt=100),
                name="marketplace_seller_fee_range",
                violation_error_message=_("La commission est comprise entre 0 et 100 %."),
            ),
            models.CheckConstraint(
                condition=Q(preparation_hours__lte=24 * 14),
                name="marketplace_seller_preparation_range",
                violation_error_message=_("Le délai de préparation ne dépasse pas 14 jours."),
            ),
        ]

    def __str__(self) -> str:
        return str(self.structure)

    def accepted_methods(self) -> set[str]:
        flags = {
            PaymentMethod.CARD: self.accepts_card,
            PaymentMethod.CASH: self.accepts_cash,
            PaymentMethod.CHEQUE: self.accepts_cheque,
            PaymentMethod.TRANSFER: self.accepts_transfer,
            PaymentMethod.CESU: self.accepts_cesu,
        }
        return {method for method, accepted in flags.items() if accepted}
