"""What happens to bookings when their order moves (marketplace domain events); all idempotent."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bookings import notify
from bookings.enums import BookingEmail, BookingStatus
from bookings.models import Booking


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
