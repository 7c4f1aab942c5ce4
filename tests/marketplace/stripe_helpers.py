"""Helpers for card-payment tests: connected accounts and signed webhook events, against localstripe."""

import hashlib
import hmac
import json
import time

from django.urls import reverse

WEBHOOK_SECRET = "whsec_test_pole"


def signature(payload: str, secret: str = WEBHOOK_SECRET) -> str:
    timestamp = int(time.time())
    digest = hmac.new(secret.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def event_for(intent, event_type: str, event_id: str) -> str:
    return json.dumps(
        {
            "id": event_id,
            "object": "event",
            "type": event_type,
            "api_version": "2024-06-20",
            "created": int(time.time()),
            "data": {"object": intent.to_dict()},
        }
    )


def post_event(client, payload: str, secret: str = WEBHOOK_SECRET):
    return client.post(
        reverse("marketplace:stripe_webhook"),
        data=payload,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=signature(payload, secret),
    )
