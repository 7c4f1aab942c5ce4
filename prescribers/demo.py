"""The demo's prescribers: the CCAS de Nemours and the Mission locale du Sud Seine-et-Marne, a social worker
each (their logins are in `hub.demo.DEMO_LOGINS`), and three supports — a family with the solidarity tier
granted and consent given, a person whose consent is awaited (the demo resident), one withdrawn."""

import datetime

from dateutil.relativedelta import relativedelta
from django.contrib.auth import get_user_model
from django.utils import timezone

from hub import notify
from hub.demo import demo_person
from hub.enums import OrganisationRole, PrescriberKind
from hub.models import Organisation, OrganisationMembership
from prescribers import actions
from prescribers.enums import SupportGround
from prescribers.models import Support

ORGANISATIONS = (
    ("ccas-nemours", "CCAS de Nemours", PrescriberKind.CCAS, "social.ccas@demo.pole.test",
     "Hôtel de ville, 41 quai Victor Hugo", "77140", "Nemours"),
    ("mission-locale-sud-77", "Mission locale du Sud Seine-et-Marne", PrescriberKind.MISSION_LOCALE,
     "social.ml@demo.pole.test", "9 rue du Champ de Mars", "77140", "Nemours"),
)  # fmt: skip

PEOPLE = (
    ("aminata.diallo@demo.pole.test", "Aminata", "Diallo"),
    ("kevin.morel@demo.pole.test", "Kévin", "Morel"),
)


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
    family, young = (demo_person(*person) for person in PEOPLE)
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
    return {"accompagnements": Support.objects.filter(organisation__in=organisations.values()).count()}
