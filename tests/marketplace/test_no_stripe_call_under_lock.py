"""No HTTP call to Stripe while a database transaction (and so a row lock) is open.

A Stripe call takes from tens of milliseconds to seconds; made under an order's row lock, it holds
every other writer of that order (the counter, the webhook, the back-office) for as long. Each money
path prepares in a short transaction, calls Stripe outside any, then records in another short one.

These tests run with real transactions (`transaction=True`, nothing wraps the test in a transaction)
against the local Stripe server, and wrap the Stripe client's HTTP client so that every request
records whether the connection was inside an atomic block at that moment.
"""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from stripe import _http_client

from accounting.models import Entry
from hub import notify as hub_notify
from marketplace.actions.payments import process_stripe_event, start_card_payment, switch_payment_method
from marketplace.actions.refunds import refund_order, sweep_pending_refunds
from marketplace.actions.transfers import sweep_stripe_transfers, transfer_order_shares
from marketplace.enums import FulfilmentStatus, PaymentMethod, PaymentStatus, RefundState
from marketplace.models import Order, Refund, StripeTransfer
from tests.accounts.factories import UserFactory
from tests.hub.factories import CollectiveFactory, StructureFactory
from tests.marketplace.factories import OrderFactory, card_payment_event, connect
from tests.marketplace.test_query_counts import books_ready
from tests.services.factories import OfferingFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def stripe_requests(monkeypatch):
    """Every HTTP request the Stripe client makes: (method, path, inside an atomic block)."""
    requests = []
    client_class = type(_http_client.new_default_http_client())
    original = client_class.request

    def request(self, method, url, *args, **kwargs):
        requests.append((method.upper(), url.split("/v1/", 1)[-1].split("?")[0], connection.in_atomic_block))
        return original(self, method, url, *args, **kwargs)

    monkeypatch.setattr(client_class, "request", request)
    return requests


@pytest.fixture
def mixed_order(stripe_env):
    garden = StructureFactory(liable=True, default_vat_rate=Decimal("5.50"))
    grocer = StructureFactory(liable=True, company=True)
    books_ready(garden, grocer, CollectiveFactory())
    items = [
        (OfferingFactory(basket=True, structure=garden, price=Decimal("17.00")), "1"),
        (OfferingFactory(structure=grocer, price=Decimal("9.90")), "1"),
    ]
    connect(garden, grocer)
    return OrderFactory(items=items, card=True), garden, grocer


def test_card_start_webhook_transfers_and_refund_call_stripe_outside_any_transaction(
    stripe_env, mixed_order, stripe_requests
):
    order, garden, grocer = mixed_order

    start_card_payment(order=order)
    order.refresh_from_db()
    assert order.stripe_payment_intent_id
    start_card_payment(order=order)  # a retry finds the same intent again
    order.refresh_from_db()
    intent = stripe_env.v1.payment_intents.confirm(
        order.stripe_payment_intent_id, params={"payment_method": "pm_card_visa"}
    )
    event = card_payment_event(order, intent.to_dict())  # the transfers are queued on its commit
    process_stripe_event(event_pk=event.pk)

    order.refresh_from_db()
    assert order.payment_status == PaymentStatus.PAID
    transfers = {t.structure_id: t.amount for t in StripeTransfer.objects.filter(order=order)}
    assert transfers == {garden.pk: Decimal("17.00"), grocer.pk: Decimal("9.90")}

    admin = UserFactory(hub_admin=True)
    grocer_line = order.lines.get(seller=grocer)
    [refund] = refund_order(order=order, by=admin, amounts={grocer_line.pk: Decimal("9.90")}, reason="Abîmé")
    refund.refresh_from_db()
    assert (refund.state, refund.stripe_refund_id.startswith("re_")) == (RefundState.SUCCEEDED, True)
    assert StripeTransfer.objects.get(order=order, structure=grocer).amount_reversed == Decimal("9.90")

    made = [(method, path) for method, path, _inside in stripe_requests]
    assert made == [
        ("POST", "payment_intents"),
        ("GET", f"payment_intents/{order.stripe_payment_intent_id}"),
        ("POST", f"payment_intents/{order.stripe_payment_intent_id}/confirm"),  # the customer's browser
        ("POST", "transfers"),
        ("POST", "transfers"),
        ("POST", "refunds"),
        ("POST", f"transfers/{StripeTransfer.objects.get(order=order, structure=grocer).stripe_transfer_id}/reversals"),
    ]
    assert [inside for _method, _path, inside in stripe_requests] == [False] * 7


def test_a_transfer_missing_after_a_crash_is_swept(stripe_env, mixed_order, stripe_requests, monkeypatch):
    """A worker dies between the payment's commit and the transfers: the beat sweep makes them."""

    order, garden, grocer = mixed_order
    start_card_payment(order=order)
    order.refresh_from_db()
    intent = stripe_env.v1.payment_intents.confirm(
        order.stripe_payment_intent_id, params={"payment_method": "pm_card_visa"}
    )
    lost = []
    original = hub_notify.enqueue
    monkeypatch.setattr(
        hub_notify,
        "enqueue",
        lambda name, *args, **kwargs: (
            lost.append(name) if name == "marketplace.transfer_order_shares" else original(name, *args, **kwargs)
        ),
    )
    process_stripe_event(event_pk=card_payment_event(order, intent.to_dict()).pk)
    assert lost == ["marketplace.transfer_order_shares"]
    assert not StripeTransfer.objects.filter(order=order).exists()
    assert Order.objects.get(pk=order.pk).payment_status == PaymentStatus.PAID  # the shares are received

    monkeypatch.setattr(hub_notify, "enqueue", original)
    assert sweep_stripe_transfers(older_than=datetime.timedelta(0)) == 1
    assert {t.structure_id for t in StripeTransfer.objects.filter(order=order)} == {garden.pk, grocer.pk}
    assert sweep_stripe_transfers(older_than=datetime.timedelta(0)) == 0
    assert not any(inside for _method, _path, inside in stripe_requests)


def test_a_pending_card_refund_is_swept(stripe_env, mixed_order, stripe_requests, monkeypatch):
    """Stripe was down when the refund was made: it stays pending (nothing posted), and the sweep sends it."""

    order, garden, grocer = mixed_order
    start_card_payment(order=order)
    order.refresh_from_db()
    intent = stripe_env.v1.payment_intents.confirm(
        order.stripe_payment_intent_id, params={"payment_method": "pm_card_visa"}
    )
    process_stripe_event(event_pk=card_payment_event(order, intent.to_dict()).pk)
    transfer_order_shares(order_id=order.pk)  # already made on commit: nothing more
    assert StripeTransfer.objects.filter(order=order).count() == 2

    original = hub_notify.enqueue
    monkeypatch.setattr(
        hub_notify,
        "enqueue",
        lambda name, *args, **kwargs: None if name == "marketplace.perform_refund" else original(name, *args, **kwargs),
    )
    refunds = refund_order(order=order, by=UserFactory(hub_admin=True), reason="Commande perdue")
    assert [r.state for r in Refund.objects.filter(order=order)] == [RefundState.PENDING] * 2
    # No money moved yet, nothing posted (for these refunds: the demo seed, committed at the session's
    # start, has refunds of its own until a transactional test flushes it).
    refund_ids = [str(r.pk) for r in refunds]
    assert not Entry.objects.filter(source_kind="refund", source_id__in=refund_ids).exists()

    monkeypatch.setattr(hub_notify, "enqueue", original)
    assert sweep_pending_refunds(older_than=datetime.timedelta(0)) == 1  # one Stripe refund for both rows
    assert [r.state for r in Refund.objects.filter(order=order)] == [RefundState.SUCCEEDED] * 2
    assert set(
        Entry.objects.filter(source_kind="refund", source_id__in=refund_ids).values_list("source_id", flat=True)
    ) == set(refund_ids)
    assert {t.structure_id: t.amount_reversed for t in StripeTransfer.objects.filter(order=order)} == {
        garden.pk: Decimal("17.00"),
        grocer.pk: Decimal("9.90"),
    }
    assert sweep_pending_refunds(older_than=datetime.timedelta(0)) == 0
    assert [path for _m, path, _i in stripe_requests].count("refunds") == 1
    assert not any(inside for _method, _path, inside in stripe_requests)


def test_switching_means_after_a_card_failure_cancels_the_intent_outside_any_transaction(
    stripe_env, mixed_order, stripe_requests
):
    order, _garden, _grocer = mixed_order
    start_card_payment(order=order)
    order.refresh_from_db()

    switch_payment_method(order=order, method=PaymentMethod.CASH, by=order.customer)
    # Asked again (a double click): already done, Stripe is not called again.
    switch_payment_method(order=order, method=PaymentMethod.CASH, by=order.customer)

    order.refresh_from_db()
    assert (order.payment_method, order.fulfilment_status) == (PaymentMethod.CASH, FulfilmentStatus.CONFIRMED)
    assert [(method, path) for method, path, _inside in stripe_requests] == [
        ("POST", "payment_intents"),
        ("POST", f"payment_intents/{order.stripe_payment_intent_id}/cancel"),
    ]
    assert [inside for _method, _path, inside in stripe_requests] == [False, False]
