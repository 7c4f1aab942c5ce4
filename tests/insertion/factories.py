"""Insertion factories. Dates sit in a week of their own (2031-W10, no public holiday), far from the demo's."""

import datetime
from decimal import Decimal

import factory

from hub.models import Skill
from insertion.enums import AbsenceKind, ContractKind, JobSourceKind
from insertion.models import Absence, Approval, ApprovalSuspension, Contract, Job, Team, Worker, WorkerSkill
from tests.accounting.factories import StructureFactory

MONDAY = datetime.date(2031, 3, 3)


def day(offset: int) -> datetime.date:
    """MONDAY + offset days (0 = Monday … 4 = Friday)."""
    return MONDAY + datetime.timedelta(days=offset)


def skill(slug: str = "maraichage") -> Skill:
    return Skill.objects.get(slug=slug)


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        skip_postgeneration_save = True

    structure = factory.SubFactory(StructureFactory)
    name = factory.Sequence(lambda n: f"Équipe {n}")


class ContractFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contract

    worker = factory.SubFactory("tests.insertion.factories.WorkerFactory")
    kind = ContractKind.CDDI
    start_date = day(-60)
    end_date = day(120)
    weekly_hours = Decimal("26.00")


class ApprovalFactory(factory.django.DjangoModelFactory):
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
    """`WorkerFactory(ready=True, skills=["maraichage"])`: a CDDI of 26 h and a valid PASS IAE around MONDAY."""

    class Meta:
        model = Worker
        skip_postgeneration_save = True

    structure = factory.SubFactory(StructureFactory)
    first_name = factory.Sequence(lambda n: f"Prénom{n}")
    last_name = factory.Sequence(lambda n: f"Nom{n}")
    email = factory.LazyAttribute(lambda o: f"{o.first_name.lower()}@exemple.test")
    phone = "06 11 22 33 44"

    class Params:
        ready = factory.Trait(
            contract=factory.RelatedFactory(ContractFactory, "worker"),
            approval=factory.RelatedFactory(ApprovalFactory, "worker"),
        )

    @factory.post_generation
    def skills(self, create, extracted, **kwargs):
        for slug in extracted or []:
            WorkerSkill.objects.create(worker=self, skill=skill(slug), level=2)


class JobFactory(factory.django.DjangoModelFactory):
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
