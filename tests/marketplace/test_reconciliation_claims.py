"""Found by the settlement state machine: money the Collectif pays out for a seller after the charge
reached it (a refund made in Stripe's dashboard without reversing the transfer, a dispute's funds
withdrawn) is a claim on the seller, mirrored in the seller's 467-Collectif: `shares_booked` counted
the claim as money taken from the seller's share, on top of the receivable the withdrawal reopened."""

import time
from decimal import Decimal

import pytest
from django.db import transaction

from accounting.reconciliation import reconcile
from marketplace.actions.stripe_events import dashboard_refund, dispute_event
from marketplace.enums import PaymentState, PaymentStatus
from marketplace.models import OrderShare
from tests.hub.factories import CollectiveFactory
from tests.marketplace.factories import OrderFactory

pytestmark = pytest.mark.django_db
D = Decimal


def _shares_booked(order) -> list:
    return [d for d in reconcile(codes=["shares_booked"]).differences if d.reference == order.reference]


@pytest.fixture
def paid(resident, laundry, collection):
    """A 6,00 € laundry service paid by card: a destination charge, the money at once the laundry's."""
    CollectiveFactory()
    order = OrderFactory(customer=resident, items=[(collection, "1")], card=True, paid=True)
    assert order.payment_status == PaymentStatus.PAID
    return order, order.payments.get(state=PaymentState.SUCCEEDED)


def test_a_dashboard_refund_the_platform_pays_reconciles(paid):
    order, payment = paid
    charge = {
        "id": payment.stripe_charge_id, "object": "charge", "amount": 600, "amount_refunded": 600,
        "payment_intent": payment.stripe_payment_intent_id, "refunded": True, "metadata": {},
        "refunds": {"object": "list", "data": [
            {"id": "re_dash", "object": "refund", "amount": 600, "status": "succeeded", "metadata": {}}]},
    }  # fmt: skip
    with transaction.atomic():
        dashboard_refund(charge=charge, created=int(time.time()))

    share = OrderShare.objects.get(order=order)
    assert (share.received, share.refunded, share.disputed) == (D("6.00"), D("6.00"), D("0.00"))
    assert _shares_booked(order) == []


def test_disputed_funds_withdrawn_from_the_platform_reconcile(paid):
    order, payment = paid
    dispute = {
        "id": "dp_claim", "object": "dispute", "amount": 600, "currency": "eur", "status": "needs_response",
        "charge": payment.stripe_charge_id, "payment_intent": payment.stripe_payment_intent_id,
        "reason": "fraudulent", "balance_transactions": [],
    }  # fmt: skip
    with transaction.atomic():
        dispute_event(event_type="charge.dispute.created", dispute=dispute)

    share = OrderShare.objects.get(order=order)
    assert (share.received, share.refunded, share.disputed) == (D("6.00"), D("0.00"), D("6.00"))
    assert _shares_booked(order) == []


def test_a_dispute_on_a_transferred_mixed_order_leaves_467_the_mirror_not_a_difference(
    stripe_env, resident, garden, grocer, basket, candle
):
    """After the transfers, the Collectif's 467-<seller> holds its claim on each seller (the funds Stripe
    withdrew), the mirror of each seller's 467-Collectif: `counterparts_settled` is clean."""
    CollectiveFactory()
    order = OrderFactory(customer=resident, items=[(basket, "1"), (candle, "1")], card=True, paid=True)
    payment = order.payments.get(state=PaymentState.SUCCEEDED)
    assert order.transfers.count() == 2
    dispute = {
        "id": "dp_mixed", "object": "dispute", "amount": 2690, "currency": "eur", "status": "needs_response",
        "charge": payment.stripe_charge_id, "payment_intent": payment.stripe_payment_intent_id,
        "reason": "fraudulent", "balance_transactions": [],
    }  # fmt: skip
    with transaction.atomic():
        dispute_event(event_type="charge.dispute.created", dispute=dispute)

    assert [d for d in reconcile(codes=["counterparts_settled", "shares_booked"]).differences
            if d.reference == order.reference] == []  # fmt: skip


def test_a_lost_dispute_writes_the_receivable_off_and_reconciles(paid):
    """The write-off of a lost dispute credits 411 (D 654 / C 411): not money the seller received."""
    order, payment = paid
    dispute = {
        "id": "dp_lost", "object": "dispute", "amount": 600, "currency": "eur", "status": "needs_response",
        "charge": payment.stripe_charge_id, "payment_intent": payment.stripe_payment_intent_id,
        "reason": "fraudulent", "balance_transactions": [],
    }  # fmt: skip
    with transaction.atomic():
        dispute_event(event_type="charge.dispute.created", dispute=dispute)
    with transaction.atomic():
        dispute_event(event_type="charge.dispute.closed", dispute=dispute | {"status": "lost"})

    share = OrderShare.objects.get(order=order)
    assert (share.received, share.refunded, share.disputed) == (D("6.00"), D("0.00"), D("6.00"))
    assert _shares_booked(order) == []
