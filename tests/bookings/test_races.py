"""Parallel bookings on PostgreSQL: the slot's row lock and the exclusion constraint keep capacity right."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from accounts.models import User
from bookings.enums import BookingStatus
from bookings.exceptions import BookingError, SlotFull
from bookings.models import Booking
from services.models import Offering
from tests.accounts.factories import UserFactory
from tests.bookings.factories import BookableOfferingFactory, BookingFactory, at
from tests.concurrency import run_in_threads

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_twenty_parallel_bookings_for_the_last_five_seats():
    code = BookableOfferingFactory()  # 8 seats on Wednesday 4 March 2026, 14:00
    BookingFactory.create_batch(3, offering=code)  # 3 taken, 5 left
    users = [UserFactory() for _ in range(20)]

    def attempt(index: int):
        return BookingFactory(user=User.objects.get(pk=users[index].pk), offering=Offering.objects.get(pk=code.pk))

    results = run_in_threads(20, attempt)

    booked = [r for r in results if isinstance(r, Booking)]
    refused = [r for r in results if isinstance(r, BookingError)]
    assert len(booked) == 5, results
    assert len(refused) == 15, results
    assert all(isinstance(r, SlotFull) for r in refused)
    assert (
        Booking.objects.filter(offering=code, starts_at=at(4, 14)).exclude(status=BookingStatus.CANCELLED).count() == 8
    )


def test_parallel_rentals_never_share_a_car():
    car = BookableOfferingFactory(vehicle_rental=True)  # two cars
    users = [UserFactory() for _ in range(6)]

    def rent(index: int):
        return BookingFactory(user=User.objects.get(pk=users[index].pk), offering=Offering.objects.get(pk=car.pk))

    results = run_in_threads(6, rent)

    booked = [r for r in results if isinstance(r, Booking)]
    assert len(booked) == 2, results
    assert len({b.resource_id for b in booked}) == 2


def test_exclusion_constraint_forbids_overlapping_use_of_one_resource():
    first = BookingFactory(vehicle=True)  # a car for Tuesday 3 March 2026
    overlapping = Booking(
        offering=first.offering,
        slot=first.slot,
        resource=first.resource,
        customer=UserFactory(),
        starts_at=first.starts_at + datetime.timedelta(hours=2),
        ends_at=first.ends_at + datetime.timedelta(hours=2),
        places=Decimal("1"),
        quantity=Decimal("1"),
    )

    with pytest.raises(IntegrityError, match="bookings_booking_no_resource_overlap"), transaction.atomic():
        overlapping.save()

    assert Booking.objects.filter(resource=first.resource, starts_at__date=first.starts_at.date()).count() == 1


def test_parallel_overlapping_visits_never_take_more_teams_than_there_are():
    garden = BookableOfferingFactory(home_visit=True, timed=True)  # 2-hour visits, 2 teams
    BookingFactory(home_visit=True, offering=garden, starts_at=at(3, 10))  # one team 10:00–12:00
    users = [UserFactory() for _ in range(2)]
    # 9:30–11:30 and 11:00–13:00 start at different times (different slot rows) but overlap each
    # other and the 10:00 visit: together they would need three teams from 11:00 to 11:30.
    starts = [at(3, 9, 30), at(3, 11)]

    def attempt(index: int):
        return BookingFactory(
            home_visit=True,
            user=User.objects.get(pk=users[index].pk),
            offering=Offering.objects.get(pk=garden.pk),
            starts_at=starts[index],
        )

    results = run_in_threads(2, attempt)

    booked = [r for r in results if isinstance(r, Booking)]
    refused = [r for r in results if isinstance(r, BookingError)]
    assert (len(booked), len(refused)) == (1, 1), results
    assert isinstance(refused[0], SlotFull)
    assert Booking.objects.filter(offering=garden).exclude(status=BookingStatus.CANCELLED).count() == 2
