"""A resident collects their baskets at another pickup point (issue 12, the resident's dashboard): only
while no distribution is past its cut-off, never at a full point, and the freed place goes to the first
person waiting at the old one."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from subscriptions.actions.changes import cancel_subscription, change_pickup_point
from subscriptions.enums import WaitingStatus
from subscriptions.exceptions import NotAllowed, PastCutOff, PickupPointFull, SubscriptionError
from subscriptions.models import Subscription
from tests.accounts.factories import UserFactory
from tests.hub.factories import SiteFactory
from tests.subscriptions.factories import TODAY, SubscriptionFactory, SubscriptionPlanFactory

pytestmark = pytest.mark.django_db

SUNDAY = datetime.date(2026, 3, 15)  # the day before the first distribution: past its cut-off (Saturday)
SATURDAY = datetime.date(2026, 3, 14)  # the cut-off day itself: still in time


def _state(subscription) -> tuple:
    subscription.refresh_from_db()
    return subscription.pickup_point_id, subscription.transitions.filter(field="pickup_point").count()


def test_the_resident_moves_to_another_point_and_the_change_is_logged():
    subscription = SubscriptionFactory()
    new_point = SiteFactory(pickup_point=True, name="Mairie")
    old_point_id = subscription.pickup_point_id

    change_pickup_point(subscription=subscription, pickup_point=new_point, by=subscription.customer, today=SATURDAY)

    assert _state(subscription) == (new_point.pk, 1)
    log = subscription.transitions.get(field="pickup_point")
    assert (log.from_status, log.to_status, log.by, log.note) == (
        str(old_point_id), str(new_point.pk), subscription.customer, "Point de retrait : Mairie",
    )  # fmt: skip


def test_refused_once_a_distribution_is_past_its_cut_off_and_nothing_changes():
    subscription = SubscriptionFactory()
    before = _state(subscription)

    with pytest.raises(PastCutOff):
        change_pickup_point(
            subscription=subscription,
            pickup_point=SiteFactory(pickup_point=True),
            by=subscription.customer,
            today=SUNDAY,
        )

    assert _state(subscription) == before


def test_refused_at_a_full_point_and_nothing_changes():
    full = SiteFactory(pickup_point=True, capacity=1)
    holder = SubscriptionFactory(pickup_point=full)
    subscription = SubscriptionFactory(plan=holder.plan)
    before = _state(subscription)

    with pytest.raises(PickupPointFull):
        change_pickup_point(subscription=subscription, pickup_point=full, by=subscription.customer, today=TODAY)

    assert _state(subscription) == before


def test_a_point_full_on_another_distribution_day_is_open():
    point = SiteFactory(pickup_point=True, capacity=1)
    SubscriptionFactory(pickup_point=point, plan=SubscriptionPlanFactory(weekday=3))  # Thursdays
    subscription = SubscriptionFactory()  # Mondays

    change_pickup_point(subscription=subscription, pickup_point=point, by=subscription.customer, today=TODAY)

    assert _state(subscription) == (point.pk, 1)


def test_the_place_freed_goes_to_the_first_person_waiting_at_the_old_point():
    old_point = SiteFactory(pickup_point=True, capacity=1)
    subscription = SubscriptionFactory(pickup_point=old_point)
    with pytest.raises(PickupPointFull) as full:
        SubscriptionFactory(plan=subscription.plan, pickup_point=old_point)

    change_pickup_point(
        subscription=subscription, pickup_point=SiteFactory(pickup_point=True), by=subscription.customer, today=TODAY
    )

    full.value.entry.refresh_from_db()
    assert full.value.entry.status == WaitingStatus.NOTIFIED


@pytest.mark.parametrize(
    ("case", "error"),
    [("someone else", NotAllowed), ("same point", SubscriptionError), ("cancelled", SubscriptionError),
     ("closed point", SubscriptionError)],
)  # fmt: skip
def test_other_refusals_change_nothing(case, error):
    subscription = SubscriptionFactory()
    by, point = subscription.customer, SiteFactory(pickup_point=True)
    if case == "someone else":
        by = UserFactory()
    elif case == "same point":
        point = subscription.pickup_point
    elif case == "cancelled":
        cancel_subscription(subscription=subscription, by=by, today=TODAY)
    else:
        point = SiteFactory(pickup_point=True, is_active=False)
    before = _state(subscription)

    with pytest.raises(error):
        change_pickup_point(subscription=subscription, pickup_point=point, by=by, today=TODAY)

    assert _state(subscription) == before


def _subscribed_on_the_real_clock(user, *, days_ahead: int):
    today = timezone.localdate()
    plan = SubscriptionPlanFactory(
        season_start=today, season_end=today + datetime.timedelta(days=120), weekday=(today.weekday() + days_ahead) % 7
    )
    return SubscriptionFactory(plan=plan, user=user, start_date=today, today=today)


def test_the_page_changes_the_point_and_the_dashboard_links_to_it(client):
    user = UserFactory()
    subscription = _subscribed_on_the_real_clock(user, days_ahead=4)
    new_point = SiteFactory(pickup_point=True, name="Mairie de Faux-la-Montagne")
    client.force_login(user)
    url = reverse("subscriptions:change_point", args=[subscription.pk])
    assert f'href="{url}"' in client.get(reverse("accounts:home")).content.decode()

    page = client.get(url)
    response = client.post(url, {"pickup_point": new_point.pk})

    assert page.status_code == 200
    assert "Mairie de Faux-la-Montagne" in page.content.decode()
    assert response.status_code == 302
    assert response["Location"] == reverse("subscriptions:mine")
    assert Subscription.objects.get(pk=subscription.pk).pickup_point == new_point


def test_the_page_says_why_it_refuses_past_the_cut_off_and_changes_nothing(client):
    user = UserFactory()
    subscription = _subscribed_on_the_real_clock(user, days_ahead=1)  # tomorrow's basket: cut-off passed
    client.force_login(user)
    old_point = subscription.pickup_point

    response = client.post(
        reverse("subscriptions:change_point", args=[subscription.pk]),
        {"pickup_point": SiteFactory(pickup_point=True).pk},
    )

    assert response.status_code == 400
    assert "Trop tard pour modifier la distribution" in response.content.decode()
    assert Subscription.objects.get(pk=subscription.pk).pickup_point == old_point


def test_the_page_of_someone_else_s_subscription_is_a_404(client):
    subscription = SubscriptionFactory()
    client.force_login(UserFactory())

    response = client.get(reverse("subscriptions:change_point", args=[subscription.pk]))

    assert response.status_code == 404


def test_a_bad_choice_is_a_french_error_not_a_500(client):
    user = UserFactory()
    subscription = _subscribed_on_the_real_clock(user, days_ahead=4)
    client.force_login(user)

    response = client.post(
        reverse("subscriptions:change_point", args=[subscription.pk]), {"pickup_point": "pas-un-lieu"}
    )

    assert response.status_code == 400
    assert "Sélectionnez un choix valide" in response.content.decode()
