"""DOMAIN.md rule 16: each refusal names its rule in French, and a refused assignment changes nothing."""

import datetime
from decimal import Decimal

import pytest

from insertion.actions import assign_worker, set_assignment_lock, unassign_worker
from insertion.exceptions import AssignmentRefused
from insertion.models import Assignment
from tests.insertion.factories import (
    AbsenceFactory,
    ApprovalFactory,
    ContractFactory,
    JobFactory,
    SuspensionFactory,
    WorkerFactory,
    day,
    skill,
)

pytestmark = pytest.mark.django_db


def snapshot():
    return list(Assignment.objects.order_by("pk").values_list("job_id", "worker_id", "hours", "locked"))


def refused(job, worker, user, code: str) -> str:
    before = snapshot()
    with pytest.raises(AssignmentRefused) as caught:
        assign_worker(job=job, worker=worker, by=user)
    assert caught.value.code == code
    assert snapshot() == before
    return caught.value.message


def test_a_ready_worker_is_assigned_for_the_hours_per_person(structure, supervisor_user):
    worker = WorkerFactory(structure=structure, ready=True, skills=["maraichage"])
    job = JobFactory(structure=structure, required_skill=skill(), estimated_hours=Decimal("7.00"), headcount=2)

    assignment = assign_worker(job=job, worker=worker, by=supervisor_user)

    assert (assignment.job, assignment.worker, assignment.hours, assignment.locked) == (
        job, worker, Decimal("3.50"), False
    )  # fmt: skip
    assert assignment.created_by == supervisor_user


def test_outside_the_contract_is_refused(structure, supervisor_user):
    worker = WorkerFactory(structure=structure)
    ContractFactory(worker=worker, end_date=day(1))
    ApprovalFactory(worker=worker)
    job = JobFactory(structure=structure, date=day(2))

    message = refused(job, worker, supervisor_user, "outside_contract")

    assert message == f"Règle « contrat » : {worker.full_name} n'a pas de contrat en cours le 04/03/2026."


def test_an_expired_pass_iae_is_refused(structure, supervisor_user):
    worker = WorkerFactory(structure=structure)
    ContractFactory(worker=worker)
    ApprovalFactory(worker=worker, start_date=day(-800), end_date=day(-1))
    job = JobFactory(structure=structure)

    message = refused(job, worker, supervisor_user, "approval_expired")

    assert message == (
        f"Règle « PASS IAE » : {worker.full_name} n'a pas de PASS IAE valide le 02/03/2026 (expiré ou absent)."
    )


def test_a_suspended_pass_iae_is_refused(structure, supervisor_user):
    worker = WorkerFactory(structure=structure)
    ContractFactory(worker=worker)
    SuspensionFactory(approval=ApprovalFactory(worker=worker), start_date=day(0), end_date=day(10))
    job = JobFactory(structure=structure)

    message = refused(job, worker, supervisor_user, "approval_suspended")

    assert message == f"Règle « PASS IAE » : le PASS IAE de {worker.full_name} est suspendu le 02/03/2026."


def test_more_than_the_weekly_contract_hours_is_refused(structure, supervisor_user):
    worker = WorkerFactory(structure=structure, ready=True)  # 26 h a week
    for offset in range(3):
        job = JobFactory(structure=structure, date=day(offset), start_time=datetime.time(8), end_time=datetime.time(16),
                         estimated_hours=Decimal("8.00"))  # fmt: skip
        assign_worker(job=job, worker=worker, by=supervisor_user)
    friday = JobFactory(structure=structure, date=day(4), estimated_hours=Decimal("3.50"))

    message = refused(friday, worker, supervisor_user, "over_hours")

    assert message == (
        f"Règle « heures du contrat » : {worker.full_name} aurait 27,5 h cette semaine pour 26 h par semaine au contrat."
    )


def test_an_overlapping_assignment_is_refused(structure, supervisor_user):
    worker = WorkerFactory(structure=structure, ready=True)
    morning = JobFactory(
        structure=structure, title="Récolte", start_time=datetime.time(8, 30), end_time=datetime.time(12)
    )
    assign_worker(job=morning, worker=worker, by=supervisor_user)
    late_morning = JobFactory(structure=structure, start_time=datetime.time(11, 30), end_time=datetime.time(13))

    message = refused(late_morning, worker, supervisor_user, "overlap")

    assert message == f"Règle « chevauchement » : {worker.full_name} est déjà sur « Récolte » de 8 h 30 à 12 h 00."


def test_back_to_back_jobs_do_not_overlap(structure, supervisor_user):
    worker = WorkerFactory(structure=structure, ready=True)
    morning = JobFactory(structure=structure, start_time=datetime.time(8, 30), end_time=datetime.time(12))
    noon = JobFactory(structure=structure, start_time=datetime.time(12), end_time=datetime.time(13),
                      estimated_hours=Decimal("1"))  # fmt: skip

    assign_worker(job=morning, worker=worker, by=supervisor_user)
    assign_worker(job=noon, worker=worker, by=supervisor_user)

    assert Assignment.objects.filter(worker=worker).count() == 2


def test_an_absence_is_refused(structure, supervisor_user):
    worker = WorkerFactory(structure=structure, ready=True)
    AbsenceFactory(worker=worker, kind="training", start_date=day(0), end_date=day(0))
    job = JobFactory(structure=structure)

    message = refused(job, worker, supervisor_user, "absence")

    assert message == f"Règle « absence » : {worker.full_name} est absent·e le 02/03/2026 (Formation)."


def test_a_missing_skill_is_refused(structure, supervisor_user):
    worker = WorkerFactory(structure=structure, ready=True, skills=["menage"])
    job = JobFactory(structure=structure, required_skill=skill("maraichage"))

    message = refused(job, worker, supervisor_user, "missing_skill")

    assert message == f"Règle « compétence » : {worker.full_name} n'a pas la compétence « Maraîchage »."


def test_a_worker_of_another_structure_is_refused(structure, supervisor_user):
    worker = WorkerFactory(ready=True)
    job = JobFactory(structure=structure)

    message = refused(job, worker, supervisor_user, "wrong_structure")

    assert message == (
        f"Règle « structure » : {worker.full_name} travaille pour {worker.structure.name}, "
        "pas pour la structure de l'intervention."
    )


def test_a_full_job_is_refused(structure, supervisor_user):
    job = JobFactory(structure=structure, headcount=1)
    assign_worker(job=job, worker=WorkerFactory(structure=structure, ready=True), by=supervisor_user)

    message = refused(job, WorkerFactory(structure=structure, ready=True), supervisor_user, "headcount_full")

    assert message == "Règle « effectif » : l'intervention a déjà ses 1 personne(s)."


def test_a_cancelled_job_is_refused(structure, supervisor_user):
    job = JobFactory(structure=structure, status="cancelled")

    refused(job, WorkerFactory(structure=structure, ready=True), supervisor_user, "job_closed")


def test_a_locked_assignment_cannot_be_removed_until_unlocked(structure, supervisor_user):
    assignment = assign_worker(
        job=JobFactory(structure=structure), worker=WorkerFactory(structure=structure, ready=True), by=supervisor_user
    )
    set_assignment_lock(assignment=assignment, locked=True, by=supervisor_user)

    with pytest.raises(AssignmentRefused) as caught:
        unassign_worker(assignment=assignment, by=supervisor_user)
    assert caught.value.code == "locked"
    assert Assignment.objects.filter(pk=assignment.pk, locked=True).count() == 1

    set_assignment_lock(assignment=assignment, locked=False, by=supervisor_user)
    unassign_worker(assignment=assignment, by=supervisor_user)
    assert Assignment.objects.filter(pk=assignment.pk).count() == 0


def test_assigning_costs_a_fixed_number_of_queries(structure, supervisor_user, django_assert_num_queries):
    worker = WorkerFactory(structure=structure, ready=True, skills=["maraichage"])
    for offset in range(3):
        assign_worker(job=JobFactory(structure=structure, date=day(offset)), worker=worker, by=supervisor_user)
    job = JobFactory(structure=structure, date=day(3), required_skill=skill())

    with django_assert_num_queries(13):
        assign_worker(job=job, worker=worker, by=supervisor_user)
