"""Nothing is lost when the broker is down: the webhook still answers, the event waits stored, its
order is not cancelled meanwhile, and the sweep processes it once the broker is back."""

import datetime

import pytest

from marketplace.actions.checkout import sellers_of
from marketplace.actions.payments import start_card_payment, sweep_stripe_events
from marketplace.actions.refunds import expire_unpaid_card_orders
from marketplace.enums import FulfilmentStatus, PaymentStatus
from marketplace.models import StripeEvent
from tests.broker import broker_down
from tests.marketplace.factories import OrderFactory, connect
from tests.marketplace.stripe_helpers import event_for, post_event

pytestmark = pytest.mark.django_db


def test_a_stored_event_is_processed_after_the_broker_comes_back(
    client, stripe_env, resident, grocer, candle, django_capture_on_commit_callbacks
):
    order = OrderFactory(customer=resident, items=[(candle, "1")], card=True)
    connect(*sellers_of(order))
    start_card_payment(order=order)
    order.refresh_from_db()
    intent = stripe_env.v1.payment_intents.confirm(
        order.stripe_payment_intent_id, params={"payment_method": "pm_card_visa"}
    )

    with broker_down(), django_capture_on_commit_callbacks(execute=True):
        response = post_event(client, event_for(intent, "payment_intent.succeeded", "evt_broker_down"))

    assert response.status_code == 200
    event = StripeEvent.objects.get(event_id="evt_broker_down")
    order.refresh_from_db()
    assert (event.processed_at, order.payment_status) == (None, PaymentStatus.UNPAID)

    # The card hold runs out while the broker is down: the order waits for its stored payment.
    assert expire_unpaid_card_orders(older_than=datetime.timedelta(0)) == 0
    order.refresh_from_db()
    assert order.fulfilment_status == FulfilmentStatus.PLACED

    # The broker is back (eager in tests): the sweep queues the stored event again.
    assert sweep_stripe_events(older_than=datetime.timedelta(0)) == 1

    event.refresh_from_db()
    order.refresh_from_db()
    assert event.processed_at is not None
    assert (order.payment_status, order.fulfilment_status) == (PaymentStatus.PAID, FulfilmentStatus.CONFIRMED)
    assert sweep_stripe_events(older_than=datetime.timedelta(0)) == 0
