"""A basket is handed over on its distribution day or later, never before: refused in French, nothing changed."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from accounting.models import Entry
from hub.enums import StaffRole
from subscriptions.actions.prepaid import mark_delivered
from subscriptions.enums import DeliveryStatus
from subscriptions.exceptions import DeliveryNotDue
from subscriptions.models import SeasonAdvance
from tests.hub.factories import StructureRoleFactory
from tests.subscriptions.factories import FIRST_MONDAY, SubscriptionFactory, SubscriptionPlanFactory

pytestmark = pytest.mark.django_db


def _paris(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def test_a_prepaid_basket_cannot_be_handed_over_the_day_before():
    subscription = SubscriptionFactory(prepaid=True)
    delivery = subscription.deliveries.get(date=FIRST_MONDAY)
    entries, delivered = Entry.objects.count(), SeasonAdvance.objects.get(subscription=subscription).delivered

    with pytest.raises(DeliveryNotDue) as refusal:
        mark_delivered(delivery=delivery, at=_paris(FIRST_MONDAY - datetime.timedelta(days=1), 23, 59))

    assert refusal.value.message == "Le panier du lundi 16 mars 2026 ne peut pas être remis avant ce jour-là."
    delivery.refresh_from_db()
    assert (delivery.status, delivery.delivered_at) == (DeliveryStatus.PLANNED, None)
    assert Entry.objects.count() == entries
    assert SeasonAdvance.objects.get(subscription=subscription).delivered == delivered


def test_a_basket_can_be_handed_over_from_the_first_minute_of_its_day():
    subscription = SubscriptionFactory()
    delivery = subscription.deliveries.get(date=FIRST_MONDAY)
    at = _paris(FIRST_MONDAY, 0, 1)

    mark_delivered(delivery=delivery, at=at)

    delivery.refresh_from_db()
    assert (delivery.status, delivery.delivered_at) == (DeliveryStatus.DELIVERED, at)


def test_staff_cannot_mark_a_basket_of_a_later_day_handed_over(client):
    today = timezone.localdate()
    plan = SubscriptionPlanFactory(
        season_start=today, season_end=today + datetime.timedelta(days=120), weekday=(today.weekday() + 3) % 7
    )
    subscription = SubscriptionFactory(plan=plan, start_date=today, today=today)
    delivery = subscription.deliveries.order_by("date").first()
    client.force_login(StructureRoleFactory(structure=plan.offering.structure, role=StaffRole.SUPERVISOR).user)

    response = client.post(reverse("subscriptions:pick_list_deliver", args=[delivery.pk]), follow=True)

    delivery.refresh_from_db()
    assert (delivery.status, delivery.delivered_at) == (DeliveryStatus.PLANNED, None)
    assert [str(message) for message in response.context["messages"]] == [
        f"Le panier du {date_format(delivery.date, 'l j F Y')} ne peut pas être remis avant ce jour-là."
    ]
