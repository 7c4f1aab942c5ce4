"""Reads that turn rows into the plain facts of `insertion.rules` — a constant number of queries."""

import datetime
import hashlib
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
    PlanProposal,
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
    Refusal,
    WorkerFacts,
    format_hours,
    from_centi,
    refusal,
    seat_refusal,
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


def assignments_fingerprint(structure, monday: datetime.date) -> str:
    """What the week's real assignments are, in 64 characters: a proposal made on another state is stale (1 query)."""
    rows = (
        Assignment.objects.live()
        .in_week(monday)
        .filter(job__structure=structure)
        .order_by("job_id", "worker_id")
        .values_list("job_id", "worker_id", "locked")
    )
    return hashlib.sha256(
        ";".join(f"{job}:{worker}:{int(locked)}" for job, worker, locked in rows).encode()
    ).hexdigest()


@dataclass
class WeekState:
    """A structure's week as the board and the picker see it: who is on which job, for real or as proposed.

    With a pending proposal, the open jobs hold the proposal's people (done jobs keep their real ones):
    the supervisor edits the proposal by hand, checked by the same rules, before accepting it.
    """

    monday: datetime.date
    days: list[datetime.date]
    jobs: dict[int, Job]
    facts: dict[int, JobFacts]
    workers: list[tuple[Worker, WorkerFacts]]
    seats: dict[int, list[int]]  # job id → worker ids
    assignments: dict[tuple[int, int], Assignment]  # the real rows, by (job id, worker id)
    proposal: PlanProposal | None = None

    def worker_facts(self, worker_id: int) -> WorkerFacts | None:
        return next((facts for worker, facts in self.workers if worker.pk == worker_id), None)

    def centi(self, job_id: int, worker_id: int) -> int:
        assignment = self.assignments.get((job_id, worker_id))
        return to_centi(assignment.hours) if assignment is not None else self.facts[job_id].centi

    def booked(self, worker_id: int, *, leaving: int | None = None) -> list[Booked]:
        """The worker's jobs of the week in this state (without job `leaving`, which they are giving up)."""
        return [
            Booked(job_id, facts.title, facts.date, facts.start, facts.end, self.centi(job_id, worker_id))
            for job_id, facts in self.facts.items()
            if job_id != leaving and worker_id in self.seats[job_id]
        ]

    def planned_centi(self, worker_id: int) -> int:
        return sum(other.centi for other in self.booked(worker_id))

    def refusal(self, worker: WorkerFacts, job_id: int, *, replacing: int | None = None) -> Refusal | None:
        """Why `worker` may not take a seat of the job (in place of `replacing`, if given); None if they may."""
        job = self.jobs[job_id]
        taken = [other for other in self.seats[job_id] if other != replacing]
        broken = seat_refusal(self.facts[job_id], is_open=job.is_open, taken=taken, worker=worker)
        if broken is None:
            broken = refusal(worker, self.facts[job_id], self.booked(worker.id, leaving=job_id), week=self.days)
        return broken


def week_state(structure, monday: datetime.date, *, proposal: "PlanProposal | None | bool" = True) -> WeekState:
    """The week's jobs, active workers with their rule facts and who is on what (9 queries, flat in jobs and workers).

    `proposal=True` looks the pending proposal up; pass one (or None) when the caller has it already.
    """
    jobs = {job.pk: job for job in week_jobs(structure, monday)}
    facts = {job_id: job_facts(job) for job_id, job in jobs.items()}
    seats: dict[int, list[int]] = {job_id: [] for job_id in jobs}
    assignments = {}
    for job in jobs.values():
        for assignment in job.assignments.all():
            assignments[(job.pk, assignment.worker_id)] = assignment
    if proposal is True:
        proposal = PlanProposal.objects.filter(structure=structure, monday=monday).first()
    workers = workers_with_facts(Worker.objects.for_structure(structure).active().order_by("team__name", "last_name",
                                                                                        "first_name", "pk"), monday)  # fmt: skip
    if proposal is None:
        for job_id, worker_id in assignments:
            seats[job_id].append(worker_id)
    else:
        for (job_id, worker_id), _assignment in assignments.items():
            if not jobs[job_id].is_open:
                seats[job_id].append(worker_id)
        for job_id, worker_id in proposal.pairs:
            if job_id in jobs and jobs[job_id].is_open and worker_id not in seats[job_id]:
                seats[job_id].append(worker_id)
    return WeekState(monday, week_days(monday), jobs, facts, workers, seats, assignments, proposal)


@dataclass
class Block:
    """A job in the grid: in a worker's row (`worker_id`), or in the lane of jobs still needing people."""

    job: Job
    worker_id: int | None = None
    assignment: Assignment | None = None  # the real row (None for a proposed seat)
    missing: int = 0
    taken: int = 0


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
    def label(self) -> str:
        """« 3,5 / 26 h »: planned over contract hours, the French way."""
        return f"{format_hours(self.planned_centi)[:-2]} / {format_hours(self.cap_centi)}"

    @property
    def state(self) -> HoursState:
        if self.planned_centi > self.cap_centi:
            return HoursState.OVER
        if self.target_centi and self.planned_centi < self.target_centi * 3 // 4:
            return HoursState.UNDER
        return HoursState.OK


@dataclass
class GridRow:
    line: WorkerLine
    cells: list[tuple[datetime.date, list[Block]]]

    @property
    def worker(self) -> Worker:
        return self.line.worker


@dataclass
class Board:
    monday: datetime.date
    days: list[datetime.date]
    lane: list[tuple[datetime.date, list[Block]]]  # per day: the jobs with seats left
    rows: list[GridRow]  # per worker: their jobs, per day
    proposal: PlanProposal | None = None
    open_count: int = 0
    missing_count: int = 0

    @property
    def workers(self) -> list[WorkerLine]:
        return [row.line for row in self.rows]


def board(structure, monday: datetime.date, *, state: WeekState | None = None) -> Board:
    """Workers × days with each one's jobs, the lane of jobs still needing people, and planned vs contract hours."""
    state = state or week_state(structure, monday)
    shown = [day for day in state.days if is_working_day(day) or any(job.date == day for job in state.jobs.values())]
    lane: list[list[Block]] = [[] for _day in shown]
    by_worker: dict[int, list[list[Block]]] = {worker.pk: [[] for _day in shown] for worker, _facts in state.workers}
    open_count = missing_count = 0
    for job_id, job in state.jobs.items():
        taken = state.seats[job_id]
        missing = max(0, job.headcount - len(taken)) if job.is_open else 0
        open_count += 1
        missing_count += missing
        if job.date not in shown:
            continue
        column = shown.index(job.date)
        if missing:
            lane[column].append(Block(job, missing=missing, taken=len(taken)))
        for worker_id in taken:
            if worker_id in by_worker:
                assignment = state.assignments.get((job_id, worker_id))
                real = assignment if state.proposal is None or not job.is_open else None
                by_worker[worker_id][column].append(Block(job, worker_id, real))
    rows = [
        GridRow(
            WorkerLine(worker, state.planned_centi(worker.pk), facts.target_centi(state.days),
                       facts.cap_centi(state.days)),
            list(zip(shown, by_worker[worker.pk], strict=True)),
        )
        for worker, facts in state.workers
    ]  # fmt: skip
    return Board(monday, shown, list(zip(shown, lane, strict=True)), rows, state.proposal, open_count, missing_count)
