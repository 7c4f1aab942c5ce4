"""Receivers of domain events (ARCHITECTURE.md).

marketplace's events: each enqueues one idempotent task, on commit, through `hub.notify.enqueue` (a
broker that just failed is not waited on again; the caller, `marketplace.events`, logs the failure).
accounts' `account_closing` is answered at once, inside the deletion's transaction (a refusal rolls
the deletion back).
"""

from accounts.exceptions import AccountError
from bookings import tasks
from bookings.actions.account import close_account_bookings
from hub import notify
from hub.exceptions import DomainError


def on_order_confirmed(sender, order_id: int, **kwargs) -> None:
    notify.enqueue(tasks.confirm_order_bookings.name, order_id)


def on_order_payment_failed(sender, order_id: int, **kwargs) -> None:
    notify.enqueue(tasks.mark_order_bookings_unpaid.name, order_id)


def on_order_cancelled(sender, order_id: int, **kwargs) -> None:
    notify.enqueue(tasks.cancel_order_bookings.name, order_id)


def on_order_lines_refunded(sender, order_id: int, line_ids: list[int], **kwargs) -> None:
    notify.enqueue(tasks.cancel_order_bookings.name, order_id, list(line_ids))


def on_account_closing(sender, user, at, **kwargs) -> None:
    try:
        close_account_bookings(user=user, at=at)
    except DomainError as error:
        raise AccountError(error.message) from error
