"""Parallel subscriptions on PostgreSQL: the pickup point's row lock keeps its capacity right."""

import pytest

from subscriptions.exceptions import PickupPointFull
from subscriptions.models import Subscription, WaitingListEntry
from tests.accounts.factories import UserFactory
from tests.concurrency import run_in_threads
from tests.subscriptions.factories import plan, small_point, subscribe_to

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_twelve_parallel_subscriptions_for_three_places(demo_hub):
    point = small_point(capacity=3, slug="point-course")
    weekly = plan()
    users = [UserFactory() for _ in range(12)]

    results = run_in_threads(12, lambda index: subscribe_to(weekly, users[index], point=point))

    assert sorted(type(result).__name__ for result in results) == ["PickupPointFull"] * 9 + ["Subscription"] * 3
    assert all(isinstance(r, (Subscription, PickupPointFull)) for r in results)
    assert (
        Subscription.objects.filter(pickup_point=point).count(),
        WaitingListEntry.objects.filter(pickup_point=point).count(),
    ) == (3, 9)
