"""Deliveries generated ahead, idempotently, with French public holidays moved (SUBSCRIPTION_HOLIDAY_POLICY),
and pauses that ended lifted."""

import datetime
from functools import lru_cache

import holidays
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from subscriptions import notify
from subscriptions.actions.common import local_today, lock_subscription
from subscriptions.enums import DeliveryStatus, SubscriptionEmail, SubscriptionStatus
from subscriptions.models import Delivery, Subscription

BATCH = 2000


@lru_cache(maxsize=16)
def _french_holidays(year: int) -> frozenset[datetime.date]:
    return frozenset(holidays.France(years=year))


def is_public_holiday(day: datetime.date) -> bool:
    return day in _french_holidays(day.year)


def holiday_policy() -> str:
    """SUBSCRIPTION_HOLIDAY_POLICY: "next_working_day" (default), "previous_working_day" or "skip"."""
    return getattr(settings, "SUBSCRIPTION_HOLIDAY_POLICY", "next_working_day")


def _is_working_day(day: datetime.date) -> bool:
    return day.weekday() != 6 and not is_public_holiday(day)


def replacement_day(day: datetime.date) -> datetime.date | None:
    """Where a distribution falling on a public holiday goes (None: it is skipped)."""
    policy = holiday_policy()
    if policy == "skip":
        return None
    step = datetime.timedelta(days=-1 if policy == "previous_working_day" else 1)
    replacement = day + step
    while not _is_working_day(replacement):
        replacement += step
    return replacement


def end_paused(*, today: datetime.date | None = None) -> int:
    """Pauses whose end date has passed become active again (logged)."""
    today = local_today(today)
    count = 0
    for subscription in Subscription.objects.filter(status=SubscriptionStatus.PAUSED, paused_until__lt=today):
        with transaction.atomic():
            locked = lock_subscription(subscription)
            if locked.status == SubscriptionStatus.PAUSED:
                locked.set_status(SubscriptionStatus.ACTIVE, note=_("Fin de la pause"))
                locked.paused_until = None
                locked.save(update_fields=["status", "paused_until"])
                count += 1
    return count


def _rows_for(
    subscription: Subscription, *, start: datetime.date, end: datetime.date, now: datetime.datetime
) -> list[Delivery]:
    rows = []
    offering = subscription.plan.offering  # its labour is snapshotted on each delivery (DOMAIN.md rule 15)
    for nominal in subscription.distribution_dates(start=start, end=end):
        day, moved_from, status = nominal, None, DeliveryStatus.PLANNED
        if is_public_holiday(nominal):
            replacement = replacement_day(nominal)
            if replacement is None:
                status = DeliveryStatus.CANCELLED
            else:
                day, moved_from = replacement, nominal
        if (
            status == DeliveryStatus.PLANNED
            and subscription.status == SubscriptionStatus.PAUSED
            and subscription.paused_until
            and nominal <= subscription.paused_until
        ):
            status = DeliveryStatus.SKIPPED
        rows.append(
            Delivery(
                subscription_id=subscription.pk,
                date=day,
                moved_from=moved_from,
                status=status,
                labour_hours=offering.labour_hours_per_unit,
                required_skill_id=offering.required_skill_id,
                created_at=now,
            )
        )
    return rows


def generate_for(subscription: Subscription, *, weeks: int = 4, today: datetime.date | None = None) -> int:
    today = local_today(today)
    return _generate(Subscription.objects.filter(pk=subscription.pk), today=today, weeks=weeks)


def generate_deliveries(*, weeks: int = 4, today: datetime.date | None = None) -> int:
    """Delivery rows of every live subscription for the next `weeks` weeks; returns how many were created.

    Idempotent: existing (subscription, date) pairs are left alone, and the unique constraint makes a
    concurrent run harmless (`ignore_conflicts`). A distribution on a French public holiday moves to
    the replacement day (SUBSCRIPTION_HOLIDAY_POLICY) and carries `moved_from`, the resident's notice.
    """
    return _generate(Subscription.objects.live(), today=local_today(today), weeks=weeks)


def _generate(subscriptions, *, today: datetime.date, weeks: int) -> int:
    end = today + datetime.timedelta(days=7 * weeks - 1)  # the next `weeks` weeks, today included
    now = timezone.now()
    subscriptions = subscriptions.select_related("plan__offering").filter(
        plan__season_end__gte=today, plan__season_start__lte=end
    )
    created = 0
    moved: list[tuple[int, datetime.date]] = []
    ids = list(subscriptions.order_by("pk").values_list("pk", flat=True))
    for offset in range(0, len(ids), BATCH):
        chunk = ids[offset : offset + BATCH]
        existing = set(
            Delivery.objects.filter(
                subscription_id__in=chunk, date__gte=today - datetime.timedelta(days=7)
            ).values_list("subscription_id", "date")
        )
        rows = []
        for subscription in subscriptions.filter(pk__in=chunk).only(
            "pk", "start_date", "status", "paused_until", "plan__season_start", "plan__season_end",
            "plan__weekday", "plan__frequency", "plan__offering__labour_hours_per_unit",
            "plan__offering__required_skill",
        ):  # fmt: skip
            for row in _rows_for(subscription, start=today, end=end, now=now):
                if (row.subscription_id, row.date) not in existing:
                    rows.append(row)
                    if row.moved_from:
                        moved.append((row.subscription_id, row.moved_from))
        Delivery.objects.bulk_create(rows, batch_size=BATCH, ignore_conflicts=True)
        created += len(rows)
    for subscription_id, nominal in moved:
        notify.subscription_email(subscription_id, SubscriptionEmail.HOLIDAY_MOVED, key=f"{nominal:%Y%m%d}")
    return created
