"""Availability, bookings with their transition log, recurring laundry, organisation accounts, calendar feeds."""

from bookings.models.availability import (
    CancellationFee,
    Closure,
    CollectionFee,
    OpeningRule,
    Resource,
    ServiceArea,
    Slot,
)
from bookings.models.bookings import (
    BOOKING_STATUS,
    LAUNDRY,
    Booking,
    BookingNotification,
    BookingQuerySet,
    BookingTransition,
    RecurringBooking,
)
from bookings.models.calendar import CalendarFeed, new_calendar_token
from bookings.models.fields import PLACES, QUANTITY
from bookings.models.organisation_accounts import MonthlyStatement, OrganisationAccount

__all__ = [
    "BOOKING_STATUS",
    "LAUNDRY",
    "PLACES",
    "QUANTITY",
    "Booking",
    "BookingNotification",
    "BookingQuerySet",
    "BookingTransition",
    "CalendarFeed",
    "CancellationFee",
    "Closure",
    "CollectionFee",
    "MonthlyStatement",
    "OpeningRule",
    "OrganisationAccount",
    "RecurringBooking",
    "Resource",
    "ServiceArea",
    "Slot",
    "new_calendar_token",
]
