"""E-mails to customers about their bookings, in French, sent once each (BookingNotification); called
by tasks, queued by the actions through `bookings.notify`."""

import datetime

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation

from bookings.enums import BookingEmail, BookingStatus
from bookings.models import Booking, BookingNotification


def _bookings_url() -> str:
    try:
        return settings.SITE_URL + reverse("bookings:mine")
    except NoReverseMatch:  # the pages are not mounted (yet)
        return settings.SITE_URL


def send_booking_email(*, booking_id: int, kind: str) -> bool:
    """Send one kind of e-mail about a booking, unless it was already sent. Returns whether it was sent."""
    kind = BookingEmail(kind)  # an unknown kind raises ValueError
    booking = Booking.objects.select_related("offering__structure", "customer", "organisation", "pickup_point").get(
        pk=booking_id
    )
    try:
        with transaction.atomic():
            BookingNotification.objects.create(booking=booking, kind=kind)
            with translation.override("fr"):
                context = {"booking": booking, "bookings_url": _bookings_url(), "site_name": settings.SITE_NAME}
                subject = render_to_string(f"bookings/email/{kind.value}_subject.txt", context).strip()
                body = render_to_string(f"bookings/email/{kind.value}_body.txt", context)
            send_mail(f"[{settings.SITE_NAME}] {subject}", body, None, [booking.customer.email])
    except IntegrityError:
        return False  # already sent
    return True


def send_reminders(*, at=None) -> int:
    """Remind everyone whose confirmed booking starts in the next 24 hours (once each)."""
    at = at or timezone.now()
    due = Booking.objects.filter(
        status=BookingStatus.CONFIRMED, starts_at__gt=at, starts_at__lte=at + datetime.timedelta(hours=24)
    ).exclude(notifications__kind=BookingEmail.REMINDER)
    sent = 0
    for booking_id in due.values_list("pk", flat=True):
        sent += send_booking_email(booking_id=booking_id, kind=BookingEmail.REMINDER)
    return sent
