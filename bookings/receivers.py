"""Receivers of marketplace's domain events (ARCHITECTURE.md): each enqueues one idempotent task, on commit.

Through `hub.notify.enqueue`: a broker that just failed is not waited on again (the caller,
`marketplace.events`, logs the failure).
"""

from bookings import tasks
from hub import notify


def on_order_confirmed(sender, order_id: int, **kwargs) -> None:
    notify.enqueue(tasks.confirm_order_bookings.name, order_id)


def on_order_payment_failed(sender, order_id: int, **kwargs) -> None:
    notify.enqueue(tasks.mark_order_bookings_unpaid.name, order_id)


def on_order_cancelled(sender, order_id: int, **kwargs) -> None:
    notify.enqueue(tasks.cancel_order_bookings.name, order_id)


def on_order_lines_refunded(sender, order_id: int, line_ids: list[int], **kwargs) -> None:
    notify.enqueue(tasks.cancel_order_bookings.name, order_id, list(line_ids))
