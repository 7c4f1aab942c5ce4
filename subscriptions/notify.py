"""What the actions enqueue after commit, by task name (see hub.notify): the tasks import the actions,
never the reverse."""

from hub import notify

SUBSCRIPTION_EMAIL = "subscriptions.subscription_email"  # outbox kinds (hub.outbox)
PLACE_FREED_EMAIL = "subscriptions.place_freed_email"


def subscription_email(subscription_id: int, kind: str, *, key: str = "") -> None:
    """Write an e-mail about a subscription to the outbox, sent once the transaction commits."""
    notify.email_on_commit(
        SUBSCRIPTION_EMAIL, subscription_id, str(kind), key, related=f"abonnement #{subscription_id}"
    )


def place_freed_email(entry_id: int) -> None:
    """Tell the first person waiting that a place is free, once the transaction commits."""
    notify.email_on_commit(PLACE_FREED_EMAIL, entry_id, related=f"liste d'attente #{entry_id}")
