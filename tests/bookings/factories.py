"""Helpers to book in tests: a fixed clock far from the demo's own bookings."""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from accounts.models import User
from bookings.actions.booking import book
from hub.models import Organisation, Site
from marketplace.actions.checkout import Billing
from services.models import Offering
from tests.marketplace.factories import resident

PARIS = ZoneInfo("Europe/Paris")
# Monday 1 March 2027, 10:00: the demo's bookings are months before.
NOW = datetime.datetime(2027, 3, 1, 10, 0, tzinfo=PARIS)
BILLING = Billing(
    name="Camille Martin", address="4 rue des Tilleuls\n23400 Bourganeuf", email="nouvelle.cliente@exemple.test"
)


def at(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime.datetime:
    return datetime.datetime(2027, month, day, hour, minute, tzinfo=PARIS)


def offering(slug: str) -> Offering:
    return Offering.objects.select_related("structure").get(slug=slug)


def accueil() -> Site:
    return Site.objects.get(slug="pole-accueil")


def creche() -> Organisation:
    return Organisation.objects.get(slug="creche-les-ptits-loups")


def club() -> Organisation:
    return Organisation.objects.get(slug="as-bourganeuf")


def asso_member() -> User:
    return User.objects.get(email="asso@demo.pole.test")


def club_member() -> User:
    return User.objects.get(email="club@demo.pole.test")


def laundry_staff() -> User:
    return User.objects.get(email="linge@demo.pole.test")


def org_billing(organisation: Organisation) -> Billing:
    return Billing(name=organisation.name, address="\n".join(organisation.address_lines), email=organisation.email)


def book_training(user=None, *, starts_at=None, method="cash", now=NOW, **kwargs):
    """A seat at the code session of Wednesday 3 March 2027, 14:00 (8 seats)."""
    return book(
        user=user or resident(),
        offering=offering("seance-de-code-de-la-route"),
        starts_at=starts_at or at(3, 14),
        quantity=Decimal("1"),
        payment_method=method,
        billing=BILLING,
        at=now,
        **kwargs,
    )


def book_laundry(user, organisation, *, slug="tenues-sportives-au-kilo", starts_at=None, kilos="8", now=NOW):
    """A laundry pickup on Tuesday 2 March 2027, 9:00, by transfer."""
    return book(
        user=user,
        offering=offering(slug),
        starts_at=starts_at or at(2, 9),
        quantity=Decimal(kilos),
        payment_method="transfer",
        billing=org_billing(organisation),
        organisation=organisation,
        pickup_point=accueil(),
        at=now,
    )
