"""Demo basket subscriptions: 3 plans of the Jardins du Pôle and 30 residents (abonne01…abonne30@demo.pole.test,
the demo password, verified e-mails) subscribed at two pickup points, with their next deliveries.

Idempotent: plans are keyed on (offering, frequency, weekday), residents on their e-mail, and a resident
already subscribed is left alone; deliveries are unique per subscription and date.
"""

import datetime

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from accounts.models import User
from hub import notify
from hub.demo import DEMO_PASSWORD
from hub.enums import Frequency
from hub.models import Site
from services.models import Offering
from subscriptions.actions.deliveries import generate_deliveries
from subscriptions.actions.subscribing import subscribe
from subscriptions.enums import SubscriptionPaymentMode
from subscriptions.exceptions import SubscriptionError
from subscriptions.models import Subscription, SubscriptionPlan

TUE, THU, FRI = 1, 3, 4
PLANS = [
    ("panier-petit-format", "Petit", Frequency.WEEKLY, TUE),
    ("panier-familial", "Familial", Frequency.WEEKLY, FRI),
    ("panier-de-fruits", "Fruits", Frequency.FORTNIGHTLY, THU),
]
FIRST_NAMES = ["Léa", "Hugo", "Manon", "Louis", "Chloé", "Nathan", "Inès", "Jules", "Sarah", "Gabriel"]
LAST_NAMES = ["Aubert", "Chevalier", "Fabre", "Garnier", "Lemoine", "Marchand", "Perrin", "Renaud", "Vidal", "Roche"]
RESIDENTS = 30
MODES = [SubscriptionPaymentMode.PREPAID, SubscriptionPaymentMode.CARD]


def _season(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The current half-year season (April–September or October–March), so the demo stays open."""
    if 4 <= today.month <= 9:
        return datetime.date(today.year, 4, 1), datetime.date(today.year, 9, 30)
    start_year = today.year if today.month >= 10 else today.year - 1
    return datetime.date(start_year, 10, 1), datetime.date(start_year + 1, 3, 31)


def seed_demo() -> dict[str, int]:
    today = timezone.localdate()
    season_start, season_end = _season(today)
    plans = []
    for slug, size, frequency, weekday in PLANS:
        plan, _created = SubscriptionPlan.objects.get_or_create(
            offering=Offering.objects.get(slug=slug),
            frequency=frequency,
            weekday=weekday,
            defaults={"size_label": size, "season_start": season_start, "season_end": season_end},
        )
        if plan.season_end < today:  # last season's demo: open the current one
            plan.season_start, plan.season_end = season_start, season_end
            plan.save(update_fields=["season_start", "season_end"])
        plans.append(plan)
    points = [Site.objects.get(slug="pole-accueil"), Site.objects.get(slug="epicerie-royere")]
    password = make_password(DEMO_PASSWORD)  # hashed once for the 30 residents
    with notify.suppressed():
        for n in range(1, RESIDENTS + 1):
            email = f"abonne{n:02d}@demo.pole.test"
            user = User.objects.filter(email=email).first()
            if user is None:
                user = User.objects.create(
                    email=email,
                    password=password,
                    first_name=FIRST_NAMES[n % len(FIRST_NAMES)],
                    last_name=LAST_NAMES[(n // len(FIRST_NAMES)) % len(LAST_NAMES)] + f" {n:02d}",
                )
            EmailAddress.objects.update_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
            if Subscription.objects.filter(customer=user).exists():
                continue
            try:
                subscribe(
                    user=user,
                    plan=plans[n % len(plans)],
                    pickup_point=points[n % len(points)],
                    start_date=today,
                    payment_mode=MODES[n % len(MODES)],
                    today=today,
                )
            except SubscriptionError:
                continue  # a full pickup point: the resident waits, as anyone would
        generate_deliveries(today=today)
    return {"abonnements paniers": Subscription.objects.count()}
