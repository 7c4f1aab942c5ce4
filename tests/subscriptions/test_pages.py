import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from bookings.models import CalendarFeed
from hub.enums import StaffRole
from marketplace.models import Refund
from subscriptions.actions.deliveries import generate_deliveries
from subscriptions.enums import DeliveryStatus, SubscriptionStatus
from subscriptions.models import Subscription
from tests.accounts.factories import UserFactory
from tests.hub.factories import SiteFactory, StructureRoleFactory
from tests.subscriptions.factories import (
    BasketFactory,
    SubscriptionFactory,
    SubscriptionPlanFactory,
    lines_of,
)

pytestmark = pytest.mark.django_db


def _plan_in_three_days(**kwargs):
    """A season open today, distributing three days from now (its cut-off, one day from now, still ahead)."""
    today = timezone.localdate()
    return SubscriptionPlanFactory(
        season_start=today,
        season_end=today + datetime.timedelta(days=120),
        weekday=(today.weekday() + 3) % 7,
        **kwargs,
    )


def _subscribed(user=None, point=None, *, plan=None, **kwargs):
    """Subscribed today, on the real clock (the pages run on it)."""
    today = timezone.localdate()
    return SubscriptionFactory(
        plan=plan or _plan_in_three_days(**kwargs),
        user=user or UserFactory(),
        pickup_point=point or SiteFactory(pickup_point=True),
        start_date=today,
        today=today,
    )


def _basket_staff(structure):
    return StructureRoleFactory(structure=structure, role=StaffRole.SUPERVISOR).user


def test_subscribe_through_the_form(client):
    the_plan = _plan_in_three_days()
    point = SiteFactory(pickup_point=True)
    user = UserFactory()
    client.force_login(user)

    page = client.get(reverse("subscriptions:plans"))
    response = client.post(
        reverse("subscriptions:plans"),
        {"plan": the_plan.pk, "pickup_point": point.pk, "start_date": timezone.localdate().isoformat(),
         "payment_mode": "prepaid"},
    )  # fmt: skip

    subscription = Subscription.objects.get(customer=user)
    season = subscription.advances.get().order
    assert (page.status_code, "Panier petit format" in page.content.decode()) == (200, True)
    # A season paid upfront by card (the form's default): on to the season order's pay page.
    assert (response.status_code, response["Location"]) == (
        302,
        reverse("marketplace:order_pay", args=[season.reference]),
    )
    baskets = subscription.advances.get().baskets
    assert (season.payment_method, season.total_incl) == ("card", baskets * the_plan.price_per_delivery)
    assert (subscription.plan, subscription.status, subscription.deliveries.count()) == (
        the_plan,
        SubscriptionStatus.ACTIVE,
        4,
    )


def test_card_mode_leads_to_the_card_page(client):
    the_plan = _plan_in_three_days()
    point = SiteFactory(pickup_point=True)
    client.force_login(UserFactory())

    response = client.post(
        reverse("subscriptions:plans"),
        {"plan": the_plan.pk, "pickup_point": point.pk, "start_date": timezone.localdate().isoformat(),
         "payment_mode": "card"},
    )  # fmt: skip

    assert response["Location"] == reverse("subscriptions:card", args=[Subscription.objects.latest("pk").pk])


def test_my_subscriptions_query_count_is_pinned(client, django_assert_num_queries):
    user = UserFactory()
    for name in ("Panier petit format", "Panier familial", "Panier de fruits"):
        _subscribed(user, offering=BasketFactory(name=name))
    client.force_login(user)

    # Session, user, subscriptions (plan, offering, structure and point joined), deliveries (order joined),
    # prepaid seasons (order joined).
    with django_assert_num_queries(5):
        response = client.get(reverse("subscriptions:mine"))

    assert (response.status_code, response.content.decode().count('class="panel subscription"')) == (200, 3)


def test_skip_and_pause_from_the_page(client):
    subscription = _subscribed()
    client.force_login(subscription.customer)
    delivery = subscription.deliveries.order_by("date").first()

    client.post(reverse("subscriptions:skip", args=[subscription.pk, delivery.pk]))
    until = (delivery.date + datetime.timedelta(days=14)).isoformat()
    client.post(reverse("subscriptions:pause", args=[subscription.pk]), {"until": until})

    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.PAUSED
    assert list(subscription.deliveries.order_by("date").values_list("status", flat=True)) == [
        DeliveryStatus.SKIPPED,
        DeliveryStatus.SKIPPED,
        DeliveryStatus.SKIPPED,
        DeliveryStatus.PLANNED,
    ]


def test_someone_elses_subscription_pages_are_404(client):
    subscription = _subscribed()
    delivery = subscription.deliveries.first()
    client.force_login(UserFactory())

    urls = [
        reverse("subscriptions:skip", args=[subscription.pk, delivery.pk]),
        reverse("subscriptions:pause", args=[subscription.pk]),
        reverse("subscriptions:resume", args=[subscription.pk]),
        reverse("subscriptions:cancel", args=[subscription.pk]),
    ]
    statuses = [client.post(url, {"until": "2030-01-01"}).status_code for url in urls]

    assert statuses == [404, 404, 404, 404]
    assert client.get(reverse("subscriptions:card", args=[subscription.pk])).status_code == 404
    subscription.refresh_from_db()
    assert (subscription.status, subscription.deliveries.filter(status="planned").count()) == ("active", 4)


def test_pick_list_page_csv_and_pdf(client):
    point = SiteFactory(pickup_point=True, capacity=10)
    first = _subscribed(UserFactory(first_name="Alice", last_name="Arnaud"), point)
    garden = first.plan.offering.structure
    second = _subscribed(
        UserFactory(first_name="Bruno", last_name="Barre"),
        point,
        offering=BasketFactory(structure=garden, name="Panier familial"),
        size_label="Familial",
    )
    day = first.deliveries.order_by("date").first().date
    client.force_login(_basket_staff(garden))
    query = {"pickup_point": point.pk, "day": day.isoformat()}

    page = client.get(reverse("subscriptions:pick_list"), query)
    csv_body = client.get(reverse("subscriptions:pick_list"), {**query, "format": "csv"}).content.decode()
    pdf = client.get(reverse("subscriptions:pick_list"), {**query, "format": "pdf"})

    assert (page.status_code, "2 paniers à remettre" in page.content.decode()) == (200, True)
    assert csv_body.splitlines()[1:] == [
        f"Alice Arnaud;{first.customer.email};Petit",
        f"Bruno Barre;{second.customer.email};Familial",
    ]
    pdf_start = b"".join(pdf.streaming_content)[:5]
    assert (pdf["Content-Type"], pdf_start) == ("application/pdf", b"%PDF-")


def test_pick_list_is_404_for_a_resident(client):
    _subscribed()
    client.force_login(UserFactory())

    assert client.get(reverse("subscriptions:pick_list")).status_code == 404


def test_deliveries_are_in_the_calendar_feed(client):
    subscription = _subscribed()
    generate_deliveries(weeks=1)
    feed = CalendarFeed.objects.create(user=subscription.customer)
    first = subscription.deliveries.order_by("date").first()

    body = client.get(reverse("bookings:ical", args=[feed.token])).content.decode()

    assert body.count("SUMMARY:Panier : Panier petit format") == 4
    assert f"DTSTART;VALUE=DATE:{first.date:%Y%m%d}" in body


def test_pick_list_query_count_is_pinned(client, django_assert_num_queries):
    point = SiteFactory(pickup_point=True, capacity=10)
    basket = BasketFactory()
    subscriptions = [_subscribed(point=point, offering=basket) for _ in range(3)]  # three plans of one basket
    day = subscriptions[0].deliveries.order_by("date").first().date
    client.force_login(_basket_staff(basket.structure))

    # Session, user, staff roles, the chosen pickup point, the deliveries (subscriptions, customers and
    # plans joined), then the form's pickup point list rendered (choices and selected value): none per row.
    with django_assert_num_queries(7):
        response = client.get(reverse("subscriptions:pick_list"), {"pickup_point": point.pk, "day": day.isoformat()})

    assert "3 paniers à remettre" in response.content.decode()


def test_staff_mark_a_prepaid_basket_handed_over(client):
    """On its distribution day (today): subscribed nine days ago, from last week's distribution."""
    today = timezone.localdate()
    plan = SubscriptionPlanFactory(
        season_start=today - datetime.timedelta(days=14),
        season_end=today + datetime.timedelta(days=120),
        weekday=today.weekday(),
    )
    subscription = SubscriptionFactory(
        plan=plan,
        start_date=today - datetime.timedelta(days=7),
        today=today - datetime.timedelta(days=9),
        payment_mode="prepaid",
        prepaid_by="cash",
    )
    garden = subscription.plan.offering.structure
    delivery = subscription.deliveries.get(date=today)
    client.force_login(_basket_staff(garden))

    response = client.post(reverse("subscriptions:pick_list_deliver", args=[delivery.pk]))

    delivery.refresh_from_db()
    assert (response.status_code, delivery.status) == (302, DeliveryStatus.DELIVERED)
    released = lines_of(garden, entry__piece_ref=f"{subscription.reference}-{delivery.date:%Y%m%d}")
    assert [(journal, account) for journal, account, _debit, _credit in released] == [
        ("OD", "4191"),
        ("OD", subscription.plan.offering.revenue_account),
    ]


def test_a_resident_cannot_mark_a_basket_handed_over(client):
    subscription = _subscribed()
    delivery = subscription.deliveries.first()
    client.force_login(subscription.customer)

    response = client.post(reverse("subscriptions:pick_list_deliver", args=[delivery.pk]))

    delivery.refresh_from_db()
    assert (response.status_code, delivery.status) == (404, DeliveryStatus.PLANNED)


def test_skip_with_htmx_swaps_the_subscription_panel(client):
    subscription = _subscribed()
    client.force_login(subscription.customer)
    first, second = subscription.deliveries.order_by("date")[:2]

    response = client.post(reverse("subscriptions:skip", args=[subscription.pk, first.pk]), HTTP_HX_REQUEST="true")

    body = response.content.decode()
    first.refresh_from_db()
    assert (response.status_code, first.status) == (200, DeliveryStatus.SKIPPED)
    assert body.startswith(f'<section class="panel subscription" id="subscription-card-{subscription.pk}"')
    assert '<p class="notice" role="status">Absence enregistrée.</p>' in body
    assert reverse("subscriptions:skip", args=[subscription.pk, second.pk]) in body


def test_a_prepaid_resident_chooses_refund_or_credit_on_the_page(client):
    today = timezone.localdate()
    subscription = SubscriptionFactory(
        plan=_plan_in_three_days(), start_date=today, today=today, payment_mode="prepaid", prepaid_by="cheque"
    )
    client.force_login(subscription.customer)
    first = subscription.deliveries.order_by("date").first()

    page = client.get(reverse("subscriptions:mine")).content.decode()
    client.post(reverse("subscriptions:skip", args=[subscription.pk, first.pk]), {"prepaid_choice": "refund"})
    client.post(reverse("subscriptions:cancel", args=[subscription.pk]), {"prepaid_choice": "credit", "confirm": "1"})

    advance = subscription.advances.get()
    refunds = list(Refund.objects.filter(order=advance.order).values_list("amount", flat=True))
    assert ("Me rembourser" in page, "Garder en avoir pour la saison suivante" in page) == (True, True)
    assert refunds == [subscription.plan.price_per_delivery]  # the skipped basket, paid back
    # Every other basket of the season is credited and kept.
    assert (advance.credited, advance.credit_kept) == (
        advance.baskets,
        advance.amount_incl - subscription.plan.price_per_delivery,
    )


def test_pick_list_csv_neutralises_a_formula_in_an_email(client):
    point = SiteFactory(pickup_point=True, capacity=10)
    # Accepted by e-mail validation (sign-up), yet a formula for a spreadsheet.
    subscription = _subscribed(
        UserFactory(first_name="=1+1", last_name="Arnaud", email="=cmd|'/ccalc'!a1@exemple.test"), point
    )
    day = subscription.deliveries.order_by("date").first().date
    client.force_login(_basket_staff(subscription.plan.offering.structure))

    response = client.get(
        reverse("subscriptions:pick_list"), {"pickup_point": point.pk, "day": day.isoformat(), "format": "csv"}
    )

    assert response.content.decode().splitlines()[1:] == ["'=1+1 Arnaud;'=cmd|'/ccalc'!a1@exemple.test;Petit"]
