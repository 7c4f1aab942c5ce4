"""The settlement flow: the only writer of the order shares (`marketplace.models.OrderShare`).

Whatever moves money for an order — a card or SEPA payment, cash, a cheque, a transfer, CESU, a
refund, later a dispute or an URSSAF payment — goes through one function here, under the order's
row lock, so that what each seller is owed and has received is one set of figures that every
screen and every posting reads.
"""

from collections import defaultdict
from decimal import Decimal

from django.db.models import F

from hub.money import quantize
from marketplace.enums import FulfilmentStatus
from marketplace.models import Order, OrderShare, Payment, PaymentAllocation, Refund

ZERO = Decimal("0.00")


def owed_by_seller(order: Order) -> dict[int, Decimal]:
    """What each seller is owed for an order (incl. VAT): its lines at their final price, less what
    was refunded on them; nothing once the order is cancelled. The one place this figure is computed."""
    owed: dict[int, Decimal] = defaultdict(lambda: ZERO)
    cancelled = order.fulfilment_status == FulfilmentStatus.CANCELLED
    for seller_id, total, refunded in order.lines.values_list("seller_id", "total_incl", "refunded_amount"):
        owed[seller_id] += ZERO if cancelled else total - refunded
    return dict(owed)


def open_shares(*, order: Order) -> list[OrderShare]:
    """One share per seller of a new order (idempotent)."""
    owed = owed_by_seller(order)
    OrderShare.objects.bulk_create(
        [OrderShare(order=order, seller_id=seller_id, owed=amount) for seller_id, amount in owed.items()],
        ignore_conflicts=True,
    )
    return list(order.shares.all())


def refresh_owed(*, order: Order) -> None:
    """Lines re-priced (weighing, hours done) or credited: each share's `owed` follows."""
    owed = owed_by_seller(order)
    for share in order.shares.all():
        amount = max(owed.get(share.seller_id, ZERO), ZERO)
        if share.owed != amount:
            OrderShare.objects.filter(pk=share.pk).update(owed=amount)


def record_receipt(*, payment: Payment, shares: list[OrderShare] | None = None) -> dict[int, Decimal]:
    """A succeeded payment reaches the shares; returns {seller id: amount allocated}.

    Money received by a seller goes to its own share. Money held by the Collectif for a mixed order
    (card or SEPA) is received by every seller's share at once, each up to what it is owed, in the
    sellers' order; anything over the total stays on the last share (an overpayment to refund).

    `shares`: the order's shares with their seller, when the caller read them under the order's lock;
    their `received` is kept up to date in memory, so `is_settled(order, shares=shares)` reads nothing.
    """
    if shares is None:
        shares = list(payment.order.shares.select_related("seller"))
    shares = sorted(shares, key=lambda share: (share.seller.position, share.seller_id))
    own = [share for share in shares if share.seller_id == payment.received_by_id]
    allocation: dict[int, Decimal] = {}
    if own:
        allocation[own[0].seller_id] = payment.amount
    else:
        rest = payment.amount
        for index, share in enumerate(shares):
            amount = rest if index == len(shares) - 1 else min(rest, max(share.due, ZERO))
            if amount > 0:
                allocation[share.seller_id] = amount
                rest -= amount
    by_seller = {share.seller_id: share for share in shares}
    PaymentAllocation.objects.bulk_create(
        PaymentAllocation(payment=payment, share=by_seller[seller_id], amount=amount)
        for seller_id, amount in allocation.items()
    )
    for seller_id, amount in allocation.items():
        OrderShare.objects.filter(pk=by_seller[seller_id].pk).update(received=F("received") + amount)
        by_seller[seller_id].received += amount
    return allocation


def record_refund(*, refund: Refund) -> None:
    """Money paid back by a seller leaves its share."""
    OrderShare.objects.filter(order_id=refund.order_id, seller_id=refund.structure_id).update(
        refunded=F("refunded") + refund.amount
    )


def spread_over_payment(*, payment: Payment, amount: Decimal) -> dict[int, Decimal]:
    """{seller id: part} of an amount taken back from a payment (a dispute, a dashboard refund), pro
    rata of what the payment brought to each share, the rounding cent on the last share."""
    allocations = list(
        payment.allocations.select_related("share").order_by("share__seller__position", "share__seller_id")
    )
    allocated = sum((allocation.amount for allocation in allocations), ZERO)
    parts: dict[int, Decimal] = {}
    rest = amount
    for index, allocation in enumerate(allocations):
        last = index == len(allocations) - 1
        part = rest if last else min(rest, quantize(amount * allocation.amount / allocated))
        if part > 0:
            parts[allocation.share.seller_id] = part
            rest -= part
    return parts


def record_dispute(*, payment: Payment, amount: Decimal) -> dict[int, Decimal]:
    """A customer disputed a card payment and Stripe took the money back: each seller's share loses its
    part (spread like the payment was); returns {seller id: part}."""
    parts = spread_over_payment(payment=payment, amount=amount)
    for seller_id, part in parts.items():
        OrderShare.objects.filter(order_id=payment.order_id, seller_id=seller_id).update(disputed=F("disputed") + part)
    return parts


def record_dispute_outcome(*, payment: Payment, parts: dict[int, Decimal], won: bool) -> None:
    """A dispute won (or its funds reinstated): the money is back on each share. Lost: it stays
    disputed — the seller never keeps it, and its receivable is written off in the books."""
    if not won:
        return
    for seller_id, part in parts.items():
        OrderShare.objects.filter(order_id=payment.order_id, seller_id=seller_id).update(disputed=F("disputed") - part)


def record_reversal(*, payment: Payment) -> dict[int, Decimal]:
    """A payment rejected after it was recorded (a late SEPA failure): what it brought to each share
    goes; its allocations stay as history. Returns {seller id: amount}."""
    allocation = dict(payment.allocations.values_list("share__seller_id", "amount"))
    for seller_id, amount in allocation.items():
        OrderShare.objects.filter(order_id=payment.order_id, seller_id=seller_id).update(
            received=F("received") - amount
        )
    return allocation


def is_settled(order: Order, *, shares: list[OrderShare] | None = None) -> bool:
    """Every seller has what it is owed (the one test of « paid »); `shares` when already up to date."""
    shares = list(order.shares.all()) if shares is None else shares
    return bool(shares) and all(share.is_settled for share in shares)
