from decimal import Decimal

import pytest
from django.urls import reverse

from bookings.exceptions import BookingError
from bookings.models import Booking
from tests.accounts.factories import UserFactory
from tests.bookings.factories import BookableOfferingFactory, BookingFactory

pytestmark = pytest.mark.django_db
HOSPITAL = "Centre hospitalier de Fontainebleau"


def _trip(**kwargs):
    """25 km of solidarity transport (0,45 €/km) from 4 rue des Tilleuls on Tuesday 3 March 2026, 9:00."""
    return BookingFactory(
        offering=BookableOfferingFactory(trip=True), quantity=Decimal("25"), address="4 rue des Tilleuls, Nemours",
        **kwargs,
    )  # fmt: skip


def test_a_solidarity_trip_needs_both_addresses():
    before = Booking.objects.count()
    with pytest.raises(BookingError) as excinfo:
        _trip()  # no destination
    assert excinfo.value.message == "Indiquez l'adresse de prise en charge et l'adresse d'arrivée."
    assert Booking.objects.count() == before


def test_a_solidarity_trip_keeps_its_addresses_and_is_priced_by_the_kilometre():
    booking = _trip(destination=HOSPITAL)
    assert (booking.address, booking.destination) == ("4 rue des Tilleuls, Nemours", HOSPITAL)
    line = booking.order_line
    assert (line.quantity, line.unit_price, line.total_incl, line.quantity_measured_later) == (
        Decimal("25.000"), Decimal("0.45"), Decimal("11.25"), True)  # fmt: skip


def test_the_trip_page_asks_for_both_addresses(client):
    trip = BookableOfferingFactory(trip=True)
    client.force_login(UserFactory())
    html = client.get(reverse("bookings:calendar", args=[trip.slug])).content.decode()
    assert "Adresse de prise en charge" in html
    assert "Adresse d&#x27;arrivée" in html
    assert "Distance estimée (km)" in html


def test_vehicle_rental_page_states_the_deposit(client):
    car = BookableOfferingFactory(vehicle_rental=True)  # 300,00 € deposit
    code = BookableOfferingFactory()
    html = client.get(reverse("bookings:calendar", args=[car.slug])).content.decode()
    assert "Un dépôt de garantie de 300,00\u00a0€ est demandé à la remise du véhicule" in html
    html = client.get(reverse("bookings:calendar", args=[code.slug])).content.decode()
    assert "dépôt de garantie" not in html
