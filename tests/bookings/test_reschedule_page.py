import pytest
from django.urls import reverse
from django.utils import timezone

from bookings.models import Booking
from tests.accounts.factories import UserFactory
from tests.bookings.factories import WED, BookingFactory, next_weekday

pytestmark = pytest.mark.django_db


def _next_week_session(**kwargs):
    """A seat at next week's Wednesday training session, 14:00, booked now (the page runs on the real clock)."""
    return BookingFactory(starts_at=next_weekday(WED, 14), at=timezone.now(), **kwargs)


def test_a_person_moves_their_booking_to_another_open_slot(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        booking = _next_week_session()
    client.force_login(booking.customer)
    page = client.get(reverse("bookings:reschedule", args=[booking.pk]))
    slots = page.context["slots"]
    assert page.status_code == 200
    assert slots, "the session opens on Wednesdays and Saturdays every week"
    assert booking.starts_at not in [slot.starts_at for slot in slots]
    target = slots[0].starts_at
    response = client.post(reverse("bookings:reschedule", args=[booking.pk]), {"slot": target.isoformat()})
    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.starts_at == target
    assert booking.transitions.filter(note="Réservation déplacée.").count() == 1


def test_a_slot_not_offered_is_refused_and_nothing_moves(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        booking = _next_week_session()
    before = booking.starts_at
    client.force_login(booking.customer)
    response = client.post(reverse("bookings:reschedule", args=[booking.pk]), {"slot": "2030-01-01T03:00:00+01:00"})
    assert response.status_code == 400
    assert "Choisissez un des créneaux proposés." in response.content.decode()
    booking.refresh_from_db()
    assert booking.starts_at == before


def test_someone_else_booking_is_404(client):
    booking = _next_week_session()
    client.force_login(UserFactory())
    assert client.get(reverse("bookings:reschedule", args=[booking.pk])).status_code == 404
    assert Booking.objects.get(pk=booking.pk).starts_at == booking.starts_at
