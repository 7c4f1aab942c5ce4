"""Receivers of marketplace's domain events (ARCHITECTURE.md): each enqueues one idempotent task, on commit."""

from bookings import tasks


def on_order_confirmed(sender, order_id: int, **kwargs) -> None:
    tasks.confirm_order_bookings.delay(order_id)


def on_order_payment_failed(sender, order_id: int, **kwargs) -> None:
    tasks.mark_order_bookings_unpaid.delay(order_id)


def on_order_cancelled(sender, order_id: int, **kwargs) -> None:
    tasks.cancel_order_bookings.delay(order_id)


def on_order_lines_refunded(sender, order_id: int, line_ids: list[int], **kwargs) -> None:
    tasks.cancel_order_bookings.delay(order_id, list(line_ids))
