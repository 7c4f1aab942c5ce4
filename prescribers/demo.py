"""The demo's prescribers: the CCAS de Nemours and the Mission locale du Sud Seine-et-Marne, a social worker
each (their logins are in `hub.demo.DEMO_LOGINS`), and three supports — a family with the solidarity tier
granted and consent given, a person whose consent is awaited (the demo resident), one withdrawn.

Third-party payment (ADR 0034): each organisation has its budget for the year. The CCAS pays half of the
family's baskets (40 € a month at most): their social worker subscribed them to a weekly basket paid at the
pickup point and ordered one basket this month, whose share the demo bills to the CCAS now (in production,
on the 1st of next month) so that its budget page shows an invoice. The Mission locale pays a young
person's solidarity transport in full, up to 60 € a month."""

import contextlib
import datetime
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.contrib.auth import get_user_model
from django.utils import timezone

from hub import notify
from hub.demo import demo_person
from hub.enums import OrganisationRole, PrescriberKind
from hub.models import Organisation, OrganisationMembership, Site
from insertion.jobs import sync_jobs
from marketplace.actions.checkout import Billing, place_order_for_items
from marketplace.actions.third_party import bill_third_party_shares
from marketplace.enums import PaymentMethod
from prescribers import actions, fundings, ordering
from prescribers.enums import SupportGround
from prescribers.exceptions import SupportError
from prescribers.models import Budget, Funding, OrderForPerson, Support

ORGANISATIONS = (
    ("ccas-nemours", "CCAS de Nemours", PrescriberKind.CCAS, "social.ccas@demo.pole.test",
     "Hôtel de ville, 41 quai Victor Hugo", "77140", "Nemours"),
    ("mission-locale-sud-77", "Mission locale du Sud Seine-et-Marne", PrescriberKind.MISSION_LOCALE,
     "social.ml@demo.pole.test", "9 rue du Champ de Mars", "77140", "Nemours"),
)  # fmt: skip

PEOPLE = (
    ("aminata.diallo@demo.pole.test", "Aminata", "Diallo"),
    ("kevin.morel@demo.pole.test", "Kévin", "Morel"),
    ("yanis.benali@demo.pole.test", "Yanis", "Benali"),
)
BUDGETS = {"ccas-nemours": Decimal("6000.00"), "mission-locale-sud-77": Decimal("3000.00")}


def seed_demo() -> dict[str, int]:
    User = get_user_model()
    organisations, workers = {}, {}
    for slug, name, kind, worker_email, street, postcode, city in ORGANISATIONS:
        organisation, _created = Organisation.objects.update_or_create(
            slug=slug,
            defaults={"name": name, "prescriber_kind": kind, "address_line1": street, "postcode": postcode,
                      "city": city, "email": f"contact@{slug}.test"},
        )  # fmt: skip
        worker = User.objects.filter(email=worker_email).first()
        if worker is None:  # hub's demo makes the logins; nothing to attach without them
            return {}
        OrganisationMembership.objects.get_or_create(
            user=worker, organisation=organisation, defaults={"role": OrganisationRole.ADMIN}
        )
        organisations[slug], workers[slug] = organisation, worker
    if Support.objects.filter(organisation__in=organisations.values()).exists():
        return {"accompagnements": Support.objects.filter(organisation__in=organisations.values()).count()}
    family, young, trainee = (demo_person(*person) for person in PEOPLE)
    resident = User.objects.filter(email="resident@demo.pole.test").first()
    today = timezone.localdate()
    with notify.suppressed():
        actions.open_support(
            organisation=organisations["ccas-nemours"], email=family.email, ground=SupportGround.MINIMA_SOCIAUX,
            starts_on=today - datetime.timedelta(days=20), ends_on=today + relativedelta(months=6),
            grant_tier=True, consent_in_writing=True, note="Rendez-vous mensuel au CCAS",
            by=workers["ccas-nemours"],
        )  # fmt: skip
        if resident is not None:
            actions.open_support(
                organisation=organisations["ccas-nemours"], email=resident.email, ground=SupportGround.HARDSHIP,
                starts_on=today, ends_on=today + relativedelta(months=3), grant_tier=True,
                by=workers["ccas-nemours"],
            )  # fmt: skip
        withdrawn = actions.open_support(
            organisation=organisations["mission-locale-sud-77"], email=young.email,
            ground=SupportGround.YOUNG_PERSON, starts_on=today - datetime.timedelta(days=10),
            ends_on=today + relativedelta(months=12) - datetime.timedelta(days=10), consent_in_writing=True,
            by=workers["mission-locale-sud-77"],
        )  # fmt: skip
        actions.withdraw_consent(support=withdrawn, by=young)
        mobility = actions.open_support(
            organisation=organisations["mission-locale-sud-77"], email=trainee.email,
            ground=SupportGround.YOUNG_PERSON, starts_on=today - datetime.timedelta(days=5),
            ends_on=today + relativedelta(months=6), consent_in_writing=True, by=workers["mission-locale-sud-77"],
        )  # fmt: skip
        _third_party_payment(organisations, workers, family=family, mobility=mobility, today=today)
    return {
        "accompagnements": Support.objects.filter(organisation__in=organisations.values()).count(),
        "prises en charge": Funding.objects.filter(support__organisation__in=organisations.values()).count(),
    }


def _third_party_payment(organisations, workers, *, family, mobility, today) -> None:
    for slug, amount in BUDGETS.items():
        Budget.objects.get_or_create(
            organisation=organisations[slug], year=today.year, defaults={"amount": amount, "set_by": workers[slug]}
        )
    ccas = workers["ccas-nemours"]
    support = Support.objects.get(organisation=organisations["ccas-nemours"], person=family)
    fundings.set_funding(
        support=support, by=ccas, share_percent=50, kinds=["basket"], monthly_cap=Decimal("40.00"),
        ends_on=support.ends_on,
    )  # fmt: skip
    ml = workers["mission-locale-sud-77"]
    fundings.set_funding(
        support=mobility, by=ml, share_percent=100, kinds=["mobility", "training"], monthly_cap=Decimal("60.00"),
        ends_on=mobility.ends_on,
    )  # fmt: skip
    plan = ordering.plans_for_people().filter(season_start__lte=today, season_end__gt=today).first()
    point = Site.objects.pickup_points().order_by("name").first()
    if plan is None or point is None:
        return
    next_week = today + datetime.timedelta(days=7)
    with contextlib.suppress(SupportError):  # the point is full in this demo's state: the family waits
        ordering.subscribe_for(support=support, by=ccas, plan=plan, pickup_point=point, start_date=next_week)
    order = place_order_for_items(
        user=family, items=[(plan.offering, Decimal("1"))], payment_method=PaymentMethod.CASH,
        billing=Billing(name=family.get_full_name(), address=point.name, email=family.email),
        pickup_point=point, placed_by=ccas,
    )  # fmt: skip
    OrderForPerson.objects.create(
        support=support, order=order, label=plan.offering.name, placed_by=ccas, placed_at=order.placed_at
    )
    bill_third_party_shares(year=today.year, month=today.month)
    sync_jobs()  # the basket's packing, as insertion's demo derived every other order's (seeded before this one)
