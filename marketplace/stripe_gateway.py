"""The one place where euros become Stripe cents and where the Stripe API is called.

Every call that creates something carries an idempotency key derived from our own ids, so a
retried task or a crash between Stripe and our database never charges or transfers twice.
"""

from decimal import Decimal

import stripe
from django.conf import settings

from hub.models import Structure
from hub.money import from_cents, quantize, to_cents


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


def cancel_payment_intent(payment_intent_id: str):
    """Cancel an intent nobody will pay any more; Stripe refuses once it succeeded or is processing."""
    return client().v1.payment_intents.cancel(payment_intent_id)


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
    # `metadata.refund` tells the platform's refunds from those made in Stripe's dashboard.
    params = {"payment_intent": payment_intent_id, "amount": to_cents(amount), "metadata": {"refund": key}}
    if reverse_transfer:
        params["reverse_transfer"] = True
    return client().v1.refunds.create(params=params, options={"idempotency_key": f"re-{key}"})


def reverse_transfer(*, transfer_id: str, amount: Decimal, key: str):
    return client().v1.transfers.reversals.create(
        transfer_id, params={"amount": to_cents(amount)}, options={"idempotency_key": f"rv-{key}"}
    )


def construct_event(payload: bytes, signature: str):
    return stripe.Webhook.construct_event(payload, signature, settings.STRIPE_WEBHOOK_SECRET)


# --- Saved cards (basket subscriptions paid per delivery) ---------------------------------------


def create_customer(*, email: str, name: str, key: str):
    """A Stripe customer to attach a saved card (or SEPA mandate) to."""
    return client().v1.customers.create(
        params={"email": email, "name": name}, options={"idempotency_key": f"cus-{key}"}
    )


def create_setup_intent(*, customer_id: str, key: str, method_types: tuple[str, ...] = ("card",)):
    """Save a payment method for later off-session charges; confirmed in the browser (confirmCardSetup)."""
    return client().v1.setup_intents.create(
        params={"customer": customer_id, "usage": "off_session", "payment_method_types": list(method_types)},
        options={"idempotency_key": f"seti-{key}"},
    )


def retrieve_setup_intent(setup_intent_id: str):
    return client().v1.setup_intents.retrieve(setup_intent_id)


def create_off_session_payment_intent(
    *,
    reference: str,
    amount: Decimal,
    customer_id: str,
    payment_method_id: str,
    seller: Structure,
    fee: Decimal = Decimal("0"),
    method_type: str = "card",
):
    """Charge a saved payment method without the customer present (a subscription's delivery).

    A SEPA debit stays `processing` for days: only its `payment_intent.succeeded` marks it paid,
    and a later failure comes as `payment_intent.payment_failed` (DOMAIN.md rule 6).

    A destination charge on behalf of the seller, like a single-seller order; raises
    `stripe.CardError` on a decline or when the bank asks for authentication (SCA).
    """
    params = {
        "amount": to_cents(amount),
        "currency": "eur",
        "customer": customer_id,
        "payment_method": payment_method_id,
        "off_session": True,
        "confirm": True,
        "payment_method_types": [method_type],
        "metadata": {"order": reference},
        "description": f"Commande {reference}",
        "on_behalf_of": seller.stripe_account_id,
        "transfer_data": {"destination": seller.stripe_account_id},
    }
    if fee:
        params["application_fee_amount"] = to_cents(fee)
    return client().v1.payment_intents.create(params=params, options={"idempotency_key": f"pi-off-{reference}"})


# --- Reconciliation -----------------------------------------------------------------------------


def retrieve_balance(account: str | None = None) -> Decimal:
    """The euros Stripe holds for the platform (`account=None`) or a connected account: available +
    pending (`GET /v1/balance`, with the `Stripe-Account` header for a connected account)."""
    options = {"stripe_account": account} if account else {}
    balance = client().v1.balance.retrieve(options=options).to_dict()
    cents = sum(
        funds["amount"]
        for kind in ("available", "pending")
        for funds in (balance.get(kind) or [])
        if funds.get("currency", "eur") == "eur"
    )
    return from_cents(cents)
