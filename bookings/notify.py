"""What the actions enqueue after commit, by task name (see hub.notify): the tasks import the actions,
never the reverse."""

from hub import notify

BOOKING_EMAIL = "bookings.booking_email"  # the outbox kind (hub.outbox)


def booking_email(booking_id: int, kind: str) -> None:
    """Write an e-mail about a booking to the outbox, sent once the transaction commits."""
    notify.email_on_commit(BOOKING_EMAIL, booking_id, str(kind), related=f"réservation #{booking_id}")
