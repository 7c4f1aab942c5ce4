"""Refusals of the booking workflows; `message` is French and shown as is (UI and API)."""

from hub import exceptions as hub_exceptions


class BookingError(hub_exceptions.DomainError):
    code = "booking_refused"


class SlotUnavailable(BookingError):
    code = "slot_unavailable"


class SlotFull(BookingError):
    code = "slot_full"


class InvalidBookingTransition(BookingError, hub_exceptions.InvalidTransition):
    code = "invalid_transition"


class NotAllowed(BookingError):
    code = "not_allowed"
