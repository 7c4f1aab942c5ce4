"""Card payments end to end against a real local Stripe server (localstripe) with the real library."""

import random
import time
from decimal import Decimal

import pytest
import stripe
from django.core import mail
from django.test import override_settings

from marketplace import events, stripe_gateway
from marketplace.actions.checkout import sellers_of
from marketplace.actions.payments import start_card_payment
from marketplace.actions.refunds import cancel_order, refund_order
from marketplace.enums import FulfilmentStatus, InvoiceKind, PaymentState, PaymentStatus
from marketplace.exceptions import PaymentError
from marketplace.models import Invoice, Order, Payment, StripeEvent, StripeTransfer
from tests.accounts.factories import UserFactory
from tests.hub.factories import CollectiveFactory
from tests.marketplace.factories import OrderFactory, SellerSettingsFactory, connect
from tests.marketplace.stripe_helpers import event_for, post_event

pytestmark = pytest.mark.django_db


def _pay(stripe_client, order: Order, payment_method: str = "pm_card_visa"):
    """The sellers' connected accounts, then the customer's card confirmed in the browser (Stripe.js)."""
    connect(*sellers_of(order))
    start_card_payment(order=order)
    order.refresh_from_db()
    return stripe_client.v1.payment_intents.confirm(
        order.stripe_payment_intent_id, params={"payment_method": payment_method}
    )


def test_single_structure_card_payment_is_a_destination_charge(
    client, stripe_env, resident, grocer, candle, django_capture_on_commit_callbacks
):
    SellerSettingsFactory(structure=grocer, fee=True)  # 2 %
    order = OrderFactory(customer=resident, items=[(candle, "2")], card=True)
    intent = _pay(stripe_env, order)
    grocer.refresh_from_db()
    assert intent.status == "succeeded"
    assert intent.amount == 1980
    assert intent.on_behalf_of == grocer.stripe_account_id
    assert intent.transfer_data["destination"] == grocer.stripe_account_id
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
        grocer,
        PaymentState.SUCCEEDED,
    )
    assert [i.structure for i in order.invoices.all()] == [grocer]
    assert not StripeTransfer.objects.filter(order=order).exists()  # Stripe moved the money itself
    transfers = stripe_env.v1.transfers.list(params={"destination": grocer.stripe_account_id}).data
    assert [t.amount for t in transfers] == [1940]
    assert f"[Pôle Économie Solidaire] Paiement reçu pour la commande {order.reference}" in [
        m.subject for m in mail.outbox
    ]


def test_mixed_order_is_one_charge_then_one_transfer_per_structure(
    client, stripe_env, resident, garden, grocer, basket, candle, django_capture_on_commit_callbacks
):
    collective = CollectiveFactory()
    order = OrderFactory(customer=resident, items=[(basket, "1"), (candle, "1")], card=True)
    intent = _pay(stripe_env, order)
    assert intent.transfer_group == order.reference
    assert intent.on_behalf_of is None
    with django_capture_on_commit_callbacks(execute=True):
        post_event(client, event_for(intent, "payment_intent.succeeded", "evt_mixed_1"))
    order.refresh_from_db()
    assert order.payment_status == PaymentStatus.PAID
    assert order.payments.get().received_by == collective
    transfers = {t.structure: t.amount for t in StripeTransfer.objects.filter(order=order)}
    assert transfers == {garden: Decimal("17.00"), grocer: Decimal("9.90")}
    remote = stripe_env.v1.transfers.list(params={"transfer_group": order.reference}).data
    assert sorted(t.amount for t in remote) == [990, 1700]
    assert all(t.source_transaction == intent.latest_charge for t in remote)
    assert {i.structure for i in order.invoices.all()} == {garden, grocer}
    assert order.invoices.count() == 2


def test_webhook_replayed_ten_times_and_out_of_order(
    client, stripe_env, resident, basket, tea, django_capture_on_commit_callbacks
):
    CollectiveFactory()
    order = OrderFactory(customer=resident, items=[(basket, "1"), (tea, "1")], card=True)
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


def test_bad_signature_is_refused_and_stores_nothing(client, stripe_env, resident, candle):
    order = OrderFactory(customer=resident, items=[(candle, "1")], card=True)
    intent = _pay(stripe_env, order)
    response = post_event(client, event_for(intent, "payment_intent.succeeded", "evt_forged"), secret="whsec_wrong")
    assert response.status_code == 400
    assert not StripeEvent.objects.filter(event_id="evt_forged").exists()
    order.refresh_from_db()
    assert order.payment_status == PaymentStatus.UNPAID


def test_failed_card_leaves_the_order_unpaid_with_a_way_to_retry(
    client, stripe_env, resident, candle, django_capture_on_commit_callbacks
):
    CollectiveFactory()  # a failed card payment is recorded against the platform
    received = []

    def receiver(sender, order_id, **kwargs):
        received.append(order_id)

    events.order_payment_failed.connect(receiver)
    try:
        order = OrderFactory(customer=resident, items=[(candle, "1")], card=True)
        connect(*sellers_of(order))
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
    client.force_login(resident)
    page = client.get(f"/commandes/{order.reference}/payer/")
    assert page.status_code == 200
    assert page.context["client_secret"].startswith(order.stripe_payment_intent_id)


def test_refund_of_one_structure_lines_reverses_its_transfer(
    client, stripe_env, resident, grocer, basket, candle, django_capture_on_commit_callbacks
):
    CollectiveFactory()
    order = OrderFactory(customer=resident, items=[(basket, "1"), (candle, "1")], card=True)
    intent = _pay(stripe_env, order)
    with django_capture_on_commit_callbacks(execute=True):
        post_event(client, event_for(intent, "payment_intent.succeeded", "evt_before_refund"))
    admin = UserFactory(hub_admin=True)
    candle_line = order.lines.get(name="Bougie à la cire végétale")
    with django_capture_on_commit_callbacks(execute=True):
        refund_order(order=order, by=admin, amounts={candle_line.pk: Decimal("9.90")}, reason="Cassée")
    order.refresh_from_db()
    assert order.payment_status == PaymentStatus.PARTIALLY_REFUNDED
    transfer = StripeTransfer.objects.get(order=order, structure=grocer)
    assert transfer.amount_reversed == Decimal("9.90")
    remote = stripe_env.v1.transfers.retrieve(transfer.stripe_transfer_id)
    assert remote.amount_reversed == 990
    refunds = stripe_env.v1.refunds.list(params={"payment_intent": intent.id}).data
    assert [r.amount for r in refunds] == [990]
    credit = Invoice.objects.get(order=order, kind=InvoiceKind.CREDIT_NOTE)
    assert (credit.structure, credit.total_incl) == (grocer, Decimal("9.90"))


@pytest.mark.django_db(transaction=True)
def test_webhook_delivered_by_the_server_to_the_live_site(live_server, localstripe, settings, resident, basket, candle):
    """The real path: Stripe (here the local server) calls our endpoint, signed, and the order gets paid."""
    settings.STRIPE_SECRET_KEY = localstripe.secret_key
    settings.STRIPE_API_BASE = localstripe.url
    settings.STRIPE_WEBHOOK_SECRET = "whsec_live_delivery"
    client = localstripe.client()
    CollectiveFactory()
    localstripe.register_webhook(
        "live-site", live_server.url + "/stripe/webhook/", "whsec_live_delivery", events=["payment_intent.succeeded"]
    )
    try:
        with override_settings(ALLOWED_HOSTS=["*"]):
            order = OrderFactory(customer=resident, items=[(basket, "1"), (candle, "1")], card=True)
            _pay(client, order)
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline:
                order.refresh_from_db()
                # The transfers follow the payment's commit (no Stripe call under the order's lock).
                if order.payment_status == PaymentStatus.PAID and order.transfers.count() == 2:
                    break
                time.sleep(0.2)
    finally:
        localstripe.unregister_webhook("live-site")
    assert order.payment_status == PaymentStatus.PAID
    assert order.fulfilment_status == FulfilmentStatus.CONFIRMED
    assert StripeTransfer.objects.filter(order=order).count() == 2


def test_the_api_webhook_endpoint_is_the_same(client, stripe_env, resident, candle, django_capture_on_commit_callbacks):
    from tests.marketplace.stripe_helpers import signature

    order = OrderFactory(customer=resident, items=[(candle, "1")], card=True)
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


def test_an_intent_created_while_the_order_was_cancelled_is_not_stored(stripe_env, resident, candle, monkeypatch):
    """Stripe is called after the order's lock is released: if the order expired meanwhile, the
    intent's id is not stored over it (a conditional update) and the customer is told."""
    order = OrderFactory(customer=resident, items=[(candle, "1")], card=True)
    connect(*sellers_of(order))
    create = stripe_gateway.create_payment_intent

    def cancelled_meanwhile(**kwargs):
        intent = create(**kwargs)
        cancel_order(order=order, reason="Paiement par carte non abouti dans le délai.")  # the expiry task
        return intent

    monkeypatch.setattr(stripe_gateway, "create_payment_intent", cancelled_meanwhile)
    with pytest.raises(PaymentError, match="Cette commande n'attend plus de paiement."):
        start_card_payment(order=order)
    order.refresh_from_db()
    assert (order.fulfilment_status, order.stripe_payment_intent_id) == (FulfilmentStatus.CANCELLED, "")
