import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from bookings.enums import BookingStatus
from bookings.models import Booking
from tests.accounts.factories import UserFactory
from tests.bookings.factories import at, book_training, club, club_member, offering
from tests.marketplace.factories import resident

pytestmark = pytest.mark.django_db


def _client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _next_wednesday_14h() -> datetime.datetime:
    today = timezone.localdate()
    day = today + datetime.timedelta(days=(2 - today.weekday()) % 7 + 14)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(14)))


def test_availability_lists_slots_with_remaining_places(demo_hub):
    code = offering("seance-de-code-de-la-route")
    starts = _next_wednesday_14h()

    response = _client(resident()).get(
        reverse("api:availability"), {"offering": code.pk, "from": starts.date(), "to": starts.date()}
    )

    assert response.status_code == 200
    assert response.json() == [
        {
            "starts_at": starts.isoformat(),
            "ends_at": (starts + datetime.timedelta(hours=2)).isoformat(),
            "capacity": "8.00",
            "remaining": "8.00",
        }
    ]


def test_availability_of_an_offering_that_is_not_booked_is_404(demo_hub):
    response = _client(resident()).get(
        reverse("api:availability"),
        {"offering": offering("the-vert-bio-100-g").pk, "from": "2027-03-01", "to": "2027-03-07"},
    )

    assert (response.status_code, response.json()["code"]) == (404, "not_found")


def test_book_then_list_then_cancel(demo_hub, django_capture_on_commit_callbacks):
    user = resident()
    client = _client(user)
    starts = _next_wednesday_14h()

    with django_capture_on_commit_callbacks(execute=True):
        created = client.post(
            reverse("api:booking-list"),
            {
                "offering": offering("seance-de-code-de-la-route").pk,
                "starts_at": starts.isoformat(),
                "quantity": "1",
                "payment_method": "cash",
                "billing_address": "4 rue des Tilleuls\n23400 Bourganeuf",
            },
            format="json",
        )

    assert created.status_code == 201, created.json()
    body = created.json()
    booking = Booking.objects.get(pk=body["id"])
    # Answered before commit: the order's confirmation reaches the booking just after.
    assert (body["status"], body["offering"], body["order"]) == (
        "held",
        "seance-de-code-de-la-route",
        booking.order_line.order.reference,
    )
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    listed = client.get(reverse("api:booking-list"))
    assert [b["id"] for b in listed.json()["results"]] == [booking.pk]

    cancelled = client.post(reverse("api:booking-cancel", args=[booking.pk]))
    assert (cancelled.status_code, cancelled.json()["status"]) == (200, "cancelled")


def test_refusal_is_json_with_code_and_message(demo_hub):
    response = _client(resident()).post(
        reverse("api:booking-list"),
        {
            "offering": offering("seance-de-code-de-la-route").pk,
            "starts_at": (_next_wednesday_14h() + datetime.timedelta(hours=1)).isoformat(),
            "quantity": "1",
            "payment_method": "cash",
            "billing_address": "1 rue\n23400 Bourganeuf",
        },
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == {"code": "slot_unavailable", "message": "Ce créneau n'est pas ouvert à la réservation."}


def test_recurring_laundry_pickup_for_an_organisation(demo_hub, django_capture_on_commit_callbacks):
    today = timezone.localdate()
    tuesday = today + datetime.timedelta(days=(1 - today.weekday()) % 7 + 7)
    starts = timezone.make_aware(datetime.datetime.combine(tuesday, datetime.time(11)))

    with django_capture_on_commit_callbacks(execute=True):
        response = _client(club_member()).post(
            reverse("api:booking-list"),
            {
                "offering": offering("tenues-sportives-au-kilo").pk,
                "starts_at": starts.isoformat(),
                "quantity": "6.5",
                "payment_method": "transfer",
                "organisation": "as-bourganeuf",
                "pickup_point": "pole-accueil",
                "frequency": "weekly",
            },
            format="json",
        )

    assert response.status_code == 201, response.json()
    booking = Booking.objects.get(pk=response.json()["id"])
    assert (booking.organisation, booking.starts_at, booking.quantity, booking.status) == (
        club(),
        starts,
        Decimal("6.500"),
        BookingStatus.CONFIRMED,
    )
    until = today + datetime.timedelta(weeks=4)
    expected = [
        starts + datetime.timedelta(weeks=n) for n in range(5) if (tuesday + datetime.timedelta(weeks=n)) <= until
    ]
    assert list(booking.series.occurrences.order_by("starts_at").values_list("starts_at", flat=True)) == expected


def test_someone_elses_booking_is_404_and_unchanged(demo_hub):
    booking = book_training()

    for name, data in (
        ("api:booking-cancel", {}),
        ("api:booking-reschedule", {"starts_at": "2027-03-06T10:00:00+01:00"}),
    ):
        response = _client(UserFactory()).post(reverse(name, args=[booking.pk]), data, format="json")
        assert (response.status_code, response.json()["code"]) == (404, "not_found")

    booking.refresh_from_db()
    assert (booking.status, booking.starts_at.isoformat()) == (BookingStatus.HELD, "2027-03-03T13:00:00+00:00")
    assert _client(UserFactory()).get(reverse("api:booking-list")).json()["results"] == []


def test_booking_list_costs_a_fixed_number_of_queries(demo_hub, django_assert_num_queries):
    user = resident()
    for starts_at in (at(3, 14), at(6, 10), at(10, 14), at(13, 10)):
        book_training(user, starts_at=starts_at)
    client = _client(user)

    with django_assert_num_queries(3):  # memberships, count, page
        response = client.get(reverse("api:booking-list"))

    assert response.json()["count"] == 4


def test_pickup_points(demo_hub):
    response = _client(resident()).get(reverse("api:pickup-point-list"))

    assert [p["slug"] for p in response.json()["results"]] == ["pole-accueil", "salle-pontarion", "epicerie-royere"]


def test_bookings_are_in_the_openapi_schema(demo_hub):
    response = _client(resident()).get(reverse("schema"), {"format": "json"})

    paths = response.json()["paths"]
    assert {
        "/api/v1/availability/",
        "/api/v1/bookings/",
        "/api/v1/bookings/{id}/cancel/",
        "/api/v1/bookings/{id}/reschedule/",
        "/api/v1/pickup-points/",
    } <= set(paths)
