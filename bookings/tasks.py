"""Celery tasks: thin and idempotent, each calls one action."""

import datetime

from celery import shared_task
from django.utils import timezone

from bookings import notifications
from bookings.actions import booking, laundry, orders


def _last_month() -> tuple[int, int]:
    last_month = timezone.localdate().replace(day=1) - datetime.timedelta(days=1)
    return last_month.year, last_month.month


@shared_task(name="bookings.confirm_order_bookings", autoretry_for=(Exception,), retry_backoff=True, max_retries=8)
def confirm_order_bookings(order_id: int) -> int:
    return orders.confirm_order_bookings(order_id=order_id)


@shared_task(name="bookings.mark_order_bookings_unpaid", autoretry_for=(Exception,), retry_backoff=True, max_retries=8)
def mark_order_bookings_unpaid(order_id: int) -> int:
    return orders.mark_order_bookings_unpaid(order_id=order_id)


@shared_task(name="bookings.cancel_order_bookings", autoretry_for=(Exception,), retry_backoff=True, max_retries=8)
def cancel_order_bookings(order_id: int, line_ids: list[int] | None = None) -> int:
    return orders.cancel_order_bookings(order_id=order_id, line_ids=line_ids)


@shared_task(name="bookings.sweep_order_events")
def sweep_order_events() -> int:
    """Beat, every two minutes: what a domain event lost while the broker was down left undone."""
    return orders.sweep_order_events()


@shared_task(name="bookings.send_reminders")
def send_reminders() -> int:
    return notifications.send_reminders()


@shared_task(name="bookings.release_expired_holds")
def release_expired_holds() -> int:
    return booking.release_expired_holds()


@shared_task(name="bookings.generate_recurring_bookings")
def generate_recurring_bookings() -> int:
    return laundry.generate_all_occurrences()


@shared_task(name="bookings.issue_monthly_laundry_invoices")
def issue_monthly_laundry_invoices(year: int | None = None, month: int | None = None) -> int:
    """On the 1st, bill last month's laundry of organisations on account (idempotent)."""
    if year is None or month is None:
        year, month = _last_month()
    return len(laundry.issue_monthly_laundry_invoices(year=year, month=month))


@shared_task(name="bookings.issue_monthly_home_service_invoices")
def issue_monthly_home_service_invoices(year: int | None = None, month: int | None = None) -> int:
    """On the 1st, bill last month's recurring home visits on the hours done (idempotent)."""
    if year is None or month is None:
        year, month = _last_month()
    return len(booking.issue_monthly_home_service_invoices(year=year, month=month))
