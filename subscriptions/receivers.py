"""Receivers of marketplace's domain events (ARCHITECTURE.md): each enqueues one idempotent task.

Through `hub.notify.enqueue`: a broker that just failed is not waited on again (the caller,
`marketplace.events`, logs the failure).
"""

from hub import notify
from subscriptions import tasks


def on_order_confirmed(sender, order_id: int, **kwargs) -> None:
    notify.enqueue(tasks.settle_order_deliveries.name, order_id)


def on_order_payment_failed(sender, order_id: int, **kwargs) -> None:
    notify.enqueue(tasks.mark_order_deliveries_unpaid.name, order_id)
