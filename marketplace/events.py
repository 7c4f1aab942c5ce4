"""Domain events of the marketplace (ARCHITECTURE.md): sent on commit, received by higher apps.

Each receiver enqueues one idempotent task; the signal carries only the order id (and line ids).
A receiver that fails (the broker is down) is logged and never turns the committed request into an
error, nor keeps the other receivers from running.
"""

import logging

from django.db import transaction
from django.dispatch import Signal

logger = logging.getLogger(__name__)

order_confirmed = Signal()  # order_id
order_payment_failed = Signal()  # order_id
order_cancelled = Signal()  # order_id
order_lines_refunded = Signal()  # order_id, line_ids


def _send(signal: Signal, kwargs: dict) -> None:
    for receiver, result in signal.send_robust(sender="marketplace", **kwargs):
        if isinstance(result, Exception):
            logger.error("Domain event receiver %r failed for %r", receiver, kwargs, exc_info=result)


def send_on_commit(signal: Signal, **kwargs) -> None:
    transaction.on_commit(lambda: _send(signal, kwargs), robust=True)
