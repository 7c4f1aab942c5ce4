"""A payment confirmed by Stripe is received when Stripe says it succeeded (the event's `created`), not
when its event is processed: a SEPA debit confirmed yesterday and processed today is yesterday's money."""

import datetime
import json
import time
from decimal import Decimal

import pytest
from django.utils import timezone

from accounting.models import EntryLine
from marketplace.enums import PaymentMethod, PaymentStatus
from tests.hub.factories import CollectiveFactory
from tests.marketplace.factories import OrderFactory
from tests.marketplace.stripe_helpers import WEBHOOK_SECRET, post_event

pytestmark = pytest.mark.django_db
D = Decimal


def _succeeded(client, order, *, created: int) -> None:
    cents = int(order.total_incl * 100)
    intent = {"id": f"pi_sepa_{order.reference}", "object": "payment_intent", "status": "succeeded",
              "amount": cents, "amount_received": cents, "currency": "eur", "payment_method_types": ["sepa_debit"],
              "latest_charge": f"py_sepa_{order.reference}", "metadata": {"order": order.reference}}  # fmt: skip
    payload = json.dumps({"id": f"evt_{created}", "object": "event", "type": "payment_intent.succeeded",
                          "api_version": "2024-06-20", "created": created, "data": {"object": intent}})  # fmt: skip
    assert post_event(client, payload).status_code == 200


@pytest.mark.parametrize(
    ("ago", "booked_ago"),
    [
        (datetime.timedelta(days=2), datetime.timedelta(days=2)),  # processed two days late
        (-datetime.timedelta(days=1), datetime.timedelta(0)),  # a clock ahead: never after now
    ],
)
def test_a_payment_is_dated_when_stripe_says_it_succeeded(
    settings, client, django_capture_on_commit_callbacks, resident, garden, basket, ago, booked_ago
):
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    CollectiveFactory()
    order = OrderFactory(customer=resident, items=[(basket, "1")], card=True)
    before = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        _succeeded(client, order, created=int(time.time() - ago.total_seconds()))
    order.refresh_from_db()
    payment = order.payments.get()
    assert (payment.method, order.payment_status) == (PaymentMethod.SEPA, PaymentStatus.PAID)
    assert abs(payment.succeeded_at - (before - booked_ago)) < datetime.timedelta(seconds=5)
    lines = EntryLine.objects.filter(entry__source_kind="payment", entry__source_id=str(payment.pk))
    assert list(lines.order_by("position").values_list("entry__date", "account__code", "debit", "credit")) == [
        (timezone.localdate(payment.succeeded_at), "512810", D("17.00"), D("0")),
        (timezone.localdate(payment.succeeded_at), "411", D("0"), D("17.00")),
    ]
