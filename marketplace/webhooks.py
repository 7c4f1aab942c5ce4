"""Stripe's webhook, received by the HTML endpoint and by the API one alike: verified, stored once,
processed by a task (never inside the request)."""

import json

import stripe

from marketplace import stripe_gateway
from marketplace.actions.payments import record_stripe_event
from marketplace.models import StripeEvent

INVALID_SIGNATURE = "invalid_signature"
INVALID_EVENT = "invalid_event"


def _is_event(body: bytes) -> bool:
    """The shape every stored event is processed by: an object with a string id and type (within their
    columns' lengths) and `data.object` an object. Anything else, even signed, is refused, not stored."""
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return False
    if not isinstance(payload, dict):
        return False
    event_id, event_type, data = payload.get("id"), payload.get("type"), payload.get("data")
    return (
        isinstance(event_id, str)
        and 0 < len(event_id) <= StripeEvent._meta.get_field("event_id").max_length
        and isinstance(event_type, str)
        and 0 < len(event_type) <= StripeEvent._meta.get_field("type").max_length
        and "\x00" not in event_id + event_type
        and isinstance(data, dict)
        and isinstance(data.get("object"), dict)
    )


def receive_stripe_event(body: bytes, signature: str) -> str | None:
    """Verify the signature and store the event once; a task processes it.

    Returns None when stored (or stored already), else why it was refused: `INVALID_SIGNATURE` (forged)
    or `INVALID_EVENT` (signed, but not an event this platform can process)."""
    try:
        event = stripe_gateway.construct_event(body, signature)
    except stripe.SignatureVerificationError:
        return INVALID_SIGNATURE
    except (ValueError, TypeError, AttributeError, KeyError, RecursionError):
        return INVALID_EVENT  # signed, but not JSON or not an object the library can read
    if not _is_event(body):
        return INVALID_EVENT
    record_stripe_event(event_id=event["id"], event_type=event["type"], payload=event.to_dict())
    return None
