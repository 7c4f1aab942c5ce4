"""A person's bookings as an iCalendar feed (RFC 5545), read at a private token URL."""

import datetime

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event

from bookings.enums import BookingStatus, DeliveryStatus
from bookings.models import Booking, Delivery


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
    _add_deliveries(calendar, user, since=timezone.localdate(since))
    return calendar.to_ical()


def _add_deliveries(calendar: Calendar, user, *, since: datetime.date) -> None:
    """Basket deliveries as all-day events at their pickup point (a holiday move says so)."""
    deliveries = (
        Delivery.objects.filter(subscription__customer=user, date__gte=since)
        .exclude(status__in=[DeliveryStatus.CANCELLED, DeliveryStatus.SKIPPED])
        .select_related("subscription__plan__offering__structure", "subscription__pickup_point")
        .order_by("date", "pk")
    )
    for delivery in deliveries:
        subscription = delivery.subscription
        event = Event()
        event.add("uid", f"delivery-{delivery.pk}@{settings.SITE_URL.split('://')[-1]}")
        event.add("summary", f"Panier : {subscription.plan.offering.name}")
        event.add("dtstart", delivery.date)
        event.add("dtend", delivery.date + datetime.timedelta(days=1))
        event.add("dtstamp", delivery.created_at)
        event.add("location", subscription.pickup_point.name)
        description = f"{subscription.plan.offering.structure.name} — {delivery.get_status_display()}"
        if delivery.moved_from:
            description += f" (jour férié : déplacée du {delivery.moved_from:%d/%m/%Y})"
        event.add("description", description)
        calendar.add_component(event)
