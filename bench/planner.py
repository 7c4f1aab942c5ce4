"""Benchmark of the week planner (insertion/planner/) against its greedy baseline.

A generated, realistic week of one structure: 80 workers in 10 teams, 300 jobs over five days
(1 to 4 people, 1 to 3.5 hours each), absences, contracts ending mid-week, suspended PASS IAE.
Then a scale curve (×2, ×4). No database: the planner works on plain facts.

    .venv/bin/python -m bench.planner [--seconds 10] [--workers 2]

Its last line is one JSON object: the ×1 week's figures, and `scale`, one entry per factor, whose
`gap` is the largest of the four tiers' gaps on the whole problem (ADR 0030).
"""

import argparse
import datetime
import json
import os
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

import django  # noqa: E402

django.setup()

from insertion.planner import TIERS, Problem, greedy, solve  # noqa: E402
from insertion.rules import AbsenceFacts, ApprovalFacts, ContractFacts, JobFacts, Period, WorkerFacts  # noqa: E402

MONDAY = datetime.date(2027, 3, 8)  # a week without public holidays
SKILLS = {1: "Maraîchage", 2: "Préparation de commandes", 3: "Conduite VL", 4: "Lavage", 5: "Repassage", 6: "Ménage"}
WEEKLY_HOURS = [20, 24, 26, 26, 26, 30, 35]


def generate(scale: int = 1, seed: int = 2026) -> Problem:
    rng = random.Random(seed + scale)
    teams = 10 * scale
    team_skills = {team: rng.sample(sorted(SKILLS), 2) for team in range(1, teams + 1)}
    workers = []
    for worker_id in range(1, 80 * scale + 1):
        team = (worker_id - 1) % teams + 1
        skills = set(team_skills[team])
        if rng.random() < 0.4:
            skills.add(rng.choice(sorted(SKILLS)))
        if rng.random() < 0.3:
            skills.discard(rng.choice(sorted(skills)))
        contract_end = MONDAY + datetime.timedelta(days=200)
        if rng.random() < 0.08:
            contract_end = MONDAY + datetime.timedelta(days=2)  # ends on Wednesday
        approval = ApprovalFacts(MONDAY - datetime.timedelta(days=300), MONDAY + datetime.timedelta(days=400))
        if rng.random() < 0.03:
            day = MONDAY + datetime.timedelta(days=rng.randrange(5))
            approval = ApprovalFacts(approval.start, approval.end, (Period(day, day + datetime.timedelta(days=30)),))
        absences = []
        if rng.random() < 0.2:
            first = MONDAY + datetime.timedelta(days=rng.randrange(5))
            absences.append(AbsenceFacts(first, first + datetime.timedelta(days=rng.randrange(3)), "Congé"))
        workers.append(
            WorkerFacts(
                id=worker_id,
                name=f"Salarié·e {worker_id}",
                structure_id=1,
                structure_name="Bench",
                team_id=team,
                skill_ids=frozenset(skills),
                contracts=[
                    ContractFacts(MONDAY - datetime.timedelta(days=100), contract_end, rng.choice(WEEKLY_HOURS) * 100)
                ],
                approvals=[approval],
                absences=absences,
            )
        )
    jobs = []
    for job_id in range(1, 300 * scale + 1):
        day = MONDAY + datetime.timedelta(days=rng.randrange(5))
        length = rng.choice([60, 90, 120, 150, 180, 210])
        start = rng.randrange(8 * 60, 17 * 60 - length + 1, 15)
        skill = rng.choice(sorted(SKILLS))
        team = next((team for team, skills in team_skills.items() if skill in skills), None)
        jobs.append(
            JobFacts(
                id=job_id,
                structure_id=1,
                title=f"Intervention {job_id}",
                date=day,
                start=start,
                end=start + length,
                centi=length * 100 // 60,
                headcount=rng.choice([1, 1, 2, 2, 3, 4]),
                skill_id=skill,
                skill_name=SKILLS[skill],
                team_id=team,
            )
        )
    return Problem(monday=MONDAY, workers=workers, jobs=jobs)


def run(scale: int, seconds: float, threads: int) -> dict:
    problem = generate(scale)
    baseline = greedy(problem)
    plan = solve(problem, seconds=seconds, workers=threads)
    return {
        "workers": len(problem.workers),
        "jobs": len(problem.jobs),
        "status": plan.status,
        "gap": plan.gap,
        "seconds": plan.seconds,
        "coverage": round(plan.coverage, 4),
        "greedy_coverage": round(baseline.coverage, 4),
        "fairness_mad": plan.fairness_mad,
        "greedy_fairness_mad": baseline.fairness_mad,
        "out_of_team_hours": plan.out_of_team_centi / 100,
        "greedy_out_of_team_hours": baseline.out_of_team_centi / 100,
        "demand_hours": plan.total_centi / 100,
        "tier1_seconds": plan.tier1_seconds,
        "gaps": plan.gaps,
        "parts": plan.parts,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=2, help="cores: blocks side by side on the ×4 week")
    parser.add_argument("--scales", default="1,2,4")
    args = parser.parse_args()
    results = {}
    print(f"{'×':>3} {'workers':>7} {'jobs':>5} {'status':>9} {'gap':>7} {'s':>6} {'tier1 s':>7} {'cover':>6} "
          f"{'greedy':>6} {'MAD h':>6} {'greedy':>6} {'gap cover':>9} {'deviation':>9} {'worst':>7} "
          f"{'team':>7}")  # fmt: skip
    for scale in [int(value) for value in args.scales.split(",")]:
        result = run(scale, args.seconds, args.workers)
        results[scale] = result
        print(
            f"{scale:>3} {result['workers']:>7} {result['jobs']:>5} {result['status']:>9} {result['gap']:>7.4f} "
            f"{result['seconds']:>6.2f} {result['tier1_seconds']:>7.2f} {result['coverage']:>6.3f} "
            f"{result['greedy_coverage']:>6.3f} "
            f"{result['fairness_mad']:>6.2f} {result['greedy_fairness_mad']:>6.2f} "
            + " ".join(f"{result['gaps'][tier]:>{width}.4f}" for tier, width in zip(TIERS, (9, 9, 7, 7), strict=True))
        )
    first = results[min(results)]
    keys = ["workers", "jobs", "status", "gap", "seconds", "coverage", "greedy_coverage", "fairness_mad",
            "greedy_fairness_mad"]  # fmt: skip
    summary = {key: first[key] for key in keys}
    summary["scale"] = [
        {
            "factor": scale,
            "gap": max(result["gaps"].values()),
            "seconds": result["seconds"],
            "fairness_mad": result["fairness_mad"],
            "greedy_fairness_mad": result["greedy_fairness_mad"],
        }
        for scale, result in sorted(results.items())
    ]
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
