"""Reads that turn rows into the plain facts of `insertion.rules` — a constant number of queries."""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Prefetch, Sum

from insertion.enums import HoursState, JobStatus
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
from insertion.rules import (
    AbsenceFacts,
    ApprovalFacts,
    Booked,
    ContractFacts,
    JobFacts,
    Period,
    WorkerFacts,
    from_centi,
    to_centi,
    to_minutes,
)
from insertion.workdays import is_working_day, week_days


def workers_with_facts(workers, monday: datetime.date) -> "list[tuple[Worker, WorkerFacts]]":
    """Each worker with its rule facts for the week starting `monday` (6 queries whatever the count)."""
    start, end = monday, monday + datetime.timedelta(days=6)
    workers = workers.select_related("structure", "team").prefetch_related(
        Prefetch("worker_skills", queryset=WorkerSkill.objects.only("worker_id", "skill_id")),
        Prefetch("contracts", queryset=Contract.objects.overlapping(start, end)),
        Prefetch(
            "approvals",
            queryset=Approval.objects.filter(start_date__lte=end, end_date__gte=start).prefetch_related(
                Prefetch(
                    "suspensions", queryset=ApprovalSuspension.objects.filter(start_date__lte=end, end_date__gte=start)
                )
            ),
        ),
        Prefetch("absences", queryset=Absence.objects.filter(start_date__lte=end, end_date__gte=start)),
    )
    return [(worker, facts_of(worker)) for worker in workers]


def facts_of(worker: Worker) -> WorkerFacts:
    """Facts from a worker whose skills, contracts, approvals (with suspensions) and absences are prefetched."""
    return WorkerFacts(
        id=worker.pk,
        name=worker.full_name,
        structure_id=worker.structure_id,
        structure_name=worker.structure.name,
        team_id=worker.team_id,
        skill_ids=frozenset(link.skill_id for link in worker.worker_skills.all()),
        contracts=[
            ContractFacts(contract.start_date, contract.end_date, to_centi(contract.weekly_hours))
            for contract in worker.contracts.all()
        ],
        approvals=[
            ApprovalFacts(
                approval.start_date,
                approval.end_date,
                tuple(Period(s.start_date, s.end_date) for s in approval.suspensions.all()),
            )
            for approval in worker.approvals.all()
        ],
        absences=[
            AbsenceFacts(absence.start_date, absence.end_date, absence.get_kind_display())
            for absence in worker.absences.all()
        ],
    )


def job_facts(job: Job) -> JobFacts:
    return JobFacts(
        id=job.pk,
        structure_id=job.structure_id,
        title=job.title,
        date=job.date,
        start=to_minutes(job.start_time),
        end=to_minutes(job.end_time),
        centi=to_centi(job.hours_per_person),
        headcount=job.headcount,
        skill_id=job.required_skill_id,
        skill_name=job.required_skill.name if job.required_skill_id else "",
        team_id=job.team_id,
    )


def booked_by_worker(worker_ids, monday: datetime.date) -> dict[int, list[Booked]]:
    """Every live assignment of these workers in the week, as rule facts (1 query)."""
    booked: dict[int, list[Booked]] = defaultdict(list)
    assignments = (
        Assignment.objects.live()
        .in_week(monday)
        .filter(worker_id__in=worker_ids)
        .select_related("job")
        .only("worker_id", "hours", "job__title", "job__date", "job__start_time", "job__end_time")
    )
    for assignment in assignments:
        job = assignment.job
        booked[assignment.worker_id].append(
            Booked(
                job_id=job.pk,
                title=job.title,
                date=job.date,
                start=to_minutes(job.start_time),
                end=to_minutes(job.end_time),
                centi=to_centi(assignment.hours),
            )
        )
    return booked


def planned_hours(worker_ids, monday: datetime.date) -> dict[int, int]:
    """{worker id: planned centihours} over the week (1 query)."""
    rows = (
        Assignment.objects.live()
        .in_week(monday)
        .filter(worker_id__in=worker_ids)
        .values("worker_id")
        .annotate(total=Sum("hours"))
    )
    return {row["worker_id"]: to_centi(row["total"]) for row in rows}


def week_jobs(structure, monday: datetime.date):
    """The structure's jobs of the week, assignments and workers included (3 queries)."""
    return (
        Job.objects.for_structure(structure)
        .in_week(monday)
        .exclude(status=JobStatus.CANCELLED)
        .select_related("required_skill", "place", "team")
        .prefetch_related(Prefetch("assignments", queryset=Assignment.objects.select_related("worker")))
    )


def days_of(monday: datetime.date) -> list[datetime.date]:
    return week_days(monday)


# The supervisor's board ----------------------------------------------------------------------


@dataclass
class JobCard:
    job: Job
    assignments: list
    missing: int


@dataclass
class TeamRow:
    team: object  # a Team, or None for jobs no team owns
    cells: list[list[JobCard]]


@dataclass
class WorkerLine:
    worker: Worker
    planned_centi: int
    target_centi: int
    cap_centi: int

    @property
    def planned(self):
        return from_centi(self.planned_centi)

    @property
    def target(self):
        return from_centi(self.target_centi)

    @property
    def contract(self):
        return from_centi(self.cap_centi)

    @property
    def state(self) -> HoursState:
        if self.planned_centi > self.cap_centi:
            return HoursState.OVER
        if self.target_centi and self.planned_centi < self.target_centi * 3 // 4:
            return HoursState.UNDER
        return HoursState.OK


@dataclass
class Board:
    monday: datetime.date
    days: list[datetime.date]
    rows: list[TeamRow]
    workers: list[WorkerLine]
    open_count: int = 0
    missing_count: int = 0


def board(structure, monday: datetime.date) -> Board:
    """Teams × days with the week's jobs and who is on them, plus planned vs contract hours per worker."""
    days = week_days(monday)
    jobs = list(week_jobs(structure, monday))
    shown = [day for day in days if is_working_day(day) or any(job.date == day for job in jobs)]
    teams = list(Team.objects.filter(structure=structure).order_by("name"))
    rows = {team.pk: TeamRow(team, [[] for _day in shown]) for team in teams}
    orphans = TeamRow(None, [[] for _day in shown])
    open_count = missing_count = 0
    planned: dict[int, int] = defaultdict(int)
    for job in jobs:
        assignments = list(job.assignments.all())
        for assignment in assignments:
            planned[assignment.worker_id] += to_centi(assignment.hours)
        card = JobCard(job, assignments, max(0, job.headcount - len(assignments)) if job.is_open else 0)
        if job.date in shown:
            (rows.get(job.team_id) or orphans).cells[shown.index(job.date)].append(card)
        open_count += 1
        missing_count += card.missing
    lines = [
        WorkerLine(worker, planned[worker.pk], facts.target_centi(days), facts.cap_centi(days))
        for worker, facts in workers_with_facts(Worker.objects.for_structure(structure).active(), monday)
    ]
    team_rows = list(rows.values()) + ([orphans] if any(orphans.cells) else [])
    return Board(monday, shown, team_rows, lines, open_count, missing_count)
