"""The one place where euros become Stripe cents and where the Stripe API is called.

Every call that creates something carries an idempotency key derived from our own ids, so a
retried task or a crash between Stripe and our database never charges or transfers twice.
"""

from decimal import Decimal

import stripe
from django.conf import settings

from hub.models import Structure
from hub.money import quantize, to_cents


def client() -> stripe.StripeClient:
    base = {"api": settings.STRIPE_API_BASE} if settings.STRIPE_API_BASE else {}
    # Stripe honours idempotency keys, so retries are safe there; the local fake server does not.
    retries = 0 if settings.STRIPE_API_BASE else 2
    return stripe.StripeClient(api_key=settings.STRIPE_SECRET_KEY, base_addresses=base, max_network_retries=retries)


def is_configured() -> bool:
    return bool(settings.STRIPE_SECRET_KEY)


def platform_fee(amount: Decimal, percent: Decimal) -> Decimal:
    return quantize(amount * percent / Decimal("100"))


def create_payment_intent(
    *, reference: str, amount: Decimal, email: str, seller: Structure | None, fee: Decimal = Decimal("0")
):
    """A single-seller order is a destination charge on behalf of the seller; a mixed one stays on
    the platform with a transfer group, to be split by transfers once paid (DOMAIN.md rule 5)."""
    params = {
        "amount": to_cents(amount),
        "currency": "eur",
        "payment_method_types": ["card"],
        "metadata": {"order": reference},
        "description": f"Commande {reference}",
    }
    if seller is not None:
        params["on_behalf_of"] = seller.stripe_account_id
        params["transfer_data"] = {"destination": seller.stripe_account_id}
        if fee:
            params["application_fee_amount"] = to_cents(fee)
    else:
        params["transfer_group"] = reference
    return client().v1.payment_intents.create(params=params, options={"idempotency_key": f"pi-{reference}"})


def retrieve_payment_intent(payment_intent_id: str):
    return client().v1.payment_intents.retrieve(payment_intent_id)


def create_transfer(*, reference: str, structure: Structure, amount: Decimal, charge_id: str):
    return client().v1.transfers.create(
        params={
            "amount": to_cents(amount),
            "currency": "eur",
            "destination": structure.stripe_account_id,
            "source_transaction": charge_id,
            "transfer_group": reference,
            "metadata": {"order": reference, "structure": structure.slug},
        },
        options={"idempotency_key": f"tr-{reference}-{structure.pk}"},
    )


def refund(*, payment_intent_id: str, amount: Decimal, key: str, reverse_transfer: bool):
    params = {"payment_intent": payment_intent_id, "amount": to_cents(amount)}
    if reverse_transfer:
        params["reverse_transfer"] = True
    return client().v1.refunds.create(params=params, options={"idempotency_key": f"re-{key}"})


def reverse_transfer(*, transfer_id: str, amount: Decimal, key: str):
    return client().v1.transfers.reversals.create(
        transfer_id, params={"amount": to_cents(amount)}, options={"idempotency_key": f"rv-{key}"}
    )


def construct_event(payload: bytes, signature: str):
    return stripe.Webhook.construct_event(payload, signature, settings.STRIPE_WEBHOOK_SECRET)
