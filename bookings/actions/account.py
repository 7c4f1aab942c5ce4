"""A person closes their account: what they booked for themselves in the future ends with it."""

import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from bookings.actions.booking import cancel_booking
from bookings.enums import BookingStatus
from bookings.models import Booking, CalendarFeed, RecurringBooking
from marketplace.actions.refunds import refund_order, refundable_amount
from marketplace.enums import PaymentStatus

# What a closed account leaves on a booking that is over or cancelled: no home address, no door code.
_PRIVATE_FIELDS = {"address": "", "destination": "", "note": ""}


@transaction.atomic
def close_account_bookings(*, user, at: datetime.datetime) -> list[Booking]:
    """Cancel the person's own future bookings as they would themselves (`cancel_booking`: free until
    48 h before, later with the fee order), refund what they paid for them (the seller's terms grant
    it: the customer leaves), stop their recurring pickups, revoke their calendar feed and blank the
    address, destination and notes of their bookings that are over. An organisation's bookings stay
    with the organisation.
    """
    own = Booking.objects.filter(customer=user, organisation__isnull=True)
    cancelled = [
        cancel_booking(booking=booking, by=user, at=at, reason=_("Compte supprimé."))
        for booking in own.filter(status__in=BookingStatus.open(), starts_at__gt=at).order_by("starts_at", "pk")
    ]
    for order, lines in _paid_lines_wholly_cancelled(cancelled).items():
        amounts = {line.pk: refundable_amount(line) for line in lines if refundable_amount(line) > 0}
        if amounts:
            refund_order(order=order, by=user, amounts=amounts, reason=_("Compte supprimé."), granted_by_terms=True)
    RecurringBooking.objects.filter(customer=user, organisation__isnull=True).update(
        is_active=False, address="", note=""
    )
    own.filter(status__in=[BookingStatus.CANCELLED, BookingStatus.DONE, BookingStatus.NO_SHOW]).update(
        **_PRIVATE_FIELDS
    )
    CalendarFeed.objects.filter(user=user).delete()
    return cancelled


def _paid_lines_wholly_cancelled(bookings: list[Booking]) -> dict:
    """{paid order: [its lines]} for the lines whose every booking is now cancelled (a line shared with a
    booking that happened stays for the seller's staff to settle)."""
    by_order: dict = {}
    line_ids = {booking.order_line_id for booking in bookings if booking.order_line_id}
    for booking in bookings:
        line = booking.order_line
        if line is None or line.pk not in line_ids:
            continue
        line_ids.discard(line.pk)
        order = line.order
        order.refresh_from_db(fields=["payment_status"])
        if order.payment_status not in {PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED}:
            continue
        if line.bookings.exclude(status=BookingStatus.CANCELLED).exists():
            continue
        by_order.setdefault(order, []).append(line)
    return by_order
