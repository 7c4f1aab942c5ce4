"""`WorkerFactory(ready=True)`: a worker ready to work in one call (STYLE.md, Tests)."""

import datetime
from decimal import Decimal

import pytest

from insertion.actions import assign_worker
from tests.insertion.factories import MONDAY, JobFactory, WorkerFactory, skill

pytestmark = pytest.mark.django_db


def test_a_ready_worker_has_a_team_a_contract_a_pass_iae_and_skills(structure, supervisor_user):
    worker = WorkerFactory(structure=structure, ready=True, skills=["maraichage"])

    contract, approval = worker.contracts.get(), worker.approvals.get()
    assert (worker.team.structure, list(worker.skills.values_list("slug", flat=True))) == (structure, ["maraichage"])
    assert (contract.kind, contract.weekly_hours, contract.start_date, contract.end_date) == (
        "cddi",
        Decimal("26.00"),
        MONDAY - datetime.timedelta(days=60),
        MONDAY + datetime.timedelta(days=120),
    )
    assert (approval.start_date, approval.end_date) == (
        MONDAY - datetime.timedelta(days=100),
        MONDAY - datetime.timedelta(days=100) + datetime.timedelta(days=729),
    )
    job = JobFactory(structure=structure, required_skill=skill("maraichage"))
    assert assign_worker(job=job, worker=worker, by=supervisor_user).hours == Decimal("3.50")


def test_ready_on_another_day(structure, supervisor_user):
    autumn = datetime.date(2026, 10, 5)
    worker = WorkerFactory(structure=structure, ready=True, on=autumn, team=None)

    assert (worker.team, worker.contracts.get().end_date) == (None, autumn + datetime.timedelta(days=120))
    assert assign_worker(
        job=JobFactory(structure=structure, date=autumn), worker=worker, by=supervisor_user
    ).worker == (worker)
