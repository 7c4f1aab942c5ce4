"""Per-delivery payments against the local fake Stripe server (localstripe) with the real library.

The SetupIntent is confirmed server-side with `pm_card_visa` here (what the browser's
confirmCardSetup does); the Playwright journey covers the browser side.
"""

import datetime

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone

from marketplace.enums import PaymentStatus
from marketplace.models import Order
from subscriptions.actions.payments import charge_due_deliveries, save_card, start_card_setup
from subscriptions.enums import DeliveryStatus
from tests.bookings.factories import CollectiveFactory
from tests.marketplace.stripe_helpers import WEBHOOK_SECRET, event_for, post_event
from tests.subscriptions.factories import SubscriptionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def stripe_env(settings, localstripe):
    """The marketplace's `stripe_env` (tests/marketplace/conftest.py), which this package cannot see,
    with the hub's Collectif (card payments are received in its name)."""
    CollectiveFactory()
    settings.STRIPE_SECRET_KEY = localstripe.secret_key
    settings.STRIPE_PUBLISHABLE_KEY = localstripe.publishable_key
    settings.STRIPE_API_BASE = localstripe.url
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    return localstripe.client()


D = datetime.date


def _subscribed(stripe_client, **kwargs):
    """A subscription from Monday 16 March 2026 whose market garden has its Stripe connected account."""
    from hub.models import Structure

    subscription = SubscriptionFactory(**kwargs)
    account = stripe_client.v1.accounts.create(params={"type": "express", "country": "FR"})
    Structure.objects.filter(pk=subscription.plan.offering.structure_id).update(stripe_account_id=account.id)
    return subscription


def _with_card(stripe_client, payment_method: str):
    subscription = _subscribed(stripe_client)
    secret = start_card_setup(subscription=subscription)
    subscription.refresh_from_db()
    setup_id = secret.split("_secret_")[0]
    stripe_client.v1.setup_intents.confirm(setup_id, params={"payment_method": payment_method})
    return save_card(subscription=subscription, setup_intent_id=setup_id)


def test_delivery_charged_off_session_after_cutoff(client, stripe_env, django_capture_on_commit_callbacks):
    subscription = _with_card(stripe_env, "pm_card_visa")
    assert subscription.stripe_payment_method_id.startswith("pm_")

    # The 16 March distribution's cut-off was the 14th: only it is due on the 15th.
    charged = charge_due_deliveries(today=D(2026, 3, 15))
    again = charge_due_deliveries(today=D(2026, 3, 15))

    delivery = subscription.deliveries.get(date=D(2026, 3, 16))
    order = delivery.order_line.order
    intent = stripe_env.v1.payment_intents.retrieve(order.stripe_payment_intent_id)
    assert (charged, again, subscription.deliveries.filter(order_line__isnull=False).count()) == (1, 0, 1)
    assert (intent.status, intent.amount, intent.customer, intent.payment_method) == (
        "succeeded",
        int(subscription.plan.price_per_delivery * 100),
        subscription.stripe_customer_id,
        subscription.stripe_payment_method_id,
    )

    with django_capture_on_commit_callbacks(execute=True):
        post_event(client, event_for(intent, "payment_intent.succeeded", "evt_basket_ok"))
    order.refresh_from_db()
    delivery.refresh_from_db()
    assert (order.payment_status, order.total_incl, delivery.status) == (
        PaymentStatus.PAID,
        subscription.plan.price_per_delivery,
        DeliveryStatus.PLANNED,
    )


def test_declined_off_session_marks_unpaid_and_emails_the_pay_link(
    client, stripe_env, django_capture_on_commit_callbacks
):
    subscription = _with_card(stripe_env, "pm_card_chargeCustomerFail")
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        charge_due_deliveries(today=D(2026, 3, 15))

    delivery = subscription.deliveries.get(date=D(2026, 3, 16))
    order = Order.objects.get(pk=delivery.order_line.order_id)
    assert (delivery.status, order.payment_status) == (DeliveryStatus.UNPAID, PaymentStatus.UNPAID)
    assert [m.subject for m in mail.outbox] == [
        f"[Pôle Économie Solidaire] Commande {order.reference} enregistrée",
        "[Pôle Économie Solidaire] Action requise : le paiement de votre panier n'a pas abouti",
    ]
    link = [line for line in mail.outbox[1].body.splitlines() if line.startswith("Pour régler")]
    assert link == [f"Pour régler ce panier, suivez ce lien : {settings.SITE_URL}/commandes/{order.reference}/payer/"]


def test_sca_required_marks_unpaid(stripe_env, django_capture_on_commit_callbacks):
    subscription = _subscribed(stripe_env)
    start_card_setup(subscription=subscription)
    subscription.refresh_from_db()
    # A card that asks for authentication on every charge, attached directly (the SetupIntent of such a
    # card would itself need 3-D Secure in the browser).
    method = stripe_env.v1.payment_methods.create(
        params={"type": "card", "card": {"number": "4000002760003184", "exp_month": 12, "exp_year": 2030, "cvc": "123"}}
    )
    subscription.stripe_payment_method_id = method.id
    subscription.save(update_fields=["stripe_payment_method_id"])

    with django_capture_on_commit_callbacks(execute=True):
        charge_due_deliveries(today=D(2026, 3, 15))

    delivery = subscription.deliveries.get(date=D(2026, 3, 16))
    assert (delivery.status, mail.outbox[-1].subject) == (
        DeliveryStatus.UNPAID,
        "[Pôle Économie Solidaire] Action requise : le paiement de votre panier n'a pas abouti",
    )


def test_payment_failed_event_marks_the_delivery_unpaid_once(client, stripe_env, django_capture_on_commit_callbacks):
    subscription = _with_card(stripe_env, "pm_card_visa")
    charge_due_deliveries(today=D(2026, 3, 15))
    delivery = subscription.deliveries.get(date=D(2026, 3, 16))
    order = delivery.order_line.order
    intent = stripe_env.v1.payment_intents.retrieve(order.stripe_payment_intent_id)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        post_event(client, event_for(intent, "payment_intent.payment_failed", "evt_basket_failed"))
        post_event(client, event_for(intent, "payment_intent.payment_failed", "evt_basket_failed"))

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.UNPAID
    assert [m.subject for m in mail.outbox if "panier" in m.subject] == [
        "[Pôle Économie Solidaire] Action requise : le paiement de votre panier n'a pas abouti"
    ]


def _with_sepa(stripe_client, iban: str):
    subscription = _subscribed(stripe_client, sepa=True)
    secret = start_card_setup(subscription=subscription)
    subscription.refresh_from_db()
    setup_id = secret.split("_secret_")[0]
    intent = stripe_client.v1.setup_intents.retrieve(setup_id)
    assert intent.payment_method_types == ["sepa_debit"]
    # What the browser's confirmSepaDebitSetup sends (IBAN and holder), confirmed here server-side.
    method = stripe_client.v1.payment_methods.create(
        params={
            "type": "sepa_debit",
            "sepa_debit": {"iban": iban},
            "billing_details": {"name": "Jeanne Roche", "email": "j@exemple.test"},
        }
    )
    stripe_client.v1.setup_intents.confirm(setup_id, params={"payment_method": method.id})
    return save_card(subscription=subscription, setup_intent_id=setup_id)


def test_sepa_debit_is_paid_only_when_its_success_event_arrives(client, stripe_env, django_capture_on_commit_callbacks):
    import time

    subscription = _with_sepa(stripe_env, "DE89370400440532013000")
    charge_due_deliveries(today=D(2026, 3, 15))
    delivery = subscription.deliveries.get(date=D(2026, 3, 16))
    order = delivery.order_line.order
    order.refresh_from_db()
    assert order.payment_status == PaymentStatus.UNPAID  # a debit is only "probably paid" for days
    intent = stripe_env.v1.payment_intents.retrieve(order.stripe_payment_intent_id)
    assert stripe_env.v1.payment_methods.retrieve(intent.payment_method).type == "sepa_debit"
    for _ in range(40):  # the fake bank answers asynchronously
        intent = stripe_env.v1.payment_intents.retrieve(order.stripe_payment_intent_id)
        if intent.status == "succeeded":
            break
        time.sleep(0.1)
    assert intent.status == "succeeded"
    with django_capture_on_commit_callbacks(execute=True):
        post_event(client, event_for(intent, "payment_intent.succeeded", "evt_sepa_ok"))
    order.refresh_from_db()
    assert order.payment_status == PaymentStatus.PAID


def test_sepa_failure_marks_the_delivery_unpaid(client, stripe_env, django_capture_on_commit_callbacks):
    import time

    subscription = _with_sepa(stripe_env, "DE62370400440532013001")  # the fake bank's failing IBAN
    charge_due_deliveries(today=D(2026, 3, 15))
    delivery = subscription.deliveries.get(date=D(2026, 3, 16))
    order = delivery.order_line.order
    for _ in range(40):
        intent = stripe_env.v1.payment_intents.retrieve(order.stripe_payment_intent_id)
        if intent.status == "requires_payment_method":
            break
        time.sleep(0.1)
    assert intent.status == "requires_payment_method"
    with django_capture_on_commit_callbacks(execute=True):
        post_event(client, event_for(intent, "payment_intent.payment_failed", "evt_sepa_ko"))
    delivery.refresh_from_db()
    order.refresh_from_db()
    assert (delivery.status, order.payment_status) == (DeliveryStatus.UNPAID, PaymentStatus.UNPAID)


def test_a_late_confirmation_task_never_plans_again_a_delivery_whose_order_is_unpaid(
    client, stripe_env, django_capture_on_commit_callbacks
):
    """`order_confirmed` then `order_payment_failed` (a SEPA debit confirmed, then rejected): their tasks
    may run in any order; the delivery is planned again only while its order is paid."""
    from subscriptions.actions.payments import settle_order_deliveries

    subscription = _with_card(stripe_env, "pm_card_chargeCustomerFail")
    with django_capture_on_commit_callbacks(execute=True):
        charge_due_deliveries(today=D(2026, 3, 15))
    delivery = subscription.deliveries.get(date=D(2026, 3, 16))
    order = Order.objects.get(pk=delivery.order_line.order_id)
    assert (delivery.status, order.payment_status) == (DeliveryStatus.UNPAID, PaymentStatus.UNPAID)

    assert settle_order_deliveries(order_id=order.pk) == 0
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.UNPAID

    Order.objects.filter(pk=order.pk).update(payment_status=PaymentStatus.PAID, paid_at=timezone.now())  # pay link
    assert settle_order_deliveries(order_id=order.pk) == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PLANNED


def test_deliveries_a_lost_confirmation_left_unpaid_are_planned_again_by_the_sweep(stripe_env):
    """The pay link's payment committed while the broker was down: `order_confirmed` never queued
    `settle_order_deliveries`; the beat sweep plans the delivery again once the order has been paid a while."""
    from subscriptions.actions.payments import sweep_order_events

    subscription = _with_card(stripe_env, "pm_card_chargeCustomerFail")
    charge_due_deliveries(today=D(2026, 3, 15))
    delivery = subscription.deliveries.get(date=D(2026, 3, 16))
    paid_at = timezone.now()
    Order.objects.filter(pk=delivery.order_line.order_id).update(payment_status=PaymentStatus.PAID, paid_at=paid_at)

    assert sweep_order_events(now=paid_at + datetime.timedelta(minutes=1)) == 0  # the event may only be late
    assert sweep_order_events(now=paid_at + datetime.timedelta(minutes=3)) == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PLANNED
    assert sweep_order_events(now=paid_at + datetime.timedelta(minutes=3)) == 0
