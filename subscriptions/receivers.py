"""Receivers of marketplace's domain events (ARCHITECTURE.md): each enqueues one idempotent task."""

from subscriptions import tasks


def on_order_confirmed(sender, order_id: int, **kwargs) -> None:
    tasks.settle_order_deliveries.delay(order_id)


def on_order_payment_failed(sender, order_id: int, **kwargs) -> None:
    tasks.mark_order_deliveries_unpaid.delay(order_id)
