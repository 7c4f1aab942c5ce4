"""`place_order_for_items`: an order without a cart (bookings, deliveries), under the same rules as `place_order`."""

from decimal import Decimal

import pytest
from django.core import mail

from marketplace.actions.checkout import place_order_for_items
from marketplace.enums import FulfilmentStatus, PaymentStatus
from marketplace.exceptions import CartError, CheckoutError, MarketplaceError
from marketplace.models import Cart, Order, OrderTransition
from services.models import Offering
from tests.accounts.factories import UserFactory
from tests.marketplace.factories import BILLING, asso_member, creche, fill_cart, offering, pickup_point, resident

pytestmark = pytest.mark.django_db


def _snapshot():
    return (Order.objects.count(), dict(Offering.objects.filter(stock__isnull=False).values_list("pk", "stock")))


def test_cash_items_order_is_confirmed_and_invoiced_per_structure(demo_hub, django_capture_on_commit_callbacks):
    user = resident()
    coffee_stock = offering("cafe-equitable-moulu-250-g").stock
    fill_cart(user, {"panier-de-fruits": "1"})

    with django_capture_on_commit_callbacks(execute=True):
        order = place_order_for_items(
            user=user,
            items=[
                (offering("panier-moyen-format"), Decimal("1")),
                (offering("cafe-equitable-moulu-250-g"), Decimal("2")),
            ],
            payment_method="cash",
            billing=BILLING,
            pickup_point=pickup_point(),
        )

    assert (order.fulfilment_status, order.payment_status) == (FulfilmentStatus.CONFIRMED, PaymentStatus.UNPAID)
    assert (order.total_incl, order.total_vat) == (Decimal("27.40"), Decimal("1.43"))
    assert [(i.structure.slug, i.total_incl) for i in order.invoices.order_by("structure__position")] == [
        ("jardins-du-pole", Decimal("17.00")),
        ("comptoir-equitable", Decimal("10.40")),
    ]
    assert list(order.lines.order_by("pk").values_list("name", "quantity")) == [
        ("Panier moyen format", Decimal("1.000")),
        ("Café équitable moulu (250 g)", Decimal("2.000")),
    ]
    assert offering("cafe-equitable-moulu-250-g").stock == coffee_stock - 2
    # The person's cart is left alone.
    assert list(Cart.objects.get(user=user).items.values_list("offering__slug", "quantity")) == [
        ("panier-de-fruits", Decimal("1.000"))
    ]
    assert list(OrderTransition.objects.filter(order=order).values_list("from_status", "to_status")) == [
        ("placed", "confirmed")
    ]
    assert [m.subject for m in mail.outbox] == [
        f"[Pôle Économie Solidaire] Commande {order.reference} enregistrée",
        f"[Pôle Économie Solidaire] Vos factures pour la commande {order.reference}",
    ]


def test_the_same_offering_twice_makes_two_lines(demo_hub):
    laundry = offering("linge-plat-au-kilo")

    order = place_order_for_items(
        user=asso_member(),
        items=[(laundry, Decimal("12")), (laundry, Decimal("7.5"))],
        payment_method="transfer",
        billing=BILLING,
        organisation=creche(),
        pickup_point=pickup_point(),
    )

    assert list(order.lines.order_by("pk").values_list("quantity", "total_incl")) == [
        (Decimal("12.000"), Decimal("50.40")),
        (Decimal("7.500"), Decimal("31.50")),
    ]
    assert order.billing_name == "Crèche associative Les P'tits Loups"
    assert order.invoices.count() == 0  # weighed lines wait for their final weight


def test_card_order_waits_for_payment(demo_hub):
    order = place_order_for_items(
        user=resident(),
        items=[(offering("seance-de-code-de-la-route"), Decimal("1"))],
        payment_method="card",
        billing=BILLING,
    )

    assert (order.fulfilment_status, order.payment_status, order.invoices.count()) == ("placed", "unpaid", 0)


def test_solidarity_price_applies_to_verified_residents(demo_hub):
    from marketplace.models import SolidarityStatus

    user = resident()
    SolidarityStatus.objects.create(
        user=user, valid_until="2099-12-31", verified_by=UserFactory(), note="Attestation CAF"
    )

    order = place_order_for_items(
        user=user,
        items=[(offering("seance-de-code-de-la-route"), Decimal("1"))],
        payment_method="cash",
        billing=BILLING,
    )

    assert (order.solidarity_pricing, order.lines.get().unit_price) == (True, Decimal("5.00"))


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"items": []}, CheckoutError, "Votre panier est vide."),
        (
            {"items": [(("bougie-a-la-cire-vegetale"), "2.5")]},
            CartError,
            "« Bougie à la cire végétale » se commande en quantité entière (pièce).",
        ),
        ({"items": [("bougie-a-la-cire-vegetale", "999")]}, CheckoutError, "Il ne reste que"),
        ({"items": [("tenues-sportives-au-kilo", "5")]}, CheckoutError, "n'est pas proposé aux particuliers"),
        ({"payment_method": "transfer"}, CheckoutError, "Ce moyen de paiement n'est pas possible"),
        (
            {"items": [("linge-plat-au-kilo", "5")], "pickup_point": None},
            CheckoutError,
            "Choisissez un point de retrait.",
        ),
        ({"organisation": "creche"}, CheckoutError, "Vous n'êtes pas membre de cette organisation."),
    ],
)
def test_refusals_follow_the_cart_rules_and_change_nothing(demo_hub, kwargs, error, message):
    values = {
        "user": resident(),
        "items": [("bougie-a-la-cire-vegetale", "1")],
        "payment_method": "cash",
        "billing": BILLING,
        "pickup_point": pickup_point(),
        **kwargs,
    }
    values["items"] = [(offering(slug), Decimal(quantity)) for slug, quantity in values["items"]]
    if values.get("organisation") == "creche":
        values["organisation"] = creche()
    before = _snapshot()

    with pytest.raises(error) as raised:
        place_order_for_items(**values)

    assert isinstance(raised.value, MarketplaceError)
    assert message in raised.value.message
    assert _snapshot() == before
