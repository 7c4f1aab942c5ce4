"""Domain events of accounts (ARCHITECTURE.md): higher apps react to them without accounts importing them.

`account_closing` is sent synchronously, inside the transaction that erases the account and before
the row is anonymised: each app cancels what the person still has running in the future (bookings
at their home, subscriptions, places on a waiting list) through its own actions, whose side
effects (e-mails, card refunds) go out on commit. A receiver that refuses raises `AccountError`:
the whole deletion is rolled back and the person reads why.
"""

from django.dispatch import Signal

# Sent with `user=<User>` and `at=<datetime>` by `accounts.actions.delete_account`.
account_closing = Signal()
