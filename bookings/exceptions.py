"""Refusals of the booking workflows; `message` is French and shown as is (UI and API)."""


class BookingError(Exception):
    code = "booking_refused"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class SlotUnavailable(BookingError):
    code = "slot_unavailable"


class SlotFull(BookingError):
    code = "slot_full"


class InvalidBookingTransition(BookingError):
    code = "invalid_transition"


class NotAllowed(BookingError):
    code = "not_allowed"
