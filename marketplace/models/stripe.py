"""What Stripe told us (events, stored once) and what we passed on (transfers)."""

from decimal import Decimal

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hub.models import Structure
from marketplace.enums import DisputeStatus
from marketplace.models.fields import MONEY
from marketplace.models.orders import Order

DISPUTE_EVENT_TYPES = frozenset(
    {
        "charge.dispute.created",
        "charge.dispute.updated",
        "charge.dispute.funds_withdrawn",
        "charge.dispute.funds_reinstated",
        "charge.dispute.closed",
    }
)
# Every type `payments.process_stripe_event` acts on; the others are kept and listed for the
# accountant and hub admins (« non pris en charge »), never silently dropped.
HANDLED_EVENT_TYPES = frozenset(
    {
        "payment_intent.succeeded",
        "payment_intent.payment_failed",
        "charge.succeeded",
        "charge.failed",
        "charge.refunded",
        "payout.paid",
        "payout.failed",
        *DISPUTE_EVENT_TYPES,
    }
)


class StripeEventQuerySet(models.QuerySet):
    def handled(self) -> "StripeEventQuerySet":
        return self.filter(type__in=HANDLED_EVENT_TYPES)

    def not_handled(self) -> "StripeEventQuerySet":
        return self.exclude(type__in=HANDLED_EVENT_TYPES)


class StripeEvent(models.Model):
    """Every Stripe event, stored once (its id is unique) and processed idempotently."""

    event_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=100)
    payload = models.JSONField()
    received_at = models.DateTimeField(default=timezone.now)
    processed_at = models.DateTimeField(null=True, blank=True)

    objects = StripeEventQuerySet.as_manager()

    class Meta:
        ordering = ["received_at"]

    def __str__(self) -> str:
        return f"{self.type} {self.event_id}"

    @property
    def is_handled(self) -> bool:
        return self.type in HANDLED_EVENT_TYPES


class StripeTransfer(models.Model):
    """The share of a mixed card order passed on to one selling structure (DOMAIN.md rule 5)."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="transfers")
    structure = models.ForeignKey(Structure, on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(**MONEY)
    amount_reversed = models.DecimalField(default=Decimal("0"), **MONEY)
    stripe_transfer_id = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["order", "structure"], name="marketplace_transfer_one_per_structure")
        ]

    def __str__(self) -> str:
        return self.stripe_transfer_id


class StripeDispute(models.Model):
    """A customer's dispute (chargeback) of a card payment, followed through its Stripe events.

    Each money step is recorded once (its timestamp set): funds withdrawn, funds reinstated,
    and the outcome; the events may come in any order and any number of times.
    """

    dispute_id = models.CharField(max_length=64, unique=True)
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="disputes")
    payment = models.ForeignKey("marketplace.Payment", on_delete=models.PROTECT, related_name="disputes")
    amount = models.DecimalField(_("montant contesté"), **MONEY)
    fee = models.DecimalField(_("frais de litige"), default=Decimal("0"), **MONEY)
    reason = models.CharField(_("motif"), max_length=60, blank=True)
    status = models.CharField(_("état"), max_length=10, choices=DisputeStatus.choices, default=DisputeStatus.OPEN)
    # {seller id (str): amount}: how the disputed amount was spread over the order's shares.
    parts = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)
    withdrawn_at = models.DateTimeField(_("fonds prélevés le"), null=True, blank=True)
    reinstated_at = models.DateTimeField(_("fonds restitués le"), null=True, blank=True)
    closed_at = models.DateTimeField(_("clos le"), null=True, blank=True)

    class Meta:
        verbose_name = _("litige Stripe")
        verbose_name_plural = _("litiges Stripe")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.dispute_id} ({self.order})"

    @property
    def is_open(self) -> bool:
        return self.status == DisputeStatus.OPEN
