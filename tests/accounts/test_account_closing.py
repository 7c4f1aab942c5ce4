"""Closing an account ends what is still to come (bookings, subscriptions, waiting lists, the calendar
link) with the usual refunds, and the RGPD export holds every app's section."""

import datetime
import json
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from bookings.enums import BookingStatus
from bookings.models import Booking, CalendarFeed
from marketplace.enums import FulfilmentStatus, PaymentStatus
from marketplace.models import Order, Refund
from subscriptions.enums import DeliveryStatus, SubscriptionPaymentMode, SubscriptionStatus
from subscriptions.exceptions import PickupPointFull
from subscriptions.models import WaitingListEntry
from tests.accounts.factories import PASSWORD, UserFactory
from tests.bookings.factories import TUE, BookingFactory, next_weekday
from tests.hub.factories import SiteFactory
from tests.marketplace.factories import pay
from tests.subscriptions.factories import SubscriptionFactory, SubscriptionPlanFactory

pytestmark = pytest.mark.django_db

DOOR = "Digicode 4589B, 2e étage"


def _plan(**kwargs):
    """A season open today, distributing three days from now (cut-off still ahead)."""
    today = timezone.localdate()
    return SubscriptionPlanFactory(
        season_start=today,
        season_end=today + datetime.timedelta(days=120),
        weekday=(today.weekday() + 3) % 7,
        **kwargs,
    )


@pytest.fixture
def person(client):
    """Someone with a paid home visit in two weeks, a prepaid basket season, a place on a full
    pickup point's waiting list, and a private calendar link."""
    user = UserFactory(email="lea@exemple.test", first_name="Léa", last_name="Morel")
    visit = BookingFactory(
        user=user,
        home_visit=True,
        starts_at=next_weekday(TUE, 8, weeks=2),
        at=timezone.now(),
        note=DOOR,
        confirmed=True,
    )
    pay(visit.order_line.order)
    today = timezone.localdate()
    subscription = SubscriptionFactory(
        user=user,
        plan=_plan(),
        pickup_point=SiteFactory(pickup_point=True, name="Mairie de Larchant"),
        start_date=today,
        today=today,
        prepaid=True,
    )
    full = SiteFactory(pickup_point=True, capacity=1, name="Épicerie de Faux")
    other_plan = _plan()
    SubscriptionFactory(plan=other_plan, pickup_point=full, start_date=today, today=today)
    with pytest.raises(PickupPointFull):
        SubscriptionFactory(user=user, plan=other_plan, pickup_point=full, start_date=today, today=today)
    client.force_login(user)
    client.post(reverse("bookings:calendar_token"))
    return {"user": user, "visit": visit, "subscription": subscription, "feed": CalendarFeed.objects.get(user=user)}


def test_closing_the_account_cancels_and_refunds_what_is_to_come(client, person):
    user, visit, subscription = person["user"], person["visit"], person["subscription"]
    feed_url = reverse("bookings:ical", args=[person["feed"].token])
    assert client.get(feed_url).status_code == 200
    order = visit.order_line.order
    season_order = subscription.advances.get().order
    refunds_before = Refund.objects.count()

    response = client.post(reverse("accounts:delete"), {"password": PASSWORD, "confirm": "on"})

    assert response.status_code == 302
    visit.refresh_from_db()
    assert (visit.status, visit.address, visit.note, visit.destination) == (BookingStatus.CANCELLED, "", "", "")
    order.refresh_from_db()
    assert (order.payment_status, order.fulfilment_status) == (PaymentStatus.REFUNDED, FulfilmentStatus.CONFIRMED)
    assert list(order.refunds.values_list("amount", flat=True)) == [Decimal("72.00")]
    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.CANCELLED
    assert subscription.deliveries.exclude(status=DeliveryStatus.CANCELLED).count() == 0
    # The whole season went back: nothing was delivered, every delivery was before its cut-off.
    assert list(season_order.refunds.values_list("amount", flat=True)) == [season_order.total_incl]
    assert Refund.objects.count() == refunds_before + 2
    assert WaitingListEntry.objects.filter(customer=user).count() == 0
    assert CalendarFeed.objects.filter(user=user).count() == 0
    assert client.get(feed_url).status_code == 404
    assert Booking.objects.filter(customer=user).exclude(address="", note="").count() == 0


def test_the_export_holds_bookings_subscriptions_and_waiting_lists(client, person):
    visit, subscription = person["visit"], person["subscription"]

    data = json.loads(client.get(reverse("accounts:export")).content)

    local = timezone.localtime
    assert data["reservations"] == {
        "reservations": [
            {
                "offre": "Ménage à domicile",
                "structure": visit.offering.structure.name,
                "pour": "moi",
                "debut": local(visit.starts_at).isoformat(),
                "fin": local(visit.ends_at).isoformat(),
                "quantite": "3.000",
                "etat": "Confirmée",
                "point_de_depot": "",
                "adresse": "4 rue des Tilleuls, Nemours",
                "code_postal": "77140",
                "destination": "",
                "precisions": DOOR,
                "reservee_le": local(visit.created_at).isoformat(),
            }
        ],
        "reservations_recurrentes": [],
        "agenda_prive": True,
    }
    assert data["abonnements"] == {
        "abonnements": [
            {
                "reference": subscription.reference,
                "panier": "Panier petit format",
                "taille": "Petit",
                "structure": subscription.plan.offering.structure.name,
                "point_de_retrait": "Mairie de Larchant",
                "a_partir_du": timezone.localdate().isoformat(),
                "etat": "Active",
                "paiement": SubscriptionPaymentMode.PREPAID.label,
                "resilie_le": None,
            }
        ],
        "listes_d_attente": [
            {
                "panier": "Panier petit format",
                "taille": "Petit",
                "point_de_retrait": "Épicerie de Faux",
                "etat": "En attente",
                "inscrit_le": local(WaitingListEntry.objects.get(customer=person["user"]).created_at).isoformat(),
            }
        ],
    }
    assert [o["reference"] for o in data["achats"]["commandes"]] == list(
        Order.objects.filter(customer=person["user"]).order_by("placed_at").values_list("reference", flat=True)
    )
