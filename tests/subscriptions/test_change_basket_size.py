"""A resident switches to another basket size (issue 12, the resident's dashboard): another open plan of
the same seller distributed the same days, only while no distribution is past its cut-off, never for a
season paid upfront; the change is logged, confirmed on a summary page first, and each basket from the
first distribution changed is charged at the new price."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from hub.enums import Frequency
from subscriptions.actions.changes import cancel_subscription, change_basket_size, size_change_terms
from subscriptions.actions.payments import charge_delivery
from subscriptions.enums import DeliveryStatus
from subscriptions.exceptions import NotAllowed, PastCutOff, SubscriptionError
from subscriptions.models import Delivery, Subscription
from tests.accounts.factories import UserFactory
from tests.subscriptions.factories import (
    FIRST_MONDAY,
    TODAY,
    BasketFactory,
    SubscriptionFactory,
    SubscriptionPlanFactory,
)

pytestmark = pytest.mark.django_db

SUNDAY = datetime.date(2026, 3, 15)  # the day before the first distribution: past its cut-off (Saturday)
SATURDAY = datetime.date(2026, 3, 14)  # the cut-off day itself: still in time


def _larger(plan, **overrides):
    """The family basket of the same seller, distributed the same days: 18,00 € and 0,40 h of packing."""
    values = {
        "offering": BasketFactory(
            structure=plan.offering.structure,
            name="Panier familial",
            price=Decimal("18.00"),
            labour_hours_per_unit=Decimal("0.40"),
        ),
        "size_label": "Familial",
        "weekday": plan.weekday,
        "frequency": plan.frequency,
        "season_start": plan.season_start,
        "season_end": plan.season_end,
    }
    return SubscriptionPlanFactory(**{**values, **overrides})


def _state(subscription) -> tuple:
    subscription.refresh_from_db()
    return (
        subscription.plan_id,
        subscription.transitions.filter(field="plan").count(),
        sorted(subscription.deliveries.values_list("date", "labour_hours")),
    )


def test_the_resident_gets_the_larger_basket_from_the_next_distribution_and_the_change_is_logged():
    subscription = SubscriptionFactory()
    small = subscription.plan
    large = _larger(small)

    terms = change_basket_size(subscription=subscription, plan=large, by=subscription.customer, today=SATURDAY)

    assert (terms.from_plan, terms.to_plan, terms.first_delivery) == (small, large, FIRST_MONDAY)
    assert (terms.old_price, terms.new_price, terms.difference) == (
        Decimal("12.00"), Decimal("18.00"), Decimal("6.00"),
    )  # fmt: skip
    assert _state(subscription) == (
        large.pk,
        1,
        [(FIRST_MONDAY, Decimal("0.40")), (datetime.date(2026, 3, 23), Decimal("0.40")),
         (datetime.date(2026, 3, 30), Decimal("0.40")), (datetime.date(2026, 4, 7), Decimal("0.40"))],
    )  # fmt: skip
    log = subscription.transitions.get(field="plan")
    assert (log.from_status, log.to_status, log.by, log.note) == (
        str(small.pk), str(large.pk), subscription.customer, "Taille du panier : Petit → Familial, dès le 16/03/2026",
    )  # fmt: skip


def test_each_basket_after_the_change_is_charged_at_the_new_price():
    subscription = SubscriptionFactory()  # per delivery, no card saved: the order is placed, then unpaid
    change_basket_size(
        subscription=subscription, plan=_larger(subscription.plan), by=subscription.customer, today=TODAY
    )
    delivery = subscription.deliveries.get(date=FIRST_MONDAY)

    delivery = charge_delivery(delivery=delivery)

    order = delivery.order_line.order
    assert (order.total_incl, delivery.order_line.offering.name, delivery.status) == (
        Decimal("18.00"), "Panier familial", DeliveryStatus.UNPAID,
    )  # fmt: skip


def test_the_terms_name_the_first_distribution_still_changeable():
    subscription = SubscriptionFactory()
    subscription.deliveries.filter(date=FIRST_MONDAY).update(status=DeliveryStatus.SKIPPED)  # an absence

    terms = size_change_terms(subscription, _larger(subscription.plan), today=TODAY)

    assert terms.first_delivery == datetime.date(2026, 3, 23)


def test_refused_once_a_distribution_is_past_its_cut_off_and_nothing_changes():
    subscription = SubscriptionFactory()
    large = _larger(subscription.plan)
    before = _state(subscription)

    with pytest.raises(PastCutOff) as refusal:
        change_basket_size(subscription=subscription, plan=large, by=subscription.customer, today=SUNDAY)

    assert refusal.value.message == (
        "Trop tard pour modifier la distribution du lundi 16 mars 2026 : les changements étaient possibles "
        "jusqu'au samedi 14 mars 2026 (2 jours avant)."
    )
    assert _state(subscription) == before


def test_a_season_paid_upfront_is_refused_with_whom_to_contact_and_nothing_changes():
    subscription = SubscriptionFactory(prepaid=True)
    structure = subscription.plan.offering.structure
    structure.email, structure.phone = "jardins@example.org", "05 55 00 00 00"
    structure.save(update_fields=["email", "phone"])
    large = _larger(subscription.plan)
    before = _state(subscription)
    advance = subscription.advances.get()

    with pytest.raises(SubscriptionError) as refusal:
        change_basket_size(subscription=subscription, plan=large, by=subscription.customer, today=TODAY)

    assert refusal.value.message == (
        "Votre saison est payée d'avance au prix du panier « Petit » : pour changer de taille, contactez "
        f"{structure.name} (jardins@example.org — 05 55 00 00 00), qui ajustera la facture de votre saison."
    )
    assert _state(subscription) == before
    assert subscription.advances.get().amount_incl == advance.amount_incl


@pytest.mark.parametrize(
    "case",
    ["someone else", "same plan", "closed plan", "other seller", "other weekday", "other frequency",
     "other season", "cancelled"],
)  # fmt: skip
def test_other_refusals_change_nothing(case):
    subscription = SubscriptionFactory()
    small = subscription.plan
    by, plan = subscription.customer, _larger(small)
    error = SubscriptionError
    if case == "someone else":
        by, error = UserFactory(), NotAllowed
    elif case == "same plan":
        plan = small
    elif case == "closed plan":
        plan = _larger(small, is_active=False)
    elif case == "other seller":
        plan = _larger(small, offering=BasketFactory(price=Decimal("18.00")))
    elif case == "other weekday":
        plan = _larger(small, weekday=3)
    elif case == "other frequency":
        plan = _larger(small, frequency=Frequency.FORTNIGHTLY)
    elif case == "other season":
        plan = _larger(small, season_end=datetime.date(2026, 9, 28))
    else:
        cancel_subscription(subscription=subscription, by=by, today=TODAY)
    before = _state(subscription)

    with pytest.raises(error):
        change_basket_size(subscription=subscription, plan=plan, by=by, today=TODAY)

    assert _state(subscription) == before


# --- Pages (on the real clock: a plan around today) -------------------------------------------------


def _subscribed_on_the_real_clock(user, *, days_ahead: int, **kwargs):
    today = timezone.localdate()
    plan = SubscriptionPlanFactory(
        season_start=today, season_end=today + datetime.timedelta(days=120), weekday=(today.weekday() + days_ahead) % 7
    )
    return SubscriptionFactory(plan=plan, user=user, start_date=today, today=today, **kwargs)


def _first_distribution(subscription) -> datetime.date:
    return subscription.deliveries.order_by("date").values_list("date", flat=True).first()


def test_the_page_summarises_before_confirming_then_changes_the_size(client):
    user = UserFactory()
    subscription = _subscribed_on_the_real_clock(user, days_ahead=4)
    large = _larger(subscription.plan)
    client.force_login(user)
    url = reverse("subscriptions:change_size", args=[subscription.pk])
    day = _first_distribution(subscription)
    french_day = f"{['lundi', 'mardi', 'mercredi', 'jeudi', 'vendredi', 'samedi', 'dimanche'][day.weekday()]}"

    page = client.get(url).content.decode()
    summary = client.post(url, {"plan": large.pk})
    unchanged = Subscription.objects.get(pk=subscription.pk).plan_id
    done = client.post(url, {"plan": large.pk, "confirm": "1"}, follow=True)

    assert "Familial — Panier familial, 18,00\u00a0€ par panier" in page
    assert summary.status_code == 200
    text = summary.content.decode()
    assert "Confirmer la nouvelle taille ?" in text
    assert "Chaque panier vous coûtera 6,00\u00a0€ de plus." in text
    assert f"la distribution du <strong>{french_day} {day.day}" in text
    assert unchanged == subscription.plan_id  # the summary changed nothing
    assert done.redirect_chain == [(reverse("subscriptions:mine"), 302)]
    assert "vous recevrez le panier « Familial » (18,00\u00a0€ par panier)" in done.content.decode()
    assert Subscription.objects.get(pk=subscription.pk).plan == large


def test_the_dashboard_and_the_subscriptions_page_link_to_it(client):
    user = UserFactory()
    subscription = _subscribed_on_the_real_clock(user, days_ahead=4)
    _larger(subscription.plan)
    client.force_login(user)
    url = reverse("subscriptions:change_size", args=[subscription.pk])

    assert f'href="{url}"' in client.get(reverse("accounts:home")).content.decode()
    assert f'href="{url}"' in client.get(reverse("subscriptions:mine")).content.decode()


def test_no_link_when_no_other_size_is_open(client):
    user = UserFactory()
    subscription = _subscribed_on_the_real_clock(user, days_ahead=4)
    _larger(subscription.plan, is_active=False)
    client.force_login(user)
    url = reverse("subscriptions:change_size", args=[subscription.pk])

    assert url not in client.get(reverse("accounts:home")).content.decode()
    assert url not in client.get(reverse("subscriptions:mine")).content.decode()
    assert "Aucune autre taille de panier n'est proposée" in client.get(url).content.decode()


def test_the_page_says_why_it_refuses_past_the_cut_off_and_a_confirmed_post_changes_nothing(client):
    user = UserFactory()
    subscription = _subscribed_on_the_real_clock(user, days_ahead=1)  # tomorrow's basket: cut-off passed
    large = _larger(subscription.plan)
    client.force_login(user)
    url = reverse("subscriptions:change_size", args=[subscription.pk])

    page = client.get(url).content.decode()
    response = client.post(url, {"plan": large.pk, "confirm": "1"})

    assert "Trop tard pour modifier la distribution" in page
    assert 'name="plan"' not in page
    assert response.status_code == 400
    assert "Trop tard pour modifier la distribution" in response.content.decode()
    assert Subscription.objects.get(pk=subscription.pk).plan_id == subscription.plan_id
    assert not subscription.transitions.filter(field="plan").exists()


def test_the_page_of_a_prepaid_season_says_whom_to_contact(client):
    user = UserFactory()
    subscription = _subscribed_on_the_real_clock(user, days_ahead=4, prepaid=True)
    _larger(subscription.plan)
    client.force_login(user)

    page = client.get(reverse("subscriptions:change_size", args=[subscription.pk])).content.decode()

    assert "Votre saison est payée d&#x27;avance au prix du panier « Petit »" in page
    assert 'name="plan"' not in page


def test_the_page_of_someone_else_s_subscription_is_a_404(client):
    subscription = SubscriptionFactory()
    client.force_login(UserFactory())

    response = client.get(reverse("subscriptions:change_size", args=[subscription.pk]))

    assert response.status_code == 404


@pytest.mark.parametrize("value", ["pas-une-formule", "999999999999999999999", "1\x00"])
def test_a_bad_choice_is_a_french_error_not_a_500(client, value):
    user = UserFactory()
    subscription = _subscribed_on_the_real_clock(user, days_ahead=4)
    _larger(subscription.plan)
    client.force_login(user)

    response = client.post(
        reverse("subscriptions:change_size", args=[subscription.pk]), {"plan": value, "confirm": "1"}
    )

    assert response.status_code == 400  # a NUL byte is refused before the form (hub's middleware)
    assert ("Sélectionnez un choix valide" in response.content.decode()) is ("\x00" not in value)
    assert Subscription.objects.get(pk=subscription.pk).plan_id == subscription.plan_id


def test_the_pages_cost_a_fixed_number_of_queries(client, django_assert_num_queries):
    user = UserFactory()
    subscription = _subscribed_on_the_real_clock(user, days_ahead=4)
    large = _larger(subscription.plan)
    for size in ("Grand", "Très grand"):
        _larger(subscription.plan, size_label=size)
    client.force_login(user)
    url = reverse("subscriptions:change_size", args=[subscription.pk])
    client.get(url)

    # Whatever the number of sizes. The page, 6 = session, user, the subscription (with whether other
    # sizes exist), the distribution inside its cut-off (none), whether the choice is empty, the choice.
    with django_assert_num_queries(6):
        client.get(url)
    # The summary, 7 = session, user, subscription, the plan chosen, the cut-off's distribution, the plan
    # among the other sizes, the first distribution changed.
    with django_assert_num_queries(7):
        client.post(url, {"plan": large.pk})
    # Confirmed, 13 = the same checks under the subscription's row lock, then the plan saved, its log, the
    # coming deliveries' labour, in a savepoint.
    with django_assert_num_queries(13):
        client.post(url, {"plan": large.pk, "confirm": "1"})

    assert Delivery.objects.filter(subscription=subscription, labour_hours=Decimal("0.40")).count() == 4
