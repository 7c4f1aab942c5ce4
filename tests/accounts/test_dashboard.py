"""The resident's dashboard on « Mon espace »: next basket pickup (date, place, basket), absences left
this season, the last day to change it, coming bookings and orders still to pay — in a fixed number of
queries."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from bookings.enums import BookingStatus
from marketplace.enums import PaymentMethod
from subscriptions.enums import DeliveryStatus
from tests.accounts.factories import UserFactory
from tests.bookings.factories import WED, BookingFactory, next_weekday
from tests.hub.factories import SiteFactory
from tests.marketplace.factories import OrderFactory
from tests.subscriptions.factories import SubscriptionFactory, SubscriptionPlanFactory

pytestmark = pytest.mark.django_db


def _subscribed(user, *, days_ahead: int = 3, cutoff_days: int = 2):
    """Subscribed today to a basket distributed `days_ahead` days from now (the pages read the real clock)."""
    today = timezone.localdate()
    plan = SubscriptionPlanFactory(
        season_start=today,
        season_end=today + datetime.timedelta(days=120),
        weekday=(today.weekday() + days_ahead) % 7,
        cutoff_days=cutoff_days,
        size_label="Familial",
        offering__name="Panier de légumes",
    )
    point = SiteFactory(pickup_point=True, name="Épicerie de la place")
    return SubscriptionFactory(plan=plan, user=user, pickup_point=point, start_date=today, today=today)


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _dashboard(client) -> str:
    response = client.get(reverse("accounts:home"))
    assert response.status_code == 200
    return _text(response.content.decode().split('<main id="main"', 1)[1].replace("&#x27;", "'"))


def test_the_next_pickup_its_place_its_basket_and_the_absences_left(client):
    user = UserFactory()
    subscription = _subscribed(user)
    first, second = subscription.deliveries.order_by("date")[:2]
    first.status = DeliveryStatus.SKIPPED  # one absence taken this season
    first.save(update_fields=["status"])
    client.force_login(user)

    page = _dashboard(client)

    day = date_format(second.date, "l j F Y")
    cutoff = date_format(second.date - datetime.timedelta(days=2), "l j F")
    assert "Panier de légumes — Familial" in page
    assert f"Prochain retrait : {day} à Épicerie de la place." in page
    assert f"Vous pouvez encore poser une absence pour ce retrait jusqu'au {cutoff}." in page
    assert "Il vous reste 3 absences possibles cette saison." in page
    assert "Changer de point de retrait" in page


def test_a_pickup_past_its_cut_off_says_it_can_no_longer_change(client):
    user = UserFactory()
    _subscribed(user, days_ahead=1, cutoff_days=2)  # tomorrow's basket: the cut-off was yesterday
    client.force_login(user)

    page = _dashboard(client)

    assert "Ce retrait ne peut plus être modifié (date limite passée)." in page
    assert "Vous pouvez encore poser une absence" not in page
    assert "Changer de point de retrait" not in page


def test_coming_bookings_and_orders_to_pay_are_listed_not_others(client):
    user = UserFactory()
    coming = BookingFactory(user=user, starts_at=next_weekday(WED, 14, weeks=2), at=timezone.now())
    cancelled = BookingFactory(user=user, starts_at=next_weekday(WED, 14, weeks=3), at=timezone.now())
    cancelled.status, cancelled.cancelled_at = BookingStatus.CANCELLED, timezone.now()
    cancelled.save(update_fields=["status", "cancelled_at"])
    BookingFactory()  # someone else's
    unpaid = OrderFactory(customer=user, payment_method=PaymentMethod.CHEQUE)
    others = OrderFactory()  # someone else's
    client.force_login(user)

    page = _dashboard(client)

    starts = timezone.localtime(coming.starts_at)
    assert f"{coming.offering.name}, le {date_format(starts, 'l j F Y')} à 14:00" in page
    assert page.count(f"{coming.offering.name}, le") == 1
    assert re.search(rf"{unpaid.reference} — [\d ,]+ € — Chèque au retrait", page)
    assert others.reference not in page
    # the cheque order, and the cash orders of the two bookings (paid at the counter)
    assert sorted(re.findall(r"CMD-\w+", page)) == sorted(
        [unpaid.reference, coming.order_line.order.reference, cancelled.order_line.order.reference]
    )


def test_a_resident_with_nothing_yet_is_pointed_to_the_plans(client):
    client.force_login(UserFactory())

    page = _dashboard(client)

    assert "Vous n'avez pas d'abonnement panier en cours. Voir les abonnements" in page
    assert "Aucune réservation à venir." in page
    assert "Aucune commande à régler." in page


def test_the_dashboard_costs_a_fixed_number_of_queries(client, django_assert_num_queries):
    user = UserFactory()
    for _ in range(3):
        _subscribed(user)
        OrderFactory(customer=user)
    for weeks in (2, 3, 4):
        BookingFactory(user=user, starts_at=next_weekday(WED, 14, weeks=weeks), at=timezone.now())
    client.force_login(user)
    client.get(reverse("accounts:home"))

    # 13 = session, user; the menu (structure roles, organisation roles, the Collectif for the Stripe
    # events' check, the tax certificates, the immediate advance and the supports: does the person have any);
    # baskets (subscriptions with their absences, their coming deliveries); bookings (the person's
    # organisations, the bookings); orders; whatever the number of each.
    with django_assert_num_queries(13):
        response = client.get(reverse("accounts:home"))

    assert response.status_code == 200
