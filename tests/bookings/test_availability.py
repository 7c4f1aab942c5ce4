import datetime
from decimal import Decimal

import pytest

from bookings.models import Closure, OpeningRule
from bookings.selectors import available_slots, find_slot
from tests.bookings.factories import NOW, at, book_training, offering

pytestmark = pytest.mark.django_db


def test_laundry_pickups_on_tuesday_and_thursday_mornings_six_per_slot(demo_hub):
    slots = available_slots(
        offering=offering("linge-plat-au-kilo"), start=datetime.date(2027, 3, 1), end=datetime.date(2027, 3, 7), at=NOW
    )

    assert [(s.starts_at, s.ends_at) for s in slots] == [
        (at(2, 9), at(2, 10)),
        (at(2, 10), at(2, 11)),
        (at(2, 11), at(2, 12)),
        (at(4, 9), at(4, 10)),
        (at(4, 10), at(4, 11)),
        (at(4, 11), at(4, 12)),
    ]
    assert {s.capacity for s in slots} == {Decimal("6")}
    assert {s.remaining for s in slots} == {Decimal("6")}


def test_french_public_holiday_is_skipped(demo_hub):
    # Thursday 11 November 2027 is Armistice day; Tuesday the 9th is an ordinary day.
    slots = available_slots(
        offering=offering("linge-plat-au-kilo"),
        start=datetime.date(2027, 11, 8),
        end=datetime.date(2027, 11, 14),
        at=NOW,
    )

    assert {s.starts_at.date() for s in slots} == {datetime.date(2027, 11, 9)}


def test_closure_of_the_structure_is_skipped(demo_hub):
    laundry = offering("linge-plat-au-kilo")
    Closure.objects.create(
        structure=laundry.structure, start_date=datetime.date(2027, 3, 4), end_date=datetime.date(2027, 3, 4)
    )

    slots = available_slots(offering=laundry, start=datetime.date(2027, 3, 1), end=datetime.date(2027, 3, 7), at=NOW)

    assert {s.starts_at.date() for s in slots} == {datetime.date(2027, 3, 2)}


def test_past_slots_are_not_offered(demo_hub):
    slots = available_slots(
        offering=offering("linge-plat-au-kilo"),
        start=datetime.date(2027, 3, 2),
        end=datetime.date(2027, 3, 2),
        at=at(2, 10, 30),
    )

    assert [s.starts_at for s in slots] == [at(2, 11)]


def test_booked_places_are_counted(demo_hub):
    book_training()
    book_training()

    slot = find_slot(offering=offering("seance-de-code-de-la-route"), starts_at=at(3, 14), at=NOW)

    assert (slot.capacity, slot.used, slot.remaining) == (Decimal("8"), Decimal("2"), Decimal("6"))


def test_vehicle_capacity_is_the_number_of_vehicles(demo_hub):
    car = offering("location-de-voiture-a-la-journee")
    OpeningRule.objects.filter(offering=car).update(capacity=Decimal("10"))

    slot = find_slot(offering=car, starts_at=at(2, 8), at=NOW)

    assert (slot.starts_at, slot.ends_at, slot.capacity) == (at(2, 8), at(2, 18), Decimal("2"))


@pytest.mark.parametrize("days", [7, 56])
def test_availability_costs_four_queries_whatever_the_range(demo_hub, django_assert_num_queries, days):
    laundry = offering("linge-plat-au-kilo")
    book_training()

    with django_assert_num_queries(4):
        slots = available_slots(
            offering=laundry,
            start=datetime.date(2027, 3, 1),
            end=datetime.date(2027, 3, 1) + datetime.timedelta(days=days - 1),
            at=NOW,
        )

    assert len(slots) > 0
