"""Demo basket subscriptions: 3 plans of the Jardins du Pôle and 30 residents (abonne01…abonne30@demo.pole.test,
the demo password, verified e-mails) subscribed at two pickup points, with their next deliveries.

Half of them pay the season upfront (about 15): they subscribed three weeks ago, their season order was
paid at once — by card, recorded as Stripe's webhook records it, or by a cheque recorded by the
Jardins' staff —, their baskets of the last three weeks were handed over (each releasing its share of
4191), one skipped basket was refunded and one cancellation was kept as a credit. That history is
replayed in time order: the Jardins' invoice series already holds today's invoices of the marketplace
demo, so the deposit invoices are issued today (never back-dated, ADR 0009), as are the hand-overs.

One resident (abonne01) pays each basket by SEPA Direct Debit: the debit of the next basket, made five
days ago (before the basket's cut-off, so that the story fits before the basket), was confirmed by
Stripe two days later (received then, in the books), then rejected by the bank (« Provision
insuffisante ») ten minutes ago — Stripe's events, stored and processed as the webhook does: the order and
the delivery await payment again, the entries are reversed (DOMAIN.md rule 6).

Idempotent: plans are keyed on (offering, frequency, weekday), residents on their e-mail, and a resident
already subscribed is left alone; deliveries are unique per subscription and date.
"""

import contextlib
import datetime
import types

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from accounts.models import User
from hub import notify
from hub.demo import DEMO_PASSWORD
from hub.enums import Frequency
from hub.models import Site
from hub.money import to_cents
from marketplace import stripe_gateway
from marketplace.actions.payments import process_stripe_event, record_stripe_event
from marketplace.enums import PaymentMethod
from services.models import Offering
from subscriptions.actions.changes import cancel_subscription, first_changeable_date, skip_delivery
from subscriptions.actions.deliveries import generate_deliveries
from subscriptions.actions.payments import charge_delivery
from subscriptions.actions.prepaid import current_advance, mark_delivered, record_prepaid_season_payment
from subscriptions.actions.subscribing import subscribe
from subscriptions.enums import DeliveryStatus, PrepaidCreditChoice, SubscriptionPaymentMode
from subscriptions.exceptions import SubscriptionError
from subscriptions.models import Subscription, SubscriptionPlan

TUE, THU, FRI = 1, 3, 4
PLANS = [
    ("panier-petit-format", "Petit", Frequency.WEEKLY, TUE),
    ("panier-familial", "Familial", Frequency.WEEKLY, FRI),
    ("panier-de-fruits", "Fruits", Frequency.FORTNIGHTLY, THU),
]
# A second size on the small basket's day, open to switch to (not subscribed to by the seed: the
# residents' plans stay as they were): the family basket on Tuesdays too.
OTHER_SIZES = [("panier-familial", "Familial", Frequency.WEEKLY, TUE)]
FIRST_NAMES = ["Léa", "Hugo", "Manon", "Louis", "Chloé", "Nathan", "Inès", "Jules", "Sarah", "Gabriel"]
LAST_NAMES = ["Aubert", "Chevalier", "Fabre", "Garnier", "Lemoine", "Marchand", "Perrin", "Renaud", "Vidal", "Roche"]
RESIDENTS = 30
MODES = [SubscriptionPaymentMode.PREPAID, SubscriptionPaymentMode.CARD]
PREPAID_WEEKS_AGO = 3
# The resident paying by SEPA debit, subscribed a week before its first basket; its debit's days ago.
SEPA_RESIDENT, SEPA_SUBSCRIBED_DAYS_AGO, SEPA_DEBITED_DAYS_AGO, SEPA_CONFIRMED_DAYS_AGO = 1, 8, 5, 3


def _season(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The current half-year season (April–September or October–March), so the demo stays open."""
    if 4 <= today.month <= 9:
        return datetime.date(today.year, 4, 1), datetime.date(today.year, 9, 30)
    start_year = today.year if today.month >= 10 else today.year - 1
    return datetime.date(start_year, 10, 1), datetime.date(start_year + 1, 3, 31)


def seed_demo() -> dict[str, int]:
    today = timezone.localdate()
    season_start, season_end = _season(today)
    plans = []
    for slug, size, frequency, weekday in PLANS:
        plan, _created = SubscriptionPlan.objects.get_or_create(
            offering=Offering.objects.get(slug=slug),
            frequency=frequency,
            weekday=weekday,
            defaults={"size_label": size, "season_start": season_start, "season_end": season_end},
        )
        if plan.season_end < today:  # last season's demo: open the current one
            plan.season_start, plan.season_end = season_start, season_end
            plan.save(update_fields=["season_start", "season_end"])
        plans.append(plan)
    for slug, size, frequency, weekday in OTHER_SIZES:
        SubscriptionPlan.objects.update_or_create(
            offering=Offering.objects.get(slug=slug),
            frequency=frequency,
            weekday=weekday,
            defaults={"size_label": size, "season_start": season_start, "season_end": season_end},
        )
    points = [Site.objects.get(slug="pole-accueil"), Site.objects.get(slug="epicerie-chateau-landon")]
    password = make_password(DEMO_PASSWORD)  # hashed once for the 30 residents
    seasons: list[Subscription] = []
    sepa: Subscription | None = None
    with notify.suppressed():
        for n in range(1, RESIDENTS + 1):
            email = f"abonne{n:02d}@demo.pole.test"
            user = User.objects.filter(email=email).first()
            if user is None:
                user = User.objects.create(
                    email=email,
                    password=password,
                    first_name=FIRST_NAMES[n % len(FIRST_NAMES)],
                    last_name=LAST_NAMES[(n // len(FIRST_NAMES)) % len(LAST_NAMES)] + f" {n:02d}",
                )
            EmailAddress.objects.update_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
            if Subscription.objects.filter(customer=user).exists():
                continue
            mode = SubscriptionPaymentMode.SEPA if n == SEPA_RESIDENT else MODES[n % len(MODES)]
            prepaid = mode == SubscriptionPaymentMode.PREPAID
            # Prepaid seasons began three weeks ago: they have a history to show.
            start = today - datetime.timedelta(days=PREPAID_WEEKS_AGO * 7) if prepaid else today
            subscribed = start - datetime.timedelta(days=SEPA_SUBSCRIBED_DAYS_AGO if n == SEPA_RESIDENT else 0)
            try:
                subscription = subscribe(
                    user=user,
                    plan=plans[n % len(plans)],
                    pickup_point=points[n % len(points)],
                    start_date=max(start, plans[n % len(plans)].season_start),
                    payment_mode=mode,
                    today=max(subscribed, plans[n % len(plans)].season_start),
                    at=timezone.make_aware(datetime.datetime.combine(subscribed, datetime.time(10, n))),
                    season_payment_method=PaymentMethod.CARD if n % 4 == 0 else PaymentMethod.CHEQUE,
                )
            except SubscriptionError:
                continue  # a full pickup point: the resident waits, as anyone would
            if prepaid:
                seasons.append(subscription)
            elif mode == SubscriptionPaymentMode.SEPA:
                sepa = subscription
        generate_deliveries(today=today)
        _prepaid_history(seasons, today=today)
        if sepa is not None:
            _sepa_debit_rejected(sepa, today=today)
    return {"abonnements paniers": Subscription.objects.count()}


def _prepaid_history(seasons: list[Subscription], *, today: datetime.date) -> None:
    """The prepaid seasons' last three weeks, in time order: paid (in the past), invoiced and handed over
    (today, after the marketplace demo's invoices of today), one skip refunded, one cancellation kept."""
    if not seasons:
        return
    staff = User.objects.get(email="admin@demo.pole.test")  # a hub admin records in the demo
    for subscription in seasons:
        advance = current_advance(subscription)
        paid_at = advance.order.placed_at + datetime.timedelta(hours=1)
        if advance.order.payment_method == PaymentMethod.CARD:
            _card_paid(advance.order)
        else:
            record_prepaid_season_payment(subscription=subscription, method=PaymentMethod.CHEQUE, by=staff, at=paid_at)
    past = [
        delivery
        for subscription in seasons
        for delivery in subscription.deliveries.filter(status=DeliveryStatus.PLANNED, date__lt=today)
    ]
    for delivery in sorted(past, key=lambda d: (d.date, d.pk)):
        mark_delivered(delivery=delivery, by=staff)
    first, *others = seasons
    upcoming = first.deliveries.filter(
        status=DeliveryStatus.PLANNED, date__gte=first_changeable_date(first, today=today)
    ).first()
    if upcoming is not None:
        skip_delivery(delivery=upcoming, by=first.customer, today=today, prepaid_choice=PrepaidCreditChoice.REFUND)
    if others:
        cancel_subscription(
            subscription=others[-1], by=others[-1].customer, today=today, prepaid_choice=PrepaidCreditChoice.CREDIT
        )


def _succeeded_intent(order, **fields) -> dict:
    """The PaymentIntent Stripe's `payment_intent.succeeded` brings for an order (with `fields` added)."""
    cents = to_cents(order.total_incl)
    return {
        "id": f"pi_demo_{order.reference}",
        "object": "payment_intent",
        "status": "succeeded",
        "amount": cents,
        "amount_received": cents,
        "currency": "eur",
        "latest_charge": f"ch_demo_{order.reference}",
        "metadata": {"order": order.reference},
        **fields,
    }


def _card_paid(order) -> None:
    """What Stripe's webhook brings for a season paid by card: a stored event, processed as any other."""
    _stripe_event(_succeeded_intent(order), "payment_intent.succeeded", at=timezone.now())


def _sepa_debit_rejected(subscription: Subscription, *, today: datetime.date) -> None:
    """The SEPA resident's next basket: debited through the real off-session charge (Stripe's answer
    « processing » given here, no Stripe server runs while the demo is seeded), confirmed by Stripe's
    `payment_intent.succeeded`, then rejected by the bank: `payment_intent.payment_failed` after the
    success, the late failure that reverses the payment."""
    delivery = subscription.deliveries.filter(status=DeliveryStatus.PLANNED, date__gte=today).order_by("date").first()
    if delivery is None:
        return
    # The mandate signed when subscribing (the SetupIntent confirmed by the browser).
    reference = subscription.reference
    Subscription.objects.filter(pk=subscription.pk).update(
        stripe_customer_id=f"cus_demo_{reference}", stripe_payment_method_id=f"pm_demo_sepa_{reference}"
    )
    now = timezone.now()
    with _stripe_debits_answered_here():
        delivery = charge_delivery(delivery=delivery, at=now - datetime.timedelta(days=SEPA_DEBITED_DAYS_AGO))
    order = delivery.order_line.order
    intent = _succeeded_intent(
        order,
        customer=f"cus_demo_{reference}",
        payment_method_types=["sepa_debit"],
        latest_charge=f"py_demo_{order.reference}",
    )
    rejected = {
        **intent,
        "status": "requires_payment_method",
        "amount_received": 0,
        "last_payment_error": {"code": "insufficient_funds", "message": "Provision insuffisante."},
    }
    _stripe_event(intent, "payment_intent.succeeded", at=now - datetime.timedelta(days=SEPA_CONFIRMED_DAYS_AGO))
    _stripe_event(rejected, "payment_intent.payment_failed", at=now - datetime.timedelta(minutes=10))
    # After commit, `order_payment_failed` puts the delivery back to unpaid and e-mails the resident.


def _stripe_event(data: dict, event_type: str, *, at: datetime.datetime) -> None:
    """A Stripe event stored as the webhook stores it, then processed as any other."""
    payload = {"id": f"evt_demo_{data['id']}_{event_type.rsplit('.', 1)[-1]}", "object": "event",
               "type": event_type, "created": int(at.timestamp()), "data": {"object": data}}  # fmt: skip
    event, _created = record_stripe_event(event_id=payload["id"], event_type=event_type, payload=payload)
    process_stripe_event(event_pk=event.pk)


@contextlib.contextmanager
def _stripe_debits_answered_here():
    """The off-session SEPA debit (the one Stripe call of a delivery's charge) gets the PaymentIntent
    Stripe would return: « processing », as a SEPA debit is for days; everything around it is the real code."""
    real = stripe_gateway.create_off_session_payment_intent

    def create_off_session_payment_intent(*, reference: str, **_kwargs):
        return types.SimpleNamespace(id=f"pi_demo_{reference}", status="processing")

    stripe_gateway.create_off_session_payment_intent = create_off_session_payment_intent
    try:
        yield
    finally:
        stripe_gateway.create_off_session_payment_intent = real
