"""A large component, improved by a local search over the whole week and block by block (one day × a few
dozen workers, or a few people's whole week), the plan legal throughout (ADR 0030)."""

import datetime
import random
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from ortools.sat.python import cp_model

from insertion.planner.problem import TIERS, _cliques, _outside, _overlaps, _Part, _Prepared
from insertion.rules import JobFacts

# Up to this many pairs the worst tier's local search also tries chains of seats (`lifts`): measured on 2 cores,
# they lift the ×2 week's worst from 6.0 h to 5.8 h; on the ×4 week (355 pairs a person) they cost the time the
# blocks need to reach the bound (6.5 h in 4 runs of 5 without them, 6.6 h in 3 of 4 with them).
CHAIN_EDGES = 50_000


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
