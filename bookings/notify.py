"""What the actions enqueue after commit, by task name (see hub.notify): the tasks import the actions,
never the reverse."""

from hub import notify


def booking_email(booking_id: int, kind: str) -> None:
    """Queue an e-mail about a booking once the transaction commits (never inside it)."""
    notify.email_on_commit("bookings.send_booking_email", booking_id, kind)
