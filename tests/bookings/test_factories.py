"""The bookings factories build consistent rows through the real actions (STYLE.md, Tests)."""

import datetime
from decimal import Decimal

import pytest

from bookings.enums import BookingStatus, LaundryStep
from bookings.models import OpeningRule, OrganisationAccount, ServiceArea
from hub.perms import can_order_for_organisation
from marketplace.enums import FulfilmentStatus, PaymentMethod
from tests.bookings.factories import NOW, BookableOfferingFactory, BookingFactory, at

pytestmark = pytest.mark.django_db


def _rules(offering) -> list[tuple]:
    return list(
        OpeningRule.objects.filter(offering=offering)
        .order_by("weekday", "start_time")
        .values_list("weekday", "start_time", "end_time", "slot_minutes", "capacity")
    )


def test_each_bookable_offering_comes_with_its_opening_rules():
    code = BookableOfferingFactory()
    laundry = BookableOfferingFactory(laundry=True)
    housework = BookableOfferingFactory(home_visit=True)
    car = BookableOfferingFactory(vehicle_rental=True)

    t = datetime.time
    assert _rules(code) == [(2, t(14), t(16), 120, Decimal("8.00")), (5, t(10), t(12), 120, Decimal("8.00"))]
    assert _rules(laundry) == [(1, t(9), t(12), 60, Decimal("6.00")), (3, t(9), t(12), 60, Decimal("6.00"))]
    assert _rules(housework) == [(day, t(8), t(18), 600, Decimal("28.00")) for day in range(5)]
    assert _rules(car) == [(day, t(8), t(18), 600, Decimal("2.00")) for day in range(6)]
    assert list(car.booking_resources.values_list("name", "deposit")) == [
        ("Clio bleue", Decimal("300.00")),
        ("Clio grise", Decimal("300.00")),
    ]
    assert list(ServiceArea.objects.filter(structure=housework.structure).values_list("postcode", flat=True)) == [
        "77140"
    ]
    assert (housework.sap_eligible, housework.structure.seller_settings.accepts_cesu) == (True, True)


def test_a_confirmed_booking_holds_its_slot_order_and_line():
    booking = BookingFactory(confirmed=True)

    line = booking.order_line
    assert (booking.status, booking.starts_at, booking.slot.starts_at, booking.created_at) == (
        BookingStatus.CONFIRMED,
        at(4, 14),
        at(4, 14),
        NOW,
    )
    assert (line.offering, line.quantity, line.order.customer, line.order.payment_method) == (
        booking.offering,
        Decimal("1.000"),
        booking.customer,
        PaymentMethod.CASH,
    )
    assert line.order.fulfilment_status == FulfilmentStatus.CONFIRMED
    assert list(booking.transitions.order_by("pk").values_list("from_status", "to_status")) == [
        ("", "held"),
        ("held", "confirmed"),
    ]


def test_a_held_booking_waits_for_its_card_payment():
    booking = BookingFactory(held=True)

    assert (booking.status, booking.hold_expires_at, booking.order_line.order.payment_method) == (
        BookingStatus.HELD,
        NOW + datetime.timedelta(minutes=15),
        PaymentMethod.CARD,
    )


def test_laundry_of_an_organisation_on_account_is_confirmed_without_an_order():
    booking = BookingFactory(laundry=True, on_account=True)

    assert (booking.status, booking.order_line, booking.laundry_step, booking.starts_at) == (
        BookingStatus.CONFIRMED,
        None,
        LaundryStep.SCHEDULED,
        at(3, 9),
    )
    assert (booking.pickup_point.is_pickup_point, booking.quantity) == (True, Decimal("8.000"))
    assert can_order_for_organisation(booking.customer, booking.organisation) is True
    assert OrganisationAccount.objects.get(organisation=booking.organisation).monthly_invoicing is True
