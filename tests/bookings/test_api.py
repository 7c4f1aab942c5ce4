import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from bookings.enums import BookingStatus
from bookings.models import Booking
from bookings.selectors import is_public_holiday
from services.enums import Audience
from tests.accounts.factories import UserFactory
from tests.bookings.factories import (
    TUE,
    WED,
    BillingOrganisationFactory,
    BookableOfferingFactory,
    BookingFactory,
    at,
    next_weekday,
)
from tests.hub.factories import OrganisationMembershipFactory, SiteFactory
from tests.services.factories import OfferingFactory

pytestmark = pytest.mark.django_db


def _client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_availability_lists_slots_with_remaining_places():
    code = BookableOfferingFactory()  # Wednesdays 14–16 h, 8 seats
    starts = next_weekday(WED, 14, weeks=2)

    response = _client(UserFactory()).get(
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


def test_availability_of_an_offering_that_is_not_booked_is_404():
    tea = OfferingFactory()  # goods: no opening rule

    response = _client(UserFactory()).get(
        reverse("api:availability"), {"offering": tea.pk, "from": "2026-03-02", "to": "2026-03-08"}
    )

    assert (response.status_code, response.json()["code"]) == (404, "not_found")


def test_book_then_list_then_cancel(django_capture_on_commit_callbacks):
    code = BookableOfferingFactory()
    user = UserFactory()
    client = _client(user)
    starts = next_weekday(WED, 14, weeks=2)

    with django_capture_on_commit_callbacks(execute=True):
        created = client.post(
            reverse("api:booking-list"),
            {
                "offering": code.pk,
                "starts_at": starts.isoformat(),
                "quantity": "1",
                "payment_method": "cash",
                "billing_address": "4 rue des Tilleuls\n77140 Nemours",
            },
            format="json",
        )

    assert created.status_code == 201, created.json()
    body = created.json()
    booking = Booking.objects.get(pk=body["id"])
    # Answered before commit: the order's confirmation reaches the booking just after.
    assert (body["status"], body["offering"], body["order"]) == (
        "held",
        code.slug,
        booking.order_line.order.reference,
    )
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    listed = client.get(reverse("api:booking-list"))
    assert [b["id"] for b in listed.json()["results"]] == [booking.pk]

    cancelled = client.post(reverse("api:booking-cancel", args=[booking.pk]))
    assert (cancelled.status_code, cancelled.json()["status"]) == (200, "cancelled")


def test_refusal_is_json_with_code_and_message():
    code = BookableOfferingFactory()
    bookings = Booking.objects.count()

    response = _client(UserFactory()).post(
        reverse("api:booking-list"),
        {
            "offering": code.pk,
            "starts_at": (next_weekday(WED, 14, weeks=2) + datetime.timedelta(hours=1)).isoformat(),
            "quantity": "1",
            "payment_method": "cash",
            "billing_address": "1 rue\n77140 Nemours",
        },
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == {"code": "slot_unavailable", "message": "Ce créneau n'est pas ouvert à la réservation."}
    assert Booking.objects.count() == bookings


def test_recurring_laundry_pickup_for_an_organisation(django_capture_on_commit_callbacks):
    sportswear = BookableOfferingFactory(laundry=True, audience=Audience.ORGANISATIONS)  # Tuesdays 9–12 h
    membership = OrganisationMembershipFactory(organisation=BillingOrganisationFactory())
    point = SiteFactory(pickup_point=True)
    today = timezone.localdate()
    starts = next_weekday(TUE, 11)
    tuesday = starts.date()

    with django_capture_on_commit_callbacks(execute=True):
        response = _client(membership.user).post(
            reverse("api:booking-list"),
            {
                "offering": sportswear.pk,
                "starts_at": starts.isoformat(),
                "quantity": "6.5",
                "payment_method": "transfer",
                "organisation": membership.organisation.slug,
                "pickup_point": point.slug,
                "frequency": "weekly",
            },
            format="json",
        )

    assert response.status_code == 201, response.json()
    booking = Booking.objects.get(pk=response.json()["id"])
    assert (booking.organisation, booking.starts_at, booking.quantity, booking.status) == (
        membership.organisation,
        starts,
        Decimal("6.500"),
        BookingStatus.CONFIRMED,
    )
    until = today + datetime.timedelta(weeks=4)
    weeks = [datetime.timedelta(weeks=n) for n in range(5)]
    # Every Tuesday up to four weeks ahead, but a public holiday (no pickup that day).
    expected = [starts + n for n in weeks if tuesday + n <= until and not is_public_holiday(tuesday + n)]
    assert list(booking.series.occurrences.order_by("starts_at").values_list("starts_at", flat=True)) == expected


def test_someone_elses_booking_is_404_and_unchanged():
    booking = BookingFactory()  # Wednesday 4 March 2026, 14:00, held

    for name, data in (
        ("api:booking-cancel", {}),
        ("api:booking-reschedule", {"starts_at": "2026-03-07T10:00:00+01:00"}),
    ):
        response = _client(UserFactory()).post(reverse(name, args=[booking.pk]), data, format="json")
        assert (response.status_code, response.json()["code"]) == (404, "not_found")

    booking.refresh_from_db()
    assert (booking.status, booking.starts_at.isoformat()) == (BookingStatus.HELD, "2026-03-04T13:00:00+00:00")
    assert _client(UserFactory()).get(reverse("api:booking-list")).json()["results"] == []


def test_booking_list_costs_a_fixed_number_of_queries(django_assert_num_queries):
    code = BookableOfferingFactory()
    user = UserFactory()
    for starts_at in (at(4, 14), at(7, 10), at(11, 14), at(14, 10)):
        BookingFactory(user=user, offering=code, starts_at=starts_at)
    client = _client(user)

    with django_assert_num_queries(3):  # memberships, count, page
        response = client.get(reverse("api:booking-list"))

    assert response.json()["count"] == 4


def test_pickup_points():
    ours = [
        SiteFactory(pickup_point=True, name=name, slug=slug)
        for name, slug in (("Salle des fêtes", "salle-essai"), ("Bibliothèque", "bibliotheque-essai"))
    ]
    SiteFactory(name="Atelier", slug="atelier-essai")  # a place, not a pickup point
    SiteFactory(pickup_point=True, is_active=False, name="Ancienne halle", slug="halle-essai")

    response = _client(UserFactory()).get(reverse("api:pickup-point-list"))

    # Active pickup points only, by name (whatever other points the hub has).
    slugs = [p["slug"] for p in response.json()["results"] if p["slug"].endswith("-essai")]
    assert slugs == ["bibliotheque-essai", "salle-essai"]
    assert {p.slug for p in ours} == set(slugs)


def test_bookings_are_in_the_openapi_schema():
    response = _client(UserFactory()).get(reverse("schema"), {"format": "json"})

    paths = response.json()["paths"]
    assert {
        "/api/v1/availability/",
        "/api/v1/bookings/",
        "/api/v1/bookings/{id}/cancel/",
        "/api/v1/bookings/{id}/reschedule/",
        "/api/v1/pickup-points/",
    } <= set(paths)
