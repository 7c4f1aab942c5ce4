"""Paying a basket subscription per delivery: the card saved off-session, then one order per delivery
charged after its cut-off (DOMAIN.md rule 6).

A decline or a bank asking for authentication (SCA) never fails silently: the delivery is marked
unpaid and the resident gets an e-mail with the link to the order's pay page.
"""

import datetime
import logging

import stripe
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace import stripe_gateway
from marketplace.actions.checkout import Billing, place_order_for_items
from marketplace.enums import PaymentMethod, PaymentStatus
from marketplace.models import Order, SellerSettings
from subscriptions import notify
from subscriptions.enums import DeliveryStatus, SubscriptionEmail, SubscriptionPaymentMode
from subscriptions.exceptions import SubscriptionError
from subscriptions.models import DELIVERY_STATUS, Delivery, Subscription

logger = logging.getLogger(__name__)
# Per-delivery modes with a payment method saved at Stripe: a card, or a SEPA Direct Debit mandate.
CARD_MODES = {SubscriptionPaymentMode.CARD, SubscriptionPaymentMode.SEPA}
METHOD_TYPES = {SubscriptionPaymentMode.CARD: "card", SubscriptionPaymentMode.SEPA: "sepa_debit"}


def start_card_setup(*, subscription: Subscription) -> str:
    """Create the resident's Stripe customer (once) and a SetupIntent; returns its client secret."""
    if subscription.payment_mode not in CARD_MODES:
        raise SubscriptionError(_("Cet abonnement ne se paie pas par carte."))
    key = subscription.reference
    if not subscription.stripe_customer_id:
        customer = stripe_gateway.create_customer(
            email=subscription.customer.email, name=subscription.customer.get_full_name(), key=key
        )
        Subscription.objects.filter(pk=subscription.pk).update(stripe_customer_id=customer.id)
        subscription.stripe_customer_id = customer.id
    intent = stripe_gateway.create_setup_intent(
        customer_id=subscription.stripe_customer_id,
        key=f"{key}-{timezone.now():%Y%m%d%H%M%S}",
        method_types=(METHOD_TYPES[subscription.payment_mode],),
    )
    return intent.client_secret


@transaction.atomic
def save_card(*, subscription: Subscription, setup_intent_id: str) -> Subscription:
    """The browser confirmed the SetupIntent: keep its payment method, after checking it with Stripe."""
    intent = stripe_gateway.retrieve_setup_intent(setup_intent_id)
    subscription = Subscription.objects.select_for_update(of=("self",)).get(pk=subscription.pk)
    if intent.status != "succeeded" or intent.customer != subscription.stripe_customer_id:
        raise SubscriptionError(_("La carte n'a pas pu être enregistrée. Réessayez."))
    subscription.stripe_payment_method_id = intent.payment_method
    subscription.save(update_fields=["stripe_payment_method_id"])
    return subscription


def due_for_charge(*, today: datetime.date | None = None):
    """Planned deliveries paid each time (by card, SEPA, or at the pickup point) that have no order yet."""
    today = today or timezone.localdate()
    return (
        Delivery.objects.filter(
            status=DeliveryStatus.PLANNED,
            order_line__isnull=True,
            subscription__payment_mode__in=[*CARD_MODES, SubscriptionPaymentMode.AT_PICKUP],
            date__gte=today,
        )
        .select_related("subscription__plan")
        .order_by("date", "pk")
    )


def charge_due_deliveries(*, today: datetime.date | None = None) -> int:
    """Beat, daily: every delivery past its cut-off becomes an order charged off-session."""
    today = today or timezone.localdate()
    count = 0
    for delivery in due_for_charge(today=today):
        if today > delivery.cutoff_date:
            charge_delivery(delivery=delivery)
            count += 1
    return count


@transaction.atomic
def _order_for(delivery_pk: int, *, at: datetime.datetime, payment_method: str = PaymentMethod.CARD) -> Order | None:
    delivery = Delivery.objects.select_for_update(of=("self",)).get(pk=delivery_pk)
    if delivery.order_line_id is not None or delivery.status != DeliveryStatus.PLANNED:
        return None  # already ordered (a retried task) or no longer due
    subscription = Subscription.objects.select_related("customer", "plan__offering", "pickup_point").get(
        pk=delivery.subscription_id
    )
    user = subscription.customer
    order = place_order_for_items(
        user=user,
        items=[(subscription.plan.offering, 1)],
        payment_method=payment_method,
        billing=Billing(
            name=user.get_full_name() or user.email, address=subscription.pickup_point.name, email=user.email
        ),
        pickup_point=subscription.pickup_point,
        at=at,
    )
    delivery.order_line = order.lines.get()
    delivery.save(update_fields=["order_line"])
    return order


def charge_delivery(*, delivery: Delivery, at: datetime.datetime | None = None) -> Delivery:
    """One delivery becomes an order, charged off-session with the saved card (idempotency key per order).

    Stripe is called outside any transaction; success is recorded by the webhook like any card
    payment, a refusal or an SCA requirement right away (and again, harmlessly, by its webhook).
    """
    at = at or timezone.now()
    if Subscription.objects.filter(
        pk=delivery.subscription_id, payment_mode=SubscriptionPaymentMode.AT_PICKUP
    ).exists():
        # Paid in cash (or by cheque) when the basket is collected: the order is confirmed and invoiced now,
        # its payment recorded at the handover like any order paid at the pickup point.
        _order_for(delivery.pk, at=at, payment_method=PaymentMethod.CASH)
        delivery.refresh_from_db()
        return delivery
    order = _order_for(delivery.pk, at=at)
    delivery.refresh_from_db()
    if order is None:
        return delivery
    subscription = Subscription.objects.select_related("plan__offering__structure").get(pk=delivery.subscription_id)
    if not subscription.stripe_payment_method_id:
        return mark_unpaid(delivery=delivery, order=order)
    seller = subscription.plan.offering.structure
    settings = SellerSettings.objects.filter(structure=seller).first()
    fee = (
        stripe_gateway.platform_fee(order.total_incl, settings.platform_fee_percent)
        if settings and settings.platform_fee_percent
        else 0
    )
    try:
        intent = stripe_gateway.create_off_session_payment_intent(
            reference=order.reference,
            amount=order.total_incl,
            customer_id=subscription.stripe_customer_id,
            payment_method_id=subscription.stripe_payment_method_id,
            seller=seller,
            fee=fee,
            method_type=METHOD_TYPES[subscription.payment_mode],
        )
    except stripe.CardError as error:
        intent_id = ((error.json_body or {}).get("error") or {}).get("payment_intent", {}).get("id", "")
        Order.objects.filter(pk=order.pk, stripe_payment_intent_id="").update(stripe_payment_intent_id=intent_id)
        logger.info("Off-session charge refused for %s: %s", order.reference, error.user_message)
        return mark_unpaid(delivery=delivery, order=order)
    Order.objects.filter(pk=order.pk).update(stripe_payment_intent_id=intent.id)
    if intent.status in {"requires_action", "requires_payment_method"}:
        return mark_unpaid(delivery=delivery, order=order)
    return delivery


@transaction.atomic
def mark_unpaid(*, delivery: Delivery, order: Order) -> Delivery:
    """The delivery awaits payment: the resident is e-mailed the order's pay link (once per order)."""
    delivery = Delivery.objects.select_for_update(of=("self",)).get(pk=delivery.pk)
    if delivery.status == DeliveryStatus.PLANNED:
        DELIVERY_STATUS.move(delivery, DeliveryStatus.UNPAID, note=order.reference)
        delivery.save(update_fields=DELIVERY_STATUS.fields_set(DeliveryStatus.UNPAID))
        notify.subscription_email(delivery.subscription_id, SubscriptionEmail.PAYMENT_NEEDED, key=order.reference)
    return delivery


def mark_order_deliveries_unpaid(*, order_id: int) -> int:
    """`order_payment_failed`: the deliveries the order pays become unpaid (idempotent)."""
    order = Order.objects.get(pk=order_id)
    count = 0
    for delivery in Delivery.objects.filter(order_line__order_id=order_id, status=DeliveryStatus.PLANNED):
        mark_unpaid(delivery=delivery, order=order)
        count += 1
    return count


def settle_order_deliveries(*, order_id: int) -> int:
    """`order_confirmed` (paid through the pay link): unpaid deliveries are planned again — only while
    the order is paid: its task may run after a late failure's `order_payment_failed` made them unpaid.
    Most orders have no unpaid delivery: one read says so, with no transaction opened."""
    unpaid = Delivery.objects.filter(order_line__order_id=order_id, status=DeliveryStatus.UNPAID)
    if not unpaid.exists():
        return 0
    with transaction.atomic():
        if not Order.objects.filter(pk=order_id, payment_status=PaymentStatus.PAID).exists():
            return 0
        return DELIVERY_STATUS.move_all(
            unpaid,
            DeliveryStatus.PLANNED,
            note=_("Paiement reçu."),
        )


def sweep_order_events(*, now: datetime.datetime | None = None) -> int:
    """What a lost `order_confirmed` left undone (the broker was down when the payment committed):
    deliveries still unpaid while their order has been paid for a while are planned again. Beat,
    every two minutes; `settle_order_deliveries` is idempotent. Returns how many orders."""
    cutoff = (now or timezone.now()) - datetime.timedelta(minutes=2)
    order_ids = set(
        Delivery.objects.filter(
            status=DeliveryStatus.UNPAID,
            order_line__order__payment_status=PaymentStatus.PAID,
            order_line__order__paid_at__lte=cutoff,
        ).values_list("order_line__order_id", flat=True)
    )
    for order_id in sorted(order_ids):
        settle_order_deliveries(order_id=order_id)
    return len(order_ids)
