"""What happens to bookings when their order moves (marketplace domain events); all idempotent."""

import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from bookings import notify
from bookings.enums import BookingEmail, BookingStatus
from bookings.models import Booking
from marketplace.enums import FulfilmentStatus, PaymentMethod, PaymentStatus


def _bookings_of(order_id: int, *, line_ids=None):
    bookings = Booking.objects.select_for_update(of=("self",)).filter(order_line__order_id=order_id)
    if line_ids is not None:
        bookings = bookings.filter(order_line_id__in=line_ids)
    return bookings.order_by("pk")


def confirm_order_bookings(*, order_id: int) -> int:
    """The order is paid by card, or placed with a pay-later method: its held (or unpaid) bookings are confirmed.

    A booking cancelled meanwhile (its hold expired) stays cancelled: staff refund the late payment.
    Most orders hold no booking: one read says so, with no transaction opened.
    """
    waiting = [BookingStatus.HELD, BookingStatus.UNPAID]
    if not Booking.objects.filter(order_line__order_id=order_id, status__in=waiting).exists():
        return 0
    with transaction.atomic():
        return _confirm_order_bookings(order_id=order_id, waiting=waiting)


def _confirm_order_bookings(*, order_id: int, waiting: list[str]) -> int:
    now = timezone.now()
    count = 0
    for booking in _bookings_of(order_id).filter(status__in=waiting):
        booking.set_status(BookingStatus.CONFIRMED, note=_("Commande confirmée."), at=now)
        booking.hold_expires_at = None
        booking.save(update_fields=["status", "confirmed_at", "hold_expires_at"])
        notify.booking_email(booking.pk, BookingEmail.CONFIRMED)
        count += 1
    return count


@transaction.atomic
def mark_order_bookings_unpaid(*, order_id: int) -> int:
    """A card or SEPA payment failed: the bookings await payment (a held one keeps its hold expiry)."""
    now = timezone.now()
    count = 0
    for booking in _bookings_of(order_id).filter(status__in=[BookingStatus.HELD, BookingStatus.CONFIRMED]):
        booking.set_status(BookingStatus.UNPAID, note=_("Paiement échoué."), at=now)
        booking.save(update_fields=["status"])
        count += 1
    return count


@transaction.atomic
def cancel_order_bookings(*, order_id: int, line_ids: list[int] | None = None) -> int:
    """The order is cancelled (or these lines refunded): its open bookings are cancelled, capacity released."""
    now = timezone.now()
    count = 0
    for booking in _bookings_of(order_id, line_ids=line_ids).filter(status__in=BookingStatus.open()):
        booking.set_status(BookingStatus.CANCELLED, note=_("Commande annulée ou remboursée."), at=now)
        booking.save(update_fields=["status", "cancelled_at"])
        notify.booking_email(booking.pk, BookingEmail.CANCELLED)
        count += 1
    return count


# How long a domain event has to reach its task before the sweep does its work (the broker was down).
EVENT_GRACE = datetime.timedelta(minutes=2)


def sweep_order_events(*, now: datetime.datetime | None = None) -> int:
    """What a lost `order_confirmed` or `order_cancelled` left undone (the broker was down when the
    order's transaction committed: the receivers' tasks were never queued). Beat, every two minutes;
    the actions are idempotent, so a task that was only late does no harm. Returns how many orders.

    Confirmed: an order confirmed for a while (paid, or placed with a pay-later method) whose bookings
    are still held or unpaid. A card or SEPA order whose payment failed or was reversed is not paid:
    its bookings stay unpaid. Cancelled: an order cancelled for a while whose bookings are still open.
    """
    cutoff = (now or timezone.now()) - EVENT_GRACE
    order = "order_line__order__"
    to_confirm = set(
        Booking.objects.filter(
            Q(**{f"{order}payment_status__in": [PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED]})
            | Q(**{f"{order}payment_method__in": PaymentMethod.pay_later()}),
            status__in=[BookingStatus.HELD, BookingStatus.UNPAID],
            **{
                f"{order}fulfilment_status__in": [
                    FulfilmentStatus.CONFIRMED,
                    FulfilmentStatus.FULFILLED,
                    FulfilmentStatus.CLOSED,
                ],
                f"{order}confirmed_at__lte": cutoff,
            },
        ).values_list(f"{order}id", flat=True)
    )
    to_cancel = set(
        Booking.objects.filter(
            status__in=BookingStatus.open(),
            **{f"{order}fulfilment_status": FulfilmentStatus.CANCELLED, f"{order}cancelled_at__lte": cutoff},
        ).values_list(f"{order}id", flat=True)
    )
    for order_id in sorted(to_confirm):
        confirm_order_bookings(order_id=order_id)
    for order_id in sorted(to_cancel):
        cancel_order_bookings(order_id=order_id)
    return len(to_confirm) + len(to_cancel)
