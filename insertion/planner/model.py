"""One component's CP-SAT model, its tiers solved one after the other."""

import datetime
import math

from ortools.sat.python import cp_model

from insertion.planner.problem import _cliques, _Part, _Prepared, _values


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


class _StopAt(cp_model.CpSolverSolutionCallback):
    """Stops the search once a solution reaches a bound the solver does not know (our flow bound)."""

    def __init__(self, bound: int):
        super().__init__()
        self.bound = bound

    def on_solution_callback(self) -> None:
        if self.objective_value <= self.bound:
            self.stop_search()
