"""Terminating a subscription confirms first, saying what it does: the last basket still handed over,
the distributions cancelled, what a paid season gives back. A dismissed or unconfirmed step changes nothing."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from marketplace.models import Refund
from subscriptions.actions.changes import cancel_subscription, termination_terms
from subscriptions.enums import DeliveryStatus, SubscriptionStatus
from tests.accounts.factories import UserFactory
from tests.hub.factories import SiteFactory
from tests.subscriptions.factories import D, SubscriptionFactory, SubscriptionPlanFactory

pytestmark = pytest.mark.django_db

SUNDAY = D(2026, 3, 15)  # the 16 March distribution is past its cut-off (2 days), the next ones are not


def test_terms_say_the_last_basket_and_the_cancelled_distributions():
    subscription = SubscriptionFactory()

    terms = termination_terms(subscription, today=SUNDAY)

    assert (terms.last_delivery, terms.first_cancelled, terms.cancelled_deliveries) == (
        D(2026, 3, 16),
        D(2026, 3, 17),
        3,  # 23 and 30 March, 7 April
    )
    assert (terms.prepaid, terms.baskets_credited, terms.amount_credited) == (False, 0, Decimal("0.00"))


def test_terms_of_a_paid_season_are_what_cancelling_credits():
    subscription = SubscriptionFactory(prepaid=True)
    advance = subscription.advances.get()

    terms = termination_terms(subscription, today=SUNDAY)
    cancel_subscription(subscription=subscription, by=subscription.customer, today=SUNDAY)

    advance.refresh_from_db()
    refunded = sum(Refund.objects.filter(order=advance.order).values_list("amount", flat=True), Decimal("0"))
    assert terms.baskets_credited == advance.baskets - 1  # all but the 16 March basket, still handed over
    assert (advance.credited, refunded, terms.refund_by_card) == (
        terms.baskets_credited,
        terms.amount_credited,
        False,
    )


def _subscribed():
    """Subscribed today on the real clock (the pages run on it), distributing three days from now."""
    today = timezone.localdate()
    plan = SubscriptionPlanFactory(
        season_start=today, season_end=today + datetime.timedelta(days=120), weekday=(today.weekday() + 3) % 7
    )
    return SubscriptionFactory(
        plan=plan, user=UserFactory(), pickup_point=SiteFactory(pickup_point=True), start_date=today, today=today
    )


def _unchanged(subscription):
    subscription.refresh_from_db()
    return (subscription.status, subscription.deliveries.filter(status=DeliveryStatus.PLANNED).count())


def test_the_page_lists_resilier_as_a_danger_link_to_the_confirmation(client):
    subscription = _subscribed()
    client.force_login(subscription.customer)

    html = client.get(reverse("subscriptions:mine")).content.decode()

    url = reverse("subscriptions:cancel", args=[subscription.pk])
    assert f'<a class="button button-small button-danger" href="{url}">Résilier…' in html
    assert f'action="{url}"' not in html  # no one-click form


def test_the_confirmation_says_the_consequences_and_changes_nothing(client):
    subscription = _subscribed()
    before = _unchanged(subscription)
    client.force_login(subscription.customer)
    first = subscription.deliveries.order_by("date").first()

    response = client.get(reverse("subscriptions:cancel", args=[subscription.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Résilier l'abonnement ?" in html
    assert "Vous ne recevrez plus aucun panier." in html
    assert "4 distributions prévues sont annulées" in html
    changeable = timezone.localdate() + datetime.timedelta(days=2)  # the plan's cut-off
    assert f"À partir du {date_format(changeable, 'l j F Y')}, 4 distributions" in html
    assert first.date >= changeable
    assert "Rien n'est remboursé ni facturé en plus" in html
    assert 'class="button-danger"' in html
    assert 'data-confirm="Résilier définitivement cet abonnement ?"' in html
    assert _unchanged(subscription) == before == (SubscriptionStatus.ACTIVE, 4)


def test_a_post_without_the_confirmation_changes_nothing(client):
    subscription = _subscribed()
    client.force_login(subscription.customer)

    response = client.post(reverse("subscriptions:cancel", args=[subscription.pk]), {"prepaid_choice": "refund"})

    assert response.status_code == 200
    assert "Oui, résilier l'abonnement" in response.content.decode()
    assert _unchanged(subscription) == (SubscriptionStatus.ACTIVE, 4)


def test_the_confirmed_post_terminates(client):
    subscription = _subscribed()
    client.force_login(subscription.customer)

    response = client.post(reverse("subscriptions:cancel", args=[subscription.pk]), {"confirm": "1"}, follow=True)

    assert "Votre abonnement est résilié." in response.content.decode()
    assert _unchanged(subscription) == (SubscriptionStatus.CANCELLED, 0)
    again = client.get(reverse("subscriptions:cancel", args=[subscription.pk]), follow=True)
    assert "Cet abonnement est déjà résilié." in again.content.decode()


def test_someone_elses_confirmation_page_is_404(client):
    subscription = _subscribed()
    client.force_login(UserFactory())

    assert client.get(reverse("subscriptions:cancel", args=[subscription.pk])).status_code == 404
    assert client.post(reverse("subscriptions:cancel", args=[subscription.pk]), {"confirm": "1"}).status_code == 404
    assert _unchanged(subscription) == (SubscriptionStatus.ACTIVE, 4)
