"""Stripe's webhook, received by the HTML endpoint and by the API one alike: verified, stored once,
processed by a task (never inside the request)."""

import stripe

from marketplace import stripe_gateway
from marketplace.actions.payments import record_stripe_event


def receive_stripe_event(body: bytes, signature: str) -> bool:
    """Verify the signature and store the event once; a task processes it. False if forged."""
    try:
        event = stripe_gateway.construct_event(body, signature)
    except (ValueError, stripe.SignatureVerificationError):
        return False
    record_stripe_event(event_id=event["id"], event_type=event["type"], payload=event.to_dict())
    return True
