"""Parallel bookings on PostgreSQL: the slot's row lock and the exclusion constraint keep capacity right."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from accounts.models import User
from bookings.actions.booking import book
from bookings.enums import BookingStatus
from bookings.exceptions import BookingError, SlotFull
from bookings.models import Booking
from tests.accounts.factories import UserFactory
from tests.bookings.factories import BILLING, NOW, at, offering
from tests.concurrency import run_in_threads

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_twenty_parallel_bookings_for_the_last_five_seats(demo_hub):
    code = offering("seance-de-code-de-la-route")
    for _ in range(3):  # 8 seats: 3 taken, 5 left
        book(
            user=UserFactory(), offering=code, starts_at=at(3, 14), quantity=Decimal("1"), payment_method="cash",
            billing=BILLING, at=NOW,
        )  # fmt: skip
    users = [UserFactory() for _ in range(20)]

    def attempt(index: int):
        return book(
            user=User.objects.get(pk=users[index].pk),
            offering=offering("seance-de-code-de-la-route"),
            starts_at=at(3, 14),
            quantity=Decimal("1"),
            payment_method="cash",
            billing=BILLING,
            at=NOW,
        )

    results = run_in_threads(20, attempt)

    booked = [r for r in results if isinstance(r, Booking)]
    refused = [r for r in results if isinstance(r, BookingError)]
    assert len(booked) == 5, results
    assert len(refused) == 15, results
    assert all(isinstance(r, SlotFull) for r in refused)
    assert (
        Booking.objects.filter(offering=code, starts_at=at(3, 14)).exclude(status=BookingStatus.CANCELLED).count() == 8
    )


def test_parallel_rentals_never_share_a_car(demo_hub):
    users = [UserFactory() for _ in range(6)]

    def rent(index: int):
        return book(
            user=User.objects.get(pk=users[index].pk),
            offering=offering("location-de-voiture-a-la-journee"),
            starts_at=at(2, 8),
            quantity=Decimal("1"),
            payment_method="cash",
            billing=BILLING,
            at=NOW,
        )

    results = run_in_threads(6, rent)

    booked = [r for r in results if isinstance(r, Booking)]
    assert len(booked) == 2, results
    assert len({b.resource_id for b in booked}) == 2


def test_exclusion_constraint_forbids_overlapping_use_of_one_resource(demo_hub):
    car = offering("location-de-voiture-a-la-journee")
    first = book(
        user=UserFactory(), offering=car, starts_at=at(2, 8), quantity=Decimal("1"), payment_method="cash",
        billing=BILLING, at=NOW,
    )  # fmt: skip
    overlapping = Booking(
        offering=car,
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
