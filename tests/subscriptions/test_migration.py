"""The subscription models moved from `bookings` to `subscriptions` keep every row: a database seeded
before the move (bookings 0007, tables `bookings_*`) is migrated forward and read back through the new app."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from subscriptions.enums import DeliveryStatus, SubscriptionStatus, WaitingStatus
from subscriptions.models import Delivery, Subscription, SubscriptionPlan, SubscriptionTransition, WaitingListEntry
from tests.accounts.factories import UserFactory
from tests.hub.factories import SiteFactory
from tests.services.factories import OfferingFactory

BEFORE = [("bookings", "0007_status_log_field"), ("subscriptions", None)]


def _migrate(targets) -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)


def _latest():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()


@pytest.mark.django_db(transaction=True)
def test_rows_seeded_before_the_move_are_read_by_the_subscriptions_app():
    # Given a database as it was before the move, with one subscription, its delivery, its log,
    # a waiting-list entry and the content type the admin history points to.
    resident, waiting = UserFactory(), UserFactory()
    offering = OfferingFactory(name="Panier d'essai")
    point = SiteFactory(pickup_point=True)
    _migrate(BEFORE)
    old = MigrationExecutor(connection).loader.project_state(BEFORE[0]).apps
    with connection.cursor() as cursor:
        tables = set(connection.introspection.table_names(cursor))
    assert {"bookings_subscription", "bookings_delivery"} <= tables
    assert "subscriptions_subscription" not in tables
    # Going back, the content types went back to bookings with their permissions.
    assert ContentType.objects.filter(app_label="bookings", model="subscription").count() == 1
    assert not ContentType.objects.filter(app_label="subscriptions", model="subscription").exists()
    plan = old.get_model("bookings", "SubscriptionPlan").objects.create(
        offering_id=offering.pk,
        size_label="Petit",
        frequency="weekly",
        season_start=datetime.date(2027, 3, 1),
        season_end=datetime.date(2027, 6, 28),
        weekday=0,
    )
    subscription = old.get_model("bookings", "Subscription").objects.create(
        customer_id=resident.pk,
        plan_id=plan.pk,
        pickup_point_id=point.pk,
        start_date=datetime.date(2027, 3, 8),
        payment_mode="prepaid",
        prepaid_amount=Decimal("170.00"),
        prepaid_deliveries=17,
    )
    old.get_model("bookings", "Delivery").objects.create(
        subscription_id=subscription.pk, date=datetime.date(2027, 3, 8)
    )
    old.get_model("bookings", "SubscriptionTransition").objects.create(
        subscription_id=subscription.pk, from_status="", to_status="active"
    )
    old.get_model("bookings", "WaitingListEntry").objects.create(
        customer_id=waiting.pk, plan_id=plan.pk, pickup_point_id=point.pk
    )

    # When the database is migrated to the newest state.
    _migrate(_latest())

    # Then every row is there, read through the subscriptions app's models, in its own tables.
    moved = Subscription.objects.get(pk=subscription.pk)
    assert (moved.customer_id, moved.plan.offering.name, moved.pickup_point_id, moved.status) == (
        resident.pk,
        "Panier d'essai",
        point.pk,
        SubscriptionStatus.ACTIVE,
    )
    assert list(Delivery.objects.filter(subscription=moved).values_list("date", "status")) == [
        (datetime.date(2027, 3, 8), DeliveryStatus.PLANNED)
    ]
    assert list(SubscriptionTransition.objects.filter(subscription=moved).values_list("field", "to_status")) == [
        ("status", "active")
    ]
    assert list(WaitingListEntry.objects.filter(plan_id=plan.pk).values_list("customer_id", "status")) == [
        (waiting.pk, WaitingStatus.WAITING)
    ]
    assert SubscriptionPlan.objects.get(pk=plan.pk).offering_id == offering.pk
    with connection.cursor() as cursor:
        tables = set(connection.introspection.table_names(cursor))
    assert {"subscriptions_subscription", "subscriptions_delivery", "subscriptions_deliverytransition"} <= tables
    assert not {"bookings_subscription", "bookings_delivery"} & tables
    assert ContentType.objects.filter(app_label="subscriptions", model="subscription").count() == 1
    assert not ContentType.objects.filter(app_label="bookings", model="subscription").exists()
