import datetime

import pytest
from django.core import mail
from django.test import override_settings
from django.utils import formats, timezone

from hub.models import Site
from subscriptions import demo as subscriptions_demo
from subscriptions.actions.changes import cancel_subscription, pause_subscription, resume_subscription, skip_delivery
from subscriptions.actions.deliveries import end_paused, generate_deliveries
from subscriptions.actions.subscribing import expire_place_offers
from subscriptions.enums import DeliveryStatus, SubscriptionStatus, WaitingStatus
from subscriptions.exceptions import AbsenceQuotaExceeded, NotAllowed, PastCutOff, PickupPointFull
from subscriptions.models import Delivery, Subscription, SubscriptionNotification, WaitingListEntry
from tests.accounts.factories import UserFactory
from tests.hub.factories import SiteFactory
from tests.subscriptions.factories import (
    TODAY,
    BasketFactory,
    SubscriptionFactory,
    SubscriptionPlanFactory,
)

pytestmark = pytest.mark.django_db

D = datetime.date


def _deliveries(subscription):
    return list(subscription.deliveries.order_by("date").values_list("date", "status", "moved_from"))


def test_subscribing_generates_four_weeks_of_deliveries(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        subscription = SubscriptionFactory()

    assert (subscription.status, _deliveries(subscription)) == (
        SubscriptionStatus.ACTIVE,
        [
            (D(2026, 3, 16), "planned", None),
            (D(2026, 3, 23), "planned", None),
            (D(2026, 3, 30), "planned", None),
            # Easter Monday 2026: moved to the next working day, the nominal day kept as the notice.
            (D(2026, 4, 7), "planned", D(2026, 4, 6)),
        ],
    )
    assert [m.subject for m in mail.outbox] == [
        "[Pôle Économie Solidaire] Distribution de panier déplacée (jour férié)",
        "[Pôle Économie Solidaire] Votre abonnement panier a commencé",
    ]


def test_generation_run_twice_creates_nothing_new():
    first = SubscriptionFactory()  # weekly, on Mondays
    second = SubscriptionFactory(
        plan=SubscriptionPlanFactory(fortnightly=True, weekday=3, offering=BasketFactory(name="Panier familial"))
    )
    Delivery.objects.filter(subscription__in=[first, second]).delete()
    before = Delivery.objects.count()

    created = generate_deliveries(weeks=4, today=TODAY)
    again = generate_deliveries(weeks=4, today=TODAY)

    assert (created, again) == (Delivery.objects.count() - before, 0)
    assert Delivery.objects.filter(subscription__in=[first, second]).count() == 6
    assert [d for d, _s, _m in _deliveries(second)] == [D(2026, 3, 19), D(2026, 4, 2)]
    assert len(_deliveries(first)) == 4


@override_settings(SUBSCRIPTION_HOLIDAY_POLICY="skip")
def test_holiday_skipped_when_configured():
    subscription = SubscriptionFactory()

    assert _deliveries(subscription)[-1] == (D(2026, 4, 6), "cancelled", None)


@override_settings(SUBSCRIPTION_HOLIDAY_POLICY="previous_working_day")
def test_holiday_moved_to_previous_working_day():
    subscription = SubscriptionFactory()

    # Easter Monday 6 April 2026 → Saturday 4 (Sunday is not a working day).
    assert _deliveries(subscription)[-1] == (D(2026, 4, 4), "planned", D(2026, 4, 6))


def test_skip_before_cutoff():
    subscription = SubscriptionFactory()
    delivery = subscription.deliveries.get(date=D(2026, 3, 16))

    skip_delivery(delivery=delivery, by=subscription.customer, today=D(2026, 3, 14))

    delivery.refresh_from_db()
    assert (delivery.status, delivery.transitions.last().to_status) == (DeliveryStatus.SKIPPED, "skipped")


def test_skip_after_cutoff_is_refused_and_changes_nothing():
    subscription = SubscriptionFactory()
    delivery = subscription.deliveries.get(date=D(2026, 3, 16))
    before = _deliveries(subscription)

    with pytest.raises(PastCutOff) as refused:
        skip_delivery(delivery=delivery, by=subscription.customer, today=D(2026, 3, 15))

    assert refused.value.message == (
        "Trop tard pour modifier la distribution du lundi 16 mars 2026 : les changements étaient "
        "possibles jusqu'au samedi 14 mars 2026 (2 jours avant)."
    )
    assert _deliveries(subscription) == before


def test_absence_quota_refuses_the_fifth_absence():
    subscription = SubscriptionFactory(plan__absence_quota=2)
    first, second, third = subscription.deliveries.order_by("date")[:3]
    skip_delivery(delivery=first, today=TODAY)
    skip_delivery(delivery=second, today=TODAY)
    before = _deliveries(subscription)

    with pytest.raises(AbsenceQuotaExceeded) as refused:
        skip_delivery(delivery=third, today=TODAY)

    assert refused.value.message == (
        "Vous avez droit à 2 absences par saison ; 2 sont déjà posées, celle-ci en demande 1 de plus."
    )
    assert _deliveries(subscription) == before


def test_pause_two_weeks_then_resume(django_capture_on_commit_callbacks):
    subscription = SubscriptionFactory()

    with django_capture_on_commit_callbacks(execute=True):
        pause_subscription(subscription=subscription, until=D(2026, 3, 29), by=subscription.customer, today=TODAY)

    subscription.refresh_from_db()
    assert (subscription.status, subscription.paused_until) == (SubscriptionStatus.PAUSED, D(2026, 3, 29))
    assert [s for _d, s, _m in _deliveries(subscription)] == ["skipped", "skipped", "planned", "planned"]
    assert mail.outbox[-1].subject == "[Pôle Économie Solidaire] Votre abonnement panier est en pause"

    resume_subscription(subscription=subscription, by=subscription.customer, today=D(2026, 3, 18))

    subscription.refresh_from_db()
    assert (subscription.status, subscription.paused_until) == (SubscriptionStatus.ACTIVE, None)
    # The 16th is past; the 23rd is still before its cut-off (21st): planned again.
    # Resuming also generates the next four weeks from the 18th (up to 14 April).
    assert [s for _d, s, _m in _deliveries(subscription)] == ["skipped", "planned", "planned", "planned", "planned"]
    assert list(subscription.transitions.values_list("from_status", "to_status")) == [
        ("", "active"),
        ("active", "paused"),
        ("paused", "active"),
    ]


def test_pause_past_quota_is_refused_and_changes_nothing():
    subscription = SubscriptionFactory(plan__absence_quota=1)
    before = _deliveries(subscription)

    with pytest.raises(AbsenceQuotaExceeded):
        pause_subscription(subscription=subscription, until=D(2026, 3, 29), today=TODAY)

    subscription.refresh_from_db()
    assert (subscription.status, subscription.paused_until, _deliveries(subscription)) == (
        SubscriptionStatus.ACTIVE,
        None,
        before,
    )


def test_paused_subscription_generates_skipped_deliveries():
    subscription = SubscriptionFactory(plan__absence_quota=6)
    pause_subscription(subscription=subscription, until=D(2026, 4, 18), today=TODAY)

    generate_deliveries(weeks=6, today=TODAY)

    assert [(d, s) for d, s, _m in _deliveries(subscription)][4:] == [
        (D(2026, 4, 13), "skipped"),
        (D(2026, 4, 20), "planned"),
    ]


def test_someone_else_cannot_change_a_subscription():
    subscription = SubscriptionFactory()
    delivery = subscription.deliveries.first()

    with pytest.raises(NotAllowed):
        skip_delivery(delivery=delivery, by=UserFactory(), today=TODAY)

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PLANNED


def test_full_pickup_point_puts_on_waiting_list_then_emails_once(django_capture_on_commit_callbacks):
    point = SiteFactory(pickup_point=True, capacity=1)
    holder = SubscriptionFactory(pickup_point=point)
    weekly = holder.plan
    waiting = UserFactory()

    with pytest.raises(PickupPointFull) as full:
        SubscriptionFactory(plan=weekly, user=waiting, pickup_point=point)
    with pytest.raises(PickupPointFull):
        SubscriptionFactory(plan=weekly, user=waiting, pickup_point=point)  # a second try keeps one entry

    entry = full.value.entry
    assert (Subscription.objects.filter(customer=waiting).count(), weekly.waiting_list.count()) == (0, 1)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        cancel_subscription(subscription=holder, by=holder.customer, today=TODAY)
    # The freed place is kept for the person it was offered to: a newcomer waits behind.
    newcomer = UserFactory()
    with pytest.raises(PickupPointFull):
        SubscriptionFactory(plan=weekly, user=newcomer, pickup_point=point)

    entry.refresh_from_db()
    assert entry.status == WaitingStatus.NOTIFIED
    assert Subscription.objects.filter(customer=newcomer).count() == 0
    assert [(m.to, m.subject) for m in mail.outbox] == [
        ([waiting.email], "[Pôle Économie Solidaire] Une place d'abonnement panier s'est libérée"),
    ]
    held_until = timezone.localtime(entry.notified_at + datetime.timedelta(hours=48))
    assert f"Nous vous la gardons jusqu'au {formats.date_format(held_until, 'l j F Y à H:i')}" in mail.outbox[0].body

    taken = SubscriptionFactory(plan=weekly, user=waiting, pickup_point=point)  # the person it was offered to

    entry.refresh_from_db()
    assert (taken.pickup_point_id, entry.status) == (point.pk, WaitingStatus.SUBSCRIBED)


def test_place_offer_not_taken_up_goes_to_the_next_person_once(django_capture_on_commit_callbacks):
    point = SiteFactory(pickup_point=True, capacity=1)
    holder = SubscriptionFactory(pickup_point=point)
    weekly = holder.plan
    first, second = UserFactory(), UserFactory()
    with pytest.raises(PickupPointFull):
        SubscriptionFactory(plan=weekly, user=first, pickup_point=point)
    with pytest.raises(PickupPointFull):
        SubscriptionFactory(plan=weekly, user=second, pickup_point=point)
    with django_capture_on_commit_callbacks(execute=True):
        cancel_subscription(subscription=holder, today=TODAY)
    offered_at = WaitingListEntry.objects.get(customer=first).notified_at
    mail.outbox.clear()

    # Not yet lapsed one minute before the hold ends: nothing moves.
    assert expire_place_offers(at=offered_at + datetime.timedelta(hours=48, minutes=-1)) == 0
    with django_capture_on_commit_callbacks(execute=True):
        lapsed = expire_place_offers(at=offered_at + datetime.timedelta(hours=48))
        again = expire_place_offers(at=offered_at + datetime.timedelta(hours=49))

    statuses = dict(weekly.waiting_list.values_list("customer_id", "status"))
    assert (lapsed, again) == (1, 0)
    assert statuses == {first.pk: WaitingStatus.EXPIRED, second.pk: WaitingStatus.NOTIFIED}
    assert [m.to for m in mail.outbox] == [[second.email]]
    # The first person lost the hold: the place is now kept for the second.
    with pytest.raises(PickupPointFull):
        SubscriptionFactory(plan=weekly, user=first, pickup_point=point)
    assert Subscription.objects.filter(customer=first).count() == 0


def test_lapsed_offer_is_not_passed_on_when_the_place_is_gone(django_capture_on_commit_callbacks):
    point = SiteFactory(pickup_point=True, capacity=2)
    holder = SubscriptionFactory(pickup_point=point)
    weekly = holder.plan
    SubscriptionFactory(plan=weekly, pickup_point=point)
    first, second = UserFactory(), UserFactory()
    for person in (first, second):
        with pytest.raises(PickupPointFull):
            SubscriptionFactory(plan=weekly, user=person, pickup_point=point)
    with django_capture_on_commit_callbacks(execute=True):
        cancel_subscription(subscription=holder, today=TODAY)
    offered_at = WaitingListEntry.objects.get(customer=first).notified_at
    # Staff lower the point's capacity meanwhile: the lapsed place no longer exists.
    Site.objects.filter(pk=point.pk).update(capacity=1)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        assert expire_place_offers(at=offered_at + datetime.timedelta(hours=48)) == 1

    statuses = dict(weekly.waiting_list.values_list("customer_id", "status"))
    assert statuses == {first.pk: WaitingStatus.EXPIRED, second.pk: WaitingStatus.WAITING}
    assert mail.outbox == []


def test_cancel_keeps_deliveries_past_cutoff():
    subscription = SubscriptionFactory()

    cancel_subscription(subscription=subscription, today=D(2026, 3, 15))

    assert [s for _d, s, _m in _deliveries(subscription)] == ["planned", "cancelled", "cancelled", "cancelled"]


def test_demo_subscriptions_are_idempotent(demo_hub):
    """About the demo seed itself: seeding its subscriptions again changes nothing."""
    before = (Subscription.objects.count(), Delivery.objects.count(), SubscriptionNotification.objects.count())

    subscriptions_demo.seed_demo()

    assert (Subscription.objects.count(), Delivery.objects.count(), SubscriptionNotification.objects.count()) == before
    # Thirty subscribers of the subscriptions demo, and the family a social worker of the CCAS subscribed
    # (prescribers' demo, ADR 0034).
    assert (before[0], Subscription.objects.filter(customer__email__startswith="abonne").count()) == (31, 30)


def test_ended_pauses_are_lifted_by_the_daily_task():
    subscription = SubscriptionFactory()
    pause_subscription(subscription=subscription, until=D(2026, 3, 22), today=TODAY)

    lifted_early = end_paused(today=D(2026, 3, 22))
    lifted = end_paused(today=D(2026, 3, 23))

    subscription.refresh_from_db()
    assert (lifted_early, lifted, subscription.status, subscription.paused_until) == (0, 1, "active", None)
    assert subscription.transitions.last().note == "Fin de la pause"
