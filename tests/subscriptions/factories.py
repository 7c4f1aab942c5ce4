"""Subscriptions factories, built from nothing: basket plans on basket offerings of their own, pickup points
of their own, and subscriptions made through the real `subscriptions.actions.subscribing.subscribe`.

The season is spring 2026 and the plans distribute on Mondays: TODAY is Wednesday 11 March 2026, the
first distribution Monday 16 March and the fourth Easter Monday, 6 April (moved to Tuesday 7 by
default). The actions take `today` as an argument; the season is in the past, so what runs on the
real clock afterwards (a payment, a posting) comes later, as it would, and no one else's live season
overlaps it. Pages and the API read the real clock: their tests build a plan around today.
"""

import datetime
from decimal import Decimal

import factory

from accounting.models import EntryLine
from hub.enums import Frequency
from services.enums import OfferingKind, RevenueAccount, Unit
from subscriptions.actions.changes import pause_subscription
from subscriptions.actions.deliveries import generate_for
from subscriptions.actions.prepaid import record_prepaid_season_payment
from subscriptions.actions.subscribing import subscribe
from subscriptions.enums import SubscriptionPaymentMode
from subscriptions.models import Subscription, SubscriptionPlan
from tests.accounts.factories import UserFactory
from tests.bookings.factories import SellerFactory
from tests.hub.factories import SiteFactory, staff_of
from tests.services.factories import OfferingFactory

D = datetime.date
TODAY = D(2026, 3, 11)  # a Wednesday
FIRST_MONDAY = D(2026, 3, 16)
SEASON_START = D(2026, 3, 2)
SEASON_END = D(2026, 6, 29)


class BasketFactory(OfferingFactory):
    """« Panier petit format », 12,00 € a delivery at 5,5 % VAT, of a VAT-liable market garden with its
    books open; a quarter of an hour of packing each."""

    structure = factory.SubFactory(SellerFactory, liable=True, name=factory.Sequence(lambda n: f"Jardins d'essai {n}"))
    name = "Panier petit format"
    slug = factory.Sequence(lambda n: f"panier-essai-{n}")
    kind = OfferingKind.BASKET
    unit = Unit.DELIVERY
    price = Decimal("12.00")
    vat_rate = Decimal("5.50")
    vat_exemption_mention = ""
    revenue_account = RevenueAccount.PRODUCE
    labour_hours_per_unit = Decimal("0.25")


class SubscriptionPlanFactory(factory.django.DjangoModelFactory):
    """A weekly basket delivered on Mondays of the spring 2026 season (2 March – 29 June), changes
    allowed until 2 days before, 4 absences a season. Trait: `fortnightly`."""

    class Meta:
        model = SubscriptionPlan

    offering = factory.SubFactory(BasketFactory)
    size_label = "Petit"
    frequency = Frequency.WEEKLY
    season_start = SEASON_START
    season_end = SEASON_END
    weekday = 0
    cutoff_days = 2
    absence_quota = 4

    class Params:
        fortnightly = factory.Trait(frequency=Frequency.FORTNIGHTLY)


class SubscriptionFactory(factory.django.DjangoModelFactory):
    """A subscription made through `subscribe()` on TODAY, from Monday 16 March 2026, paid by card per
    delivery: its next four weeks of deliveries are planned (16, 23 and 30 March, 7 April for Easter
    Monday). `subscribe` raises PickupPointFull (after saving the waiting-list entry) at a full point.

    Traits: `with_deliveries` (the whole season's deliveries, generated), `paused` (paused until
    Sunday 29 March through `pause_subscription`: the 16 and 23 March deliveries skipped), `prepaid`
    (the season ordered at subscription and paid by cheque, recorded by the seller's staff through
    `record_prepaid_season_payment`: its deposit invoice is issued), `sepa` (paid per delivery by SEPA
    Direct Debit; the mandate is set up at Stripe by the test). A prepaid subscription without
    `prepaid_by` has its season order placed (payable by cheque) and unpaid.
    """

    class Meta:
        model = Subscription

    user = factory.SubFactory(UserFactory)
    plan = factory.SubFactory(SubscriptionPlanFactory)
    pickup_point = factory.SubFactory(SiteFactory, pickup_point=True)  # 20 places a distribution day
    start_date = FIRST_MONDAY
    payment_mode = SubscriptionPaymentMode.CARD
    today = TODAY
    season_generated = False
    paused_until = None
    prepaid_by = None  # the payment method of a season paid upfront

    class Params:
        with_deliveries = factory.Trait(season_generated=True)
        paused = factory.Trait(paused_until=D(2026, 3, 29))
        prepaid = factory.Trait(payment_mode=SubscriptionPaymentMode.PREPAID, prepaid_by="cheque")
        sepa = factory.Trait(payment_mode=SubscriptionPaymentMode.SEPA)

    @classmethod
    def _create(cls, model_class, *, today, season_generated, paused_until, prepaid_by, **kwargs):
        subscription = subscribe(today=today, **kwargs)
        if season_generated:
            plan = subscription.plan
            generate_for(subscription, weeks=(plan.season_end - today).days // 7 + 1, today=today)
        if paused_until is not None:
            subscription = pause_subscription(subscription=subscription, until=paused_until, today=today)
        if prepaid_by is not None:
            staff = staff_of(subscription.plan.offering.structure)
            record_prepaid_season_payment(subscription=subscription, method=prepaid_by, by=staff)
        return subscription


def lines_of(structure, **filters) -> list[tuple]:
    """(journal, account, debit, credit) of the structure's entry lines matching `filters`, in order."""
    return list(
        EntryLine.objects.filter(entry__structure=structure, **filters)
        .order_by("entry__id", "position")
        .values_list("entry__journal__code", "account__code", "debit", "credit")
    )
