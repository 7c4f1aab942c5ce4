"""Offerings sold on a slot (rentals, trips, visits, training) are booked, never bought through the cart:
the cart refuses them (HTML, API, checkout of a cart that already holds one) and points to the booking
page; a booking's quantity is places (or hours), within the slot's capacity."""

from decimal import Decimal

import pytest
from django.urls import reverse

from bookings.actions.booking import book
from bookings.exceptions import BookingError
from bookings.models import Booking
from marketplace.actions.checkout import place_order, place_order_for_items
from marketplace.enums import PaymentMethod
from marketplace.exceptions import BookedNotBought, CheckoutError
from marketplace.models import CartItem, Order, OrderLine
from tests.accounts.factories import UserFactory
from tests.bookings.factories import NOW, BookableOfferingFactory, BookingFactory, first_slot, person_billing
from tests.marketplace.factories import CartFactory
from tests.services.factories import OfferingFactory

pytestmark = pytest.mark.django_db


def _book_instead(offering) -> str:
    return (
        f"« {offering.name} » se réserve sur un créneau, pas au panier : "
        f"réservez-le sur sa page /reservations/{offering.slug}/."
    )


@pytest.fixture
def car():
    return BookableOfferingFactory(vehicle_rental=True)


def test_the_cart_page_refuses_a_car_and_points_to_its_booking_page(client, car):
    client.force_login(UserFactory())
    before = CartItem.objects.count()

    response = client.post(reverse("marketplace:cart_add", args=[car.pk]), {"quantity": "30"}, follow=True)

    assert response.redirect_chain == [(reverse("services:offering", args=[car.slug]), 302)]
    assert [str(message) for message in response.context["messages"]] == [_book_instead(car)]
    assert CartItem.objects.count() == before


def test_the_cart_refuses_a_car_with_htmx(client, car):
    before = CartItem.objects.count()

    response = client.post(reverse("marketplace:cart_add", args=[car.pk]), {"quantity": "1"}, HTTP_HX_REQUEST="true")

    assert response.status_code == 422
    assert "se réserve sur un créneau, pas au panier" in response.content.decode()
    assert CartItem.objects.count() == before


def test_the_api_cart_refuses_a_car(client, car):
    client.force_login(UserFactory())
    before = CartItem.objects.count()

    response = client.post("/api/v1/cart/items/", {"offering": car.pk, "quantity": "30"}, "application/json")

    assert (response.status_code, response.json()) == (400, {"code": "book_instead", "message": _book_instead(car)})
    assert CartItem.objects.count() == before


def test_a_cart_already_holding_a_car_is_refused_at_checkout_and_nothing_is_created(client, car):
    """An item put in before the rule (or by any other path) is shown with its problem and blocks the checkout."""
    honey = OfferingFactory()
    cart = CartFactory(items=[(honey, "1")])
    CartItem.objects.create(cart=cart, offering=car, quantity=Decimal("30"))
    counts = (Order.objects.count(), OrderLine.objects.count(), Booking.objects.count())

    with pytest.raises(CheckoutError) as refusal:
        place_order(user=cart.user, cart=cart, payment_method=PaymentMethod.CASH, billing=person_billing(cart.user))

    assert refusal.value.message == _book_instead(car)
    assert (Order.objects.count(), OrderLine.objects.count(), Booking.objects.count()) == counts
    assert sorted(cart.items.values_list("offering_id", flat=True)) == sorted([honey.pk, car.pk])
    client.force_login(cart.user)
    assert _book_instead(car) in client.get(reverse("marketplace:cart")).content.decode()


def test_an_order_of_items_outside_the_booking_flow_is_refused(car):
    user = UserFactory()
    counts = (Order.objects.count(), OrderLine.objects.count())

    with pytest.raises(BookedNotBought) as refusal:
        place_order_for_items(
            user=user, items=[(car, Decimal("30"))], payment_method=PaymentMethod.CASH, billing=person_billing(user)
        )

    assert refusal.value.message == _book_instead(car)
    assert (Order.objects.count(), OrderLine.objects.count()) == counts


def _book(offering, quantity: str, **kwargs) -> Booking:
    user = UserFactory()
    return book(
        user=user,
        offering=offering,
        starts_at=first_slot(offering),
        quantity=Decimal(quantity),
        payment_method=PaymentMethod.CASH,
        billing=person_billing(user),
        at=NOW,
        **kwargs,
    )


@pytest.mark.parametrize(
    ("trait", "quantity", "message"),
    [
        ({}, "9", "Ce créneau compte 8 place(s) : vous ne pouvez pas en réserver 9."),
        ({}, "1.5", "Le nombre de places est un nombre entier."),
        ({"vehicle_rental": True}, "30", "Ce créneau compte 2 place(s) : vous ne pouvez pas en réserver 30."),
        (
            {"vehicle_rental": True},
            "2",
            "Une réservation porte sur un seul véhicule pour le jour du créneau : réservez chacun à part.",
        ),
    ],
)
def test_a_booking_above_its_slots_capacity_is_refused_and_changes_nothing(trait, quantity, message):
    offering = BookableOfferingFactory(**trait)
    counts = (Order.objects.count(), Booking.objects.count())

    with pytest.raises(BookingError) as refusal:
        _book(offering, quantity)

    assert refusal.value.message == message
    assert (Order.objects.count(), Booking.objects.count()) == counts


def test_home_visit_hours_above_the_slots_team_hours_are_refused():
    visit = BookableOfferingFactory(home_visit=True)
    counts = (Order.objects.count(), Booking.objects.count())

    with pytest.raises(BookingError) as refusal:
        _book(visit, "29", address="4 rue des Tilleuls", postcode="77140")

    assert refusal.value.message == ("Ce créneau compte 28 heures d'intervention : vous ne pouvez pas en réserver 29.")
    assert (Order.objects.count(), Booking.objects.count()) == counts


def test_seats_booked_together_take_as_many_places_and_are_billed_each():
    session = BookableOfferingFactory()  # 8 seats at 12,00 €
    BookingFactory.create_batch(5, offering=session)

    booking = _book(session, "3")

    assert (booking.places, booking.order_line.quantity, booking.order_line.total_incl) == (
        Decimal("3"),
        Decimal("3"),
        Decimal("36.00"),
    )
    with pytest.raises(BookingError, match="Ce créneau est complet"):
        _book(session, "1")
