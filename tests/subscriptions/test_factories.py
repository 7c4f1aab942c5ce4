"""The subscriptions factories build consistent rows through the real actions (STYLE.md, Tests)."""

import datetime
from decimal import Decimal

import pytest

from subscriptions.enums import SubscriptionPaymentMode, SubscriptionStatus
from tests.subscriptions.factories import FIRST_MONDAY, SubscriptionFactory

pytestmark = pytest.mark.django_db

D = datetime.date


def _statuses(subscription) -> list[str]:
    return list(subscription.deliveries.order_by("date").values_list("status", flat=True))


def test_a_subscription_has_its_next_four_weeks_planned():
    subscription = SubscriptionFactory()

    assert (subscription.status, subscription.start_date, subscription.payment_mode) == (
        SubscriptionStatus.ACTIVE,
        FIRST_MONDAY,
        SubscriptionPaymentMode.CARD,
    )
    assert (subscription.pickup_point.is_pickup_point, _statuses(subscription)) == (True, ["planned"] * 4)
    assert list(subscription.transitions.values_list("from_status", "to_status")) == [("", "active")]


def test_with_deliveries_plans_the_whole_season():
    subscription = SubscriptionFactory(with_deliveries=True)

    moved = list(subscription.deliveries.exclude(moved_from=None).values_list("moved_from", "date"))
    # 16 Mondays from 16 March to 29 June 2026; Easter and Whit Mondays move to the Tuesday.
    assert (subscription.deliveries.count(), _statuses(subscription)) == (16, ["planned"] * 16)
    assert moved == [(D(2026, 4, 6), D(2026, 4, 7)), (D(2026, 5, 25), D(2026, 5, 26))]


def test_a_paused_subscription_skips_its_first_two_deliveries():
    subscription = SubscriptionFactory(paused=True)

    assert (subscription.status, subscription.paused_until) == (SubscriptionStatus.PAUSED, D(2026, 3, 29))
    assert _statuses(subscription) == ["skipped", "skipped", "planned", "planned"]


def test_a_prepaid_subscription_has_its_season_paid():
    subscription = SubscriptionFactory(prepaid=True)

    # 16 Mondays at 12,00 €, ordered and paid by cheque: the deposit invoice is issued.
    advance = subscription.advances.get()
    assert (subscription.payment_mode, advance.baskets, advance.amount_incl, advance.order.payment_status) == (
        SubscriptionPaymentMode.PREPAID,
        16,
        Decimal("192.00"),
        "paid",
    )
    assert list(advance.order.invoices.values_list("kind", flat=True)) == ["deposit"]


def test_a_sepa_subscription_is_paid_per_delivery_by_direct_debit():
    subscription = SubscriptionFactory(sepa=True)

    assert (subscription.payment_mode, subscription.advances.count(), subscription.stripe_payment_method_id) == (
        SubscriptionPaymentMode.SEPA,
        0,
        "",
    )
