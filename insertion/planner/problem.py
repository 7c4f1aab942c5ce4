"""The planner's plain data: the week (`Problem`), its plan (`Plan`), what every part shares (eligibility,
the no-overlap cliques, the components of the worker–job graph, each tier's values of a plan)."""

import datetime
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from insertion.enums import PlanStatus
from insertion.rules import JobFacts, WorkerFacts, format_hours, from_centi
from insertion.workdays import week_days


@dataclass
class Problem:
    monday: datetime.date
    workers: list[WorkerFacts]
    jobs: list[JobFacts]
    locked: list[tuple[int, int]] = field(default_factory=list)  # (job id, worker id), kept as they are

    @property
    def days(self) -> list[datetime.date]:
        return week_days(self.monday)


@dataclass(frozen=True)
class Unassigned:
    job_id: int
    title: str
    missing: int  # people still needed
    reason: str


@dataclass
class Plan:
    status: PlanStatus
    pairs: list[tuple[int, int]]  # (job id, worker id)
    seconds: float
    gap: float  # relative gap of tier 1 (covered hours) when it stopped: 0.0 when proven optimal
    covered_centi: int
    total_centi: int
    deviation_centi: int
    out_of_team_centi: int
    fairness_mad: float  # mean |planned − target| in hours over the workers with a contract that week
    unassigned: list[Unassigned] = field(default_factory=list)
    planned_centi: dict[int, int] = field(default_factory=dict)
    target_centi: dict[int, int] = field(default_factory=dict)
    tier1_seconds: float = 0.0  # time until the first tier was solved (or stopped)
    # Relative gap of each tier on the whole problem ("coverage", "deviation", "worst", "out_of_team").
    gaps: dict[str, float] = field(default_factory=dict)
    parts: int = 0  # independent components solved apart

    @property
    def coverage(self) -> float:
        return self.covered_centi / self.total_centi if self.total_centi else 1.0

    @property
    def coverage_percent(self) -> float:
        return round(100 * self.coverage, 1)

    @property
    def covered_hours(self):
        return from_centi(self.covered_centi)

    @property
    def total_hours(self):
        return from_centi(self.total_centi)

    @property
    def gap_percent(self) -> float:
        return round(100 * self.gap, 2)


@dataclass
class _Prepared:
    problem: Problem
    workers: dict[int, WorkerFacts]
    jobs: dict[int, JobFacts]
    caps: dict[int, int]
    targets: dict[int, int]
    eligible: dict[tuple[int, int], bool]  # (worker id, job id) → may be assigned (locked pairs included)
    has_jobs: dict[int, bool]  # worker id → may take at least one job


def _prepare(problem: Problem) -> _Prepared:
    days = problem.days
    workers = {worker.id: worker for worker in problem.workers}
    jobs = {job.id: job for job in problem.jobs}
    caps = {worker.id: worker.cap_centi(days) for worker in problem.workers}
    targets = {worker.id: min(worker.target_centi(days), caps[worker.id]) for worker in problem.workers}
    available = {worker.id: {day for day in days if worker.is_available(day)} for worker in problem.workers}
    eligible = {}
    for worker in problem.workers:
        for job in problem.jobs:
            eligible[(worker.id, job.id)] = (
                worker.structure_id == job.structure_id
                and job.date in available[worker.id]
                and (job.skill_id is None or job.skill_id in worker.skill_ids)
                and job.centi <= caps[worker.id]
            )
    problem.locked = [
        (job_id, worker_id) for job_id, worker_id in problem.locked if job_id in jobs and worker_id in workers
    ]
    for job_id, worker_id in problem.locked:
        eligible[(worker_id, job_id)] = True
    has_jobs = dict.fromkeys(workers, False)
    for (worker_id, _job_id), ok in eligible.items():
        has_jobs[worker_id] = has_jobs[worker_id] or ok
    return _Prepared(problem, workers, jobs, caps, targets, eligible, has_jobs)


def _cliques(jobs: list[JobFacts]) -> list[frozenset[int]]:
    """The maximal sets of one day's jobs that overlap at one instant (they start at some job's start).

    Jobs on a line form an interval graph: "at most one job per clique" is exactly "no overlap",
    and as linear constraints these give the solver a much tighter bound than a NoOverlap.
    """
    cliques: list[frozenset[int]] = []
    for point in sorted({job.start for job in jobs}):
        clique = frozenset(job.id for job in jobs if job.start <= point < job.end)
        if len(clique) > 1 and not any(clique <= other for other in cliques):
            cliques = [other for other in cliques if not other <= clique]
            cliques.append(clique)
    return cliques


def _overlaps(a: JobFacts, b: JobFacts) -> bool:
    return a.date == b.date and a.start < b.end and b.start < a.end


@dataclass
class _Part:
    """A connected component of the compatibility graph: its workers can only take its jobs, and conversely."""

    worker_ids: list[int]
    job_ids: list[int]
    edges: list[tuple[int, int]]  # (worker id, job id), eligible


def _components(prepared: _Prepared) -> list[_Part]:
    """The connected components of the worker–job graph (an edge where the worker may legally take the job).

    Every tier's objective is a sum (or, for the worst deviation, a maximum) of per-component terms
    and no constraint links two components, so solving them apart loses nothing (tests/insertion).
    Workers without any eligible job and jobs nobody may take are in no component: fixed values.
    """
    parent: dict[tuple[str, int], tuple[str, int]] = {}

    def find(node):
        parent.setdefault(node, node)
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    edges = [pair for pair, ok in prepared.eligible.items() if ok]
    for worker_id, job_id in edges:
        a, b = find(("w", worker_id)), find(("j", job_id))
        if a != b:
            parent[a] = b
    parts: dict[tuple[str, int], _Part] = {}
    for worker_id, job_id in edges:
        part = parts.setdefault(find(("j", job_id)), _Part([], [], []))
        part.edges.append((worker_id, job_id))
    for part in parts.values():
        part.worker_ids = sorted({worker_id for worker_id, _job_id in part.edges})
        part.job_ids = sorted({job_id for _worker_id, job_id in part.edges})
    return sorted(parts.values(), key=lambda part: part.job_ids[0])


def _outside(prepared: _Prepared, worker_id: int, job_id: int) -> bool:
    job = prepared.jobs[job_id]
    return job.team_id is not None and prepared.workers[worker_id].team_id != job.team_id


TIERS = ("coverage", "deviation", "worst", "out_of_team")


def _values(prepared: _Prepared, part: _Part, pairs: set[tuple[int, int]]) -> dict:
    """Each tier's objective for a plan of this component (coverage as minimised: minus the covered hours)."""
    planned = dict.fromkeys(part.worker_ids, 0)
    covered = outside = 0
    for job_id, worker_id in pairs:
        job = prepared.jobs[job_id]
        planned[worker_id] += job.centi
        covered += job.centi
        outside += job.centi if _outside(prepared, worker_id, job_id) else 0
    deviations = [abs(planned[w] - prepared.targets[w]) for w in part.worker_ids]
    return {"coverage": -covered, "deviation": sum(deviations), "worst": max(deviations), "out_of_team": outside,
            "_deviations": deviations}  # fmt: skip


def _finish(
    prepared: _Prepared, pairs: list[tuple[int, int]], *, status: PlanStatus, gap: float, seconds: float
) -> Plan:
    problem = prepared.problem
    planned = dict.fromkeys(prepared.workers, 0)
    filled = dict.fromkeys(prepared.jobs, 0)
    out_of_team = 0
    for job_id, worker_id in pairs:
        job = prepared.jobs[job_id]
        planned[worker_id] += job.centi
        filled[job_id] += 1
        if job.team_id is not None and prepared.workers[worker_id].team_id != job.team_id:
            out_of_team += job.centi
    deviation = sum(abs(planned[worker_id] - prepared.targets[worker_id]) for worker_id in prepared.workers)
    with_contract = [worker_id for worker_id in prepared.workers if prepared.caps[worker_id] > 0]
    mad = (
        sum(abs(planned[w] - prepared.targets[w]) for w in with_contract) / 100 / len(with_contract)
        if with_contract
        else 0.0
    )
    unassigned = [
        Unassigned(job.id, job.title, job.headcount - filled[job.id], _reason(prepared, job))
        for job in problem.jobs
        if filled[job.id] < job.headcount
    ]
    return Plan(
        status=status,
        pairs=sorted(pairs),
        seconds=round(seconds, 3),
        gap=round(gap, 6),
        covered_centi=sum(prepared.jobs[job_id].centi for job_id, _worker_id in pairs),
        total_centi=sum(job.centi * job.headcount for job in problem.jobs),
        deviation_centi=deviation,
        out_of_team_centi=out_of_team,
        fairness_mad=round(mad, 3),
        unassigned=unassigned,
        planned_centi=planned,
        target_centi=dict(prepared.targets),
    )


def _reason(prepared: _Prepared, job: JobFacts) -> str:
    """Why a job keeps empty seats, in the supervisor's words."""
    staff = [worker for worker in prepared.workers.values() if worker.structure_id == job.structure_id]
    skilled = [worker for worker in staff if job.skill_id is None or job.skill_id in worker.skill_ids]
    if not skilled:
        return _("Personne dans la structure n'a la compétence « %(skill)s ».") % {"skill": job.skill_name}
    free = [worker for worker in skilled if worker.is_available(job.date)]
    if not free:
        return _("Aucune personne qualifiée n'est disponible ce jour-là (contrat, PASS IAE ou absence).")
    if not any(job.centi <= prepared.caps[worker.id] for worker in free):
        return _(
            "L'intervention dépasse les heures hebdomadaires des personnes qualifiées (%(hours)s par personne)."
        ) % {"hours": format_hours(job.centi)}
    return _("Les personnes qualifiées sont déjà occupées sur ce créneau ou au bout de leurs heures de la semaine.")
