"""A home visit booked by its start time is sold at a fixed price for its set length (ADR 0019): it may be
paid by card when booked, is invoiced once confirmed, and its hours worked are recorded without
re-pricing it. Regular visits stay invoiced each month on the hours done, never by card."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from bookings.actions.booking import book, record_actual_hours
from bookings.actions.laundry import create_recurring_booking
from bookings.enums import BookingStatus
from bookings.exceptions import BookingError
from bookings.models import Booking, RecurringBooking
from marketplace.actions.checkout import Billing, confirm_order
from marketplace.enums import PaymentMethod
from marketplace.models import Invoice, Order
from tests.accounts.factories import UserFactory
from tests.bookings.factories import TUE, BookableOfferingFactory, next_weekday

pytestmark = pytest.mark.django_db
NBSP = "\u00a0"


def _garden():
    """« Petits travaux de jardinage », 27,00 €/h: 2-hour visits every 30 minutes, two teams."""
    return BookableOfferingFactory(home_visit=True, timed=True)


def _form(starts: datetime.datetime, method: str, **extra) -> dict:
    return {
        "slot": starts.isoformat(),
        "buyer": "self",
        "quantity": "1",
        "address": "12 route de Chaintreauville, 77140 Nemours",
        "postcode": "77140",
        "billing_address": "12 route de Chaintreauville\n77140 Nemours",
        "payment_method": method,
        **extra,
    }


def _methods_offered(html: str) -> list[str]:
    return [method for method in PaymentMethod.values if f'name="payment_method" value="{method}"' in html]


def test_a_timed_visit_offers_card_and_an_hourly_visit_does_not(client):
    garden = _garden()
    housework = BookableOfferingFactory(home_visit=True)  # booked by the hour, invoiced on the hours done
    client.force_login(UserFactory())

    timed_page = client.get(reverse("bookings:calendar", args=[garden.slug])).content.decode()
    hourly_page = client.get(reverse("bookings:calendar", args=[housework.slug])).content.decode()

    assert _methods_offered(timed_page) == ["card", "cash", "cheque", "cesu"]
    assert "Carte bancaire, dès la réservation" in timed_page
    assert _methods_offered(hourly_page) == ["cash", "cheque", "cesu"]


def test_a_visit_paid_by_card_is_held_then_confirmed_and_invoiced_at_its_fixed_price(
    client, django_capture_on_commit_callbacks
):
    garden = _garden()
    user = UserFactory()
    client.force_login(user)
    starts = next_weekday(TUE, 10, weeks=2)
    url = reverse("bookings:calendar", args=[garden.slug])

    review = client.post(url, _form(starts, "card")).content.decode()
    assert f"Vous payez 54,00{NBSP}€ par carte à l'étape suivante." in review
    assert "Confirmer et payer" in review
    assert Booking.objects.filter(customer=user).count() == 0

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {**_form(starts, "card"), "confirmer": "1"})

    booking = Booking.objects.select_related("order_line__order").get(customer=user)
    order = booking.order_line.order
    assert response.url == reverse("marketplace:order_pay", args=[order.reference])
    assert (booking.status, booking.hold_expires_at is not None) == (BookingStatus.HELD, True)
    assert (order.payment_method, order.total_incl) == (PaymentMethod.CARD, Decimal("54.00"))
    assert (booking.order_line.quantity, booking.order_line.quantity_measured_later) == (Decimal("2.000"), False)
    assert Invoice.objects.filter(order=order).count() == 0  # nothing invoiced before it is paid

    with django_capture_on_commit_callbacks(execute=True):
        confirm_order(order=order)  # what the payment webhook does once Stripe says it is paid

    booking.refresh_from_db()
    invoice = Invoice.objects.get(order=order)
    assert booking.status == BookingStatus.CONFIRMED
    assert (invoice.total_incl, invoice.sap, invoice.lines.get().quantity) == (Decimal("54.00"), True, Decimal("2.000"))


def test_hours_worked_on_a_fixed_price_visit_are_recorded_without_repricing(django_capture_on_commit_callbacks):
    garden = _garden()
    user = UserFactory()
    starts = next_weekday(TUE, 10, weeks=2)

    with django_capture_on_commit_callbacks(execute=True):
        booking = book(
            user=user,
            offering=garden,
            starts_at=starts,
            quantity=Decimal("5"),  # whatever the form sends: the visit lasts its set two hours
            payment_method=PaymentMethod.CHEQUE,
            billing=Billing(
                name="Agnès Martin", address="12 route de Chaintreauville\n77140 Nemours", email="agnes@example.org"
            ),
            address="12 route de Chaintreauville",
            postcode="77140",
        )
    booking.refresh_from_db()
    order = booking.order_line.order
    invoice = Invoice.objects.get(order=order)  # a pay-later fixed price: invoiced at confirmation
    assert (booking.status, invoice.total_incl) == (BookingStatus.CONFIRMED, Decimal("54.00"))

    record_actual_hours(booking=booking, hours=Decimal("2.5"), by=UserFactory(hub_admin=True))

    booking.refresh_from_db()
    order.refresh_from_db()
    booking.order_line.refresh_from_db()
    assert (booking.status, booking.final_quantity) == (BookingStatus.DONE, Decimal("2.500"))
    assert (booking.order_line.final_quantity, booking.order_line.total_incl, order.total_incl) == (
        None, Decimal("54.00"), Decimal("54.00"))  # fmt: skip
    assert Invoice.objects.filter(order=order).count() == 1


def test_a_fixed_price_visit_paid_on_invoice_says_when_the_invoice_comes(client):
    garden = _garden()
    client.force_login(UserFactory())
    starts = next_weekday(TUE, 10, weeks=2)

    review = client.post(reverse("bookings:calendar", args=[garden.slug]), _form(starts, "cheque")).content.decode()

    assert (
        f"Prix fixe pour la durée de la visite : la facture de 54,00{NBSP}€ vous est envoyée dès la confirmation, "
        "à régler à réception." in review
    )


def test_regular_visits_by_card_are_refused_on_the_page_and_book_nothing(client):
    garden = _garden()
    user = UserFactory()
    client.force_login(user)
    starts = next_weekday(TUE, 10, weeks=2)

    response = client.post(
        reverse("bookings:calendar", args=[garden.slug]), _form(starts, "card", frequency="weekly", confirmer="1")
    )

    assert response.status_code == 200
    assert response.context["form"].errors["payment_method"] == [
        "Les visites régulières sont facturées chaque mois, sur les heures réalisées : choisissez un règlement à "
        "réception de la facture."
    ]
    assert (Booking.objects.filter(customer=user).count(), Order.objects.filter(customer=user).count()) == (0, 0)


def test_regular_visits_by_card_are_refused_by_the_action():
    garden = _garden()
    user = UserFactory()

    with pytest.raises(BookingError, match="facturées chaque mois"):
        create_recurring_booking(
            user=user,
            offering=garden,
            first_starts_at=next_weekday(TUE, 10, weeks=2),
            frequency="weekly",
            quantity=Decimal("2"),
            payment_method=PaymentMethod.CARD,
            billing=Billing(name="Agnès Martin", address="12 route de Chaintreauville", email="agnes@example.org"),
            address="12 route de Chaintreauville",
            postcode="77140",
        )

    assert (RecurringBooking.objects.filter(customer=user).count(), Booking.objects.filter(customer=user).count()) == (
        0, 0)  # fmt: skip
