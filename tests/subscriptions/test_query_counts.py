"""Query counts pinned on the weekly delivery generator, so an N+1 fails the build (STYLE.md, Tests)."""

import datetime

import pytest

from subscriptions.actions.deliveries import generate_deliveries
from subscriptions.models import Delivery
from tests.hub.factories import SiteFactory
from tests.subscriptions.factories import SubscriptionFactory, SubscriptionPlanFactory

pytestmark = pytest.mark.django_db

# Wednesday 15 April 2026: the next four weeks hold four plain Mondays (20 and 27 April, 4 and 11 May).
TODAY = datetime.date(2026, 4, 15)


@pytest.mark.parametrize("subscriptions", [3, 30])
def test_generating_four_weeks_costs_the_same_queries_whatever_the_number_of_subscriptions(
    django_assert_num_queries, subscriptions
):
    plan = SubscriptionPlanFactory()  # weekly, on Mondays
    point = SiteFactory(pickup_point=True, capacity=subscriptions)
    ours = SubscriptionFactory.create_batch(subscriptions, plan=plan, pickup_point=point)
    Delivery.objects.filter(subscription__in=ours).delete()  # subscribing planned their first weeks

    # 4 for 3 subscriptions and for 30 alike, on SQLite and PostgreSQL (one batch holds up to 2,000):
    # the live subscriptions' ids in season, the deliveries they already have, those subscriptions
    # with their plan, one bulk insert of the 12 or 120 new rows (conflicts ignored).
    with django_assert_num_queries(4):
        created = generate_deliveries(weeks=4, today=TODAY)

    assert created == subscriptions * 4
    assert Delivery.objects.filter(subscription__in=ours).count() == subscriptions * 4
