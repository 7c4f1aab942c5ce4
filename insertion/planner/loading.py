"""The planner from the database: the week's open jobs, its workers, locked and last week's assignments."""

import datetime

from insertion import selectors
from insertion.enums import JobStatus
from insertion.models import Assignment, Worker
from insertion.planner.problem import Plan, Problem
from insertion.planner.solving import solve
from insertion.rules import JobFacts


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
