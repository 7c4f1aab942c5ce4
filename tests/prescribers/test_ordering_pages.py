"""Ordering on a supported person's behalf and the prescriber's budget, through the pages (ADR 0034):
what a social worker sees and does, the French errors that change nothing, and who gets a 404."""

import datetime
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from bookings.models import Booking
from bookings.selectors import available_slots
from marketplace.enums import PaymentMethod
from prescribers.models import Budget, FundedLine, Funding, OrderForPerson, SupportEvent
from prescribers.ordering import book_for
from subscriptions.enums import SubscriptionPaymentMode
from subscriptions.models import Subscription
from tests.bookings.factories import BookableOfferingFactory
from tests.hub.factories import SiteFactory
from tests.marketplace.factories import CartFactory
from tests.prescribers.factories import SupportFactory, social_worker_of
from tests.services.factories import OfferingFactory
from tests.subscriptions.factories import SubscriptionPlanFactory

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture
def support():
    support = SupportFactory(consented=True)
    Budget.objects.create(
        organisation=support.organisation, year=TODAY.year, amount=D("300.00"), set_by=support.opened_by
    )
    return support


@pytest.fixture
def plan():
    return SubscriptionPlanFactory(
        season_start=TODAY - datetime.timedelta(days=30), season_end=TODAY + datetime.timedelta(days=150), weekday=4
    )


def _urls(support, slug="x"):
    return [
        ("post", reverse("prescribers:set_funding", args=[support.pk])),
        ("get", reverse("prescribers:end_funding", args=[support.pk])),
        ("get", reverse("prescribers:subscribe_for", args=[support.pk])),
        ("get", reverse("prescribers:book_for_list", args=[support.pk])),
        ("get", reverse("prescribers:book_for", args=[support.pk, slug])),
    ]


def test_a_social_worker_sets_a_funding_on_the_support_page(client, support):
    client.force_login(support.opened_by)
    page = client.get(reverse("prescribers:support", args=[support.pk])).content.decode()
    assert "Aucune prise en charge : la personne paie ses commandes elle-même." in page

    response = client.post(
        reverse("prescribers:set_funding", args=[support.pk]),
        {
            "share_percent": "50",
            "monthly_cap": "30",
            "kinds": ["basket", "mobility"],
            "ends_on": support.ends_on.isoformat(),
        },
    )

    assert response.status_code == 302
    funding = Funding.objects.get(support=support)
    assert (funding.share_percent, funding.monthly_cap, funding.kinds) == (50, D("30.00"), ["basket", "mobility"])
    page = client.get(reverse("prescribers:support", args=[support.pk])).content.decode()
    assert (
        f"{escape(support.organisation.name)} paie 50 % de paniers de légumes, mobilité, 30,00\u00a0€ par mois au plus"
        in page
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"share_percent": "0"}, "Entre 1 et 100 %."),
        ({"share_percent": "abc"}, "Saisissez un nombre entier."),
        ({"monthly_cap": "-1"}, "Le montant ne peut pas être négatif."),
        ({"monthly_cap": "12.345"}, "Deux décimales au plus."),
        ({"kinds": ["home_service"]}, "Choisissez des activités de la liste."),
        ({"ends_on": "2026-02-30"}, "Saisissez une date valide (jj/mm/aaaa)."),
    ],
)
def test_bad_funding_input_is_refused_in_french_and_nothing_is_written(client, support, data, message):
    client.force_login(support.opened_by)
    form = {"share_percent": "50", "kinds": ["basket"], "ends_on": support.ends_on.isoformat(), **data}

    response = client.post(reverse("prescribers:set_funding", args=[support.pk]), form, follow=True)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Funding.objects.filter(support__organisation=support.organisation).exists()


def test_a_social_worker_subscribes_the_person_each_basket_half_paid(client, support, plan):
    point = SiteFactory(pickup_point=True, name="Mairie d'essai")
    Funding.objects.create(
        support=support, share_percent=50, kinds=["basket"], starts_on=TODAY, ends_on=support.ends_on,
        created_by=support.opened_by,
    )  # fmt: skip
    client.force_login(support.opened_by)
    page = client.get(reverse("prescribers:subscribe_for", args=[support.pk])).content.decode()
    # 12,00 € a basket: 6,00 € taken by the organisation, 6,00 € left to pay.
    assert '<td class="num">12,00\u00a0€</td><td class="num">6,00\u00a0€</td><td class="num">6,00\u00a0€</td>' in page

    start = TODAY + datetime.timedelta(days=7)
    response = client.post(
        reverse("prescribers:subscribe_for", args=[support.pk]),
        {"plan": plan.pk, "pickup_point": point.pk, "start_date": start.isoformat()},
    )

    assert response.status_code == 302
    subscription = Subscription.objects.get(customer=support.person)
    assert (subscription.plan, subscription.pickup_point, subscription.payment_mode) == (
        plan, point, SubscriptionPaymentMode.AT_PICKUP,
    )  # fmt: skip
    placed = OrderForPerson.objects.get(support=support)
    assert (placed.subscription, placed.placed_by) == (subscription, support.opened_by)
    assert SupportEvent.objects.filter(support=support, kind="ordered").count() == 1


def test_a_social_worker_books_a_trip_for_the_person(client, support):
    trip = BookableOfferingFactory(trip=True)
    client.force_login(support.opened_by)
    listing = client.get(reverse("prescribers:book_for_list", args=[support.pk])).content.decode()
    assert reverse("prescribers:book_for", args=[support.pk, trip.slug]) in listing
    monday = TODAY + datetime.timedelta(days=7 - TODAY.weekday())
    url = reverse("prescribers:book_for", args=[support.pk, trip.slug])
    page = client.get(url, {"semaine": monday.isoformat()})
    assert page.status_code == 200
    slot = page.context["form"].fields["slot"].choices[0][0]

    response = client.post(
        url,
        {"slot": slot, "buyer": "self", "quantity": "12", "address": "1 rue de l'Église\n77140 Nemours",
         "destination": "Hôpital de Nemours", "billing_address": "1 rue de l'Église\n77140 Nemours",
         "payment_method": PaymentMethod.CASH},
    )  # fmt: skip

    assert response.status_code == 302, response.context["form"].errors if response.context else ""
    booking = Booking.objects.get(customer=support.person)
    assert (booking.offering, booking.quantity) == (trip, D("12.000"))
    order = booking.order_line.order
    assert (order.customer, order.placed_by, order.payment_method) == (support.person, support.opened_by, "cash")
    assert OrderForPerson.objects.get(support=support).order == order


def test_nothing_on_behalf_without_a_standing_consent_or_for_another_organisation(client, support):
    outsider = social_worker_of(SupportFactory().organisation)
    for user in (outsider, support.person):
        client.force_login(user)
        for method, url in _urls(support):
            assert getattr(client, method)(url).status_code == 404, url
    waiting = SupportFactory(organisation=support.organisation)  # awaiting consent
    client.force_login(waiting.opened_by)
    for method, url in _urls(waiting):
        if "arreter" not in url:
            assert getattr(client, method)(url).status_code == 404, url
    assert not Funding.objects.filter(support__organisation=support.organisation).exists()
    assert not OrderForPerson.objects.filter(support__organisation=support.organisation).exists()


def test_the_budget_page_shows_consumed_and_left_and_only_heads_set_it(client, support):
    head = social_worker_of(support.organisation, head=True)
    url = reverse("prescribers:budget")
    client.force_login(support.opened_by)
    page = client.get(url).content.decode()
    assert "300,00\u00a0€" in page
    assert "Enregistrer le budget" not in page
    response = client.post(
        f"{url}?annee={TODAY.year}", {"organisation": support.organisation.pk, "amount": "5"}, follow=True
    )
    assert "Seul·e un·e responsable de l&#x27;organisation fixe son budget." in response.content.decode()
    assert Budget.objects.get(organisation=support.organisation).amount == D("300.00")

    client.force_login(head)
    assert "Enregistrer le budget" in client.get(url).content.decode()
    client.post(f"{url}?annee={TODAY.year}", {"organisation": support.organisation.pk, "amount": "450.50"})
    assert Budget.objects.get(organisation=support.organisation).amount == D("450.50")
    assert client.get(url, {"annee": "20x6"}).status_code == 400


def test_the_budget_page_is_for_social_workers_only(client, support):
    client.force_login(support.person)
    assert client.get(reverse("prescribers:budget")).status_code == 404


def test_the_person_sees_who_ordered_for_them_and_what_was_paid_for_them(client, support):
    trip = BookableOfferingFactory(trip=True)
    Funding.objects.create(
        support=support, share_percent=100, kinds=["mobility"], monthly_cap=D("5.00"), starts_on=TODAY,
        ends_on=support.ends_on, created_by=support.opened_by,
    )  # fmt: skip
    monday = TODAY + datetime.timedelta(days=7 - TODAY.weekday())
    slot = available_slots(offering=trip, start=monday, end=monday + datetime.timedelta(days=4))[0]
    booking = book_for(
        support=support, by=support.opened_by, offering=trip, starts_at=slot.starts_at, quantity=D("20"),
        payment_method=PaymentMethod.CASH, billing_address="1 rue de l'Église\n77140 Nemours",
        address="1 rue de l'Église", destination="Gare de Nemours",
    )  # fmt: skip
    order = booking.order_line.order
    client.force_login(support.person)

    page = client.get(reverse("marketplace:order", args=[order.reference])).content.decode()

    assert support.opened_by.get_full_name() in page
    # 0,45 € a km: 0,25 € a km taken (5,00 € a month for 20 km), 0,20 € left to the person.
    assert f"0,25\u00a0€ par unité pris en charge par {escape(support.organisation.name)}" in page
    assert order.total_incl == D("4.00")


def test_a_supported_person_sees_the_share_at_checkout_before_ordering(client, support):
    basket = OfferingFactory(basket=True, name="Panier moyen", price=D("17.00"))
    Funding.objects.create(
        support=support, share_percent=50, kinds=["basket"], starts_on=TODAY, ends_on=support.ends_on,
        created_by=support.opened_by,
    )  # fmt: skip
    CartFactory(user=support.person, items=[(basket, "2")])
    client.force_login(support.person)

    page = client.get(reverse("marketplace:checkout")).content.decode()

    assert f"Pris en charge par {escape(support.organisation.name)} : − 17,00\u00a0€" in page
    assert "À payer : 17,00\u00a0€" in page
    assert not FundedLine.objects.filter(organisation=support.organisation).exists()  # a preview records nothing


def test_the_budget_page_costs_the_same_queries_whatever_the_people(client, support, django_assert_num_queries):
    from marketplace.actions.checkout import place_order_for_items
    from tests.marketplace.factories import billing_for

    head = social_worker_of(support.organisation, head=True)
    basket, point = OfferingFactory(basket=True), SiteFactory(pickup_point=True)

    def funded_order(person_support):
        Funding.objects.create(support=person_support, share_percent=50, kinds=["basket"], starts_on=TODAY,
                               ends_on=person_support.ends_on, created_by=head)  # fmt: skip
        person = person_support.person
        place_order_for_items(user=person, items=[(basket, 1)], payment_method="cash", billing=billing_for(person),
                              pickup_point=point)  # fmt: skip

    funded_order(support)
    client.force_login(head)
    url = reverse("prescribers:budget")
    client.get(url)
    with CaptureQueriesContext(connection) as first:
        assert client.get(url).status_code == 200
    assert len(first.captured_queries) == 10  # session, user, memberships, organisations, the budget's 5, invoices
    for _ in range(3):
        funded_order(SupportFactory(consented=True, organisation=support.organisation))

    with django_assert_num_queries(len(first.captured_queries)):
        assert client.get(url).status_code == 200
