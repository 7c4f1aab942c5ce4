from decimal import Decimal

import pytest
from django.core import mail

from marketplace.enums import FulfilmentStatus, PaymentStatus
from marketplace.exceptions import CheckoutError
from marketplace.models import Cart, Invoice, Order, OrderTransition
from services.models import Offering
from tests.marketplace.factories import asso_member, creche, fill_cart, offering, order_for, resident

pytestmark = pytest.mark.django_db


def test_mixed_cash_order_is_confirmed_with_one_invoice_per_structure(demo_hub, django_capture_on_commit_callbacks):
    user = resident()
    coffee_stock = offering("cafe-equitable-moulu-250-g").stock
    with django_capture_on_commit_callbacks(execute=True):
        order = order_for(user, {"panier-moyen-format": "1", "cafe-equitable-moulu-250-g": "2"}, method="cash")
    assert order.fulfilment_status == FulfilmentStatus.CONFIRMED
    assert order.payment_status == PaymentStatus.UNPAID
    assert order.total_incl == Decimal("27.40")  # 17.00 + 2 × 5.20
    assert order.total_vat == Decimal("0.89") + Decimal("0.54")
    assert order.total_excl + order.total_vat == order.total_incl
    invoices = list(order.invoices.order_by("structure__position"))
    assert [(i.structure.slug, i.total_incl) for i in invoices] == [
        ("jardins-du-pole", Decimal("17.00")),
        ("comptoir-equitable", Decimal("10.40")),
    ]
    year = order.placed_at.year
    assert invoices[0].number.startswith(f"JAR-{year}-")
    assert invoices[1].number.startswith(f"CEQ-{year}-")
    assert offering("cafe-equitable-moulu-250-g").stock == coffee_stock - 2
    assert Cart.objects.get(user=user).items.count() == 0
    assert list(OrderTransition.objects.filter(order=order).values_list("field", "from_status", "to_status")) == [
        ("fulfilment_status", "placed", "confirmed")
    ]
    assert [m.subject for m in mail.outbox] == [
        f"[Pôle Économie Solidaire] Commande {order.reference} enregistrée",
        f"[Pôle Économie Solidaire] Vos factures pour la commande {order.reference}",
    ]
    assert "JAR-" in mail.outbox[1].body
    assert "CEQ-" in mail.outbox[1].body


def test_organisation_order_by_transfer_is_billed_to_the_organisation(demo_hub):
    order = order_for(
        asso_member(),
        {"linge-plat-au-kilo": "12", "collecte-et-livraison-du-linge": "1"},
        method="transfer",
        organisation=creche(),
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


def test_transfer_is_refused_to_residents(demo_hub):
    user = resident()
    with pytest.raises(CheckoutError) as excinfo:
        order_for(user, {"the-vert-bio-100-g": "1"}, method="transfer")
    assert excinfo.value.message == "Ce moyen de paiement n'est pas possible pour cette commande."
    assert not Order.objects.filter(customer=user).exists()
    assert Cart.objects.get(user=user).items.count() == 1  # nothing lost


def test_cesu_only_when_every_line_is_sap(demo_hub):
    user = resident()
    order = order_for(user, {"menage-a-domicile": "3"}, method="cesu", pickup_point=None)
    assert order.payment_method == "cesu"
    with pytest.raises(CheckoutError):
        order_for(user, {"menage-a-domicile": "2", "the-vert-bio-100-g": "1"}, method="cesu")


def test_card_is_refused_for_weighed_goods(demo_hub):
    with pytest.raises(CheckoutError):
        order_for(resident(), {"lentilles-vertes-en-vrac": "1.5"}, method="card")


def test_pickup_point_required_for_goods(demo_hub):
    with pytest.raises(CheckoutError) as excinfo:
        order_for(resident(), {"the-vert-bio-100-g": "1"}, method="cash", pickup_point=None)
    assert excinfo.value.message == "Choisissez un point de retrait."


def test_audience_is_enforced(demo_hub):
    with pytest.raises(CheckoutError) as excinfo:
        order_for(resident(), {"tenues-sportives-au-kilo": "3"}, method="cash")
    assert excinfo.value.message == "« Tenues sportives au kilo » n'est pas proposé aux particuliers."


def test_card_order_waits_for_payment(demo_hub):
    order = order_for(resident(), {"bougie-a-la-cire-vegetale": "1"}, method="card")
    assert order.fulfilment_status == FulfilmentStatus.PLACED
    assert order.payment_status == PaymentStatus.UNPAID
    assert not Invoice.objects.filter(order=order).exists()


def test_solidarity_price_applies_to_verified_residents(demo_hub):
    from datetime import timedelta

    from django.utils import timezone

    from marketplace.models import SolidarityStatus

    user = resident()
    SolidarityStatus.objects.create(
        user=user, valid_until=timezone.localdate() + timedelta(days=30), verified_by=asso_member()
    )
    order = order_for(user, {"panier-petit-format": "2"}, method="cash")
    assert order.solidarity_pricing is True
    assert order.total_incl == Decimal("12.00")
    assert order.lines.get().unit_price == Decimal("6.00")


def test_empty_cart_is_refused(demo_hub):
    with pytest.raises(CheckoutError) as excinfo:
        order_for(resident(), {}, method="cash")
    assert excinfo.value.message == "Votre panier est vide."


def test_out_of_stock_between_cart_and_checkout_loses_nothing(demo_hub):
    user = resident()
    fill_cart(user, {"bougie-a-la-cire-vegetale": "2"})
    Offering.objects.filter(slug="bougie-a-la-cire-vegetale").update(stock=1)
    from marketplace.actions.checkout import place_order
    from tests.marketplace.factories import BILLING, pickup_point

    with pytest.raises(CheckoutError) as excinfo:
        place_order(
            user=user,
            cart=Cart.objects.get(user=user),
            payment_method="cash",
            billing=BILLING,
            pickup_point=pickup_point(),
        )
    assert excinfo.value.message == "Il ne reste que 1 « Bougie à la cire végétale » en stock."
    assert offering("bougie-a-la-cire-vegetale").stock == 1
    assert Cart.objects.get(user=user).items.get().quantity == Decimal("2")
    assert not Order.objects.filter(customer=user).exists()


def test_unpaid_card_orders_are_released_after_the_hold(demo_hub):
    import datetime

    from marketplace.actions.refunds import expire_unpaid_card_orders

    stock = offering("bougie-a-la-cire-vegetale").stock
    old = order_for(resident(), {"bougie-a-la-cire-vegetale": "1"}, method="card")
    Order.objects.filter(pk=old.pk).update(placed_at=old.placed_at - datetime.timedelta(minutes=16))
    fresh = order_for(resident(), {"bougie-a-la-cire-vegetale": "1"}, method="card")
    assert expire_unpaid_card_orders(older_than=datetime.timedelta(minutes=15)) == 1
    old.refresh_from_db()
    fresh.refresh_from_db()
    assert old.fulfilment_status == FulfilmentStatus.CANCELLED
    assert fresh.fulfilment_status == FulfilmentStatus.PLACED
    assert offering("bougie-a-la-cire-vegetale").stock == stock - 1  # the expired one went back
    assert expire_unpaid_card_orders(older_than=datetime.timedelta(minutes=15)) == 0
