"""A person's bookings as an iCalendar feed (RFC 5545), read at a private token URL."""

import datetime
from collections.abc import Callable, Iterable

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event

from bookings.enums import BookingStatus
from bookings.models import Booking

# Apps above bookings add their own dated events to the feed (subscriptions: basket deliveries).
EventSource = Callable[..., Iterable[Event]]
_sources: list[EventSource] = []


def register_events(source: EventSource) -> None:
    """Add `source(user, *, since: date) -> events` to every feed (called from an AppConfig.ready())."""
    if source not in _sources:
        _sources.append(source)


def render_feed(user) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", f"-//{settings.SITE_NAME}//Réservations//FR")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"{settings.SITE_NAME} — réservations")
    since = timezone.now() - datetime.timedelta(days=90)
    bookings = (
        Booking.objects.visible_to(user)
        .filter(starts_at__gte=since)
        .exclude(status=BookingStatus.CANCELLED)
        .select_related("offering__structure", "pickup_point")
        .order_by("starts_at", "pk")
    )
    for booking in bookings:
        event = Event()
        event.add("uid", f"booking-{booking.pk}@{settings.SITE_URL.split('://')[-1]}")
        event.add("summary", booking.offering.name)
        event.add("dtstart", booking.starts_at)
        event.add("dtend", booking.ends_at)
        event.add("dtstamp", booking.created_at)
        place = booking.address or (booking.pickup_point.name if booking.pickup_point else "")
        if place:
            event.add("location", place)
        event.add("description", f"{booking.offering.structure.name} — {booking.get_status_display()}")
        calendar.add_component(event)
    for source in _sources:
        for event in source(user, since=timezone.localdate(since)):
            calendar.add_component(event)
    return calendar.to_ical()
