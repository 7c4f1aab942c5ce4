"""The greedy baseline and the warm starts (greedy, and greedy seeded with last week's plan carried over)."""

import time

from insertion.enums import PlanStatus
from insertion.planner.problem import Plan, Problem, _finish, _overlaps, _prepare, _Prepared
from insertion.rules import JobFacts


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
