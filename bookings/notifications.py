"""E-mails to customers about their bookings, in French, sent once each (BookingNotification): the
actions write them to the outbox through `bookings.notify`; `hub.outbox` calls the composer here
(registered in `BookingsConfig.ready()`) when it sends them."""

import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.template.loader import select_template
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation

from bookings import notify
from bookings.enums import BookingEmail, BookingStatus
from bookings.models import Booking, BookingNotification
from hub.outbox import Message
from services.enums import OfferingKind


def _bookings_url() -> str:
    try:
        return settings.SITE_URL + reverse("bookings:mine")
    except NoReverseMatch:  # the pages are not mounted (yet)
        return settings.SITE_URL


def _template_names(booking: Booking, kind: BookingEmail) -> list[str]:
    """A home visit's e-mails speak of visits at the customer's address (`home_<kind>`), others of slots."""
    names = [f"bookings/email/{kind.value}"]
    if booking.offering.kind == OfferingKind.HOME_SERVICE:
        names.insert(0, f"bookings/email/home_{kind.value}")
    return names


def _series_bookings(booking: Booking, kind: BookingEmail) -> list[Booking]:
    """The dates a series e-mail lists: those booked (confirmed), or those cancelled with this one."""
    if booking.series_id is None:
        return []
    occurrences = Booking.objects.filter(series_id=booking.series_id).order_by("starts_at", "pk")
    if kind == BookingEmail.SERIES_CONFIRMED:
        return list(occurrences.filter(status__in=BookingStatus.open()))
    if kind == BookingEmail.SERIES_CANCELLED:
        return list(occurrences.filter(status=BookingStatus.CANCELLED, cancelled_at=booking.cancelled_at))
    return []


def compose_booking_email(booking_id: int, kind: str) -> Message | None:
    """One kind of e-mail about a booking, or None if it was already sent (its BookingNotification row
    is written here, in the outbox's transaction: undone if sending fails)."""
    kind = BookingEmail(kind)  # an unknown kind raises ValueError
    booking = Booking.objects.select_related("offering__structure", "customer", "organisation", "pickup_point").get(
        pk=booking_id
    )
    try:
        with transaction.atomic():
            BookingNotification.objects.create(booking=booking, kind=kind)
            with translation.override("fr"):
                context = {
                    "booking": booking,
                    "series_bookings": _series_bookings(booking, kind),
                    "bookings_url": _bookings_url(),
                    "site_name": settings.SITE_NAME,
                }
                names = _template_names(booking, kind)
                subject = select_template([f"{name}_subject.txt" for name in names]).render(context).strip()
                body = select_template([f"{name}_body.txt" for name in names]).render(context)
    except IntegrityError:
        return None  # already sent
    return Message(subject=f"[{settings.SITE_NAME}] {subject}", body=body, recipients=[booking.customer.email])


def send_reminders(*, at=None) -> int:
    """Remind everyone whose confirmed booking starts in the next 24 hours (once each: the outbox's
    composer skips a reminder already sent); returns how many reminders were written to the outbox."""
    at = at or timezone.now()
    due = Booking.objects.filter(
        status=BookingStatus.CONFIRMED, starts_at__gt=at, starts_at__lte=at + datetime.timedelta(hours=24)
    ).exclude(notifications__kind=BookingEmail.REMINDER)
    queued = 0
    for booking_id in due.values_list("pk", flat=True):
        with transaction.atomic():
            notify.booking_email(booking_id, BookingEmail.REMINDER)
        queued += 1
    return queued
