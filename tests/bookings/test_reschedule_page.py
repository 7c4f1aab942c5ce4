import pytest
from django.urls import reverse

from bookings.models import Booking
from tests.accounts.factories import UserFactory
from tests.bookings.factories import book_training
from tests.marketplace.factories import resident

pytestmark = pytest.mark.django_db


def test_a_person_moves_their_booking_to_another_open_slot(client, demo_hub, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        booking = book_training()
    client.force_login(resident())
    page = client.get(reverse("bookings:reschedule", args=[booking.pk]))
    slots = page.context["slots"]
    assert page.status_code == 200
    assert slots, "the demo opens code sessions every week"
    assert booking.starts_at not in [slot.starts_at for slot in slots]
    target = slots[0].starts_at
    response = client.post(reverse("bookings:reschedule", args=[booking.pk]), {"slot": target.isoformat()})
    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.starts_at == target
    assert booking.transitions.filter(note="Réservation déplacée.").count() == 1


def test_a_slot_not_offered_is_refused_and_nothing_moves(client, demo_hub, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        booking = book_training()
    before = booking.starts_at
    client.force_login(resident())
    response = client.post(reverse("bookings:reschedule", args=[booking.pk]), {"slot": "2030-01-01T03:00:00+01:00"})
    assert response.status_code == 400
    assert "Choisissez un des créneaux proposés." in response.content.decode()
    booking.refresh_from_db()
    assert booking.starts_at == before


def test_someone_else_booking_is_404(client, demo_hub):
    booking = book_training()
    client.force_login(UserFactory())
    assert client.get(reverse("bookings:reschedule", args=[booking.pk])).status_code == 404
    assert Booking.objects.get(pk=booking.pk).starts_at == booking.starts_at
