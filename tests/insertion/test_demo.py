"""The demo's insertion data: 10 teams over the three ACI, the AI and the Scop, ~80 workers, idempotent."""

import pytest
from django.utils import timezone

from insertion import demo
from insertion.models import (
    Absence,
    Approval,
    ApprovalSuspension,
    Assignment,
    Contract,
    Job,
    Team,
    Worker,
    WorkerSkill,
)

pytestmark = pytest.mark.django_db

MODELS = [Team, Worker, WorkerSkill, Contract, Approval, ApprovalSuspension, Absence, Job, Assignment]


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def test_demo_teams_and_workers(demo_hub):
    today = timezone.localdate()
    assert Team.objects.count() == 10
    assert sorted(set(Team.objects.values_list("structure__kind", flat=True))) == ["aci", "ai", "ei"]
    # 80 in post, and the AI's two workers whose contracts ended in 2025 (the 2025 home visits, sap demo).
    assert Worker.objects.count() == 82
    assert sorted(Worker.objects.filter(is_active=False).values_list("last_name", flat=True)) == ["Girard", "Haddad"]
    assert Contract.objects.values("worker").distinct().count() == 82
    assert Approval.objects.values("worker").distinct().count() == 82
    assert Contract.objects.filter(end_date__gte=today, end_date__lte=today + timezone.timedelta(days=30)).exists()
    assert ApprovalSuspension.objects.exists()
    assert Absence.objects.exists()
    supervised = Team.objects.filter(supervisors__email="encadrant@demo.pole.test")
    assert sorted(supervised.values_list("structure__slug", flat=True)) == ["jardins-du-pole"] * 3


def test_seeding_again_creates_nothing(demo_hub):
    before = counts()

    demo.seed_demo()

    assert counts() == before
