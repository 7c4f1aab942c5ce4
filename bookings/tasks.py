"""Celery tasks: thin and idempotent, each calls one action."""

from celery import shared_task


@shared_task(name="bookings.confirm_order_bookings", autoretry_for=(Exception,), retry_backoff=True, max_retries=8)
def confirm_order_bookings(order_id: int) -> int:
    from bookings.actions.orders import confirm_order_bookings as confirm

    return confirm(order_id=order_id)


@shared_task(name="bookings.mark_order_bookings_unpaid", autoretry_for=(Exception,), retry_backoff=True, max_retries=8)
def mark_order_bookings_unpaid(order_id: int) -> int:
    from bookings.actions.orders import mark_order_bookings_unpaid as mark

    return mark(order_id=order_id)


@shared_task(name="bookings.cancel_order_bookings", autoretry_for=(Exception,), retry_backoff=True, max_retries=8)
def cancel_order_bookings(order_id: int, line_ids: list[int] | None = None) -> int:
    from bookings.actions.orders import cancel_order_bookings as cancel

    return cancel(order_id=order_id, line_ids=line_ids)


@shared_task(name="bookings.send_booking_email")
def send_booking_email(booking_id: int, kind: str) -> bool:
    from bookings import notifications

    return notifications.send_booking_email(booking_id=booking_id, kind=kind)


@shared_task(name="bookings.send_reminders")
def send_reminders() -> int:
    from bookings import notifications

    return notifications.send_reminders()


@shared_task(name="bookings.release_expired_holds")
def release_expired_holds() -> int:
    from bookings.actions.booking import release_expired_holds as release

    return release()


@shared_task(name="bookings.expire_place_offers")
def expire_place_offers() -> int:
    from bookings.actions.subscriptions import expire_place_offers as expire

    return expire()


@shared_task(name="bookings.generate_recurring_bookings")
def generate_recurring_bookings() -> int:
    from bookings.actions.laundry import generate_all_occurrences

    return generate_all_occurrences()


@shared_task(name="bookings.issue_monthly_laundry_invoices")
def issue_monthly_laundry_invoices(year: int | None = None, month: int | None = None) -> int:
    """On the 1st, bill last month's laundry of organisations on account (idempotent)."""
    import datetime

    from django.utils import timezone

    from bookings.actions.laundry import issue_monthly_laundry_invoices as issue

    if year is None or month is None:
        last_month = timezone.localdate().replace(day=1) - datetime.timedelta(days=1)
        year, month = last_month.year, last_month.month
    return len(issue(year=year, month=month))


@shared_task(name="bookings.send_subscription_email")
def send_subscription_email(subscription_id: int, kind: str, key: str = "") -> bool:
    from bookings import subscription_notifications

    return subscription_notifications.send_subscription_email(subscription_id=subscription_id, kind=kind, key=key)


@shared_task(name="bookings.send_place_freed_email")
def send_place_freed_email(entry_id: int) -> bool:
    from bookings import subscription_notifications

    return subscription_notifications.deliver_place_freed(entry_id=entry_id)


@shared_task(name="bookings.generate_subscription_deliveries")
def generate_subscription_deliveries(weeks: int = 4) -> int:
    """Beat, daily: pauses that ended are lifted, then the next weeks of deliveries are generated."""
    from bookings.actions.subscriptions import end_paused, generate_deliveries

    end_paused()
    return generate_deliveries(weeks=weeks)


@shared_task(name="bookings.charge_due_deliveries")
def charge_due_deliveries() -> int:
    """Beat, daily: deliveries past their cut-off become orders charged off-session."""
    from bookings.actions.subscription_payments import charge_due_deliveries as charge

    return charge()


@shared_task(
    name="bookings.mark_order_deliveries_unpaid", autoretry_for=(Exception,), retry_backoff=True, max_retries=8
)
def mark_order_deliveries_unpaid(order_id: int) -> int:
    from bookings.actions.subscription_payments import mark_order_deliveries_unpaid as mark

    return mark(order_id=order_id)


@shared_task(name="bookings.settle_order_deliveries", autoretry_for=(Exception,), retry_backoff=True, max_retries=8)
def settle_order_deliveries(order_id: int) -> int:
    from bookings.actions.subscription_payments import settle_order_deliveries as settle

    return settle(order_id=order_id)


@shared_task(name="bookings.issue_monthly_home_service_invoices")
def issue_monthly_home_service_invoices(year: int | None = None, month: int | None = None) -> int:
    """On the 1st, bill last month's recurring home visits on the hours done (idempotent)."""
    import datetime

    from django.utils import timezone

    from bookings.actions.booking import issue_monthly_home_service_invoices as issue

    if year is None or month is None:
        last_month = timezone.localdate().replace(day=1) - datetime.timedelta(days=1)
        year, month = last_month.year, last_month.month
    return len(issue(year=year, month=month))
