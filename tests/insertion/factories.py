"""Insertion factories, built from nothing: structures, teams, workers with their CDDI, PASS IAE and skills,
jobs. `WorkerFactory(ready=True)` is a worker ready to work on MONDAY's week in one call.

Dates sit in the week of Monday 2 March 2026 (2026-W10, no public holiday).
"""

import datetime
from decimal import Decimal

import factory
from django.utils.text import slugify

from hub.enums import StaffRole
from hub.models import Skill
from insertion.enums import EXIT_CATEGORY_OF, AbsenceKind, ContractKind, ExitReason, JobSourceKind
from insertion.models import (
    Absence,
    Approval,
    ApprovalSuspension,
    Contract,
    ContractExit,
    Job,
    Team,
    TimesheetEntry,
    Worker,
    WorkerSkill,
)
from tests.accounts.factories import UserFactory
from tests.hub.factories import SkillFactory, StructureFactory, StructureRoleFactory

MONDAY = datetime.date(2026, 3, 2)
# The trades the tests name, as the hub's skill catalogue spells them.
SKILL_NAMES = {
    "maraichage": "Maraîchage",
    "preparation-commandes": "Préparation de commandes",
    "conduite-vl": "Conduite VL (permis B)",
    "menage": "Ménage",
    "repassage": "Repassage",
}


def day(offset: int) -> datetime.date:
    """MONDAY + offset days (0 = Monday … 4 = Friday)."""
    return MONDAY + datetime.timedelta(days=offset)


class TradeSkillFactory(SkillFactory):
    """A skill of the catalogue by its slug, created if missing (a slug and a name are unique hub-wide)."""

    class Meta:
        model = Skill
        django_get_or_create = ("slug",)

    name = factory.LazyAttribute(lambda o: SKILL_NAMES.get(o.slug, o.slug.replace("-", " ").capitalize()))


def skill(slug: str = "maraichage") -> Skill:
    return TradeSkillFactory(slug=slug)


def supervisor_of(structure):
    """A user who supervises the structure's teams (encadrant·e)."""
    return StructureRoleFactory(structure=structure, role=StaffRole.SUPERVISOR).user


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        skip_postgeneration_save = True

    structure = factory.SubFactory(StructureFactory)
    name = factory.Sequence(lambda n: f"Équipe {n}")


class ContractFactory(factory.django.DjangoModelFactory):
    """A CDDI of 26 h a week, from two months before MONDAY to four months after."""

    class Meta:
        model = Contract

    worker = factory.SubFactory("tests.insertion.factories.WorkerFactory")
    kind = ContractKind.CDDI
    start_date = day(-60)
    end_date = day(120)
    weekly_hours = Decimal("26.00")


class ApprovalFactory(factory.django.DjangoModelFactory):
    """A PASS IAE valid from 100 days before MONDAY, for its 730 days."""

    class Meta:
        model = Approval

    worker = factory.SubFactory("tests.insertion.factories.WorkerFactory")
    number = factory.Sequence(lambda n: f"99999{n:07d}")
    start_date = day(-100)
    end_date = factory.LazyAttribute(lambda o: Approval.default_end_date(o.start_date))


class SuspensionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ApprovalSuspension

    approval = factory.SubFactory(ApprovalFactory)
    start_date = day(0)
    end_date = day(30)
    reason = "sickness"


class AbsenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Absence

    worker = factory.SubFactory("tests.insertion.factories.WorkerFactory")
    kind = AbsenceKind.LEAVE
    start_date = day(0)
    end_date = day(0)


class WorkerFactory(factory.django.DjangoModelFactory):
    """A worker of a structure, with no contract yet.

    `WorkerFactory(ready=True, skills=["maraichage"])` is ready to work on `on` (MONDAY by default):
    a team of their structure, a CDDI of 26 h a week from 60 days before to 120 days after, a PASS
    IAE valid from 100 days before, and the skills named (created in the catalogue if missing). Pass
    `team=None` for a worker of no team.
    """

    class Meta:
        model = Worker
        skip_postgeneration_save = True

    structure = factory.SubFactory(StructureFactory)
    first_name = factory.Sequence(lambda n: f"Prénom{n}")
    # Zero-padded: workers are listed by name, and « Nom10 » sorts before « Nom9 ».
    last_name = factory.Sequence(lambda n: f"Nom{n:05d}")
    # slugify: an address Django's EmailValidator accepts (ASCII local part), as the forms require.
    email = factory.LazyAttribute(lambda o: f"{slugify(o.first_name)}@exemple.test")
    phone = "06 11 22 33 44"

    class Params:
        on = MONDAY
        ready = factory.Trait(
            team=factory.SubFactory(TeamFactory, structure=factory.SelfAttribute("..structure")),
            contract=factory.RelatedFactory(
                ContractFactory,
                "worker",
                start_date=factory.LazyAttribute(lambda o: o.factory_parent.on - datetime.timedelta(days=60)),
                end_date=factory.LazyAttribute(lambda o: o.factory_parent.on + datetime.timedelta(days=120)),
            ),
            approval=factory.RelatedFactory(
                ApprovalFactory,
                "worker",
                start_date=factory.LazyAttribute(lambda o: o.factory_parent.on - datetime.timedelta(days=100)),
            ),
        )

    @factory.post_generation
    def skills(self, create, extracted, **kwargs):
        for slug in extracted or []:
            WorkerSkill.objects.create(worker=self, skill=skill(slug), level=2)


class JobFactory(factory.django.DjangoModelFactory):
    """A manual job on MONDAY, 8:30–12:00, 3,5 hours for one person."""

    class Meta:
        model = Job

    structure = factory.SubFactory(StructureFactory)
    source_kind = JobSourceKind.MANUAL
    source_id = factory.Sequence(lambda n: f"test-{n}")
    title = factory.Sequence(lambda n: f"Chantier {n}")
    date = day(0)
    start_time = datetime.time(8, 30)
    end_time = datetime.time(12, 0)
    estimated_hours = Decimal("3.50")
    headcount = 1


class TimesheetEntryFactory(factory.django.DjangoModelFactory):
    """7 hours on MONDAY, not validated; `validated=True` for a validated entry."""

    class Meta:
        model = TimesheetEntry

    worker = factory.SubFactory(WorkerFactory)
    date = MONDAY
    hours = Decimal("7.00")

    class Params:
        validated = factory.Trait(
            validated_at=factory.LazyFunction(lambda: datetime.datetime(2026, 4, 1, 8, tzinfo=datetime.UTC)),
            validated_by=factory.SubFactory(UserFactory),
        )


class ContractExitFactory(factory.django.DjangoModelFactory):
    """An exit to a CDI on the contract's last day (the category follows the reason)."""

    class Meta:
        model = ContractExit

    contract = factory.SubFactory(ContractFactory)
    date = factory.LazyAttribute(lambda o: o.contract.end_date)
    reason = ExitReason.CDI
    category = factory.LazyAttribute(lambda o: EXIT_CATEGORY_OF[o.reason])
    recorded_by = factory.SubFactory(UserFactory)
