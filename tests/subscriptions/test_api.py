"""The subscriptions API on today's real date (the actions take the real clock through the API)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from subscriptions.actions.prepaid import record_prepaid_season_payment
from subscriptions.enums import SubscriptionStatus
from subscriptions.models import Subscription
from tests.accounts.factories import UserFactory
from tests.hub.factories import SiteFactory, staff_of
from tests.subscriptions.factories import BasketFactory, SubscriptionPlanFactory

pytestmark = pytest.mark.django_db


def _client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _plan_in_three_days(**kwargs):
    """A season open today, distributing three days from now (its cut-off, one day from now, still ahead)."""
    today = timezone.localdate()
    return SubscriptionPlanFactory(
        season_start=today, season_end=today + datetime.timedelta(days=120), weekday=(today.weekday() + 3) % 7,
        **kwargs,
    )  # fmt: skip


def _subscribe(client, the_plan, point=None):
    return client.post(
        reverse("api:subscription-list"),
        {"plan": the_plan.pk, "pickup_point": point or SiteFactory(pickup_point=True).slug,
         "start_date": timezone.localdate().isoformat(), "payment_mode": "prepaid"},
        format="json",
    )  # fmt: skip


def test_subscribe_then_list_then_pause():
    today = timezone.localdate()
    the_plan = _plan_in_three_days()
    point = SiteFactory(pickup_point=True)
    first = today + datetime.timedelta(days=3)
    client = _client(UserFactory())

    created = _subscribe(client, the_plan, point.slug)

    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["status"], body["pickup_point"], body["cutoff_days"], [d["date"] for d in body["upcoming"]]) == (
        "active",
        point.slug,
        2,
        [(first + datetime.timedelta(weeks=n)).isoformat() for n in range(4)],
    )

    paused = client.post(
        reverse("api:subscription-pause", args=[body["id"]]),
        {"until": (first + datetime.timedelta(days=13)).isoformat()},
        format="json",
    )

    assert paused.status_code == 200, paused.json()
    assert (paused.json()["status"], [d["status"] for d in paused.json()["upcoming"]]) == (
        "paused",
        ["skipped", "skipped", "planned", "planned"],
    )


def test_list_query_count_is_pinned(django_assert_num_queries):
    client = _client(UserFactory())
    for name in ("Panier petit format", "Panier familial", "Panier de fruits"):
        assert _subscribe(client, _plan_in_three_days(offering=BasketFactory(name=name))).status_code == 201

    # The page count, the subscriptions (plan, offering, structure and point joined), their deliveries,
    # their prepaid seasons (order joined).
    with django_assert_num_queries(4):
        response = client.get(reverse("api:subscription-list"))

    assert (response.status_code, response.json()["count"], len(response.json()["results"])) == (200, 3, 3)


def test_skip_past_cutoff_is_json_refusal_and_changes_nothing():
    today = timezone.localdate()
    the_plan = SubscriptionPlanFactory(
        season_start=today, season_end=today + datetime.timedelta(days=120), weekday=(today.weekday() + 1) % 7
    )
    client = _client(UserFactory())
    subscription_id = _subscribe(client, the_plan).json()["id"]
    tomorrow = today + datetime.timedelta(days=1)

    response = client.post(reverse("api:subscription-skip", args=[subscription_id]), {"date": tomorrow.isoformat()})

    assert (response.status_code, response.json()["code"]) == (400, "past_cutoff")
    assert response.json()["message"].startswith("Trop tard pour modifier la distribution du ")
    assert Subscription.objects.get(pk=subscription_id).deliveries.get(date=tomorrow).status == "planned"


def test_someone_elses_subscription_is_404():
    the_plan = _plan_in_three_days()
    owner_id = _subscribe(_client(UserFactory()), the_plan).json()["id"]
    other = _client(UserFactory())

    responses = [
        other.post(reverse(f"api:subscription-{action}", args=[owner_id]), {}, format="json")
        for action in ("pause", "skip", "resume", "cancel")
    ]

    assert [r.status_code for r in responses] == [404, 404, 404, 404]
    assert Subscription.objects.get(pk=owner_id).status == SubscriptionStatus.ACTIVE


def test_full_pickup_point_is_409_and_joins_the_waiting_list():
    the_plan = _plan_in_three_days()
    point = SiteFactory(pickup_point=True, capacity=1)
    assert _subscribe(_client(UserFactory()), the_plan, point.slug).status_code == 201
    latecomer = UserFactory()

    response = _subscribe(_client(latecomer), the_plan, point.slug)

    assert (response.status_code, response.json()["code"]) == (409, "pickup_point_full")
    assert the_plan.waiting_list.count() == 1
    assert Subscription.objects.filter(customer=latecomer).count() == 0


def test_a_prepaid_season_is_cancelled_with_its_credit_kept():
    the_plan = _plan_in_three_days()
    user = UserFactory()
    client = _client(user)
    response = client.post(
        reverse("api:subscription-list"),
        {"plan": the_plan.pk, "pickup_point": SiteFactory(pickup_point=True).slug,
         "start_date": timezone.localdate().isoformat(), "payment_mode": "prepaid", "season_payment_method": "cheque"},
        format="json",
    )  # fmt: skip
    subscription = Subscription.objects.get(customer=user)
    advance = subscription.advances.get()
    record_prepaid_season_payment(subscription=subscription, method="cheque", by=staff_of(the_plan.offering.structure))

    cancelled = client.post(
        reverse("api:subscription-cancel", args=[subscription.pk]), {"prepaid_choice": "credit"}, format="json"
    )

    assert (response.status_code, response.json()["seasons"][0]["payment_status"]) == (201, "unpaid")
    season = cancelled.json()["seasons"][0]
    assert (cancelled.status_code, season["order"], season["payment_status"]) == (200, advance.order.reference, "paid")
    assert (season["credited"], season["credit_kept"]) == (advance.baskets, f"{advance.amount_incl:.2f}")
