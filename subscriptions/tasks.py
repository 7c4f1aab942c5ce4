"""Celery tasks: thin and idempotent, each calls one action."""

from celery import shared_task

from subscriptions.actions import deliveries, payments, prepaid, subscribing


@shared_task(name="subscriptions.expire_place_offers")
def expire_place_offers() -> int:
    return subscribing.expire_place_offers()


@shared_task(name="subscriptions.generate_deliveries")
def generate_deliveries(weeks: int = 4) -> int:
    """Beat, daily: pauses that ended are lifted, the next weeks of deliveries are generated, and prepaid
    subscriptions whose plan opened a new season get its order."""
    deliveries.end_paused()
    generated = deliveries.generate_deliveries(weeks=weeks)
    prepaid.place_new_season_orders()
    return generated


@shared_task(name="subscriptions.charge_due_deliveries")
def charge_due_deliveries() -> int:
    """Beat, daily: deliveries past their cut-off become orders charged off-session."""
    return payments.charge_due_deliveries()


@shared_task(
    name="subscriptions.mark_order_deliveries_unpaid", autoretry_for=(Exception,), retry_backoff=True, max_retries=8
)
def mark_order_deliveries_unpaid(order_id: int) -> int:
    return payments.mark_order_deliveries_unpaid(order_id=order_id)


@shared_task(
    name="subscriptions.settle_order_deliveries", autoretry_for=(Exception,), retry_backoff=True, max_retries=8
)
def settle_order_deliveries(order_id: int) -> int:
    return payments.settle_order_deliveries(order_id=order_id)


@shared_task(name="subscriptions.sweep_order_events")
def sweep_order_events() -> int:
    """Beat, every two minutes: deliveries a lost `order_confirmed` left unpaid although their order is paid."""
    return payments.sweep_order_events()
