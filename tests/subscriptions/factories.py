"""Basket subscriptions in tests: a spring 2027 season far from the demo's own data."""

import datetime

from hub.enums import Frequency
from hub.models import Site
from services.models import Offering
from subscriptions.actions.subscribing import subscribe
from subscriptions.models import SubscriptionPlan
from tests.accounts.factories import UserFactory

# Wednesday 3 March 2027; the plans below distribute on Mondays from 8 March.
TODAY = datetime.date(2027, 3, 3)
SEASON_START = datetime.date(2027, 3, 1)
SEASON_END = datetime.date(2027, 6, 28)


def plan(*, slug="panier-petit-format", frequency=Frequency.WEEKLY, weekday=0, **kwargs) -> SubscriptionPlan:
    values = {
        "size_label": "Petit",
        "season_start": SEASON_START,
        "season_end": SEASON_END,
        "weekday": weekday,
        "cutoff_days": 2,
        "absence_quota": 4,
    }
    values.update(kwargs)
    return SubscriptionPlan.objects.create(offering=Offering.objects.get(slug=slug), frequency=frequency, **values)


def accueil() -> Site:
    return Site.objects.get(slug="pole-accueil")


def small_point(capacity: int = 1, slug: str = "point-test") -> Site:
    """A pickup point of its own (the demo's residents subscribe at the demo's points)."""
    site = Site.objects.get(slug="pole-accueil")
    site.pk, site.id, site.slug, site.name, site.capacity = None, None, slug, "Point de retrait d'essai", capacity
    site.save()
    return site


def subscriber(**kwargs):
    return UserFactory(**kwargs)


def subscribe_to(the_plan, user=None, *, point=None, start=datetime.date(2027, 3, 8), mode="card", today=TODAY):
    return subscribe(
        user=user or subscriber(),
        plan=the_plan,
        pickup_point=point or accueil(),
        start_date=start,
        payment_mode=mode,
        today=today,
    )
