"""Passing each seller its share of a mixed card order (DOMAIN.md rule 5), with no row lock held while
Stripe is called.

The webhook records the payment, its allocation to the shares and the Collectif's posting in the
event's transaction, then queues `marketplace.transfer_order_shares` on commit. Here, per seller
still without a transfer: Stripe is called outside any transaction (its idempotency key
`tr-<order>-<seller>` makes a retry return the same transfer), then the transfer is stored and
posted in both books in one short transaction under the order's lock (one `StripeTransfer` per
order and seller: a second run finds it and does nothing). A beat sweep queues again every paid
mixed card order whose transfers are missing (a worker died between Stripe and the database).
"""

import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from hub.enums import StructureKind
from hub.models import Structure
from marketplace import notify, postings, stripe_gateway
from marketplace.enums import FulfilmentStatus, PaymentMethod, PaymentState
from marketplace.models import Order, PaymentAllocation, StripeTransfer


def _missing(order_id: int) -> list[tuple[Structure, Decimal, str]]:
    """(seller, amount, charge id) of each share of the order's card payment not yet transferred."""
    allocations = (
        PaymentAllocation.objects.filter(
            payment__order_id=order_id,
            payment__method=PaymentMethod.CARD,
            payment__state=PaymentState.SUCCEEDED,
            payment__received_by__kind=StructureKind.COLLECTIVE,
            amount__gt=0,
        )
        .exclude(payment__order__fulfilment_status=FulfilmentStatus.CANCELLED)  # paid too late: refunded whole
        .exclude(Exists(StripeTransfer.objects.filter(order_id=order_id, structure_id=OuterRef("share__seller_id"))))
        .select_related("share__seller", "payment")
        .order_by("share__seller_id")
    )
    return [(a.share.seller, a.amount, a.payment.stripe_charge_id) for a in allocations]


def transfer_order_shares(*, order_id: int) -> int:
    """Transfer each seller its share of a paid mixed card order, once; returns how many were made.

    Never called inside a transaction: no row is locked while Stripe answers.
    """
    missing = _missing(order_id)
    if not missing:
        return 0
    reference = Order.objects.values_list("reference", flat=True).get(pk=order_id)
    collective = Structure.objects.collective()
    made = 0
    for seller, amount, charge_id in missing:
        transfer = stripe_gateway.create_transfer(
            reference=reference, structure=seller, amount=amount, charge_id=charge_id
        )
        made += record_transfer(
            order_id=order_id, structure=seller, amount=amount, transfer_id=transfer.id, collective=collective
        )
    return made


@transaction.atomic
def record_transfer(
    *, order_id: int, structure: Structure, amount: Decimal, transfer_id: str, collective: Structure | None = None
) -> bool:
    """Store a transfer Stripe made and post it in both books (short, under the order's lock); False
    when it was already recorded (a retried task). Under the lock, a lookup is enough: the one
    transfer per order and seller is also a unique constraint."""
    order = Order.objects.select_for_update(of=("self",)).get(pk=order_id)
    if StripeTransfer.objects.filter(order=order, structure=structure).exists():
        return False
    stored = StripeTransfer.objects.create(
        order=order, structure=structure, amount=amount, stripe_transfer_id=transfer_id
    )
    postings.post_transfer(stored, collective=collective)
    return True


def sweep_stripe_transfers(*, older_than: datetime.timedelta = datetime.timedelta(minutes=1)) -> int:
    """Queue again the transfers of every mixed card order paid more than `older_than` ago whose share
    of a seller was not passed on (the task is idempotent: a double queueing is harmless)."""
    untransferred = (
        PaymentAllocation.objects.filter(
            payment__method=PaymentMethod.CARD,
            payment__state=PaymentState.SUCCEEDED,
            payment__received_by__kind=StructureKind.COLLECTIVE,
            payment__succeeded_at__lte=timezone.now() - older_than,
            amount__gt=0,
        )
        .exclude(payment__order__fulfilment_status=FulfilmentStatus.CANCELLED)
        .exclude(
            Exists(
                StripeTransfer.objects.filter(
                    order_id=OuterRef("payment__order_id"), structure_id=OuterRef("share__seller_id")
                )
            )
        )
    )
    order_ids = sorted(set(untransferred.values_list("payment__order_id", flat=True)))
    for order_id in order_ids:
        notify.transfer_order_shares_now(order_id)
    return len(order_ids)
