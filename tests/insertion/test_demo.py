"""The demo's insertion data: 10 teams over the three ACI, the AI and the Scop, ~80 workers, last month's
exits and validated hours, idempotent."""

import datetime

import pytest
from django.utils import timezone

from hub.models import Structure
from impact.demo import HISTORY_EMAIL_DOMAIN, HISTORY_WORKERS
from insertion import demo
from insertion.iae_return import monthly_return
from insertion.models import (
    Absence,
    Approval,
    ApprovalSuspension,
    Assignment,
    Contract,
    ContractExit,
    Job,
    Team,
    TimesheetEntry,
    Worker,
    WorkerSkill,
)

pytestmark = pytest.mark.django_db

MODELS = [
    Team,
    Worker,
    WorkerSkill,
    Contract,
    Approval,
    ApprovalSuspension,
    Absence,
    Job,
    Assignment,
    ContractExit,
    TimesheetEntry,
]


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def test_demo_teams_and_workers(demo_hub):
    today = timezone.localdate()
    assert Team.objects.count() == 10
    assert sorted(set(Team.objects.values_list("structure__kind", flat=True))) == ["aci", "ai", "ei"]
    assert Worker.objects.active().count() == 80
    # Two former workers per structure, gone last month; and the AI's two whose contracts ended in 2025
    # (the 2025 home visits of the sap demo). The two years of history have their own (impact.demo).
    history = Worker.objects.filter(email__endswith=HISTORY_EMAIL_DOMAIN)
    assert history.count() == len(HISTORY_WORKERS)
    workers = Worker.objects.exclude(pk__in=history)
    assert workers.count() == 92
    assert workers.filter(contracts__end_date__year=2025).distinct().count() == 2
    assert Contract.objects.filter(worker__in=workers).values("worker").distinct().count() == 92
    assert Approval.objects.filter(worker__in=workers).values("worker").distinct().count() == 92
    assert Contract.objects.filter(end_date__gte=today, end_date__lte=today + timezone.timedelta(days=30)).exists()
    assert ApprovalSuspension.objects.exists()
    assert Absence.objects.exists()
    supervised = Team.objects.filter(supervisors__email="encadrant@demo.pole.test")
    assert sorted(supervised.values_list("structure__slug", flat=True)) == ["jardins-du-pole"] * 3


def test_seeding_again_creates_nothing(demo_hub):
    before = counts()

    demo.seed_demo()

    assert counts() == before


def test_demo_last_month_has_exits_and_validated_hours(demo_hub):
    today = timezone.localdate()
    end = today.replace(day=1) - datetime.timedelta(days=1)
    jardins = Structure.objects.get(slug="jardins-du-pole")

    result = monthly_return(jardins, end.year, end.month, today=today)

    assert ContractExit.objects.filter(date__year=end.year, date__month=end.month).count() == 10
    assert result.exits == 2
    assert all(row.hours_worked > 0 for row in result.rows)
    assert not TimesheetEntry.objects.filter(date__year=end.year, date__month=end.month, validated_at=None).exists()
