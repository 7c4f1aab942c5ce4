"""The settlement of an order: one share per seller — what it is owed and what reached it.

The one truth about money per order and seller: every screen (handover, order page, back-office,
API) and every posting reads the shares; the settlement actions (`marketplace.actions.settlement`)
are the only writers, called by whatever moves money (card, SEPA, offline means, refund, dispute).
A card or SEPA payment of a mixed order is received by each seller's share at once: the Collectif
only holds it until the transfer.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from hub.models import Structure
from marketplace.models.fields import MONEY
from marketplace.models.orders import Order

ZERO = Decimal("0.00")


class OrderShareQuerySet(models.QuerySet):
    def unsettled(self) -> "OrderShareQuerySet":
        return self.filter(owed__gt=F("received") - F("refunded") - F("disputed"))


class OrderShare(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="shares")
    seller = models.ForeignKey(Structure, verbose_name=_("vendeur"), on_delete=models.PROTECT, related_name="+")
    # Stored totals, each changed by one settlement action under the order's row lock (F() updates).
    owed = models.DecimalField(_("dû"), default=ZERO, **MONEY)  # lines incl. VAT, less credit notes
    received = models.DecimalField(_("reçu"), default=ZERO, **MONEY)
    refunded = models.DecimalField(_("remboursé"), default=ZERO, **MONEY)
    disputed = models.DecimalField(_("contesté"), default=ZERO, **MONEY)
    # A mixed order is handed over seller by seller, each seller's staff for its own lines (ADR 0012).
    handed_over_at = models.DateTimeField(_("remise le"), null=True, blank=True)
    handed_over_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("remise par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = OrderShareQuerySet.as_manager()

    class Meta:
        verbose_name = _("part d'un vendeur")
        verbose_name_plural = _("parts des vendeurs")
        ordering = ["order", "seller__position", "seller__name"]
        constraints = [
            models.UniqueConstraint(fields=["order", "seller"], name="marketplace_share_once_per_seller"),
            models.CheckConstraint(
                condition=Q(owed__gte=0, received__gte=0, refunded__gte=0, disputed__gte=0),
                name="marketplace_share_amounts_positive",
                violation_error_message=_("Les montants d'une part ne peuvent pas être négatifs."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order} — {self.seller}"

    @property
    def paid(self) -> Decimal:
        """What the seller keeps: received, less what went back to the customer or was disputed."""
        return self.received - self.refunded - self.disputed

    @property
    def due(self) -> Decimal:
        """What the customer still owes this seller (negative when overpaid)."""
        return self.owed - self.paid

    @property
    def is_settled(self) -> bool:
        return self.due <= 0


class PaymentAllocation(models.Model):
    """How much of one payment went to one seller's share (a mixed card payment is split at once)."""

    payment = models.ForeignKey("marketplace.Payment", on_delete=models.PROTECT, related_name="allocations")
    share = models.ForeignKey(OrderShare, on_delete=models.PROTECT, related_name="allocations")
    amount = models.DecimalField(_("montant"), **MONEY)

    class Meta:
        verbose_name = _("affectation d'un paiement")
        verbose_name_plural = _("affectations des paiements")
        constraints = [
            models.UniqueConstraint(fields=["payment", "share"], name="marketplace_allocation_once"),
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="marketplace_allocation_positive",
                violation_error_message=_("Une affectation est positive."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.payment_id} → {self.share_id}: {self.amount}"
