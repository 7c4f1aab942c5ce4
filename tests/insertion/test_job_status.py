"""A job's status moves through one table (JOB_STATUS) and every move is logged; a job is done once
the timesheets of every worker assigned to it are validated for its day."""

import datetime
import zoneinfo
from decimal import Decimal

import pytest

from insertion.actions import accept_plan, assign_worker, record_hours, unassign_worker, validate_timesheets
from insertion.enums import JobSourceKind, JobStatus
from insertion.exceptions import AssignmentRefused, InvalidJobTransition
from insertion.jobs import JobSpec, sync_jobs
from insertion.jobs import specs as job_sources
from insertion.models import JOB_STATUS, Assignment, Job, JobTransition, TimesheetEntry
from insertion.workdays import format_week
from tests.insertion.factories import MONDAY, JobFactory, WorkerFactory, day

pytestmark = pytest.mark.django_db

AT = datetime.datetime(2026, 3, 2, 18, 0, tzinfo=zoneinfo.ZoneInfo("Europe/Paris"))
STATUSES = [JobStatus.OPEN, JobStatus.CANCELLED, JobStatus.DONE]
ALLOWED = {(JobStatus.OPEN, JobStatus.CANCELLED), (JobStatus.OPEN, JobStatus.DONE)}
REFUSED = sorted((current, target) for current in STATUSES for target in STATUSES if (current, target) not in ALLOWED)


def log_of(job: Job) -> list[tuple]:
    return list(job.transitions.order_by("pk").values_list("field", "from_status", "to_status", "by_id", "note"))


def test_the_transition_table():
    assert JOB_STATUS.transitions == {
        JobStatus.OPEN: {JobStatus.CANCELLED, JobStatus.DONE},
        JobStatus.CANCELLED: set(),
        JobStatus.DONE: set(),
    }


@pytest.mark.parametrize(("current", "target"), sorted(ALLOWED))
def test_an_allowed_move_sets_the_status_and_writes_one_log_row(structure, supervisor_user, current, target):
    job = JobFactory(structure=structure, status=current)

    job.set_status(target, by=supervisor_user, note="Essai", at=AT)
    job.save()

    job.refresh_from_db()
    assert job.status == target
    assert list(job.transitions.values_list("field", "from_status", "to_status", "by", "note", "at")) == [
        ("status", current, target, supervisor_user.pk, "Essai", AT)
    ]


@pytest.mark.parametrize(("current", "target"), REFUSED)
def test_a_refused_move_changes_neither_the_row_nor_the_log(structure, supervisor_user, current, target):
    job = JobFactory(structure=structure, status=current)
    before = Job.objects.filter(pk=job.pk).values().get()

    with pytest.raises(InvalidJobTransition) as caught:
        job.set_status(target, by=supervisor_user, at=AT)

    labels = dict(JobStatus.choices)
    assert (caught.value.code, caught.value.message) == (
        "invalid_transition",
        f"Changement d'état impossible : de « {labels[current]} » à « {labels[target]} ».",
    )
    assert job.status == current
    assert Job.objects.filter(pk=job.pk).values().get() == before
    assert JobTransition.objects.count() == 0


# Done when the timesheets are validated -------------------------------------------------------


@pytest.fixture
def crew(structure):
    return [WorkerFactory(structure=structure, ready=True, first_name=name) for name in ("Alice", "Bruno")]


@pytest.fixture
def job(structure, crew, supervisor_user):
    job = JobFactory(structure=structure, date=day(0), headcount=2, estimated_hours=Decimal("7.00"))
    for worker in crew:
        assign_worker(job=job, worker=worker, by=supervisor_user)
    return job


def validate(structure, user, on: datetime.date = MONDAY) -> int:
    return validate_timesheets(structure=structure, start=on, end=on, by=user)


def test_a_job_is_done_once_every_assigned_worker_has_a_validated_day(structure, crew, job, supervisor_user):
    for worker in crew:
        record_hours(worker=worker, day=day(0), hours=Decimal("3.5"), by=supervisor_user)

    assert validate(structure, supervisor_user) == 2

    job.refresh_from_db()
    validated_at = (
        TimesheetEntry.objects.filter(worker__structure=structure, date=day(0))
        .values_list("validated_at", flat=True)
        .distinct()
        .get()
    )
    assert job.status == JobStatus.DONE
    assert list(job.transitions.values_list("from_status", "to_status", "by", "note", "at")) == [
        (JobStatus.OPEN, JobStatus.DONE, supervisor_user.pk, "Relevés d'heures validés.", validated_at)
    ]


def test_a_job_stays_open_until_its_last_assigned_worker_is_validated(structure, crew, job, supervisor_user):
    alice, bruno = crew
    record_hours(worker=alice, day=day(0), hours=Decimal("3.5"), by=supervisor_user)

    assert validate(structure, supervisor_user) == 1  # Bruno's day has no entry yet

    job.refresh_from_db()
    assert (job.status, log_of(job)) == (JobStatus.OPEN, [])

    record_hours(worker=bruno, day=day(0), hours=Decimal("0"), by=supervisor_user)  # a closed day counts too
    assert validate(structure, supervisor_user) == 1

    job.refresh_from_db()
    assert (job.status, log_of(job)) == (
        JobStatus.DONE,
        [("status", JobStatus.OPEN, JobStatus.DONE, supervisor_user.pk, "Relevés d'heures validés.")],
    )


def test_validating_another_day_leaves_the_job_open(structure, crew, job, supervisor_user):
    for worker in crew:
        record_hours(worker=worker, day=day(0), hours=Decimal("3.5"), by=supervisor_user)
        record_hours(worker=worker, day=day(1), hours=Decimal("3.5"), by=supervisor_user)

    assert validate(structure, supervisor_user, on=day(1)) == 2

    job.refresh_from_db()
    assert (job.status, log_of(job)) == (JobStatus.OPEN, [])


def test_jobs_nobody_is_on_and_cancelled_jobs_are_not_done(structure, crew, supervisor_user):
    empty = JobFactory(structure=structure, date=day(0))
    cancelled = JobFactory(structure=structure, date=day(0), status=JobStatus.CANCELLED)
    Assignment.objects.create(job=cancelled, worker=crew[0], hours=Decimal("3.50"))
    record_hours(worker=crew[0], day=day(0), hours=Decimal("3.5"), by=supervisor_user)

    validate(structure, supervisor_user)

    assert list(
        Job.objects.filter(pk__in=[empty.pk, cancelled.pk]).order_by("pk").values_list("status", flat=True)
    ) == [
        JobStatus.OPEN,
        JobStatus.CANCELLED,
    ]
    assert JobTransition.objects.count() == 0


def test_validating_twice_moves_a_job_once(structure, crew, job, supervisor_user):
    for worker in crew:
        record_hours(worker=worker, day=day(0), hours=Decimal("3.5"), by=supervisor_user)
    validate(structure, supervisor_user)

    assert validate(structure, supervisor_user) == 0

    assert JobTransition.objects.filter(job=job).count() == 1


def test_a_done_job_keeps_its_workers(structure, crew, job, supervisor_user):
    for worker in crew:
        record_hours(worker=worker, day=day(0), hours=Decimal("3.5"), by=supervisor_user)
    validate(structure, supervisor_user)
    assignment = job.assignments.get(worker=crew[0])

    with pytest.raises(AssignmentRefused) as caught:
        unassign_worker(assignment=assignment, by=supervisor_user)
    assert caught.value.code == "job_done"
    accept_plan(structure=structure, monday=MONDAY, pairs=[], by=supervisor_user)

    assert sorted(job.assignments.values_list("worker__first_name", flat=True)) == ["Alice", "Bruno"]


# Cancelled by its source ---------------------------------------------------------------------


@pytest.fixture
def source(monkeypatch):
    """One stand-in source (the real ones need orders or bookings): the specs a test puts in the list."""
    specs: list[JobSpec] = []
    monkeypatch.setattr(job_sources, "_SOURCES", {JobSourceKind.MANUAL: lambda **kwargs: list(specs)})
    return specs


def spec_of(job: Job, **changes) -> JobSpec:
    values = {
        "structure_id": job.structure_id,
        "source_kind": job.source_kind,
        "source_id": job.source_id,
        "title": job.title,
        "date": job.date,
        "estimated_hours": job.estimated_hours,
        "headcount": job.headcount,
        "start_time": job.start_time,
        "end_time": job.end_time,
    }
    return JobSpec(**(values | changes))


def test_a_cancelled_source_cancels_its_open_job_with_a_log_row(structure, source):
    job = JobFactory(structure=structure)
    source.append(spec_of(job, cancelled=True))

    result = sync_jobs()

    job.refresh_from_db()
    assert (result.cancelled, job.status) == (1, JobStatus.CANCELLED)
    assert log_of(job) == [("status", JobStatus.OPEN, JobStatus.CANCELLED, None, "Origine annulée.")]
    assert sync_jobs().cancelled == 0
    assert len(log_of(job)) == 1


def test_a_done_job_is_left_as_it_is_whatever_its_source_becomes(structure, crew, job, supervisor_user, source):
    for worker in crew:
        record_hours(worker=worker, day=day(0), hours=Decimal("3.5"), by=supervisor_user)
    validate(structure, supervisor_user)
    job.refresh_from_db()
    before = Job.objects.filter(pk=job.pk).values().get()
    source.append(spec_of(job, estimated_hours=Decimal("9.00"), cancelled=True))

    result = sync_jobs()

    assert (result.cancelled, result.updated, result.unchanged) == (0, 0, 1)
    assert Job.objects.filter(pk=job.pk).values().get() == before
    assert job.assignments.count() == 2
    assert len(log_of(job)) == 1
    source[0] = spec_of(job, estimated_hours=Decimal("9.00"))
    assert (sync_jobs().updated, job.assignments.count()) == (0, 2)


def test_the_board_shows_a_done_job_without_its_controls(client, structure, crew, job, supervisor_user):
    open_job = JobFactory(structure=structure, date=day(1), title="Ouverte")
    for worker in crew:
        record_hours(worker=worker, day=day(0), hours=Decimal("3.5"), by=supervisor_user)
    validate(structure, supervisor_user)
    client.force_login(supervisor_user)

    page = client.get(f"/insertion/{structure.slug}/semaine/{format_week(MONDAY)}/").content.decode()

    done_block = page.split(f'id="job-{job.pk}-{crew[0].pk}"')[1].split("</a>")[0]
    open_block = page.split(f'id="job-{open_job.pk}"')[1].split("</a>")[0]
    assert ('<span class="ins-badge">Réalisée</span>' in done_block, "draggable" in done_block) == (True, False)
    assert ("Réalisée" in open_block, 'draggable="true"' in open_block) == (False, True)
    picker = client.get(f"/insertion/{structure.slug}/interventions/{job.pk}/choisir/").content.decode()
    assert ("Retirer" in picker, "Remplacer" in picker, "/affecter/" in picker) == (False, False, False)
    assert "2 interventions cette semaine, 1 place(s) à pourvoir." in page
