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
Integer objectives only (centihours).

Scale (ADR 0030): the week is split into the connected components of the worker–job
compatibility graph, solved apart (exact: no constraint links two components, every objective is
a sum over them, and the worst deviation is shared out after its tier). A small component is one
CP-SAT model; a large one is improved block by block (one day × a few dozen workers, the rest of
the week held fixed, so each block optimises the true weekly objective). The search starts from
the greedy plan, or from last week's plan carried over when that is better (`previous`). Each
tier's gap is measured on the whole problem against bounds of our own (a flow relaxation, `_Flow`)
and the solver's, never against a block's.

The problem is plain data (`Problem`) so that `bench/planner.py` and the property tests can
build weeks without a database; `plan_week` loads one from the database.
"""

import bisect
import datetime
import logging
import math
import random
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
from django.conf import settings
from django.utils.translation import gettext as _
from ortools.graph.python import max_flow, min_cost_flow
from ortools.linear_solver import pywraplp
from ortools.sat.python import cp_model

from insertion import selectors
from insertion.enums import JobStatus, PlanStatus
from insertion.models import Assignment, Worker
from insertion.rules import JobFacts, WorkerFacts, format_hours, from_centi
from insertion.workdays import week_days

logger = logging.getLogger(__name__)


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


# Eligibility: the day-independent rules of `insertion.rules.refusal`, precomputed ---------------


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


# Greedy baseline -----------------------------------------------------------------------------


def greedy(problem: Problem) -> Plan:
    """Jobs in time order; each seat to the eligible free worker of the job's team first, then the furthest below target."""
    started = time.monotonic()
    prepared = _prepare(problem)
    pairs = _greedy_pairs(prepared)
    return _finish(prepared, pairs, status=PlanStatus.GREEDY, gap=0.0, seconds=time.monotonic() - started)


def _greedy_pairs(prepared: _Prepared, first: list[tuple[int, int]] = ()) -> list[tuple[int, int]]:
    """The greedy plan; the pairs of `first` (job id, worker id) are seated before it, each one that is still legal."""
    problem = prepared.problem
    planned = dict.fromkeys(prepared.workers, 0)
    busy: dict[int, list[JobFacts]] = {worker_id: [] for worker_id in prepared.workers}
    seats = {job.id: job.headcount for job in problem.jobs}
    taken: dict[int, set[int]] = {job.id: set() for job in problem.jobs}
    pairs: list[tuple[int, int]] = []

    def seat(job: JobFacts, worker_id: int) -> None:
        pairs.append((job.id, worker_id))
        planned[worker_id] += job.centi
        busy[worker_id].append(job)
        seats[job.id] -= 1
        taken[job.id].add(worker_id)

    def fits(job: JobFacts, worker_id: int) -> bool:
        return (
            worker_id not in taken[job.id]
            and prepared.eligible.get((worker_id, job.id), False)
            and planned[worker_id] + job.centi <= prepared.caps[worker_id]
            and not any(_overlaps(job, other) for other in busy[worker_id])
        )

    for job_id, worker_id in problem.locked:
        seat(prepared.jobs[job_id], worker_id)
    for job_id, worker_id in first:
        job = prepared.jobs.get(job_id)
        if job is not None and worker_id in prepared.workers and seats[job_id] > 0 and fits(job, worker_id):
            seat(job, worker_id)
    eligible_workers = {job.id: [] for job in problem.jobs}
    for worker in problem.workers:
        for job in problem.jobs:
            if prepared.eligible[(worker.id, job.id)]:
                eligible_workers[job.id].append(worker)
    for job in sorted(problem.jobs, key=lambda job: (job.date, job.start, -job.centi, job.id)):
        while seats[job.id] > 0:
            candidates = [worker for worker in eligible_workers[job.id] if fits(job, worker.id)]
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
            seat(job, best.id)
    return pairs


# Warm starts ---------------------------------------------------------------------------------


def _carried_over(prepared: _Prepared, previous: list[tuple[JobFacts, int]]) -> list[tuple[int, int]]:
    """Last week's accepted plan carried to this week: each (last week's job, worker) becomes the worker on the
    job of the same weekday, skill and team that overlaps it most in time (none if none overlaps).

    Only a preference: `_greedy_pairs` seats these pairs where the rules allow, then fills the rest.
    """
    by_slot: dict[tuple, list[JobFacts]] = {}
    for job in prepared.problem.jobs:
        by_slot.setdefault((job.date.weekday(), job.skill_id, job.team_id), []).append(job)
    carried = []
    for old, worker_id in previous:
        overlap = {
            job.id: min(job.end, old.end) - max(job.start, old.start)
            for job in by_slot.get((old.date.weekday(), old.skill_id, old.team_id), [])
        }
        best = max(overlap, key=lambda job_id: (overlap[job_id], -job_id), default=None)
        if best is not None and overlap[best] > 0:
            carried.append((best, worker_id))
    return carried


def _key(prepared: _Prepared, pairs: list[tuple[int, int]]) -> tuple[int, int, int, int]:
    """A plan's tiers as one lexicographic key, smaller is better: −covered, total deviation, worst, out-of-team."""
    plan = _finish(prepared, pairs, status=PlanStatus.GREEDY, gap=0.0, seconds=0.0)
    active = [worker_id for worker_id in prepared.workers if prepared.has_jobs[worker_id]]
    deviations = [abs(plan.planned_centi[w] - prepared.targets[w]) for w in active]
    return (-plan.covered_centi, sum(deviations), max(deviations, default=0), plan.out_of_team_centi)


def _warm_start(prepared: _Prepared, previous: list[tuple[JobFacts, int]] | None) -> list[tuple[int, int]]:
    """The start of the search: the greedy plan seeded with last week's, unless plain greedy is better on the tiers
    (on a tie, last week's wins: the same people on the same slots, which the tiers cannot see)."""
    starts = [_greedy_pairs(prepared)]
    if previous:
        starts.insert(0, _greedy_pairs(prepared, first=_carried_over(prepared, previous)))
    return min(starts, key=lambda pairs: _key(prepared, pairs))


# Decomposition -------------------------------------------------------------------------------


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


# Bounds of our own: a flow relaxation of one component ----------------------------------------


class _Flow:
    """Jobs → (worker, day) → worker → sink, as a network: any legal plan is a flow of centihours in it.

    A job sends at most headcount × its hours, at most its hours to one person; a person-day takes at
    most the hours of the largest set of non-overlapping jobs they may take that day. Splitting a job
    between people makes it a relaxation: its maxima bound our maxima, its minima our minima.
    """

    def __init__(self, prepared: _Prepared, part: _Part):
        self.prepared = prepared
        self.part = part
        jobs = prepared.jobs
        node = {("source", 0): 0, ("sink", 0): 1}

        def at(key):
            return node.setdefault(key, len(node))

        tails, heads, capacities, self.outside = [], [], [], []
        for job_id in part.job_ids:
            job = jobs[job_id]
            tails.append(0), heads.append(at(("job", job_id))), capacities.append(job.centi * job.headcount)
            self.outside.append(0)
        by_day: dict[tuple[int, datetime.date], list[JobFacts]] = {}
        for worker_id, job_id in part.edges:
            job = jobs[job_id]
            by_day.setdefault((worker_id, job.date), []).append(job)
            tails.append(at(("job", job_id))), heads.append(at(("day", worker_id, job.date)))
            capacities.append(job.centi)
            worker = prepared.workers[worker_id]
            self.outside.append(int(job.team_id is not None and worker.team_id != job.team_id))
        for (worker_id, day), day_jobs in by_day.items():
            tails.append(at(("day", worker_id, day))), heads.append(at(("worker", worker_id)))
            capacities.append(min(_best_day(day_jobs), prepared.caps[worker_id]))
            self.outside.append(0)
        self.sink_arcs = len(tails)
        for worker_id in part.worker_ids:
            tails.append(at(("worker", worker_id))), heads.append(1), capacities.append(prepared.caps[worker_id])
            self.outside.append(0)
        self.nodes = len(node)
        self.lp = None  # the linear relaxation, once built (`_linear`)
        self.worker_node = {worker_id: node[("worker", worker_id)] for worker_id in part.worker_ids}
        self.tails, self.heads, self.capacities = tails, heads, capacities
        self.graph = max_flow.SimpleMaxFlow()
        self.graph.add_arcs_with_capacity(np.array(tails), np.array(heads), np.array(capacities))
        self.step = {}  # worker id → gcd of the hours of the jobs they may take: planned hours are multiples of it
        for worker_id, job_id in part.edges:
            self.step[worker_id] = math.gcd(self.step.get(worker_id, 0), jobs[job_id].centi)

    def most(self, sink: list[int]) -> int:
        """The largest flow when worker i takes at most sink[i] centihours."""
        self.graph.set_arcs_capacity(np.arange(self.sink_arcs, self.sink_arcs + len(sink)), np.array(sink))
        self.graph.solve(0, 1)
        return self.graph.optimal_flow()

    def cover_bound(self) -> int:
        return self.most([self.prepared.caps[w] for w in self.part.worker_ids])

    def _linear(self):
        """The linear relaxation with the no-overlap cliques (GLOP), built once: (solver, x, hours constraints by
        worker, objective), or None above LP_EDGES pairs."""
        if len(self.part.edges) > LP_EDGES:
            return None
        if self.lp is None:
            part, jobs = self.part, self.prepared.jobs
            solver = pywraplp.Solver.CreateSolver("GLOP")
            x = [solver.NumVar(0, 1, "") for _edge in part.edges]
            seats = {j: solver.Constraint(0, jobs[j].headcount) for j in part.job_ids}
            hours = {w: solver.Constraint(0, self.prepared.caps[w]) for w in part.worker_ids}
            per_day: dict[tuple[int, datetime.date], list[int]] = {}
            for index, (w, j) in enumerate(part.edges):
                seats[j].SetCoefficient(x[index], 1)
                hours[w].SetCoefficient(x[index], jobs[j].centi)
                per_day.setdefault((w, jobs[j].date), []).append(index)
            for indexes in per_day.values():
                for clique in _cliques([jobs[part.edges[index][1]] for index in indexes]):
                    constraint = solver.Constraint(0, 1)
                    for index in indexes:
                        if part.edges[index][1] in clique:
                            constraint.SetCoefficient(x[index], 1)
            self.lp = (solver, x, hours, solver.Objective())
        return self.lp

    def lp_cover_bound(self) -> int | None:
        """The coverage of the linear relaxation with the no-overlap cliques, or None above LP_EDGES pairs.

        Tighter than the flow where a person-day's best set of jobs is not the flow's: on the ×1 week it is
        the proven optimum (145 850 centihours against the flow's 146 400), in 0.6 s.
        """
        linear = self._linear()
        if linear is None:
            return None
        solver, x, _hours, objective = linear
        for index, (_w, j) in enumerate(self.part.edges):
            objective.SetCoefficient(x[index], self.prepared.jobs[j].centi)
        objective.SetMaximization()
        if solver.Solve() != pywraplp.Solver.OPTIMAL:
            return None
        return _integer(objective.Value(), math.floor)

    def lp_outside_bound(self, covered: int, worst: int, deviation: int | None, most: int) -> int | None:
        """The team tier's bound of the linear relaxation with the cliques, each person's hours within `worst`
        of target (on their grid; at most target when the total deviation leaves no hour above it)."""
        linear = self._linear()
        if linear is None:
            return None
        solver, x, hours, objective = linear
        low, high, above = self._limits(worst, deviation, covered, most)
        for index, w in enumerate(self.part.worker_ids):
            ceiling = min(high[index], self.prepared.targets[w]) if above == 0 else high[index]
            if low[index] > ceiling:
                return None
            hours[w].SetBounds(low[index], ceiling)
        total = solver.Constraint(covered, most)
        for index, (w, j) in enumerate(self.part.edges):
            centi = self.prepared.jobs[j].centi
            total.SetCoefficient(x[index], centi)
            objective.SetCoefficient(x[index], centi if _outside(self.prepared, w, j) else 0)
        objective.SetMinimization()
        optimal = solver.Solve() == pywraplp.Solver.OPTIMAL
        value = objective.Value() if optimal else None
        total.SetBounds(0, solver.infinity())  # the relaxation as it was, for a later call
        for w in self.part.worker_ids:
            hours[w].SetBounds(0, self.prepared.caps[w])
        return None if value is None else _integer(value, math.ceil)

    def deviation_bound(self, covered: int, most: int | None = None) -> int:
        """Σ|planned − target| ≥ (what cannot be given below target) + (covered hours that must go above it).

        The tier is solved with at least `covered` hours covered, and no plan covers more than `most` (the
        coverage tier's bound): the bound is the least over that range (below target the deviation falls as
        coverage grows, above it it grows again).
        """
        targets = [self.prepared.targets[w] for w in self.part.worker_ids]
        below = self.most(targets)
        covered = max(below, covered) if most is None else min(max(below, covered), max(covered, most))
        return (sum(targets) - min(below, covered)) + max(0, covered - below)

    def _limits(self, level: int, deviation: int | None, covered: int, most: int | None):
        """Each person's least and most hours when nobody is further than `level` from target, hours on the
        person's grid (multiples of `step`); and how many hours may go above target in all when the total
        deviation is at most `deviation` (Σ|p − t| = Σt − covered + 2 × above ≤ deviation)."""
        low, high = [], []
        for w in self.part.worker_ids:
            target, cap, step = self.prepared.targets[w], self.prepared.caps[w], self.step[w]
            low.append(_round_up(max(0, target - level), step))
            high.append(_round_down(min(cap, target + level), step))
        if deviation is None:
            above = sum(high)
        else:
            targets = sum(self.prepared.targets[w] for w in self.part.worker_ids)
            above = max(0, (deviation - targets + (covered if most is None else max(covered, most))) // 2)
        return low, high, above

    def _network(self, low: list[int], high: list[int], above: int, least: int, most: int):
        """The flow network with each person's hours in [low, high] (at most `above` of them over target in all)
        and a total in [least, most], lower bounds moved into node supplies: (tails, heads, capacities, costs,
        supplies), or None when some range is empty."""
        if least > most or any(a > b for a, b in zip(low, high, strict=True)):
            return None
        nodes = self.nodes
        tails, heads = list(self.tails[: self.sink_arcs]), list(self.heads[: self.sink_arcs])
        capacities, costs = list(self.capacities[: self.sink_arcs]), list(self.outside[: self.sink_arcs])
        supplies = [0] * (nodes + len(low) + 1)
        over = nodes + len(low)
        for index, w in enumerate(self.part.worker_ids):
            worker, split, target = self.worker_node[w], nodes + index, self.prepared.targets[w]
            tails += [worker, split, split]
            heads += [split, 1, over]
            capacities += [high[index] - low[index], max(0, min(target, high[index])), max(0, high[index] - target)]
            costs += [0, 0, 0]
            supplies[worker] -= low[index]
            supplies[split] += low[index]
        tails += [over, 1]
        heads += [1, 0]
        capacities += [above, most - least]
        costs += [0, 0]
        supplies[0] += least
        supplies[1] -= least
        return tails, heads, capacities, costs, supplies

    def _possible(self, low: list[int], high: list[int], above: int, least: int, most: int) -> bool:
        """Is there a flow with these limits (max-flow with lower bounds: every supply must be met)?"""
        network = self._network(low, high, above, least, most)
        if network is None:
            return False
        tails, heads, capacities, _costs, supplies = network
        source, sink = len(supplies), len(supplies) + 1
        need = 0
        for node, supply in enumerate(supplies):
            if supply > 0:
                tails.append(source), heads.append(node), capacities.append(supply)
                need += supply
            elif supply < 0:
                tails.append(node), heads.append(sink), capacities.append(-supply)
        graph = max_flow.SimpleMaxFlow()
        graph.add_arcs_with_capacity(np.array(tails), np.array(heads), np.array(capacities))
        graph.solve(source, sink)
        return graph.optimal_flow() >= need

    def worst_bound(self, covered: int, deviation: int | None = None, most: int | None = None) -> int:
        """The least L such that a flow gives everyone between target − L and target + L (on their grid of hours),
        covers at least `covered` (at most `most`, the coverage tier's bound) with a total deviation of at most
        `deviation` (the deviation tier's value): the earlier tiers held as the solver holds them."""
        targets = {w: self.prepared.targets[w] for w in self.part.worker_ids}
        most = self.cover_bound() if most is None else most

        def possible(level: int) -> bool:
            low, high, above = self._limits(level, deviation, covered, most)
            return self._possible(low, high, above, covered, most)

        low, high = 0, max(max(targets.values()), max(self.prepared.caps[w] for w in targets))
        if not possible(high):
            return 0
        while low < high:
            middle = (low + high) // 2
            if possible(middle):
                high = middle
            else:
                low = middle + 1
        return low

    def outside_bound(self, covered: int, worst: int, deviation: int | None = None, most: int | None = None) -> int:
        """The fewest out-of-team hours of a flow carrying at least `covered` (at most `most`), everyone within
        `worst` of target (on their grid of hours), the total deviation at most `deviation`."""
        most = self.cover_bound() if most is None else most
        low, high, above = self._limits(worst, deviation, covered, most)
        network = self._network(low, high, above, covered, most)
        if network is None:
            return 0
        tails, heads, capacities, costs, supplies = network
        flow = min_cost_flow.SimpleMinCostFlow()
        flow.add_arcs_with_capacity_and_unit_cost(
            np.array(tails), np.array(heads), np.array(capacities), np.array(costs)
        )
        flow.set_nodes_supplies(np.arange(len(supplies)), np.array(supplies))
        if flow.solve() != flow.OPTIMAL:
            return 0
        return flow.optimal_cost()


def _best_day(jobs: list[JobFacts]) -> int:
    """The most hours one person can work among these jobs of one day (weighted interval scheduling)."""
    ordered = sorted(jobs, key=lambda job: job.end)
    ends = [job.end for job in ordered]
    best = [0] * (len(ordered) + 1)
    for index, job in enumerate(ordered):
        before = bisect.bisect_right(ends, job.start, 0, index)
        best[index + 1] = max(best[index], best[before] + job.centi)
    return best[-1]


def _round_up(value: int, step: int) -> int:
    return -(-value // step) * step if step else value


def _integer(value: float, towards) -> int:
    """An LP's optimum as an integer bound: itself when it is one (to 1e-4), else rounded the safe way."""
    return round(value) if abs(value - round(value)) < 1e-4 else towards(value)


def _round_down(value: int, step: int) -> int:
    return value // step * step if step else value


# Blocks: one day × some workers, for a component too large for one model -----------------------

# Up to this many pairs the worst tier's local search also tries chains of seats (`lifts`): measured on 2 cores,
# they lift the ×2 week's worst from 6.0 h to 5.8 h; on the ×4 week (355 pairs a person) they cost the time the
# blocks need to reach the bound (6.5 h in 4 runs of 5 without them, 6.6 h in 3 of 4 with them).
CHAIN_EDGES = 50_000
LP_EDGES = 10_000  # up to this many worker–job pairs, the coverage bound is also the LP's (`_Flow.lp_cover_bound`)
FULL_MODEL_EDGES = 2_000  # above this many worker–job pairs, one model for the whole component stalls (ADR 0030)


class _Blocks:
    """Block-coordinate descent over a large component: one day's jobs and a few dozen of its workers at a time.

    Everything outside the block stays as it is (other workers, the block's workers' other days), so
    each block is the whole week's model with most variables fixed: its objective is the true weekly
    one (planned hours of the other days are constants), and a block's solution is accepted only
    when it improves the tier without worsening an earlier one. The plan stays legal all along; the
    gap is measured against the whole component's flow bound, never against the block's.
    """

    def __init__(self, prepared: _Prepared, part: _Part, pairs: set, *, workers: int, seed: int, parameters: dict):
        self.prepared, self.part = prepared, part
        self.settings = (workers, seed, parameters)
        self.rng = random.Random(seed)
        jobs = prepared.jobs
        self.eligible: dict[tuple[int, datetime.date], list[int]] = {}
        for worker_id, job_id in part.edges:
            self.eligible.setdefault((worker_id, jobs[job_id].date), []).append(job_id)
        self.days = sorted({jobs[job_id].date for job_id in part.job_ids})
        self.locked = set(prepared.problem.locked)
        self.cliques: dict[tuple[int, ...], list[frozenset[int]]] = {}
        self.pairs = set(pairs)
        self.planned = dict.fromkeys(part.worker_ids, 0)
        self.holders: dict[int, set[int]] = {job_id: set() for job_id in part.job_ids}
        for job_id, worker_id in self.pairs:
            self.planned[worker_id] += jobs[job_id].centi
            self.holders[job_id].add(worker_id)
        self.takers: dict[int, list[int]] = {}  # job id → the workers who may take it
        for worker_id, job_id in part.edges:
            self.takers.setdefault(job_id, []).append(worker_id)
        self.turn = 0

    def deviation(self, worker_id: int) -> int:
        return abs(self.planned[worker_id] - self.prepared.targets[worker_id])

    def _jobs_of(self, worker_id: int, day: datetime.date | None) -> list[int]:
        """The jobs the worker may take that day (every day of the week for None)."""
        if day is not None:
            return self.eligible.get((worker_id, day), [])
        return [job_id for each in self.days for job_id in self.eligible.get((worker_id, each), [])]

    def _live(self, worker_id: int, day: datetime.date | None, members: set[int]) -> list[int]:
        """The worker's jobs (`_jobs_of`) a block of `members` can change: a seat is free or held by a member.
        A job whose seats are all held by others is fixed for the block: no variable for it."""
        jobs = self.prepared.jobs
        return [
            j for j in self._jobs_of(worker_id, day)
            if len(self.holders[j]) < jobs[j].headcount or not self.holders[j].isdisjoint(members)
        ]  # fmt: skip

    def _pick(self, tier: str, day: datetime.date | None, size: int, taken: set[int]) -> list[int]:
        """The block's workers: those the tier most wants to move, then others at random, up to `size` pairs."""
        prepared = self.prepared
        here = [w for w in self.part.worker_ids if self._jobs_of(w, day) and w not in taken]
        if not here:
            return []
        if tier == "coverage":
            short = {
                j for j in self.part.job_ids
                if day in (None, prepared.jobs[j].date) and len(self.holders[j]) < prepared.jobs[j].headcount
            }  # fmt: skip
            score = {w: -sum(1 for j in self._jobs_of(w, day) if j in short) for w in here}
        elif tier == "deviation":  # above target first (their hours are the ones to move), then the furthest below
            score = {w: (-(self.planned[w] > prepared.targets[w]), -self.deviation(w)) for w in here}
        else:
            score = {w: -self.deviation(w) for w in here}
        ranked = sorted(here, key=lambda w: (score[w], self.rng.random()))
        count = max(2, len(ranked) // 8)
        head = ranked[:count]
        if tier == "worst":  # the worst, each followed by one of those with hours to give
            head = [w for pair in zip(head, ranked[::-1][:count], strict=True) for w in pair]
        rest = ranked[count:]
        self.rng.shuffle(rest)
        chosen, total = [], 0
        for worker_id in dict.fromkeys(head + rest):
            chosen.append(worker_id)
            total += len(self._jobs_of(worker_id, day))
            if total >= size:
                break
        return chosen

    def improve(self, tier: str, until: float, worst: int | None = None, level: int = 0, size: int = 2500) -> None:
        """Solve blocks for `tier` until the time is up or the tier reaches our bound `level`.

        With several workers, as many blocks run at once, on different days and different people:
        such blocks share no variable and no constraint, so their gains add up.
        """
        workers = self.settings[0]
        # Side by side only when a day holds four blocks' worth: measured on 2 cores (ADR 0030), two blocks at once
        # helped the ×4 week a little and cost the ×2 week more (its blocks, halved, moved less).
        parallel = workers if len(self.part.edges) >= 4 * size * len(self.days) else 1
        self.search(tier, until, level, worst)
        with ThreadPoolExecutor(max_workers=parallel) as pool:
            while time.monotonic() < until - 0.05 and not self._reached(tier, level):
                blocks, taken = [], set()
                # Every third block of the fairness tiers is week-long (few people, all their days): the only
                # way to move hours between two people's different days. It runs alone (it touches every day).
                week = tier in ("deviation", "worst") and self.turn % 3 == 2
                for _index in range(1 if week else parallel):
                    day = None if week else self.days[self.turn % len(self.days)]
                    self.turn += 1
                    group = self._pick(tier, day, size, taken)
                    taken.update(group)
                    if group:
                        blocks.append(self._block(tier, day, group, worst, level))
                seconds = max(0.05, min(1.5, until - time.monotonic()))
                threads = 1  # measured: CP-SAT's second worker costs this small model more than it brings (ADR 0030)
                solutions = pool.map(_Block.solve, blocks, [seconds] * len(blocks), [threads] * len(blocks))
                applied = False
                for block, solution in zip(blocks, solutions, strict=True):
                    if solution is not None:
                        self._apply(block, solution)
                        applied = True
                if applied and tier == "worst":  # a block may open new moves to the local search
                    self.search(tier, until, level, worst)

    def search(self, tier: str, until: float, level: int = 0, worst: int | None = None, top_share: int = 20) -> None:
        """A local search over the whole week, faster than blocks at moving hours between any two people.

        Moves: a seat taken (an empty one, or from its holder), given away, or exchanged for another person's
        seat; for the worst tier, when none helps a person, a chain of seats towards them (`lifts`); for
        coverage, an augmenting path to an empty seat (`fills`: each person leaves the one job in the way of
        the next seat). A move is made only when it improves the tier
        without worsening an earlier one (coverage, then total deviation; nobody beyond the current maximum,
        or beyond the worst tier's value `worst` for the team tier); at equal value the sum of squared
        deviations must fall, so hours flow towards those with the fewest and the maximum falls once all who
        share it are lifted. Candidates: the empty seats (coverage), the people furthest from target
        (deviation, worst: `top_share` of them), the seats held out of their team (team). Stops at our bound
        `level`, when time is up, or when no candidate has a move.
        """
        prepared, jobs = self.prepared, self.prepared.jobs
        targets, caps, eligible, locked = prepared.targets, prepared.caps, prepared.eligible, self.locked
        chains = len(self.part.edges) <= CHAIN_EDGES
        busy: dict[tuple[int, datetime.date], set[int]] = {}
        for j, w in self.pairs:
            busy.setdefault((w, jobs[j].date), set()).add(j)

        def free(w: int, job: JobFacts, ignore: int | None = None) -> bool:
            return not any(o != ignore and _overlaps(job, jobs[o]) for o in busy.get((w, job.date), ()))

        def mine(w: int) -> list[int]:
            return [j for day in self.days for j in busy.get((w, day), ()) if (j, w) not in locked]

        def key(choice, top: int | None):
            """The move's (−Δcoverage, Δtotal deviation, Δteam hours, Δsum of squares), None when not allowed."""
            delta: dict[int, int] = {}
            covered = outside = 0
            seats: dict[int, set[int]] = {}
            for j, giver, taker in choice:  # a legal step from the plan as it is now (seats, holders)
                holders = seats.setdefault(j, set(self.holders[j]))
                if (giver is not None and giver not in holders) or (taker is not None and taker in holders):
                    return None
                holders.discard(giver), holders.add(taker) if taker is not None else None
                if len(holders) > jobs[j].headcount:
                    return None
            for j, giver, taker in choice:
                centi = jobs[j].centi
                for w, sign in ((giver, -1), (taker, 1)):
                    if w is not None:
                        delta[w] = delta.get(w, 0) + sign * centi
                        covered += sign * centi
                        outside += sign * centi if _outside(prepared, w, j) else 0
            total = squares = 0
            for w, change in delta.items():
                planned = self.planned[w] + change
                if planned < 0 or planned > caps[w]:
                    return None
                old, new = abs(self.planned[w] - targets[w]), abs(planned - targets[w])
                if top is not None and new > top and new > old:
                    return None
                total += new - old
                squares += new * new - old * old
            if tier == "coverage":
                return (-covered, total, 0, squares) if covered > 0 else None
            if covered < 0 or (tier != "deviation" and total > 0):
                return None
            result = (-covered, total, outside if tier == "out_of_team" else 0, squares)
            if tier == "out_of_team" and result[:3] == (0, 0, 0):
                return None
            return result if result < (0, 0, 0, 0) else None

        def takes(b: int):
            for j in self._jobs_of(b, None):
                job = jobs[j]
                if b in self.holders[j] or not free(b, job):
                    continue
                if len(self.holders[j]) < job.headcount:
                    yield ((j, None, b),)
                else:
                    yield from (((j, a, b),) for a in self.holders[j] if (j, a) not in locked)
            for held in mine(b):
                for j in self._jobs_of(b, None):
                    if b in self.holders[j] or jobs[j].centi == jobs[held].centi or not free(b, jobs[j], held):
                        continue
                    for a in self.holders[j]:
                        if (
                            (j, a) not in locked and a not in self.holders[held]
                            and eligible.get((a, held)) and free(a, jobs[held], j)
                        ):  # fmt: skip
                            yield ((held, b, None), (j, a, b), (held, None, a))

        def lifts(b: int, top: int, depth: int = 3, width: int = 10):
            """Chains of seats towards b when no single move helps: b takes a seat from a1, who takes one from a2
            to make up for it, ..., the last only gives. Breadth-first, at most `width` people widened a level,
            those left furthest below the maximum first."""
            frontier, seen = [((), b, None)], {b}
            for level_ in range(depth):
                widened = []
                for moves, person, gave in frontier:
                    room = top - abs(self.planned[person] - targets[person])  # how far the person may fall
                    lost = jobs[gave].centi if gave is not None else 0
                    for j in self._jobs_of(person, None):
                        job = jobs[j]
                        if person in self.holders[j] or len(self.holders[j]) < job.headcount:
                            continue
                        if level_ and not (lost - room <= job.centi <= lost + targets[person] - self.planned[person]):
                            continue  # the person would end beyond the maximum, or above target
                        if not free(person, job, gave):
                            continue
                        for a in self.holders[j]:
                            if a in seen or (j, a) in locked:
                                continue
                            chain = (*moves, (j, a, person))
                            yield chain
                            if abs(self.planned[a] - job.centi - targets[a]) > top:  # a cannot just give: widen
                                widened.append((chain, a, j, top - abs(self.planned[a] - targets[a])))
                widened.sort(key=lambda item: -item[3])
                frontier = []
                for chain, a, j, _room in widened:
                    if a not in seen and len(frontier) < width:
                        seen.add(a)
                        frontier.append((chain, a, j))

        def gives(b: int):
            for j in mine(b):
                yield from (((j, b, a),) for a in self.takers[j] if a not in self.holders[j] and free(a, jobs[j]))

        def fills(j: int):
            """Someone takes the empty seat: a free person, or one who leaves the one job in the way for it —
            left empty if shorter, else taken by another the same way (a breadth-first augmenting path)."""
            reached = {j: None}  # job → (the job its new holder leaves for it, that person)
            queue = [j]
            for current in queue:
                job = jobs[current]
                for b in self.takers[current]:
                    if b in self.holders[current]:
                        continue
                    blocking = [o for o in busy.get((b, job.date), ()) if _overlaps(job, jobs[o])]
                    left = sum(jobs[o].centi for o in blocking)
                    if self.planned[b] - left + job.centi > caps[b] or any((o, b) in locked for o in blocking):
                        continue
                    if len(blocking) > 1 or (blocking and blocking[0] in reached):
                        continue
                    path, people, step = [], {b}, (current, b)
                    while step is not None:  # back to the empty seat: each person leaves a job for the next
                        taken, person = step
                        path.append((taken, None, person))
                        step = reached[taken]
                        if step is not None:
                            path.append((taken, step[1], None))
                            people.add(step[1])
                    if len(people) * 2 - 1 != len(path):
                        continue  # one person twice on the path: not a legal chain
                    if not blocking:
                        yield tuple(reversed(path))
                        return
                    other = blocking[0]
                    yield ((other, b, None), *reversed(path))  # the job left empty
                    reached[other] = (current, b)
                    queue.append(other)

        def rehomes(j: int, a: int):  # a seat held out of its team, to someone of the team
            job = jobs[j]
            for b in self.takers[j]:
                if b in self.holders[j] or _outside(prepared, b, j):
                    continue
                if free(b, job):
                    yield ((j, a, b),)
                for held in mine(b):
                    if (
                        a not in self.holders[held] and eligible.get((a, held))
                        and free(a, jobs[held], j) and free(b, job, held)
                    ):  # fmt: skip
                        yield ((j, a, None), (held, b, a), (j, None, b))

        def apply(choice) -> None:
            for j, giver, taker in choice:
                if giver is not None:
                    self.holders[j].discard(giver), self.pairs.discard((j, giver))
                    busy[(giver, jobs[j].date)].discard(j)
                    self.planned[giver] -= jobs[j].centi
                if taker is not None:
                    self.holders[j].add(taker), self.pairs.add((j, taker))
                    busy.setdefault((taker, jobs[j].date), set()).add(j)
                    self.planned[taker] += jobs[j].centi

        while time.monotonic() < until and not self._reached(tier, level):
            deviations = {w: self.deviation(w) for w in self.part.worker_ids}
            top = max(deviations.values()) if tier == "worst" else worst if tier == "out_of_team" else None
            # Each group: the candidates of one empty seat, team seat or person, in stages (the next stage only
            # when the one before has no move).
            if tier == "coverage":
                groups = [(fills(j),) for j in self.part.job_ids if len(self.holders[j]) < jobs[j].headcount]
            elif tier == "out_of_team":
                groups = [
                    (rehomes(j, a),) for j, a in sorted(self.pairs) if (j, a) not in locked and _outside(prepared, a, j)
                ]
            else:
                order = sorted(deviations, key=lambda w: (-(self.planned[w] > targets[w]), -deviations[w]))
                groups = [
                    ((takes(w), lifts(w, top)) if tier == "worst" and chains else (takes(w),))
                    if self.planned[w] < targets[w]
                    else (gives(w),)
                    for w in order[:top_share]
                ]
            moved = False
            for group in groups:
                if time.monotonic() >= until:
                    return
                best, choice = None, None
                for number, stage in enumerate(group):
                    for candidate in stage:
                        value = key(candidate, top)
                        if value is not None and (best is None or value < best):
                            best, choice = value, candidate
                            if number:  # chains are many: the first that helps is taken
                                break
                    if choice is not None:
                        break
                if choice is not None:
                    apply(choice)
                    moved = True
                    if tier in ("deviation", "worst"):
                        break  # the order changes with every move
            if not moved:
                return

    def _apply(self, block: "_Block", solution: list[bool]) -> None:
        jobs = self.prepared.jobs
        for (w, j), chosen in zip(block.edges, solution, strict=True):
            if chosen and w not in self.holders[j]:
                self.holders[j].add(w)
                self.pairs.add((j, w))
                self.planned[w] += jobs[j].centi
            elif not chosen and w in self.holders[j]:
                self.holders[j].discard(w)
                self.pairs.discard((j, w))
                self.planned[w] -= jobs[j].centi

    def _reached(self, tier: str, level: int) -> bool:
        """The tier is at our bound: nothing left to gain (coverage as minimised)."""
        deviations = [self.deviation(w) for w in self.part.worker_ids]
        value = {
            "coverage": -sum(self.planned.values()),
            "deviation": sum(deviations),
            "worst": max(deviations),
        }.get(tier)
        return value is not None and value <= level

    def _block(self, tier: str, day: datetime.date | None, group: list[int], worst: int | None, level: int) -> "_Block":
        """The block's model: the week's tiers with everything outside (day, group) held as it is."""
        prepared, jobs = self.prepared, self.prepared.jobs
        model = cp_model.CpModel()
        members = set(group)
        live = {w: self._live(w, day, members) for w in group}
        edges = [(w, j) for w in group for j in live[w]]
        x = [model.new_bool_var("") for _edge in edges]
        by_job: dict[int, list[int]] = {}
        by_worker: dict[int, list[int]] = {w: [] for w in group}
        for index, (w, j) in enumerate(edges):
            by_job.setdefault(j, []).append(index)
            by_worker[w].append(index)
            if (j, w) in self.locked:
                model.add(x[index] == 1)
        for j, indexes in by_job.items():
            seats = jobs[j].headcount - len(self.holders[j] - members)
            model.add(sum(x[i] for i in indexes) <= seats)
        now = {w: sum(jobs[j].centi for j in live[w] if w in self.holders[j]) for w in group}
        d, centi = {}, {}
        for w in group:
            other = self.planned[w] - now[w]
            centi[w] = cp_model.LinearExpr.weighted_sum([x[i] for i in by_worker[w]],
                                                        [jobs[edges[i][1]].centi for i in by_worker[w]])  # fmt: skip
            model.add(centi[w] <= prepared.caps[w] - other)
            position = {edges[i][1]: i for i in by_worker[w]}
            for each in self.days if day is None else [day]:
                key = tuple(j for j in live[w] if jobs[j].date == each)
                if key not in self.cliques:
                    self.cliques[key] = _cliques([jobs[j] for j in key])
                for clique in self.cliques[key]:
                    model.add_at_most_one(x[position[j]] for j in clique)
            d[w] = model.new_int_var(0, max(prepared.caps[w], prepared.targets[w]), "")
            model.add(d[w] >= other + centi[w] - prepared.targets[w])
            model.add(d[w] >= prepared.targets[w] - other - centi[w])
            model.add_hint(d[w], self.deviation(w))
        for index, (w, j) in enumerate(edges):
            model.add_hint(x[index], w in self.holders[j])
        covered = sum(centi.values())
        current = {
            "coverage": sum(now.values()),
            "deviation": sum(self.deviation(w) for w in group),
            "worst": max(self.deviation(w) for w in group),
            "out_of_team": sum(jobs[j].centi for w, j in edges if w in self.holders[j] and _outside(prepared, w, j)),
        }
        position = TIERS.index(tier)
        if position > 0:
            model.add(covered >= current["coverage"])
        if position > 1:
            model.add(sum(d.values()) <= current["deviation"])
        if position > 2 and worst is not None:
            for var in d.values():
                model.add(var <= worst)
        if tier == "coverage":
            model.maximize(covered)
        elif tier == "deviation":  # then, at equal total, the block's largest deviation (never its concern later)
            span = 1 + max(max(prepared.caps[w], prepared.targets[w]) for w in group)  # keeps the two apart
            most = model.new_int_var(0, span - 1, "")
            for var in d.values():
                model.add(most >= var)
            model.add_hint(most, current["worst"])
            current["deviation"] = current["deviation"] * span + current["worst"]
            model.minimize(sum(d.values()) * span + most)
        elif tier == "worst":
            # Many people often share the worst deviation: lowering one of them does not lower the maximum,
            # so the block minimises hours above that maximum minus one step (×1000) plus hours above the
            # level our bound says is reachable; nobody may exceed the current maximum. Each accepted block
            # lowers that sum over the whole component, so the maximum falls once all who share it are lifted.
            top = max(self.deviation(w) for w in self.part.worker_ids)
            high, low = max(0, top - 1), min(level, max(0, top - 1))
            excess = []
            for w, var in d.items():
                model.add(var <= top)
                above_low, above_high = model.new_int_var(0, top, ""), model.new_int_var(0, top, "")
                model.add(above_low >= var - low)
                model.add(above_high >= var - high)
                model.add_hint(above_low, max(0, self.deviation(w) - low))
                model.add_hint(above_high, max(0, self.deviation(w) - high))
                excess += [above_low, 1000 * above_high]
            current["worst"] = sum(
                max(0, self.deviation(w) - low) + 1000 * max(0, self.deviation(w) - high) for w in group
            )
            model.minimize(sum(excess))
        else:
            model.minimize(sum(jobs[j].centi * x[i] for i, (w, j) in enumerate(edges) if _outside(prepared, w, j)))
        return _Block(model, edges, x, tier, current[tier], self.settings)


@dataclass
class _Block:
    model: cp_model.CpModel
    edges: list[tuple[int, int]]  # (worker id, job id)
    x: list
    tier: str
    current: int  # the objective of the plan as it is (coverage as a maximum)
    settings: tuple

    def solve(self, seconds: float, threads: int) -> list[bool] | None:
        """The block's new assignment, or None when it does not improve on the current one."""
        _workers, seed, parameters = self.settings
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = threads
        solver.parameters.random_seed = seed
        solver.parameters.max_time_in_seconds = seconds
        for name, value in parameters.items():
            setattr(solver.parameters, name, value)
        status = solver.solve(self.model)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return None
        value = round(solver.objective_value)
        if (value <= self.current) if self.tier == "coverage" else (value >= self.current):
            return None
        return [solver.boolean_value(var) for var in self.x]


def _outside(prepared: _Prepared, worker_id: int, job_id: int) -> bool:
    job = prepared.jobs[job_id]
    return job.team_id is not None and prepared.workers[worker_id].team_id != job.team_id


# CP-SAT --------------------------------------------------------------------------------------

TIERS = ("coverage", "deviation", "worst", "out_of_team")


class _PartModel:
    """One component's CP-SAT model; its tiers are solved one after the other, each fixed before the next."""

    def __init__(self, prepared: _Prepared, part: _Part, *, workers: int, seed: int, parameters: dict | None):
        self.prepared, self.part = prepared, part
        self.settings = (workers, seed, parameters or {})
        jobs = prepared.jobs
        model = self.model = cp_model.CpModel()
        self.edges = part.edges
        self.x = [model.new_bool_var(f"x_{worker_id}_{job_id}") for worker_id, job_id in self.edges]
        by_job: dict[int, list[int]] = {job_id: [] for job_id in part.job_ids}
        by_worker: dict[int, list[int]] = {worker_id: [] for worker_id in part.worker_ids}
        for index, (worker_id, job_id) in enumerate(self.edges):
            by_job[job_id].append(index)
            by_worker[worker_id].append(index)
        self.by_worker = by_worker
        for job_id, indexes in by_job.items():
            if len(indexes) > jobs[job_id].headcount:
                self._linear(indexes, [1] * len(indexes), 0, jobs[job_id].headcount)
        position = {edge: index for index, edge in enumerate(self.edges)}
        for job_id, worker_id in prepared.problem.locked:
            if (worker_id, job_id) in position:
                model.add(self.x[position[(worker_id, job_id)]] == 1)
        cliques_of: dict[tuple[int, ...], list[frozenset[int]]] = {}
        self.d = {}
        for worker_id, indexes in by_worker.items():
            centis = [jobs[self.edges[index][1]].centi for index in indexes]
            if sum(centis) > prepared.caps[worker_id]:
                self._linear(indexes, centis, 0, prepared.caps[worker_id])
            per_day: dict[datetime.date, list[int]] = {}
            for index in indexes:
                per_day.setdefault(jobs[self.edges[index][1]].date, []).append(index)
            for day_indexes in per_day.values():
                key = tuple(self.edges[index][1] for index in day_indexes)
                if key not in cliques_of:
                    cliques_of[key] = _cliques([jobs[job_id] for job_id in key])
                for clique in cliques_of[key]:
                    members = [index for index in day_indexes if self.edges[index][1] in clique]
                    self._linear(members, [1] * len(members), 0, 1)
            # d ≥ |planned − target|: planned − d ≤ target and planned + d ≥ target.
            target = prepared.targets[worker_id]
            d = self.d[worker_id] = model.new_int_var(0, max(prepared.caps[worker_id], target), f"d_{worker_id}")
            self._linear([*indexes, d.index], [*centis, -1], cp_model.INT_MIN, target)
            self._linear([*indexes, d.index], [*centis, 1], target, cp_model.INT_MAX)
        self.worst = model.new_int_var(0, max(max(prepared.caps[w], prepared.targets[w]) for w in by_worker), "worst")
        for d in self.d.values():
            self._linear([self.worst.index, d.index], [1, -1], 0, cp_model.INT_MAX)
        self.objectives = {
            "coverage": ([*range(len(self.edges))], [-jobs[job_id].centi for _w, job_id in self.edges]),  # minimised
            "deviation": ([d.index for d in self.d.values()], [1] * len(self.d)),
            "worst": ([self.worst.index], [1]),
            "out_of_team": ([], []),
        }
        for index, (worker_id, job_id) in enumerate(self.edges):
            job = jobs[job_id]
            if job.team_id is not None and prepared.workers[worker_id].team_id != job.team_id:
                self.objectives["out_of_team"][0].append(index)
                self.objectives["out_of_team"][1].append(job.centi)

    def _linear(self, indexes: list[int], coefficients: list[int], low: int, high: int) -> None:
        """A linear constraint written straight into the model (the Python expression API is slow at this size)."""
        linear = self.model.proto.constraints.add().linear
        linear.vars.extend(indexes)
        linear.coeffs.extend(coefficients)
        linear.domain.extend([low, high])

    def values(self, pairs: set[tuple[int, int]]) -> dict[str, int]:
        return _values(self.prepared, self.part, pairs)

    def hint(self, pairs: set[tuple[int, int]]) -> None:
        """A complete hint (every variable), so the search starts from a legal plan without repair."""
        values = self.values(pairs)
        hint = self.model.proto.solution_hint
        self.model.proto.clear_solution_hint()
        hint.vars.extend([var.index for var in self.x] + [d.index for d in self.d.values()] + [self.worst.index])
        hint.values.extend(
            [int((job_id, worker_id) in pairs) for worker_id, job_id in self.edges]
            + values["_deviations"]
            + [values["worst"]]
        )

    def fix(self, tier: str, value: int) -> None:
        """Keep this tier at (or better than) `value` for the next tiers."""
        indexes, coefficients = self.objectives[tier]
        if indexes:
            self._linear(indexes, coefficients, cp_model.INT_MIN, value)

    def run(self, tier: str, seconds: float, stop_at: int) -> tuple[set[tuple[int, int]] | None, int | None, bool]:
        """Minimise the tier: (the plan found or None, the solver's bound, proven optimal)."""
        self.model.proto.clear_objective()
        indexes, coefficients = self.objectives[tier]
        objective = self.model.proto.objective
        objective.vars.extend(indexes)
        objective.coeffs.extend(coefficients)
        workers, seed, parameters = self.settings
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = workers
        solver.parameters.random_seed = seed
        solver.parameters.max_time_in_seconds = max(0.01, seconds)
        for name, value in parameters.items():
            setattr(solver.parameters, name, value)
        status = solver.solve(self.model, _StopAt(stop_at))
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return None, None, False
        solution = solver.response_proto.solution
        pairs = {(job_id, worker_id) for index, (worker_id, job_id) in enumerate(self.edges) if solution[index]}
        return pairs, int(math.ceil(solver.best_objective_bound - 1e-6)), status == cp_model.OPTIMAL


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


class _StopAt(cp_model.CpSolverSolutionCallback):
    """Stops the search once a solution reaches a bound the solver does not know (our flow bound)."""

    def __init__(self, bound: int):
        super().__init__()
        self.bound = bound

    def on_solution_callback(self) -> None:
        if self.objective_value <= self.bound:
            self.stop_search()


def solve(
    problem: Problem,
    *,
    seconds: float | None = None,
    workers: int | None = None,
    seed: int = 0,
    parameters: dict | None = None,
    previous: list[tuple[JobFacts, int]] | None = None,
    split: bool = True,
) -> Plan:
    """The lexicographic plan, component by component; never worse than its warm start on any tier in order.

    `previous` is last week's accepted plan as (job facts, worker id): carried to this week's similar
    jobs, it seeds a second warm start (`_warm_start`). `workers`: the cores to use, for CP-SAT
    on a small component and for blocks solved side by side on a large one (default: the
    INSERTION_PLANNER_WORKERS setting). `split=False` solves the whole week as one component (the
    reference the decomposition is tested against). Each tier's gap is measured on the whole
    problem: the sum (for the worst deviation, the maximum) of the components' values against the
    sum of their bounds, each bound the better of the solver's and our flow relaxation's (`_Flow`).
    """
    limit = float(seconds if seconds is not None else getattr(settings, "INSERTION_PLANNER_SECONDS", 10))
    workers = workers or getattr(settings, "INSERTION_PLANNER_WORKERS", 1)
    started = time.monotonic()
    deadline = started + limit - min(0.05, limit / 20)  # a margin to put the plan together within `seconds`
    prepared = _prepare(problem)
    current = set(_warm_start(prepared, previous))
    parts = _components(prepared)
    logger.debug("warm start and components at %.2f s", time.monotonic() - started)
    if not split and len(parts) > 1:  # one model for everything: the reference the tests compare the split with
        parts = [_Part(sorted({w for p in parts for w in p.worker_ids}), sorted({j for p in parts for j in p.job_ids}),
                       [edge for p in parts for edge in p.edges])]  # fmt: skip
    flows = [_Flow(prepared, part) for part in parts]
    part_of = {job_id: index for index, part in enumerate(parts) for job_id in part.job_ids}
    plans: list[set[tuple[int, int]]] = [set() for _part in parts]
    for job_id, worker_id in current:
        plans[part_of[job_id]].add((job_id, worker_id))
    starts = [set(plan) for plan in plans]
    sizes = [len(part.edges) for part in parts]
    models = [
        _PartModel(prepared, part, workers=workers, seed=seed, parameters=parameters or {})
        if size <= FULL_MODEL_EDGES
        else _Blocks(prepared, part, plan, workers=workers, seed=seed, parameters=parameters or {})
        for part, plan, size in zip(parts, plans, sizes, strict=True)
    ]
    values = [_values(prepared, part, plan) for part, plan in zip(parts, plans, strict=True)]
    bounds: list[dict[str, int]] = [{} for _part in parts]
    proven = dict.fromkeys(TIERS, True)
    overall = 0  # the worst deviation of the whole plan, once its tier is solved
    tier1_seconds = 0.0
    # Each tier gets a share of the time left; within a tier each component a share proportional to its size.
    shares = {"coverage": 0.4, "deviation": 0.5, "worst": 0.75, "out_of_team": 1.0}
    for tier in TIERS:
        tier_deadline = time.monotonic() + shares[tier] * max(0.0, deadline - time.monotonic())
        for index, (model, flow) in enumerate(zip(models, flows, strict=True)):
            ours = _flow_bound(flow, tier, values[index], overall, bounds[index])
            left = max(0.0, tier_deadline - time.monotonic()) * sizes[index] / sum(sizes[index:])
            if values[index][tier] > ours and left > 0.01 and isinstance(model, _Blocks):
                model.improve(
                    tier, time.monotonic() + left, worst=overall if tier == "out_of_team" else None, level=ours
                )
                plans[index] = set(model.pairs)
                values[index] = _values(prepared, parts[index], plans[index])
                bound = ours
            elif values[index][tier] > ours and left > 0.01:
                model.hint(plans[index])
                found, bound, optimal = model.run(tier, left, stop_at=ours)
                if found is not None:
                    candidate = model.values(found)
                    if candidate[tier] < values[index][tier]:
                        plans[index], values[index] = found, candidate
                bound = values[index][tier] if optimal else max(ours, bound if bound is not None else ours)
            else:
                bound = ours
            bounds[index][tier] = min(bound, values[index][tier])
            logger.debug(
                "%s, part %s at %.2f s: %s, bound %s (flow %s)",
                tier, index, time.monotonic() - started, values[index][tier], bounds[index][tier], ours,
            )  # fmt: skip
            proven[tier] = proven[tier] and bounds[index][tier] >= values[index][tier]
            if tier != "worst" and isinstance(model, _PartModel):
                model.fix(tier, values[index][tier])
        if tier == "worst":
            # The worst deviation is one figure for the whole week: every component may use all of it.
            overall = max((value["worst"] for value in values), default=0)
            for model in models:
                if isinstance(model, _PartModel):
                    model.fix("worst", overall)
        if tier == "coverage":
            tier1_seconds = time.monotonic() - started

    _no_worse_than_the_start(prepared, parts, plans, values, starts)
    pairs = sorted(pair for plan in plans for pair in plan)
    gaps = _gaps(values, bounds)
    plan = _finish(
        prepared,
        pairs,
        status=PlanStatus.OPTIMAL if proven["coverage"] or gaps["coverage"] == 0 else PlanStatus.FEASIBLE,
        gap=gaps["coverage"],
        seconds=time.monotonic() - started,
    )
    plan.gaps = gaps
    plan.parts = len(parts)
    plan.tier1_seconds = round(tier1_seconds, 3)
    return plan


def _no_worse_than_the_start(prepared: _Prepared, parts: list[_Part], plans: list, values: list, starts: list) -> None:
    """The plan is never worse than its warm start on the tiers in order (`_key`), whatever the time left.

    A component's worst-deviation tier may trade team hours for a lower maximum of its own that does not
    lower the week's (another component holds it), and the team tier may not win them back in time: such a
    component goes back to its start when that is no worse on the earlier tiers. As a last resort the
    whole start is kept. Every bound still holds: the start meets each tier's earlier-tier conditions.
    """
    overall = max((value["worst"] for value in values), default=0)
    for index, part in enumerate(parts):
        start = _values(prepared, part, starts[index])
        if (
            (start["coverage"], start["deviation"]) == (values[index]["coverage"], values[index]["deviation"])
            and start["worst"] <= overall
            and start["out_of_team"] < values[index]["out_of_team"]
        ):
            plans[index], values[index] = set(starts[index]), start
    final = [pair for plan in plans for pair in plan]
    if _key(prepared, final) > _key(prepared, [pair for plan in starts for pair in plan]):
        for index, part in enumerate(parts):
            plans[index], values[index] = set(starts[index]), _values(prepared, part, starts[index])


def _flow_bound(flow: _Flow, tier: str, values: dict[str, int], worst: int, bounds: dict[str, int]) -> int:
    """Our bound on a component's tier, the tiers before it held as the solver holds them: at least as good as
    their values, and coverage at most its bound (`bounds`, coverage as minimised)."""
    covered = -values["coverage"]
    if tier == "coverage":
        return -min(value for value in (flow.cover_bound(), flow.lp_cover_bound()) if value is not None)
    most = -bounds["coverage"]
    if tier == "deviation":
        return flow.deviation_bound(covered, most)
    if tier == "worst":
        return flow.worst_bound(covered, values["deviation"], most)
    ours = flow.outside_bound(covered, worst, values["deviation"], most)
    linear = flow.lp_outside_bound(covered, worst, values["deviation"], most)
    return ours if linear is None else max(ours, linear)


def _gaps(values: list[dict[str, int]], bounds: list[dict[str, int]]) -> dict[str, float]:
    """Each tier's relative gap on the whole problem: sums over components (the maximum for the worst deviation)."""
    gaps = {}
    for tier in TIERS:
        combine = max if tier == "worst" else sum
        value = combine([0, *(item[tier] for item in values)])
        bound = combine([0, *(item[tier] for item in bounds)])
        gaps[tier] = round(max(0, value - bound) / max(1, abs(value)), 6)
    return gaps


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


def load_previous(*, structure, monday: datetime.date) -> list[tuple[JobFacts, int]]:
    """Last week's assignments (accepted plans and hand-made ones alike) as (job facts, worker id): a warm start."""
    assignments = (
        Assignment.objects.in_week(monday - datetime.timedelta(days=7))
        .live()
        .filter(job__structure=structure)
        .select_related("job__required_skill")
        .order_by("job__date", "job__start_time", "job_id", "worker_id")
    )
    return [(selectors.job_facts(assignment.job), assignment.worker_id) for assignment in assignments]


def plan_week(*, structure, monday: datetime.date, seconds: float | None = None) -> Plan:
    """The week's plan, warm-started from greedy and from last week's assignments carried over."""
    return solve(
        load_problem(structure=structure, monday=monday),
        seconds=seconds,
        previous=load_previous(structure=structure, monday=monday),
    )
