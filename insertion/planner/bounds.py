"""Bounds of our own on a component's tiers (ADR 0030): a flow relaxation (`_Flow`) and, up to LP_EDGES
pairs, the LP relaxation with the no-overlap cliques; each tier's bound holds for every plan that meets
the earlier tiers as the solver holds them."""

import bisect
import datetime
import math

import numpy as np
from ortools.graph.python import max_flow, min_cost_flow
from ortools.linear_solver import pywraplp

from insertion.planner.problem import _cliques, _outside, _Part, _Prepared
from insertion.rules import JobFacts


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


LP_EDGES = 10_000  # up to this many worker–job pairs, the coverage bound is also the LP's (`_Flow.lp_cover_bound`)
