"""The planner never breaks a hard rule, keeps locked assignments and covers at least as much as greedy."""

import dataclasses
import datetime
import time
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from insertion import actions, planner, selectors
from insertion.actions import accept_plan
from insertion.models import Assignment, Worker
from insertion.planner import Problem, greedy, plan_week, solve
from insertion.rules import AbsenceFacts, ApprovalFacts, Booked, ContractFacts, JobFacts, Period, WorkerFacts, refusal
from insertion.workdays import week_days
from tests.insertion.factories import MONDAY, JobFactory, WorkerFactory, day, skill

SKILLS = {1: "Maraîchage", 2: "Ménage", 3: "Conduite"}


@st.composite
def weeks(draw) -> Problem:
    """A small random week of one structure: 2–6 workers, 3–14 jobs, absences, contracts, PASS IAE."""
    workers = []
    for worker_id in range(1, draw(st.integers(2, 6)) + 1):
        contract_start = MONDAY - datetime.timedelta(days=draw(st.integers(-3, 30)))
        contract_end = MONDAY + datetime.timedelta(days=draw(st.integers(1, 60)))
        approval_end = MONDAY + datetime.timedelta(days=draw(st.integers(-1, 60)))
        suspensions = ()
        if draw(st.booleans()) and draw(st.booleans()):
            first = MONDAY + datetime.timedelta(days=draw(st.integers(0, 4)))
            suspensions = (Period(first, first + datetime.timedelta(days=draw(st.integers(0, 3)))),)
        absences = []
        if draw(st.booleans()):
            first = MONDAY + datetime.timedelta(days=draw(st.integers(0, 4)))
            absences.append(AbsenceFacts(first, first + datetime.timedelta(days=draw(st.integers(0, 2))), "Congé"))
        workers.append(
            WorkerFacts(
                id=worker_id,
                name=f"W{worker_id}",
                structure_id=draw(st.sampled_from([1, 1, 1, 2])),
                structure_name="S",
                team_id=draw(st.sampled_from([10, 11, None])),
                skill_ids=frozenset(draw(st.sets(st.sampled_from(sorted(SKILLS)), max_size=3))),
                contracts=[ContractFacts(contract_start, contract_end, draw(st.sampled_from([600, 1000, 2000, 2600])))],
                approvals=[ApprovalFacts(MONDAY - datetime.timedelta(days=100), approval_end, suspensions)],
                absences=absences,
            )
        )
    jobs = []
    for job_id in range(1, draw(st.integers(3, 14)) + 1):
        start = draw(st.integers(16, 64)) * 15
        length = draw(st.sampled_from([60, 120, 180, 210, 300]))
        skill_id = draw(st.sampled_from([None, 1, 2, 3]))
        jobs.append(
            JobFacts(
                id=job_id,
                structure_id=1,
                title=f"J{job_id}",
                date=MONDAY + datetime.timedelta(days=draw(st.integers(0, 4))),
                start=start,
                end=start + length,
                centi=length * 100 // 60,
                headcount=draw(st.integers(1, 3)),
                skill_id=skill_id,
                skill_name=SKILLS.get(skill_id, ""),
                team_id=draw(st.sampled_from([10, 11, None])),
            )
        )
    return Problem(monday=MONDAY, workers=workers, jobs=jobs)


def assert_keeps_every_rule(problem: Problem, pairs: list[tuple[int, int]]) -> None:
    """Replays the plan through `rules.refusal`, the very check `assign_worker` makes."""
    workers = {worker.id: worker for worker in problem.workers}
    jobs = {job.id: job for job in problem.jobs}
    assert len(set(pairs)) == len(pairs)
    for job_id, count in Counter(job_id for job_id, _worker_id in pairs).items():
        assert count <= jobs[job_id].headcount
    booked: dict[int, list[Booked]] = {worker_id: [] for worker_id in workers}
    for job_id, worker_id in sorted(pairs, key=lambda pair: (jobs[pair[0]].date, jobs[pair[0]].start)):
        job = jobs[job_id]
        broken = refusal(workers[worker_id], job, booked[worker_id], week=week_days(problem.monday))
        assert broken is None, broken.message
        booked[worker_id].append(Booked(job.id, job.title, job.date, job.start, job.end, job.centi))


@pytest.mark.django_db  # rules speak French through gettext: settings must be loaded
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(problem=weeks())
def test_the_planner_never_breaks_a_rule_and_covers_at_least_as_much_as_greedy(problem):
    problem.locked = greedy(problem).pairs[::3]  # some assignments locked by the supervisor
    baseline = greedy(problem)
    plan = solve(problem, seconds=1)

    assert_keeps_every_rule(problem, baseline.pairs)
    assert_keeps_every_rule(problem, plan.pairs)
    assert set(problem.locked) <= set(plan.pairs)
    assert plan.covered_centi >= baseline.covered_centi
    assert plan.status in {"OPTIMAL", "FEASIBLE"}
    assert {item.job_id for item in plan.unassigned} == {
        job.id for job in problem.jobs if sum(1 for job_id, _w in plan.pairs if job_id == job.id) < job.headcount
    }


@pytest.mark.django_db
def test_locked_assignments_are_kept_even_when_a_better_plan_would_move_them():
    skilled = WorkerFacts(1, "A", 1, "S", None, frozenset({1}), [ContractFacts(day(-10), day(30), 400)],
                          [ApprovalFacts(day(-10), day(300))])  # fmt: skip
    other = WorkerFacts(2, "B", 1, "S", None, frozenset(), [ContractFacts(day(-10), day(30), 400)],
                        [ApprovalFacts(day(-10), day(300))])  # fmt: skip
    needs_skill = JobFacts(1, 1, "Skilled", MONDAY, 480, 660, 300, 1, 1, "Maraîchage")
    anyone = JobFacts(2, 1, "Anyone", MONDAY, 720, 900, 300, 1, None)
    # Worker A (4 h a week) is locked on the job anyone could do: the skilled job stays empty.
    problem = Problem(monday=MONDAY, workers=[skilled, other], jobs=[needs_skill, anyone], locked=[(2, 1)])

    plan = solve(problem, seconds=1)

    assert plan.pairs == [(2, 1)]
    assert plan.status == "OPTIMAL"
    (unassigned,) = plan.unassigned
    assert (unassigned.job_id, unassigned.missing) == (1, 1)
    assert unassigned.reason == (
        "Les personnes qualifiées sont déjà occupées sur ce créneau ou au bout de leurs heures de la semaine."
    )


@pytest.mark.django_db
def test_an_unskilled_structure_is_the_reason_given():
    worker = WorkerFacts(1, "A", 1, "S", None, frozenset(), [ContractFacts(day(-10), day(30), 2600)],
                         [ApprovalFacts(day(-10), day(300))])  # fmt: skip
    job = JobFacts(1, 1, "Récolte", MONDAY, 480, 660, 300, 1, 1, "Maraîchage")

    plan = solve(Problem(monday=MONDAY, workers=[worker], jobs=[job]), seconds=1)

    assert plan.pairs == []
    assert [item.reason for item in plan.unassigned] == ["Personne dans la structure n'a la compétence « Maraîchage »."]


@pytest.mark.django_db
def test_the_second_tier_brings_everyone_close_to_their_contract_hours():
    """Two interchangeable workers, four 5-hour jobs: 10 h each rather than 20 h and 0 h."""
    workers = [
        WorkerFacts(
            wid,
            f"W{wid}",
            1,
            "S",
            None,
            frozenset(),
            [ContractFacts(day(-10), day(30), 2000)],
            [ApprovalFacts(day(-10), day(300))],
        )  # fmt: skip
        for wid in (1, 2)
    ]
    jobs = [JobFacts(jid, 1, f"J{jid}", day(jid - 1), 480, 780, 500, 1, None) for jid in range(1, 5)]

    plan = solve(Problem(monday=MONDAY, workers=workers, jobs=jobs), seconds=1)

    assert plan.covered_centi == 2000
    assert plan.planned_centi == {1: 1000, 2: 1000}
    assert plan.deviation_centi == 2 * (2000 - 1000)


def test_plan_accepted_on_the_database_goes_through_every_rule(structure, supervisor_user):
    """The database planner's proposal, replayed through `assign_worker`, is accepted whole."""
    workers = [WorkerFactory(structure=structure, ready=True, skills=["maraichage"]) for _index in range(3)]
    WorkerFactory(structure=structure, ready=True, skills=["menage"])
    for offset in range(5):
        JobFactory(structure=structure, date=day(offset), required_skill=skill(), headcount=2,
                   estimated_hours="7.00")  # fmt: skip
        JobFactory(structure=structure, date=day(offset), start_time=datetime.time(13, 30),
                   end_time=datetime.time(16, 30), estimated_hours="3.00")  # fmt: skip

    plan = plan_week(structure=structure, monday=MONDAY, seconds=2)
    created = accept_plan(structure=structure, monday=MONDAY, pairs=plan.pairs, by=supervisor_user)

    assert plan.status == "OPTIMAL"
    assert len(created) == len(plan.pairs) == Assignment.objects.filter(job__structure=structure).count()
    assert plan.coverage == pytest.approx(plan.covered_centi / plan.total_centi)
    for worker in Worker.objects.filter(pk__in=[w.pk for w in workers]):
        hours = sum(a.hours for a in worker.assignments.all())
        assert hours <= 26


# Scale (ADR 0030): components solved apart, blocks, warm starts, bounds ------------------------------


@st.composite
def split_weeks(draw) -> Problem:
    """Two small weeks side by side, the second in structure 2: the compatibility graph has several parts."""
    first, second = draw(weeks()), draw(weeks())
    workers = [*first.workers] + [
        dataclasses.replace(worker, id=worker.id + 100, structure_id=2) for worker in second.workers
    ]
    jobs = [*first.jobs] + [dataclasses.replace(job, id=job.id + 100, structure_id=2) for job in second.jobs]
    return Problem(monday=MONDAY, workers=workers, jobs=jobs)


def tiers_of(problem: Problem, plan) -> tuple[int, int, int, int]:
    """The four tiers' values of a plan: covered, total and worst deviation (people who may take a job), team."""
    prepared = planner._prepare(problem)
    deviations = [abs(plan.planned_centi[w] - plan.target_centi[w]) for w in prepared.workers if prepared.has_jobs[w]]
    return plan.covered_centi, sum(deviations), max(deviations, default=0), plan.out_of_team_centi


@pytest.mark.django_db
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(problem=split_weeks())
def test_the_split_reaches_the_same_optimum_as_one_model_on_every_tier(problem):
    problem.locked = greedy(problem).pairs[::4]
    apart = solve(problem, seconds=5)
    whole = solve(problem, seconds=5, split=False)

    # Both are proven optimal tier by tier (every gap is zero), so their values must be equal.
    assert apart.gaps == whole.gaps == dict.fromkeys(planner.TIERS, 0.0)
    assert tiers_of(problem, apart) == tiers_of(problem, whole)
    assert apart.parts == len(planner._components(planner._prepare(problem)))
    assert whole.parts == min(1, apart.parts)
    assert_keeps_every_rule(problem, apart.pairs)
    assert set(problem.locked) <= set(apart.pairs)


@pytest.mark.django_db
def test_the_components_share_no_worker_and_no_job():
    def worker(wid, structure_id, skills):
        return WorkerFacts(wid, f"W{wid}", structure_id, "S", None, frozenset(skills),
                           [ContractFacts(day(-10), day(30), 2000)], [ApprovalFacts(day(-10), day(300))])  # fmt: skip

    workers = [worker(1, 1, {1}), worker(2, 1, {2}), worker(3, 2, {1}), worker(4, 1, {1})]
    jobs = [
        JobFacts(1, 1, "Récolte", MONDAY, 480, 600, 200, 1, 1, "Maraîchage"),
        JobFacts(2, 1, "Ménage", MONDAY, 480, 600, 200, 1, 2, "Ménage"),
        JobFacts(3, 2, "Récolte ailleurs", MONDAY, 480, 600, 200, 1, 1, "Maraîchage"),
        JobFacts(4, 1, "Conduite", MONDAY, 480, 600, 200, 1, 3, "Conduite"),  # nobody may take it
        JobFacts(5, 1, "Récolte 2", day(1), 480, 600, 200, 2, 1, "Maraîchage"),
    ]
    problem = Problem(monday=MONDAY, workers=workers, jobs=jobs)

    parts = planner._components(planner._prepare(problem))

    assert [(part.worker_ids, part.job_ids) for part in parts] == [([1, 4], [1, 5]), ([2], [2]), ([3], [3])]
    plan = solve(problem, seconds=2)
    assert plan.parts == 3
    assert plan.pairs == [(1, 1), (2, 2), (3, 3), (5, 1), (5, 4)]
    assert [item.job_id for item in plan.unassigned] == [4]


@pytest.mark.django_db
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(problem=split_weeks())
def test_the_flow_bounds_hold_for_every_legal_plan(problem):
    """Our bounds are what makes a gap honest: none may be beaten by a legal plan (greedy's or the solver's)."""
    prepared = planner._prepare(problem)
    for plan_pairs in (greedy(problem).pairs, solve(problem, seconds=2).pairs):
        for part in planner._components(prepared):
            flow = planner._Flow(prepared, part)
            values = planner._values(prepared, part, {pair for pair in plan_pairs if pair[0] in part.job_ids})
            covered = -values["coverage"]

            assert flow.cover_bound() >= covered
            assert flow.deviation_bound(covered) <= values["deviation"]
            assert flow.worst_bound(covered) <= values["worst"]
            assert flow.outside_bound(covered, values["worst"]) <= values["out_of_team"]
            # The earlier tiers held as the solver holds them: coverage between the plan's and the cover bound,
            # total deviation at most the plan's (then the plan's coverage as the upper end too).
            for most in (flow.cover_bound(), covered):
                assert flow.deviation_bound(covered, most) <= values["deviation"]
                assert flow.worst_bound(covered, values["deviation"], most) <= values["worst"]
                assert flow.outside_bound(covered, values["worst"], values["deviation"], most) <= values["out_of_team"]


@pytest.mark.django_db
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(problem=weeks())
def test_the_bounds_with_earlier_tiers_held_never_beat_the_exact_optimum(problem):
    """The lexicographic optimum (one model, every tier proven) is the hardest plan to stay below: each bound,
    given the optimum's earlier tiers, is at most the optimum's value of its tier."""
    plan = solve(problem, seconds=5, split=False)
    prepared = planner._prepare(problem)

    assert plan.gaps == dict.fromkeys(planner.TIERS, 0.0)
    for part in planner._components(prepared):
        flow = planner._Flow(prepared, part)
        values = planner._values(prepared, part, {pair for pair in plan.pairs if pair[0] in part.job_ids})
        covered = -values["coverage"]
        assert flow.deviation_bound(covered, covered) <= values["deviation"]
        assert flow.worst_bound(covered, values["deviation"], covered) <= values["worst"]
        assert flow.outside_bound(covered, values["worst"], values["deviation"], covered) <= values["out_of_team"]


@pytest.mark.django_db
def test_the_team_bound_holds_everyone_within_the_worst_deviation_of_target():
    """A's team has three 5-hour jobs. A (20 h a week, absent Thursday and Friday: 12 h to plan) could take them
    all, but then B (10 h, other team) would be 10 h short: the optimum gives B one (worst 5 h, 5 h out of
    team). The bound sees it only because B must get at least target − worst; without that floor it was 0."""
    absent = [AbsenceFacts(day(3), day(4), "Congé")]
    a = WorkerFacts(1, "A", 1, "S", 10, frozenset(), [ContractFacts(day(-10), day(30), 2000)],
                    [ApprovalFacts(day(-10), day(300))], absent)  # fmt: skip
    b = WorkerFacts(2, "B", 1, "S", 11, frozenset(), [ContractFacts(day(-10), day(30), 1000)],
                    [ApprovalFacts(day(-10), day(300))])  # fmt: skip
    jobs = [JobFacts(jid, 1, f"J{jid}", day(jid - 1), 480, 780, 500, 1, None, "", 10) for jid in range(1, 4)]
    problem = Problem(monday=MONDAY, workers=[a, b], jobs=jobs)
    prepared = planner._prepare(problem)
    (part,) = planner._components(prepared)
    flow = planner._Flow(prepared, part)

    assert (prepared.targets, flow.cover_bound(), flow.deviation_bound(1500, 1500)) == ({1: 1200, 2: 1000}, 1500, 700)
    assert flow.worst_bound(1500, 700, 1500) == 500
    assert flow.outside_bound(1500, 500, 700, 1500) == 500
    plan = solve(problem, seconds=2)
    assert plan.gaps == dict.fromkeys(planner.TIERS, 0.0)
    assert (plan.planned_centi, plan.out_of_team_centi) == ({1: 1000, 2: 500}, 500)


@pytest.mark.django_db
def test_the_local_search_lifts_the_worst_off_by_moving_a_seat():
    """One person holds both 5-hour jobs, the other none (both 10 h a week): one job moves, 5 h each."""
    workers = [
        WorkerFacts(
            wid,
            f"W{wid}",
            1,
            "S",
            None,
            frozenset(),
            [ContractFacts(day(-10), day(30), 1000)],
            [ApprovalFacts(day(-10), day(300))],
        )  # fmt: skip
        for wid in (1, 2)
    ]
    jobs = [JobFacts(jid, 1, f"J{jid}", day(jid - 1), 480, 780, 500, 1, None) for jid in (1, 2)]
    prepared = planner._prepare(Problem(monday=MONDAY, workers=workers, jobs=jobs))
    (part,) = planner._components(prepared)
    blocks = planner._Blocks(prepared, part, {(1, 1), (2, 1)}, workers=1, seed=0, parameters={})

    blocks.search("worst", until=time.monotonic() + 5)

    assert blocks.planned == {1: 500, 2: 500}
    assert len(blocks.pairs) == 2


@pytest.mark.django_db
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(problem=weeks())
def test_blocks_keep_every_rule_and_never_lose_to_their_start(problem, monkeypatch):
    monkeypatch.setattr(planner.solving, "FULL_MODEL_EDGES", 0)  # every component solved block by block
    problem.locked = greedy(problem).pairs[::3]
    prepared = planner._prepare(problem)

    plan = solve(problem, seconds=1)

    assert_keeps_every_rule(problem, plan.pairs)
    assert set(problem.locked) <= set(plan.pairs)
    assert planner._key(prepared, plan.pairs) <= planner._key(prepared, greedy(problem).pairs)


def last_week(job: JobFacts) -> JobFacts:
    return dataclasses.replace(job, id=job.id + 1000, date=job.date - datetime.timedelta(days=7))


@pytest.mark.django_db
def test_last_weeks_plan_is_carried_to_the_overlapping_job_of_the_same_weekday_skill_and_team():
    worker = WorkerFacts(1, "A", 1, "S", 10, frozenset({1, 2}), [ContractFacts(day(-30), day(30), 2600)],
                         [ApprovalFacts(day(-30), day(300))])  # fmt: skip
    morning = JobFacts(1, 1, "Récolte matin", MONDAY, 540, 720, 300, 1, 1, "Maraîchage", 10)
    afternoon = JobFacts(2, 1, "Récolte après-midi", MONDAY, 780, 960, 300, 1, 1, "Maraîchage", 10)
    other_skill = JobFacts(3, 1, "Ménage", MONDAY, 510, 720, 350, 1, 2, "Ménage", 10)
    tuesday = JobFacts(4, 1, "Récolte mardi", day(1), 510, 720, 350, 1, 1, "Maraîchage", 10)
    problem = Problem(monday=MONDAY, workers=[worker], jobs=[morning, afternoon, other_skill, tuesday])
    previous = [(dataclasses.replace(morning, id=99, date=day(-7), start=510, end=660), 1)]

    assert planner._carried_over(planner._prepare(problem), previous) == [(1, 1)]
    assert planner._carried_over(planner._prepare(problem), [(last_week(other_skill), 1)]) == [(3, 1)]
    assert (
        planner._carried_over(planner._prepare(problem), [(dataclasses.replace(last_week(morning), team_id=11), 1)])
        == []
    )


@pytest.mark.django_db
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(problem=weeks(), data=st.data())
def test_a_warm_start_from_last_week_never_breaks_a_rule(problem, data):
    """Last week's pairs may be illegal now (skill, absence, other structure, full hours): they are only hints."""
    previous = [
        (last_week(data.draw(st.sampled_from(problem.jobs))), data.draw(st.sampled_from(problem.workers)).id)
        for _index in range(data.draw(st.integers(0, 12)))
    ]
    baseline = greedy(problem)

    plan = solve(problem, seconds=1, previous=previous)

    assert_keeps_every_rule(problem, plan.pairs)
    assert plan.covered_centi >= baseline.covered_centi
    prepared = planner._prepare(problem)
    assert_keeps_every_rule(problem, planner._warm_start(prepared, previous))
    assert planner._key(prepared, planner._warm_start(prepared, previous)) <= planner._key(prepared, baseline.pairs)


def test_the_database_planner_starts_from_last_weeks_assignments(structure, supervisor_user):
    """Two interchangeable gardeners: greedy would take the first; last week the second held the slot."""
    first, second = (WorkerFactory(structure=structure, ready=True, skills=["maraichage"]) for _index in range(2))
    before = JobFactory(structure=structure, date=day(-7), required_skill=skill())
    actions.assign_worker(job=before, worker=second, by=supervisor_user)
    job = JobFactory(structure=structure, date=day(0), required_skill=skill())

    previous = planner.load_previous(structure=structure, monday=MONDAY)
    plan = plan_week(structure=structure, monday=MONDAY, seconds=2)

    assert previous == [(selectors.job_facts(before), second.pk)]
    assert greedy(planner.load_problem(structure=structure, monday=MONDAY)).pairs == [(job.pk, first.pk)]
    assert plan.pairs == [(job.pk, second.pk)]
    assert plan.gaps == dict.fromkeys(planner.TIERS, 0.0)
