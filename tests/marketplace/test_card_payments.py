"""Card payments end to end against a real local Stripe server (localstripe) with the real library."""

import random
import time
from decimal import Decimal

import pytest
import stripe
from django.core import mail
from django.test import override_settings

from hub.models import Structure
from marketplace import events
from marketplace.actions.payments import start_card_payment
from marketplace.actions.refunds import refund_order
from marketplace.enums import FulfilmentStatus, InvoiceKind, PaymentState, PaymentStatus
from marketplace.models import Invoice, Order, Payment, SellerSettings, StripeEvent, StripeTransfer
from tests.accounts.factories import UserFactory
from tests.marketplace.factories import order_for, resident
from tests.marketplace.stripe_helpers import event_for, post_event

pytestmark = pytest.mark.django_db


def _pay(stripe_client, order: Order, payment_method: str = "pm_card_visa"):
    start_card_payment(order=order)
    order.refresh_from_db()
    return stripe_client.v1.payment_intents.confirm(
        order.stripe_payment_intent_id, params={"payment_method": payment_method}
    )


def test_single_structure_card_payment_is_a_destination_charge(client, stripe_env, django_capture_on_commit_callbacks):
    candle_seller = Structure.objects.get(slug="comptoir-equitable")
    SellerSettings.objects.filter(structure=candle_seller).update(platform_fee_percent=Decimal("2.00"))
    order = order_for(resident(), {"bougie-a-la-cire-vegetale": "2"}, method="card")
    intent = _pay(stripe_env, order)
    assert intent.status == "succeeded"
    assert intent.amount == 1980
    assert intent.on_behalf_of == candle_seller.stripe_account_id
    assert intent.transfer_data["destination"] == candle_seller.stripe_account_id
    assert intent.application_fee_amount == 40  # 2 % of 19.80 €
    order.refresh_from_db()
    assert order.payment_status == PaymentStatus.UNPAID  # never from the browser: only the webhook

    with django_capture_on_commit_callbacks(execute=True):
        response = post_event(client, event_for(intent, "payment_intent.succeeded", "evt_single_1"))
    assert response.status_code == 200
    order.refresh_from_db()
    assert order.payment_status == PaymentStatus.PAID
    assert order.fulfilment_status == FulfilmentStatus.CONFIRMED
    payment = order.payments.get()
    assert (payment.amount, payment.received_by, payment.state) == (
        Decimal("19.80"),
        candle_seller,
        PaymentState.SUCCEEDED,
    )
    assert [i.structure.slug for i in order.invoices.all()] == ["comptoir-equitable"]
    assert not StripeTransfer.objects.filter(order=order).exists()  # Stripe moved the money itself
    transfers = stripe_env.v1.transfers.list(params={"destination": candle_seller.stripe_account_id}).data
    assert [t.amount for t in transfers] == [1940]
    assert f"[Pôle Économie Solidaire] Paiement reçu pour la commande {order.reference}" in [
        m.subject for m in mail.outbox
    ]


def test_mixed_order_is_one_charge_then_one_transfer_per_structure(
    client, stripe_env, django_capture_on_commit_callbacks
):
    order = order_for(resident(), {"panier-moyen-format": "1", "bougie-a-la-cire-vegetale": "1"}, method="card")
    intent = _pay(stripe_env, order)
    assert intent.transfer_group == order.reference
    assert intent.on_behalf_of is None
    with django_capture_on_commit_callbacks(execute=True):
        post_event(client, event_for(intent, "payment_intent.succeeded", "evt_mixed_1"))
    order.refresh_from_db()
    assert order.payment_status == PaymentStatus.PAID
    assert order.payments.get().received_by == Structure.objects.collective()
    transfers = {t.structure.slug: t.amount for t in StripeTransfer.objects.filter(order=order)}
    assert transfers == {"jardins-du-pole": Decimal("17.00"), "comptoir-equitable": Decimal("9.90")}
    remote = stripe_env.v1.transfers.list(params={"transfer_group": order.reference}).data
    assert sorted(t.amount for t in remote) == [990, 1700]
    assert all(t.source_transaction == intent.latest_charge for t in remote)
    assert sorted(i.structure.slug for i in order.invoices.all()) == ["comptoir-equitable", "jardins-du-pole"]


def test_webhook_replayed_ten_times_and_out_of_order(client, stripe_env, django_capture_on_commit_callbacks):
    order = order_for(resident(), {"panier-moyen-format": "1", "the-vert-bio-100-g": "1"}, method="card")
    intent = _pay(stripe_env, order)
    succeeded = event_for(intent, "payment_intent.succeeded", "evt_replay_ok")
    failed = event_for(intent, "payment_intent.payment_failed", "evt_replay_late_failure")
    deliveries = [succeeded] * 10 + [failed] * 3
    random.Random(7).shuffle(deliveries)
    with django_capture_on_commit_callbacks(execute=True):
        for payload in deliveries:
            assert post_event(client, payload).status_code == 200
    order.refresh_from_db()
    assert order.payment_status == PaymentStatus.PAID
    assert Payment.objects.filter(order=order, state=PaymentState.SUCCEEDED).count() == 1
    assert order.invoices.count() == 2
    assert StripeTransfer.objects.filter(order=order).count() == 2
    assert StripeEvent.objects.filter(event_id__startswith="evt_replay").count() == 2


def test_bad_signature_is_refused_and_stores_nothing(client, stripe_env):
    order = order_for(resident(), {"bougie-a-la-cire-vegetale": "1"}, method="card")
    intent = _pay(stripe_env, order)
    response = post_event(client, event_for(intent, "payment_intent.succeeded", "evt_forged"), secret="whsec_wrong")
    assert response.status_code == 400
    assert not StripeEvent.objects.filter(event_id="evt_forged").exists()
    order.refresh_from_db()
    assert order.payment_status == PaymentStatus.UNPAID


def test_failed_card_leaves_the_order_unpaid_with_a_way_to_retry(
    client, stripe_env, django_capture_on_commit_callbacks
):
    received = []

    def receiver(sender, order_id, **kwargs):
        received.append(order_id)

    events.order_payment_failed.connect(receiver)
    try:
        order = order_for(resident(), {"bougie-a-la-cire-vegetale": "1"}, method="card")
        start_card_payment(order=order)
        order.refresh_from_db()
        with pytest.raises(stripe.CardError) as excinfo:
            stripe_env.v1.payment_intents.confirm(
                order.stripe_payment_intent_id, params={"payment_method": "pm_card_chargeCustomerFail"}
            )
        assert excinfo.value.code == "card_declined"
        intent = stripe_env.v1.payment_intents.retrieve(order.stripe_payment_intent_id)
        assert intent.status == "requires_payment_method"
        with django_capture_on_commit_callbacks(execute=True):
            post_event(client, event_for(intent, "payment_intent.payment_failed", "evt_declined"))
    finally:
        events.order_payment_failed.disconnect(receiver)
    order.refresh_from_db()
    assert order.payment_status == PaymentStatus.UNPAID
    assert order.fulfilment_status == FulfilmentStatus.PLACED
    assert order.payments.get().state == PaymentState.FAILED
    assert received == [order.pk]
    assert f"[Pôle Économie Solidaire] Le paiement de la commande {order.reference} n'a pas abouti" in [
        m.subject for m in mail.outbox
    ]
    client.force_login(resident())
    page = client.get(f"/commandes/{order.reference}/payer/")
    assert page.status_code == 200
    assert page.context["client_secret"].startswith(order.stripe_payment_intent_id)


def test_refund_of_one_structure_lines_reverses_its_transfer(client, stripe_env, django_capture_on_commit_callbacks):
    order = order_for(resident(), {"panier-moyen-format": "1", "bougie-a-la-cire-vegetale": "1"}, method="card")
    intent = _pay(stripe_env, order)
    with django_capture_on_commit_callbacks(execute=True):
        post_event(client, event_for(intent, "payment_intent.succeeded", "evt_before_refund"))
    admin = UserFactory(hub_admin=True)
    candle_line = order.lines.get(name="Bougie à la cire végétale")
    with django_capture_on_commit_callbacks(execute=True):
        refund_order(order=order, by=admin, amounts={candle_line.pk: Decimal("9.90")}, reason="Cassée")
    order.refresh_from_db()
    assert order.payment_status == PaymentStatus.PARTIALLY_REFUNDED
    transfer = StripeTransfer.objects.get(order=order, structure__slug="comptoir-equitable")
    assert transfer.amount_reversed == Decimal("9.90")
    remote = stripe_env.v1.transfers.retrieve(transfer.stripe_transfer_id)
    assert remote.amount_reversed == 990
    refunds = stripe_env.v1.refunds.list(params={"payment_intent": intent.id}).data
    assert [r.amount for r in refunds] == [990]
    credit = Invoice.objects.get(order=order, kind=InvoiceKind.CREDIT_NOTE)
    assert (credit.structure.slug, credit.total_incl) == ("comptoir-equitable", Decimal("9.90"))


@pytest.mark.django_db(transaction=True)
def test_webhook_delivered_by_the_server_to_the_live_site(live_server, demo_hub, localstripe, settings):
    """The real path: Stripe (here the local server) calls our endpoint, signed, and the order gets paid."""
    settings.STRIPE_SECRET_KEY = localstripe.secret_key
    settings.STRIPE_API_BASE = localstripe.url
    settings.STRIPE_WEBHOOK_SECRET = "whsec_live_delivery"
    client = localstripe.client()
    for structure in Structure.objects.sellers():
        account = client.v1.accounts.create(params={"type": "express", "country": "FR"})
        Structure.objects.filter(pk=structure.pk).update(stripe_account_id=account.id)
    localstripe.register_webhook(
        "live-site", live_server.url + "/stripe/webhook/", "whsec_live_delivery", events=["payment_intent.succeeded"]
    )
    try:
        with override_settings(ALLOWED_HOSTS=["*"]):
            order = order_for(resident(), {"panier-moyen-format": "1", "bougie-a-la-cire-vegetale": "1"}, method="card")
            _pay(client, order)
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline:
                order.refresh_from_db()
                if order.payment_status == PaymentStatus.PAID:
                    break
                time.sleep(0.2)
    finally:
        localstripe.unregister_webhook("live-site")
    assert order.payment_status == PaymentStatus.PAID
    assert order.fulfilment_status == FulfilmentStatus.CONFIRMED
    assert StripeTransfer.objects.filter(order=order).count() == 2


def test_the_api_webhook_endpoint_is_the_same(client, stripe_env, django_capture_on_commit_callbacks):
    from tests.marketplace.stripe_helpers import signature

    order = order_for(resident(), {"bougie-a-la-cire-vegetale": "1"}, method="card")
    intent = _pay(stripe_env, order)
    payload = event_for(intent, "payment_intent.succeeded", "evt_api_endpoint")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/stripe/webhook/",
            data=payload,
            content_type="application/json",
            HTTP_STRIPE_SIGNATURE=signature(payload),
        )
    assert response.status_code == 200
    order.refresh_from_db()
    assert order.payment_status == PaymentStatus.PAID
    forged = client.post(
        "/api/v1/stripe/webhook/", data=payload, content_type="application/json", HTTP_STRIPE_SIGNATURE="t=1,v1=00"
    )
    assert forged.status_code == 400
    assert forged.json() == {"code": "invalid_signature", "message": "Signature Stripe invalide."}
