"""Domain events of the marketplace (ARCHITECTURE.md): sent on commit, received by higher apps.

Each receiver enqueues one idempotent task; the signal carries only the order id (and line ids).
"""

from django.db import transaction
from django.dispatch import Signal

order_confirmed = Signal()  # order_id
order_payment_failed = Signal()  # order_id
order_cancelled = Signal()  # order_id
order_lines_refunded = Signal()  # order_id, line_ids


def send_on_commit(signal: Signal, **kwargs) -> None:
    transaction.on_commit(lambda: signal.send(sender="marketplace", **kwargs))
