"""Celery tasks: thin and idempotent, each calls one action."""

import datetime

from celery import shared_task
from django.conf import settings


@shared_task(name="marketplace.send_order_email")
def send_order_email(order_id: int, kind: str, key: str = "") -> None:
    from marketplace import notifications

    notifications.send_order_email(order_id=order_id, kind=kind, key=key)


@shared_task(name="marketplace.process_stripe_event", autoretry_for=(Exception,), retry_backoff=True, max_retries=8)
def process_stripe_event(event_pk: int) -> None:
    from marketplace.actions.payments import process_stripe_event as process

    process(event_pk=event_pk)


@shared_task(name="marketplace.expire_unpaid_card_orders")
def expire_unpaid_card_orders() -> int:
    from marketplace.actions.refunds import expire_unpaid_card_orders as expire

    return expire(older_than=datetime.timedelta(minutes=settings.CARD_PAYMENT_HOLD_MINUTES))


@shared_task(name="marketplace.issue_shared_services_invoices")
def issue_shared_services_invoices(year: int | None = None, month: int | None = None) -> int:
    """On the 1st, bill last month's shared services (idempotent: once per member and month)."""
    from django.utils import timezone

    from marketplace.actions.shared_services import issue_shared_services_invoices as issue

    if year is None or month is None:
        first = timezone.localdate().replace(day=1)
        last_month = first - datetime.timedelta(days=1)
        year, month = last_month.year, last_month.month
    return len(issue(year=year, month=month))
