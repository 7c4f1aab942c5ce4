"""Parallel subscriptions on PostgreSQL: the pickup point's row lock keeps its capacity right."""

import pytest

from subscriptions.exceptions import PickupPointFull
from subscriptions.models import Subscription, WaitingListEntry
from tests.accounts.factories import UserFactory
from tests.concurrency import run_in_threads
from tests.hub.factories import SiteFactory
from tests.subscriptions.factories import SubscriptionFactory, SubscriptionPlanFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_twelve_parallel_subscriptions_for_three_places():
    point = SiteFactory(pickup_point=True, capacity=3)
    weekly = SubscriptionPlanFactory()
    users = [UserFactory() for _ in range(12)]

    results = run_in_threads(12, lambda index: SubscriptionFactory(plan=weekly, user=users[index], pickup_point=point))

    assert sorted(type(result).__name__ for result in results) == ["PickupPointFull"] * 9 + ["Subscription"] * 3
    assert all(isinstance(r, (Subscription, PickupPointFull)) for r in results)
    assert (
        Subscription.objects.filter(pickup_point=point).count(),
        WaitingListEntry.objects.filter(pickup_point=point).count(),
    ) == (3, 9)
