"""Every free text printed on a PDF has a maximum length in the forms, the API, the action and the model:
an over-long value is refused in French (a page) or as a JSON 400, and nothing is created.

51 KB of billing address once took 94 s of CPU to render into an invoice."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from rest_framework.test import APIClient

from bookings.models import Booking
from marketplace.actions.checkout import Billing, place_order
from marketplace.exceptions import CheckoutError
from marketplace.models import Cart, Invoice, Order
from tests.accounts.factories import UserFactory
from tests.bookings.factories import WED, BookableOfferingFactory, next_weekday
from tests.marketplace.factories import CartFactory, OrderFactory

pytestmark = pytest.mark.django_db

LONG_ADDRESS = "12 rue des Tilleuls " * 30 + "X"  # 601 characters
assert len(LONG_ADDRESS) == 601
TOO_LONG = "Assurez-vous que cette valeur comporte au plus 600 caractères (actuellement 601)."


def _counts(user) -> tuple[int, int, int]:
    return (Order.objects.filter(customer=user).count(), Invoice.objects.count(), Booking.objects.count())


def test_the_checkout_form_refuses_an_over_long_billing_address_in_french(client, resident, basket, accueil):
    client.force_login(resident)
    client.post(reverse("marketplace:cart_add", args=[basket.pk]), {"quantity": "1"})
    before = _counts(resident)

    response = client.post(
        reverse("marketplace:checkout"),
        {"buyer": "self", "billing_name": "Camille Martin", "billing_address": LONG_ADDRESS,
         "pickup_point": accueil.pk, "payment_method": "cash", "accept_terms": "on"},
    )  # fmt: skip

    assert response.status_code == 400
    assert response.context["form"].errors == {"billing_address": [TOO_LONG]}
    assert 'maxlength="600"' in response.content.decode()
    assert _counts(resident) == before
    assert Cart.objects.get(user=resident).items.count() == 1


def test_the_checkout_api_refuses_an_over_long_billing_address_with_a_json_400(resident, basket, accueil):
    CartFactory(user=resident, items=[(basket, "1")])
    api = APIClient()
    api.force_authenticate(resident)
    before = _counts(resident)

    response = api.post(
        "/api/v1/checkout/",
        {"billing_name": "Camille Martin", "billing_address": LONG_ADDRESS, "payment_method": "cash",
         "pickup_point": accueil.slug, "accept_terms": True},
        format="json",
    )  # fmt: skip

    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid",
        "message": "Les données envoyées ne sont pas valides.",
        "errors": {"billing_address": ["Assurez-vous que ce champ comporte au plus 600\u00a0caractères."]},
    }
    assert _counts(resident) == before


def test_the_checkout_action_refuses_an_over_long_billing_address_whoever_calls_it(resident, basket, accueil):
    cart = CartFactory(user=resident, items=[(basket, "1")])
    before = _counts(resident)

    with pytest.raises(CheckoutError) as refused:
        place_order(
            user=resident,
            cart=cart,
            billing=Billing(name="Camille Martin", address=LONG_ADDRESS, email=resident.email),
            payment_method="cash",
            pickup_point=accueil,
        )

    assert refused.value.message == "L'adresse de facturation est trop longue (600 caractères au plus)."
    assert _counts(resident) == before


def test_the_checkout_action_refuses_an_over_long_billing_name(resident, basket, accueil):
    cart = CartFactory(user=resident, items=[(basket, "1")])
    before = _counts(resident)

    with pytest.raises(CheckoutError) as refused:
        place_order(
            user=resident,
            cart=cart,
            billing=Billing(name="Camille " * 19, address="4 rue des Tilleuls", email=resident.email),
            payment_method="cash",
            pickup_point=accueil,
        )

    assert refused.value.message == "Le nom de facturation est trop long (150 caractères au plus)."
    assert _counts(resident) == before


def test_the_order_model_bounds_its_billing_address(resident, basket):
    order = OrderFactory(customer=resident, items=[(basket, "1")])
    order.billing_address = LONG_ADDRESS

    with pytest.raises(ValidationError) as invalid:
        order.full_clean()
    assert invalid.value.message_dict["billing_address"] == [TOO_LONG]
    with pytest.raises(IntegrityError, match="marketplace_order_billing_address_length"), transaction.atomic():
        Order.objects.filter(pk=order.pk).update(billing_address=LONG_ADDRESS)
    order.refresh_from_db()
    assert order.billing_address != LONG_ADDRESS


def test_the_invoice_model_bounds_its_buyer_address(resident, basket):
    invoice = OrderFactory(customer=resident, items=[(basket, "1")]).invoices.get()
    invoice.buyer_address = LONG_ADDRESS

    with pytest.raises(ValidationError) as invalid:
        invoice.full_clean()

    assert invalid.value.message_dict["buyer_address"] == [TOO_LONG]


# --- Bookings: their billing address becomes the order's and the invoice's ------------------------


def _booking_post(**fields) -> dict:
    return {
        "slot": next_weekday(WED, 14, weeks=3).isoformat(),
        "buyer": "self",
        "quantity": "1",
        "billing_address": "4 rue des Tilleuls\n77140 Nemours",
        "payment_method": "cheque",
        **fields,
    }


def test_the_booking_form_refuses_an_over_long_billing_address_in_french(client):
    code = BookableOfferingFactory()
    user = UserFactory()
    client.force_login(user)
    before = _counts(user)

    response = client.post(reverse("bookings:calendar", args=[code.slug]), _booking_post(billing_address=LONG_ADDRESS))

    assert response.context["form"].errors == {"billing_address": [TOO_LONG]}
    assert _counts(user) == before


def test_the_booking_form_refuses_an_over_long_visit_address_in_french(client):
    housework = BookableOfferingFactory(home_visit=True)
    user = UserFactory()
    client.force_login(user)
    before = _counts(user)

    response = client.post(
        reverse("bookings:calendar", args=[housework.slug]),
        _booking_post(
            slot=next_weekday(WED, 8, weeks=3).isoformat(), quantity="2", address=LONG_ADDRESS, postcode="77140"
        ),
    )

    assert response.context["form"].errors == {"address": [TOO_LONG]}
    assert _counts(user) == before


def test_the_booking_api_refuses_an_over_long_billing_address_with_a_json_400():
    code = BookableOfferingFactory()
    user = UserFactory()
    api = APIClient()
    api.force_authenticate(user)
    before = _counts(user)

    response = api.post(
        reverse("api:booking-list"),
        {"offering": code.pk, "starts_at": next_weekday(WED, 14, weeks=2).isoformat(), "quantity": "1",
         "payment_method": "cash", "billing_address": LONG_ADDRESS},
        format="json",
    )  # fmt: skip

    assert response.status_code == 400
    assert response.json()["errors"] == {
        "billing_address": ["Assurez-vous que ce champ comporte au plus 600\u00a0caractères."]
    }
    assert _counts(user) == before


def test_an_organisation_address_at_its_longest_still_fits(asso_member, creche, basket, accueil):
    creche.address_line1, creche.address_line2, creche.city = "A" * 200, "B" * 200, "C" * 100
    creche.save()
    address = "\n".join(creche.address_lines)
    assert len(address) == 508
    cart = CartFactory(user=asso_member, items=[(basket, "1")])

    order = place_order(
        user=asso_member,
        cart=cart,
        billing=Billing(name=creche.name, address=address, email=asso_member.email),
        payment_method="cash",
        pickup_point=accueil,
        organisation=creche,
    )

    assert order.billing_address == address
    assert order.invoices.get().buyer_address == address
