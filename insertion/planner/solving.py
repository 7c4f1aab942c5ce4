"""The lexicographic plan of a week: components, tiers, bounds and gaps (ADR 0030)."""

import logging
import time

from django.conf import settings

from insertion.enums import PlanStatus
from insertion.planner.blocks import _Blocks
from insertion.planner.bounds import _Flow
from insertion.planner.greedy import _key, _warm_start
from insertion.planner.model import _PartModel
from insertion.planner.problem import TIERS, Plan, Problem, _components, _finish, _Part, _prepare, _Prepared, _values
from insertion.rules import JobFacts

logger = logging.getLogger(__name__)


FULL_MODEL_EDGES = 2_000  # above this many worker–job pairs, one model for the whole component stalls (ADR 0030)


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
