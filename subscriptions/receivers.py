"""Receivers of domain events (ARCHITECTURE.md).

marketplace's events: each enqueues one idempotent task through `hub.notify.enqueue` (a broker that
just failed is not waited on again; the caller, `marketplace.events`, logs the failure). accounts'
`account_closing` is answered at once, inside the deletion's transaction (a refusal rolls the
deletion back).
"""

from accounts.exceptions import AccountError
from hub import notify
from hub.exceptions import DomainError
from subscriptions import tasks
from subscriptions.actions.account import close_account_subscriptions


def on_order_confirmed(sender, order_id: int, **kwargs) -> None:
    notify.enqueue(tasks.settle_order_deliveries.name, order_id)


def on_order_payment_failed(sender, order_id: int, **kwargs) -> None:
    notify.enqueue(tasks.mark_order_deliveries_unpaid.name, order_id)


def on_account_closing(sender, user, at, **kwargs) -> None:
    try:
        close_account_subscriptions(user=user, at=at)
    except DomainError as error:
        raise AccountError(error.message) from error
