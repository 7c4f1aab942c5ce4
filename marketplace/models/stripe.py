"""What Stripe told us (events, stored once) and what we passed on (transfers)."""

from decimal import Decimal

from django.db import models
from django.utils import timezone

from hub.models import Structure
from marketplace.models.fields import MONEY
from marketplace.models.orders import Order


class StripeEvent(models.Model):
    """Every Stripe event, stored once (its id is unique) and processed idempotently."""

    event_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=100)
    payload = models.JSONField()
    received_at = models.DateTimeField(default=timezone.now)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["received_at"]

    def __str__(self) -> str:
        return f"{self.type} {self.event_id}"


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
