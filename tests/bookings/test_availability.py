import datetime
from decimal import Decimal

import pytest

from bookings.models import Closure, OpeningRule
from bookings.selectors import available_slots, find_slot
from tests.bookings.factories import NOW, BookableOfferingFactory, BookingFactory, at

pytestmark = pytest.mark.django_db


def test_laundry_pickups_on_tuesday_and_thursday_mornings_six_per_slot():
    slots = available_slots(
        offering=BookableOfferingFactory(laundry=True),
        start=datetime.date(2026, 3, 2),
        end=datetime.date(2026, 3, 8),
        at=NOW,
    )

    assert [(s.starts_at, s.ends_at) for s in slots] == [
        (at(3, 9), at(3, 10)),
        (at(3, 10), at(3, 11)),
        (at(3, 11), at(3, 12)),
        (at(5, 9), at(5, 10)),
        (at(5, 10), at(5, 11)),
        (at(5, 11), at(5, 12)),
    ]
    assert {s.capacity for s in slots} == {Decimal("6")}
    assert {s.remaining for s in slots} == {Decimal("6")}


def test_french_public_holiday_is_skipped():
    # Thursday 11 November 2027 is Armistice day; Tuesday the 9th is an ordinary day.
    slots = available_slots(
        offering=BookableOfferingFactory(laundry=True),
        start=datetime.date(2027, 11, 8),
        end=datetime.date(2027, 11, 14),
        at=NOW,
    )

    assert {s.starts_at.date() for s in slots} == {datetime.date(2027, 11, 9)}


def test_closure_of_the_structure_is_skipped():
    laundry = BookableOfferingFactory(laundry=True)
    Closure.objects.create(
        structure=laundry.structure, start_date=datetime.date(2026, 3, 5), end_date=datetime.date(2026, 3, 5)
    )

    slots = available_slots(offering=laundry, start=datetime.date(2026, 3, 2), end=datetime.date(2026, 3, 8), at=NOW)

    assert {s.starts_at.date() for s in slots} == {datetime.date(2026, 3, 3)}


def test_past_slots_are_not_offered():
    slots = available_slots(
        offering=BookableOfferingFactory(laundry=True),
        start=datetime.date(2026, 3, 3),
        end=datetime.date(2026, 3, 3),
        at=at(3, 10, 30),
    )

    assert [s.starts_at for s in slots] == [at(3, 11)]


def test_booked_places_are_counted():
    code = BookableOfferingFactory()
    BookingFactory.create_batch(2, offering=code)

    slot = find_slot(offering=code, starts_at=at(4, 14), at=NOW)

    assert (slot.capacity, slot.used, slot.remaining) == (Decimal("8"), Decimal("2"), Decimal("6"))


def test_vehicle_capacity_is_the_number_of_vehicles():
    car = BookableOfferingFactory(vehicle_rental=True)  # two cars
    OpeningRule.objects.filter(offering=car).update(capacity=Decimal("10"))

    slot = find_slot(offering=car, starts_at=at(3, 8), at=NOW)

    assert (slot.starts_at, slot.ends_at, slot.capacity) == (at(3, 8), at(3, 18), Decimal("2"))


@pytest.mark.parametrize("days", [7, 56])
def test_availability_costs_four_queries_whatever_the_range(django_assert_num_queries, days):
    laundry = BookableOfferingFactory(laundry=True)
    BookingFactory(laundry=True, offering=laundry)

    with django_assert_num_queries(4):
        slots = available_slots(
            offering=laundry,
            start=datetime.date(2026, 3, 2),
            end=datetime.date(2026, 3, 2) + datetime.timedelta(days=days - 1),
            at=NOW,
        )

    assert len(slots) == 6 * days // 7  # 6 pickups a week, no holiday on those Tuesdays and Thursdays
