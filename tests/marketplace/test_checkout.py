import datetime
from decimal import Decimal

import pytest
from django.core import mail

from marketplace.actions.checkout import place_order
from marketplace.actions.refunds import expire_unpaid_card_orders
from marketplace.enums import FulfilmentStatus, PaymentStatus
from marketplace.exceptions import CheckoutError
from marketplace.models import Cart, Invoice, Order, OrderTransition
from services.models import Offering
from tests.marketplace.factories import CartFactory, OrderFactory, SolidarityStatusFactory, billing_for

pytestmark = pytest.mark.django_db


def test_mixed_cash_order_is_confirmed_with_one_invoice_per_structure(
    resident, garden, grocer, basket, coffee, accueil, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        order = OrderFactory(customer=resident, items=[(basket, "1"), (coffee, "2")], pickup_point=accueil)
    assert order.fulfilment_status == FulfilmentStatus.CONFIRMED
    assert order.payment_status == PaymentStatus.UNPAID
    assert order.total_incl == Decimal("27.40")  # 17.00 + 2 × 5.20
    assert order.total_vat == Decimal("0.89") + Decimal("0.54")
    assert order.total_excl + order.total_vat == order.total_incl
    invoices = list(order.invoices.order_by("structure__position"))
    assert [(i.structure, i.total_incl) for i in invoices] == [
        (garden, Decimal("17.00")),
        (grocer, Decimal("10.40")),
    ]
    year = invoices[0].issue_date.year
    assert invoices[0].number == f"RIB-{year}-00001"
    assert invoices[1].number == f"CCO-{year}-00001"
    coffee.refresh_from_db()
    assert coffee.stock == 38
    assert Cart.objects.get(user=resident).items.count() == 0
    assert list(OrderTransition.objects.filter(order=order).values_list("field", "from_status", "to_status")) == [
        ("fulfilment_status", "placed", "confirmed")
    ]
    assert [m.subject for m in mail.outbox] == [
        f"[Pôle Économie Solidaire] Commande {order.reference} enregistrée",
        f"[Pôle Économie Solidaire] Vos factures pour la commande {order.reference}",
    ]
    assert "RIB-" in mail.outbox[1].body
    assert "CCO-" in mail.outbox[1].body


def test_organisation_order_by_transfer_is_billed_to_the_organisation(asso_member, creche, flat_linen, collection):
    order = OrderFactory(
        customer=asso_member,
        items=[(flat_linen, "12"), (collection, "1")],
        payment_method="transfer",
        organisation=creche,
        purchase_order_number="BC-2026-17",
    )
    assert order.billing_name == "Crèche associative Les P'tits Loups"
    assert order.billing_siren == "778899005"
    assert order.fulfilment_status == FulfilmentStatus.CONFIRMED
    # The weighed line waits for its final weight; the fixed-price one is invoiced at once.
    invoice = order.invoices.get()
    assert [line.description for line in invoice.lines.all()] == ["Collecte et livraison du linge"]
    assert invoice.buyer_is_business is True
    assert invoice.purchase_order_number == "BC-2026-17"
    assert (invoice.due_date - invoice.issue_date).days == 30


def test_transfer_is_refused_to_residents(resident, tea):
    with pytest.raises(CheckoutError) as excinfo:
        OrderFactory(customer=resident, items=[(tea, "1")], payment_method="transfer")
    assert excinfo.value.message == "Ce moyen de paiement n'est pas possible pour cette commande."
    assert not Order.objects.filter(customer=resident).exists()
    assert Cart.objects.get(user=resident).items.count() == 1  # nothing lost


def test_cesu_only_when_every_line_is_sap(resident, cleaning, tea):
    order = OrderFactory(customer=resident, items=[(cleaning, "3")], payment_method="cesu", pickup_point=None)
    assert order.payment_method == "cesu"
    with pytest.raises(CheckoutError):
        OrderFactory(customer=resident, items=[(cleaning, "2"), (tea, "1")], payment_method="cesu")


def test_card_is_refused_for_weighed_goods(resident, lentils):
    with pytest.raises(CheckoutError):
        OrderFactory(customer=resident, items=[(lentils, "1.5")], card=True)


def test_pickup_point_required_for_goods(resident, tea):
    with pytest.raises(CheckoutError) as excinfo:
        OrderFactory(customer=resident, items=[(tea, "1")], pickup_point=None)
    assert excinfo.value.message == "Choisissez un point de retrait."


def test_audience_is_enforced(resident, sportswear):
    with pytest.raises(CheckoutError) as excinfo:
        OrderFactory(customer=resident, items=[(sportswear, "3")])
    assert excinfo.value.message == "« Tenues sportives au kilo » n'est pas proposé aux particuliers."


def test_card_order_waits_for_payment(resident, candle):
    order = OrderFactory(customer=resident, items=[(candle, "1")], card=True)
    assert order.fulfilment_status == FulfilmentStatus.PLACED
    assert order.payment_status == PaymentStatus.UNPAID
    assert not Invoice.objects.filter(order=order).exists()


def test_solidarity_price_applies_to_verified_residents(resident, small_basket):
    SolidarityStatusFactory(user=resident)
    order = OrderFactory(customer=resident, items=[(small_basket, "2")])
    assert order.solidarity_pricing is True
    assert order.total_incl == Decimal("12.00")
    assert order.lines.get().unit_price == Decimal("6.00")


def test_empty_cart_is_refused(resident):
    with pytest.raises(CheckoutError) as excinfo:
        OrderFactory(customer=resident, items=[])
    assert excinfo.value.message == "Votre panier est vide."


def test_out_of_stock_between_cart_and_checkout_loses_nothing(resident, candle, accueil):
    cart = CartFactory(user=resident, items=[(candle, "2")])
    Offering.objects.filter(pk=candle.pk).update(stock=1)
    with pytest.raises(CheckoutError) as excinfo:
        place_order(
            user=resident, cart=cart, payment_method="cash", billing=billing_for(resident), pickup_point=accueil
        )
    assert excinfo.value.message == "Il ne reste que 1 « Bougie à la cire végétale » en stock."
    candle.refresh_from_db()
    assert candle.stock == 1
    assert Cart.objects.get(user=resident).items.get().quantity == Decimal("2")
    assert not Order.objects.filter(customer=resident).exists()


def test_unpaid_card_orders_are_released_after_the_hold(resident, candle):
    old = OrderFactory(customer=resident, items=[(candle, "1")], card=True)
    Order.objects.filter(pk=old.pk).update(placed_at=old.placed_at - datetime.timedelta(minutes=16))
    fresh = OrderFactory(customer=resident, items=[(candle, "1")], card=True)
    assert expire_unpaid_card_orders(older_than=datetime.timedelta(minutes=15)) == 1
    old.refresh_from_db()
    fresh.refresh_from_db()
    assert old.fulfilment_status == FulfilmentStatus.CANCELLED
    assert fresh.fulfilment_status == FulfilmentStatus.PLACED
    candle.refresh_from_db()
    assert candle.stock == 11  # 12, one sold, the expired one back
    assert expire_unpaid_card_orders(older_than=datetime.timedelta(minutes=15)) == 0
