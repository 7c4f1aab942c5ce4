"""Laying jobs out in the day, and choosing their team.

Jobs without a time of their own are laid out one after the other, half-day by half-day, in
source order, after the jobs already on that day: a new or changed source never moves the others.
A job goes to the structure's first team (by name) with the skill it requires, if any.
"""

import datetime
import math
from collections import defaultdict
from decimal import Decimal

from insertion.jobs.specs import HALF_DAYS, QUARTER, JobSpec
from insertion.models import Job, Team


def _quarters(hours: Decimal) -> int:
    return max(1, math.ceil(hours * 60 / QUARTER))


def length(spec: JobSpec) -> int:
    """Minutes one person spends on the job, in whole quarters."""
    return _quarters(spec.estimated_hours / spec.headcount) * QUARTER


def _source_order(source_id: str) -> tuple[int, str]:
    return (len(source_id), source_id)


def _lay_out(
    specs: list[JobSpec], *, after: tuple[datetime.time, datetime.time] | None = None
) -> dict[str, tuple[datetime.time, datetime.time]]:
    """Times for one structure's new jobs of one day, in source order: one after the other, half-day by half-day.

    They follow `after`, the slot of the day's last job already there (in source order): jobs
    already laid out keep their times, so a new or changed source never moves the others.
    """
    slots: dict[str, tuple[datetime.time, datetime.time]] = {}
    half_day, cursor = 0, minutes(HALF_DAYS[0][0])
    if after is not None:
        half_day = 1 if minutes(after[0]) >= minutes(HALF_DAYS[1][0]) else 0
        cursor = minutes(after[1])
    for spec in sorted(specs, key=lambda spec: _source_order(spec.source_id)):
        span = length(spec)
        if cursor + span > minutes(HALF_DAYS[half_day][1]):
            half_day = (half_day + 1) % len(HALF_DAYS)  # next half-day, then back to the morning: a new lane
            cursor = minutes(HALF_DAYS[half_day][0])
        slots[spec.source_id] = (time(cursor), time(cursor + span))
        cursor += span
    return slots


def minutes(value: datetime.time) -> int:
    """Minutes since midnight."""
    return value.hour * 60 + value.minute


def time(total: int) -> datetime.time:
    """The time `total` minutes after midnight, in the same day."""
    total = min(total, 23 * 60 + 45)  # a job never runs past the day it is in
    return datetime.time(total // 60, total % 60)


def times_for(specs: list[JobSpec]) -> dict[tuple[int, str, str], tuple[datetime.time, datetime.time]]:
    """Slots for the jobs to place on a day (new ones, or ones moved to another day): after the day's jobs (1 query)."""
    by_day: dict[tuple[int, str, datetime.date], list[JobSpec]] = defaultdict(list)
    for spec in specs:
        by_day[(spec.structure_id, spec.source_kind, spec.date)].append(spec)
    if not by_day:
        return {}
    placing = {spec.key for spec in specs}
    last: dict[tuple[int, str, datetime.date], tuple[str, datetime.time, datetime.time]] = {}
    for structure_id, kind, source_id, day, start, end in Job.objects.filter(
        structure_id__in={key[0] for key in by_day},
        source_kind__in={key[1] for key in by_day},
        date__in={key[2] for key in by_day},
    ).values_list("structure_id", "source_kind", "source_id", "date", "start_time", "end_time"):
        day_key = (structure_id, kind, day)
        if day_key not in by_day or (structure_id, kind, source_id) in placing:
            continue
        if day_key not in last or _source_order(source_id) > _source_order(last[day_key][0]):
            last[day_key] = (source_id, start, end)
    times = {}
    for day_key, day_specs in by_day.items():
        after = last[day_key][1:] if day_key in last else None
        for source_id, slot in _lay_out(day_specs, after=after).items():
            times[(day_key[0], day_key[1], source_id)] = slot
    return times


# Choosing the team ---------------------------------------------------------------------------


def teams() -> dict[int, list[Team]]:
    """Every team with its skill ids (`skill_ids`), by structure, by name (2 queries)."""
    by_structure: dict[int, list[Team]] = defaultdict(list)
    for team in Team.objects.prefetch_related("skills").order_by("name"):
        team.skill_ids = {skill.pk for skill in team.skills.all()}
        by_structure[team.structure_id].append(team)
    return by_structure


def team_for(structure_id: int, skill_id: int | None, teams: dict[int, list[Team]]) -> int | None:
    """The structure's first team with the required skill, if any."""
    candidates = teams.get(structure_id, [])
    if skill_id is not None:
        for team in candidates:
            if skill_id in team.skill_ids:
                return team.pk
    return None
