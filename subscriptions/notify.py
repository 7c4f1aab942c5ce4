"""What the actions enqueue after commit, by task name (see hub.notify): the tasks import the actions,
never the reverse."""

from hub import notify


def subscription_email(subscription_id: int, kind: str, *, key: str = "") -> None:
    """Queue an e-mail about a subscription once the transaction commits (never inside it)."""
    notify.email_on_commit("subscriptions.send_subscription_email", subscription_id, kind, key)


def place_freed_email(entry_id: int) -> None:
    """Tell the first person waiting that a place is free, once the transaction commits."""
    notify.email_on_commit("subscriptions.send_place_freed_email", entry_id)
