"""Basket deliveries as all-day events of the person's calendar feed (registered with bookings' feed)."""

import datetime
from collections.abc import Iterator

from django.conf import settings
from icalendar import Event

from subscriptions.enums import DeliveryStatus
from subscriptions.models import Delivery


def delivery_events(user, *, since: datetime.date) -> Iterator[Event]:
    """Each coming delivery at its pickup point (a holiday move says so)."""
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
        yield event
