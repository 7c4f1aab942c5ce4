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

Modules: `problem` (the data, eligibility, components, each tier's values), `greedy` (the baseline and
the warm starts), `bounds` (our bounds), `blocks` (local search and blocks for a large component),
`model` (one component's CP-SAT model), `solving` (`solve`: tiers, components, gaps), `loading` (from the
database). The underscored names exported here are the parts the property tests check one by one.
"""

from insertion.planner.blocks import _Blocks
from insertion.planner.bounds import _Flow
from insertion.planner.greedy import _carried_over, _key, _warm_start, greedy
from insertion.planner.loading import load_previous, load_problem, plan_week
from insertion.planner.problem import TIERS, Plan, Problem, Unassigned, _components, _prepare, _values
from insertion.planner.solving import solve

__all__ = [
    "TIERS",
    "Plan",
    "Problem",
    "Unassigned",
    "_components",
    "_prepare",
    "_values",
    "_carried_over",
    "_key",
    "_warm_start",
    "greedy",
    "_Flow",
    "_Blocks",
    "solve",
    "load_previous",
    "load_problem",
    "plan_week",
]
