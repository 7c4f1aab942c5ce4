"""The week planner: OR-Tools CP-SAT over one structure's week, with a greedy baseline.

Hard constraints are every rule of DOMAIN.md rule 16 (contract, PASS IAE, absence, skill,
structure, no overlap, weekly contract hours), each job's headcount, and locked assignments.
The objective is lexicographic, solved tier by tier, each tier's optimum (or best found value)
fixed as a constraint before the next:
  1. cover as many job-hours as possible;
  2. bring each worker's planned hours close to their contract hours, prorated for absences
     (total absolute deviation) — insertion workers need their hours; then, at that total, the
     largest single deviation (so the shortfall is shared, not borne by one person);
  3. keep workers on their own team's jobs.
Integer objectives only (centihours), read back with `solver.value(...)`.

The problem is plain data (`Problem`) so that `bench/planner.py` and the property tests can
build weeks without a database; `plan_week` loads one from the database.
"""

import datetime
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import gettext as _
from ortools.sat.python import cp_model

from insertion import selectors
from insertion.enums import JobStatus, PlanStatus
from insertion.models import Assignment, Worker
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


# Eligibility: the day-independent rules of `insertion.rules.refusal`, precomputed ---------------


@dataclass
class _Prepared:
    problem: Problem
    workers: dict[int, WorkerFacts]
    jobs: dict[int, JobFacts]
    caps: dict[int, int]
    targets: dict[int, int]
    eligible: dict[tuple[int, int], bool]  # (worker id, job id) → may be assigned (locked pairs included)


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
    return _Prepared(problem, workers, jobs, caps, targets, eligible)


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


# Greedy baseline -----------------------------------------------------------------------------


def greedy(problem: Problem) -> Plan:
    """Jobs in time order; each seat to the eligible free worker of the job's team first, then the furthest below target."""
    started = time.monotonic()
    prepared = _prepare(problem)
    pairs = _greedy_pairs(prepared)
    return _finish(prepared, pairs, status=PlanStatus.GREEDY, gap=0.0, seconds=time.monotonic() - started)


def _greedy_pairs(prepared: _Prepared) -> list[tuple[int, int]]:
    problem = prepared.problem
    planned = dict.fromkeys(prepared.workers, 0)
    busy: dict[int, list[JobFacts]] = {worker_id: [] for worker_id in prepared.workers}
    seats = {job.id: job.headcount for job in problem.jobs}
    pairs: list[tuple[int, int]] = []
    for job_id, worker_id in problem.locked:
        job = prepared.jobs[job_id]
        pairs.append((job_id, worker_id))
        planned[worker_id] += job.centi
        busy[worker_id].append(job)
        seats[job_id] -= 1
    for job in sorted(problem.jobs, key=lambda job: (job.date, job.start, -job.centi, job.id)):
        while seats[job.id] > 0:
            taken = {worker_id for job_id, worker_id in pairs if job_id == job.id}
            candidates = [
                worker
                for worker in problem.workers
                if worker.id not in taken
                and prepared.eligible[(worker.id, job.id)]
                and planned[worker.id] + job.centi <= prepared.caps[worker.id]
                and not any(_overlaps(job, other) for other in busy[worker.id])
            ]
            if not candidates:
                break
            best = min(
                candidates,
                key=lambda worker: (
                    job.team_id is not None and worker.team_id != job.team_id,
                    -(prepared.targets[worker.id] - planned[worker.id]),
                    worker.id,
                ),
            )
            pairs.append((job.id, best.id))
            planned[best.id] += job.centi
            busy[best.id].append(job)
            seats[job.id] -= 1
    return pairs


# CP-SAT --------------------------------------------------------------------------------------


def solve(
    problem: Problem, *, seconds: float | None = None, workers: int = 1, seed: int = 0, parameters: dict | None = None
) -> Plan:
    """The lexicographic plan; never covers fewer job-hours than `greedy` (its plan is a hint and a floor)."""
    limit = float(seconds if seconds is not None else getattr(settings, "INSERTION_PLANNER_SECONDS", 10))
    started = time.monotonic()
    prepared = _prepare(problem)
    baseline = _greedy_pairs(prepared)

    model = cp_model.CpModel()
    x: dict[tuple[int, int], cp_model.IntVar] = {}
    for (worker_id, job_id), ok in prepared.eligible.items():
        if ok:
            x[(worker_id, job_id)] = model.new_bool_var(f"x_{worker_id}_{job_id}")
    by_job: dict[int, list] = {job.id: [] for job in problem.jobs}
    by_worker: dict[int, list[tuple[JobFacts, cp_model.IntVar]]] = {worker.id: [] for worker in problem.workers}
    for (worker_id, job_id), var in x.items():
        by_job[job_id].append(var)
        by_worker[worker_id].append((prepared.jobs[job_id], var))
    for job in problem.jobs:
        if by_job[job.id]:
            model.add(sum(by_job[job.id]) <= job.headcount)
    for job_id, worker_id in problem.locked:
        model.add(x[(worker_id, job_id)] == 1)
    planned = {}
    for worker in problem.workers:
        items = by_worker[worker.id]
        planned[worker.id] = sum(job.centi * var for job, var in items) if items else 0
        if items:
            model.add(planned[worker.id] <= prepared.caps[worker.id])
        per_day: dict[datetime.date, list] = {}
        for job, var in items:
            per_day.setdefault(job.date, []).append((job, var))
        for day_items in per_day.values():
            for clique in _cliques([job for job, _var in day_items]):
                model.add(sum(var for job, var in day_items if job.id in clique) <= 1)

    coverage = sum(prepared.jobs[job_id].centi * var for (_worker_id, job_id), var in x.items())
    greedy_cover = sum(prepared.jobs[job_id].centi for job_id, _worker_id in baseline)
    model.add(coverage >= greedy_cover)
    chosen = set(baseline)
    for (worker_id, job_id), var in x.items():
        model.add_hint(var, (job_id, worker_id) in chosen)

    solver = cp_model.CpSolver()
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    # Presolve spent most of the budget on these models without tightening them (bench/planner.py).
    solver.parameters.cp_model_presolve = False
    for name, value in (parameters or {}).items():
        setattr(solver.parameters, name, value)

    def run(share: float):
        remaining = max(0.05, limit - (time.monotonic() - started))
        solver.parameters.max_time_in_seconds = max(0.05, remaining * share)
        return solver.solve(model)

    # Tier 1: covered job-hours.
    model.maximize(coverage)
    status = run(0.75)  # the first tier matters most: it gets three quarters of the time
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return _finish(prepared, baseline, status=PlanStatus.GREEDY, gap=1.0, seconds=time.monotonic() - started)
    best_cover = int(solver.value(coverage))
    # A bound of our own: no job can get more people than its headcount or its eligible workers.
    bound = min(int(solver.best_objective_bound), _seat_bound(prepared, by_job))
    proven = status == cp_model.OPTIMAL or best_cover >= bound
    gap = 0.0 if proven else max(0.0, (bound - best_cover) / max(1, bound))
    tier1_status = PlanStatus.OPTIMAL if proven else PlanStatus.FEASIBLE
    tier1_seconds = time.monotonic() - started
    pairs = _pairs(x, solver)
    model.add(coverage >= best_cover)
    _rehint(model, x, solver)
    planned_now = dict.fromkeys(prepared.workers, 0)
    for job_id, worker_id in pairs:
        planned_now[worker_id] += prepared.jobs[job_id].centi

    # Tier 2: total |planned − target| over workers.
    deviations = []
    for worker in problem.workers:
        if not by_worker[worker.id]:
            continue
        deviation = model.new_int_var(0, max(prepared.caps[worker.id], prepared.targets[worker.id]), f"d_{worker.id}")
        model.add(deviation >= planned[worker.id] - prepared.targets[worker.id])
        model.add(deviation >= prepared.targets[worker.id] - planned[worker.id])
        model.add_hint(deviation, abs(planned_now[worker.id] - prepared.targets[worker.id]))
        deviations.append(deviation)
    if deviations:
        total_deviation = sum(deviations)
        model.minimize(total_deviation)
        if run(0.6) in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            pairs = _pairs(x, solver)
            model.add(total_deviation <= int(solver.value(total_deviation)))
            _rehint(model, x, solver, extra=deviations)
        # Tier 2b: with the same total, spread the shortfall — nobody left far below their hours
        # while another is right on target (the total alone cannot tell those plans apart).
        worst = model.new_int_var(0, max(max(prepared.caps.values()), max(prepared.targets.values())), "worst")
        model.add_max_equality(worst, deviations)
        latest = dict.fromkeys(prepared.workers, 0)
        for job_id, worker_id in pairs:
            latest[worker_id] += prepared.jobs[job_id].centi
        model.add_hint(
            worst, max(abs(latest[w.id] - prepared.targets[w.id]) for w in problem.workers if by_worker[w.id])
        )
        model.minimize(worst)
        if run(0.5) in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            pairs = _pairs(x, solver)
            model.add(worst <= int(solver.value(worst)))
            _rehint(model, x, solver, extra=[*deviations, worst])

    # Tier 3: hours spent on another team's jobs.
    outside = [
        prepared.jobs[job_id].centi * var
        for (worker_id, job_id), var in x.items()
        if prepared.jobs[job_id].team_id is not None
        and prepared.workers[worker_id].team_id != prepared.jobs[job_id].team_id
    ]
    if outside:
        model.minimize(sum(outside))
        if run(1.0) in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            pairs = _pairs(x, solver)
    plan = _finish(prepared, pairs, status=tier1_status, gap=gap, seconds=time.monotonic() - started)
    plan.tier1_seconds = round(tier1_seconds, 3)
    return plan


def _seat_bound(prepared: _Prepared, by_job: dict[int, list]) -> int:
    return sum(job.centi * min(job.headcount, len(by_job[job.id])) for job in prepared.problem.jobs)


def _pairs(x: dict, solver: cp_model.CpSolver) -> list[tuple[int, int]]:
    return [(job_id, worker_id) for (worker_id, job_id), var in x.items() if solver.value(var)]


def _rehint(model: cp_model.CpModel, x: dict, solver: cp_model.CpSolver, extra: list = ()) -> None:
    """Start the next tier from this tier's solution (a complete hint: no repair needed)."""
    model.clear_hints()
    for var in [*x.values(), *extra]:
        model.add_hint(var, solver.value(var))


# Result --------------------------------------------------------------------------------------


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


# From the database ---------------------------------------------------------------------------


def load_problem(*, structure, monday: datetime.date) -> Problem:
    """The structure's open jobs of the week, its active workers, and the locked assignments."""
    jobs = [selectors.job_facts(job) for job in selectors.week_jobs(structure, monday).filter(status=JobStatus.OPEN)]
    workers = [
        facts
        for _worker, facts in selectors.workers_with_facts(Worker.objects.for_structure(structure).active(), monday)
    ]
    locked = list(
        Assignment.objects.in_week(monday)
        .filter(job__structure=structure, locked=True, job__status=JobStatus.OPEN)
        .values_list("job_id", "worker_id")
    )
    return Problem(monday=monday, workers=workers, jobs=jobs, locked=locked)


def plan_week(*, structure, monday: datetime.date, seconds: float | None = None) -> Plan:
    return solve(load_problem(structure=structure, monday=monday), seconds=seconds)
