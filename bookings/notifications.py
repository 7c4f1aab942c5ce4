"""E-mails to customers about their bookings, in French, after commit, sent once each (BookingNotification)."""

import threading
from contextlib import contextmanager

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import translation

KINDS = {"confirmed", "reminder", "cancelled", "laundry_ready"}
_state = threading.local()


@contextmanager
def suppressed():
    """No e-mail for what happens inside (the demo's bookings)."""
    previous = getattr(_state, "suppressed", False)
    _state.suppressed = True
    try:
        yield
    finally:
        _state.suppressed = previous


def notify_on_commit(booking_id: int, kind: str) -> None:
    """Queue an e-mail about a booking once the transaction commits (never inside it)."""
    if getattr(_state, "suppressed", False):
        return
    from bookings import tasks

    transaction.on_commit(lambda: tasks.send_booking_email.delay(booking_id, kind))


def _bookings_url() -> str:
    try:
        return settings.SITE_URL + reverse("bookings:mine")
    except NoReverseMatch:  # the pages are not mounted (yet)
        return settings.SITE_URL


def send_booking_email(*, booking_id: int, kind: str) -> bool:
    """Send one kind of e-mail about a booking, unless it was already sent. Returns whether it was sent."""
    from bookings.models import Booking, BookingNotification

    if kind not in KINDS:
        raise ValueError(kind)
    booking = Booking.objects.select_related("offering__structure", "customer", "organisation", "pickup_point").get(
        pk=booking_id
    )
    try:
        with transaction.atomic():
            BookingNotification.objects.create(booking=booking, kind=kind)
            with translation.override("fr"):
                context = {"booking": booking, "bookings_url": _bookings_url(), "site_name": settings.SITE_NAME}
                subject = render_to_string(f"bookings/email/{kind}_subject.txt", context).strip()
                body = render_to_string(f"bookings/email/{kind}_body.txt", context)
            send_mail(f"[{settings.SITE_NAME}] {subject}", body, None, [booking.customer.email])
    except IntegrityError:
        return False  # already sent
    return True


def send_reminders(*, at=None) -> int:
    """Remind everyone whose confirmed booking starts in the next 24 hours (once each)."""
    import datetime

    from django.utils import timezone

    from bookings.enums import BookingStatus
    from bookings.models import Booking

    at = at or timezone.now()
    due = Booking.objects.filter(
        status=BookingStatus.CONFIRMED, starts_at__gt=at, starts_at__lte=at + datetime.timedelta(hours=24)
    ).exclude(notifications__kind="reminder")
    sent = 0
    for booking_id in due.values_list("pk", flat=True):
        sent += send_booking_email(booking_id=booking_id, kind="reminder")
    return sent
