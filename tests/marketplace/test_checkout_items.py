"""`place_order_for_items`: an order without a cart (bookings, deliveries), under the same rules as `place_order`."""

from decimal import Decimal

import pytest
from django.core import mail

from marketplace.actions.checkout import place_order_for_items
from marketplace.enums import FulfilmentStatus, PaymentStatus
from marketplace.exceptions import CartError, CheckoutError, MarketplaceError
from marketplace.models import Cart, Order, OrderTransition
from services.models import Offering
from tests.marketplace.factories import CartFactory, SolidarityStatusFactory, billing_for
from tests.services.factories import OfferingFactory

pytestmark = pytest.mark.django_db


def _snapshot():
    return (Order.objects.count(), dict(Offering.objects.filter(stock__isnull=False).values_list("pk", "stock")))


def test_cash_items_order_is_confirmed_and_invoiced_per_structure(
    resident, garden, grocer, basket, coffee, accueil, django_capture_on_commit_callbacks
):
    fruit = OfferingFactory(basket=True, structure=garden, name="Panier de fruits", price=Decimal("8.00"))
    CartFactory(user=resident, items=[(fruit, "1")])

    with django_capture_on_commit_callbacks(execute=True):
        order = place_order_for_items(
            user=resident,
            items=[(basket, Decimal("1")), (coffee, Decimal("2"))],
            payment_method="cash",
            billing=billing_for(resident),
            pickup_point=accueil,
        )

    assert (order.fulfilment_status, order.payment_status) == (FulfilmentStatus.CONFIRMED, PaymentStatus.UNPAID)
    assert (order.total_incl, order.total_vat) == (Decimal("27.40"), Decimal("1.43"))
    assert [(i.structure, i.total_incl) for i in order.invoices.order_by("structure__position")] == [
        (garden, Decimal("17.00")),
        (grocer, Decimal("10.40")),
    ]
    assert list(order.lines.order_by("pk").values_list("name", "quantity")) == [
        ("Panier moyen format", Decimal("1.000")),
        ("Café équitable moulu (250 g)", Decimal("2.000")),
    ]
    coffee.refresh_from_db()
    assert coffee.stock == 38
    # The person's cart is left alone.
    assert list(Cart.objects.get(user=resident).items.values_list("offering", "quantity")) == [
        (fruit.pk, Decimal("1.000"))
    ]
    assert list(OrderTransition.objects.filter(order=order).values_list("from_status", "to_status")) == [
        ("placed", "confirmed")
    ]
    assert [m.subject for m in mail.outbox] == [
        f"[Pôle Économie Solidaire] Commande {order.reference} enregistrée",
        f"[Pôle Économie Solidaire] Vos factures pour la commande {order.reference}",
    ]


def test_the_same_offering_twice_makes_two_lines(asso_member, creche, flat_linen, accueil):
    order = place_order_for_items(
        user=asso_member,
        items=[(flat_linen, Decimal("12")), (flat_linen, Decimal("7.5"))],
        payment_method="transfer",
        billing=billing_for(asso_member),
        organisation=creche,
        pickup_point=accueil,
    )

    assert list(order.lines.order_by("pk").values_list("quantity", "total_incl")) == [
        (Decimal("12.000"), Decimal("50.40")),
        (Decimal("7.500"), Decimal("31.50")),
    ]
    assert order.billing_name == "Crèche associative Les P'tits Loups"
    assert order.invoices.count() == 0  # weighed lines wait for their final weight


def test_card_order_waits_for_payment(resident, code_session):
    order = place_order_for_items(
        user=resident,
        items=[(code_session, Decimal("1"))],
        payment_method="card",
        billing=billing_for(resident),
    )

    assert (order.fulfilment_status, order.payment_status, order.invoices.count()) == ("placed", "unpaid", 0)


def test_solidarity_price_applies_to_verified_residents(resident, code_session):
    SolidarityStatusFactory(user=resident, valid_until="2099-12-31")

    order = place_order_for_items(
        user=resident,
        items=[(code_session, Decimal("1"))],
        payment_method="cash",
        billing=billing_for(resident),
    )

    assert (order.solidarity_pricing, order.lines.get().unit_price) == (True, Decimal("5.00"))


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"items": []}, CheckoutError, "Votre panier est vide."),
        (
            {"items": [("candle", "2.5")]},
            CartError,
            "« Bougie à la cire végétale » se commande en quantité entière (pièce).",
        ),
        ({"items": [("candle", "999")]}, CheckoutError, "Il ne reste que"),
        ({"items": [("sportswear", "5")]}, CheckoutError, "n'est pas proposé aux particuliers"),
        ({"payment_method": "transfer"}, CheckoutError, "Ce moyen de paiement n'est pas possible"),
        (
            {"items": [("flat_linen", "5")], "pickup_point": None},
            CheckoutError,
            "Choisissez un point de retrait.",
        ),
        ({"organisation": "creche"}, CheckoutError, "Vous n'êtes pas membre de cette organisation."),
    ],
)
def test_refusals_follow_the_cart_rules_and_change_nothing(request, resident, accueil, kwargs, error, message):
    values = {
        "user": resident,
        "items": [("candle", "1")],
        "payment_method": "cash",
        "billing": billing_for(resident),
        "pickup_point": accueil,
        **kwargs,
    }
    values["items"] = [(request.getfixturevalue(name), Decimal(quantity)) for name, quantity in values["items"]]
    if values.get("organisation") == "creche":
        values["organisation"] = request.getfixturevalue("creche")
    before = _snapshot()

    with pytest.raises(error) as raised:
        place_order_for_items(**values)

    assert isinstance(raised.value, MarketplaceError)
    assert message in raised.value.message
    assert _snapshot() == before
