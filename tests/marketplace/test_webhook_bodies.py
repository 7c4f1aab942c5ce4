"""A signed webhook whose body is not an event this platform can process is refused with a 400 (a
JSON error on the API's endpoint) and nothing is stored; a real event is stored once, however often
Stripe delivers it."""

import json

import pytest

from marketplace.models import StripeEvent
from tests.marketplace.stripe_helpers import WEBHOOK_SECRET, signature

ENDPOINTS = ["/stripe/webhook/", "/api/v1/stripe/webhook/"]

NOT_EVENTS = [
    "{}",
    "[]",
    "null",
    "42",
    '"evt"',
    "not json",
    '{"id": "evt_1"}',
    '{"type": "payment_intent.succeeded"}',
    '{"id": "evt_1", "type": "payment_intent.succeeded"}',
    '{"id": "evt_1", "type": "payment_intent.succeeded", "data": []}',
    '{"id": "evt_1", "type": "payment_intent.succeeded", "data": {"object": null}}',
    '{"id": 1, "type": "payment_intent.succeeded", "data": {"object": {}}}',
    '{"id": "", "type": "payment_intent.succeeded", "data": {"object": {}}}',
    json.dumps({"id": "e" * 256, "type": "payment_intent.succeeded", "data": {"object": {}}}),
    json.dumps({"id": "evt_1", "type": "t" * 101, "data": {"object": {}}}),
    "[" * 100_000,
]


@pytest.fixture(autouse=True)
def secret(settings):
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET


def _post(client, url, body):
    return client.post(url, data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature(body))


def test_the_webhook_path_is_the_one_tested():
    from django.urls import reverse

    assert reverse("marketplace:stripe_webhook") == ENDPOINTS[0]


@pytest.mark.django_db
@pytest.mark.parametrize("url", ENDPOINTS)
@pytest.mark.parametrize("body", NOT_EVENTS, ids=range(len(NOT_EVENTS)))
def test_a_signed_body_that_is_not_an_event_is_refused_and_nothing_stored(client, url, body):
    before = set(StripeEvent.objects.values_list("pk", flat=True))  # the session's demo holds some

    response = _post(client, url, body)

    assert response.status_code == 400
    if url.startswith("/api/"):
        assert response.json() == {"code": "invalid_event", "message": "Événement Stripe illisible."}
    else:
        assert response.content == b"invalid event"
    assert set(StripeEvent.objects.values_list("pk", flat=True)) == before


@pytest.mark.django_db
@pytest.mark.parametrize("url", ENDPOINTS)
def test_an_event_is_stored_once_however_often_it_is_delivered(client, url, django_capture_on_commit_callbacks):
    body = json.dumps(
        {"id": "evt_unknown_kind", "object": "event", "type": "customer.created", "created": 1764800000,
         "data": {"object": {"id": "cus_1", "object": "customer"}}}
    )  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        first = _post(client, url, body)
        again = _post(client, url, body)

    assert (first.status_code, again.status_code) == (200, 200)
    event = StripeEvent.objects.get(event_id="evt_unknown_kind")
    assert (event.event_id, event.type, event.payload["data"]["object"]["id"]) == (
        "evt_unknown_kind",
        "customer.created",
        "cus_1",
    )
    assert event.processed_at is not None  # not one this platform handles: marked processed, nothing else
