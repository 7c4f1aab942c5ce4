"""What the subscription actions share: the day as residents read it, today, the subscription row lock."""

import datetime

from django.utils import formats, timezone

from subscriptions.models import Subscription


def long_date(day: datetime.date) -> str:
    return formats.date_format(day, "l j F Y")


def local_today(today: datetime.date | None) -> datetime.date:
    return today or timezone.localdate()


def lock_subscription(subscription: Subscription) -> Subscription:
    return Subscription.objects.select_for_update(of=("self",)).select_related("plan").get(pk=subscription.pk)
