from decimal import Decimal

import pytest
from django.urls import reverse

from bookings.actions.booking import book
from bookings.exceptions import BookingError
from bookings.models import Booking
from tests.bookings.factories import BILLING, NOW, at, offering
from tests.marketplace.factories import resident

pytestmark = pytest.mark.django_db
TRIP = "transport-solidaire-au-kilometre"


def test_a_solidarity_trip_needs_both_addresses(demo_hub):
    before = Booking.objects.count()
    with pytest.raises(BookingError) as excinfo:
        book(user=resident(), offering=offering(TRIP), starts_at=at(2, 9), quantity=Decimal("25"), payment_method="cash",
             billing=BILLING, address="4 rue des Tilleuls, Bourganeuf", at=NOW)  # fmt: skip
    assert excinfo.value.message == "Indiquez l'adresse de prise en charge et l'adresse d'arrivée."
    assert Booking.objects.count() == before


def test_a_solidarity_trip_keeps_its_addresses_and_is_priced_by_the_kilometre(demo_hub):
    booking = book(user=resident(), offering=offering(TRIP), starts_at=at(2, 9), quantity=Decimal("25"),
                   payment_method="cash", billing=BILLING, address="4 rue des Tilleuls, Bourganeuf",
                   destination="Centre hospitalier, 39 avenue de la Sénatorerie, Guéret", at=NOW)  # fmt: skip
    assert (booking.address, booking.destination) == (
        "4 rue des Tilleuls, Bourganeuf",
        "Centre hospitalier, 39 avenue de la Sénatorerie, Guéret",
    )
    line = booking.order_line
    assert (line.quantity, line.unit_price, line.total_incl, line.quantity_measured_later) == (
        Decimal("25.000"), Decimal("0.45"), Decimal("11.25"), True)  # fmt: skip


def test_the_trip_page_asks_for_both_addresses(client, demo_hub):
    client.force_login(resident())
    html = client.get(reverse("bookings:calendar", args=[TRIP])).content.decode()
    assert "Adresse de prise en charge" in html
    assert "Adresse d&#x27;arrivée" in html
    assert "Distance estimée (km)" in html


def test_vehicle_rental_page_states_the_deposit(client, demo_hub):
    html = client.get(reverse("bookings:calendar", args=["location-de-voiture-a-la-journee"])).content.decode()
    assert "Un dépôt de garantie de 300,00\u00a0€ est demandé à la remise du véhicule" in html
    html = client.get(reverse("bookings:calendar", args=["seance-de-code-de-la-route"])).content.decode()
    assert "dépôt de garantie" not in html
