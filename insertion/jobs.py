"""Jobs born from sales (DOMAIN.md rule 15): insertion *pulls* its work from the apps below it.

A job source turns its own rows into `JobSpec`s, each keyed by (structure, source kind, source
id); `sync_jobs` creates, updates or cancels the jobs to match, so running it twice changes
nothing (the unique constraint on the key backs it). Bookings and deliveries will register their
own sources here (`register_source`) without touching `sync_jobs`.
"""

import datetime
import math
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from hub.models import Structure
from insertion.enums import JobSourceKind, JobStatus
from insertion.models import JOB_STATUS, Job, Team
from insertion.workdays import next_working_day
from marketplace.enums import FulfilmentStatus, PaymentStatus
from marketplace.models import OrderLine

# Work days are laid out from these half-days; one person does at most a half-day block per job.
HALF_DAYS = ((datetime.time(8, 30), datetime.time(12, 0)), (datetime.time(13, 30), datetime.time(17, 0)))
MAX_HOURS_PER_PERSON = Decimal("3.5")
QUARTER = 15


@dataclass(frozen=True)
class JobSpec:
    """What a source says one job should be. `cancelled` jobs are closed if they exist, never created."""

    structure_id: int
    source_kind: str
    source_id: str
    title: str
    date: datetime.date
    estimated_hours: Decimal
    headcount: int = 1
    required_skill_id: int | None = None
    place_id: int | None = None
    cancelled: bool = False
    start_time: datetime.time | None = None  # None: laid out by `sync_jobs` in the structure's day
    end_time: datetime.time | None = None


@dataclass
class SyncResult:
    created: int = 0
    updated: int = 0
    cancelled: int = 0
    unchanged: int = 0
    touched: list[int] = field(default_factory=list)


JobSourceFn = Callable[..., Iterable[JobSpec]]
_SOURCES: dict[str, JobSourceFn] = {}


def register_source(kind: str, source: JobSourceFn) -> None:
    """Add a source: a callable (structure: Structure | None, week: date | None) → JobSpecs."""
    _SOURCES[kind] = source


def sources() -> dict[str, JobSourceFn]:
    return dict(_SOURCES)


# The marketplace source: paid or confirmed orders of goods or services that need labour ------


def order_job_specs(*, structure: Structure | None = None, week: datetime.date | None = None) -> list[JobSpec]:
    """One preparation job per order and seller of goods: hours = Σ quantity × labour hours per unit.

    Dated the working day after the order's confirmation, at the order's pickup point; the
    skill is the one the offerings require (the first line's when they differ).
    """
    # Goods only: services (home visits, laundry, trips) become jobs through their bookings' own source.
    lines = OrderLine.objects.filter(
        is_goods=True, offering__labour_hours_per_unit__gt=0, order__confirmed_at__isnull=False
    ).filter(
        Q(
            order__fulfilment_status__in=[
                FulfilmentStatus.CONFIRMED,
                FulfilmentStatus.FULFILLED,
                FulfilmentStatus.CLOSED,
                FulfilmentStatus.CANCELLED,
            ]
        )
        | Q(order__payment_status=PaymentStatus.PAID)
    )
    if structure is not None:
        lines = lines.filter(seller=structure)
    if week is not None:
        # The job date is at most a long weekend after confirmation: look a week back.
        start = timezone.make_aware(datetime.datetime.combine(week - datetime.timedelta(days=7), datetime.time()))
        end = timezone.make_aware(datetime.datetime.combine(week + datetime.timedelta(days=7), datetime.time()))
        lines = lines.filter(order__confirmed_at__gte=start, order__confirmed_at__lt=end)
    lines = lines.select_related("order", "offering").order_by("order_id", "seller_id", "pk")

    grouped: dict[tuple[int, int], list] = defaultdict(list)
    for line in lines:
        grouped[(line.order_id, line.seller_id)].append(line)
    specs = []
    for (order_id, seller_id), order_lines in grouped.items():
        order = order_lines[0].order
        hours = sum(
            (line.billed_quantity * line.offering.labour_hours_per_unit for line in order_lines), Decimal("0")
        ).quantize(Decimal("0.01"))
        if hours <= 0:
            hours = Decimal("0.25")  # a weighed line not measured yet still needs someone
        headcount = max(
            max(line.offering.labour_headcount for line in order_lines), math.ceil(hours / MAX_HOURS_PER_PERSON)
        )
        day = next_working_day(timezone.localtime(order.confirmed_at).date())
        if week is not None and not (week <= day <= week + datetime.timedelta(days=6)):
            continue
        skill_id = next(
            (line.offering.required_skill_id for line in order_lines if line.offering.required_skill_id), None
        )
        specs.append(
            JobSpec(
                structure_id=seller_id,
                source_kind=JobSourceKind.ORDER,
                source_id=f"{order_id}",
                title=_("Préparation de la commande %(reference)s") % {"reference": order.reference},
                date=day,
                estimated_hours=hours,
                headcount=headcount,
                required_skill_id=skill_id,
                place_id=order.pickup_point_id,
                cancelled=order.fulfilment_status == FulfilmentStatus.CANCELLED,
            )
        )
    return specs


register_source(JobSourceKind.ORDER, order_job_specs)


# Syncing --------------------------------------------------------------------------------------


def _quarters(hours: Decimal) -> int:
    return max(1, math.ceil(hours * 60 / QUARTER))


def _lay_out(specs: list[JobSpec]) -> dict[str, tuple[datetime.time, datetime.time]]:
    """Times for one structure's jobs of one day, in source order: one after the other, half-day by half-day.

    Depends only on the jobs of that day (cancelled ones keep their slot), so a new order never
    moves the jobs already planned.
    """
    slots: dict[str, tuple[datetime.time, datetime.time]] = {}
    half_day, cursor = 0, _minutes(HALF_DAYS[0][0])
    for spec in sorted(specs, key=lambda spec: (len(spec.source_id), spec.source_id)):
        length = _quarters(spec.estimated_hours / spec.headcount) * QUARTER
        if cursor + length > _minutes(HALF_DAYS[half_day][1]):
            half_day = (half_day + 1) % len(HALF_DAYS)  # next half-day, then back to the morning: a new lane
            cursor = _minutes(HALF_DAYS[half_day][0])
        slots[spec.source_id] = (_time(cursor), _time(cursor + length))
        cursor += length
    return slots


def _minutes(value: datetime.time) -> int:
    return value.hour * 60 + value.minute


def _time(minutes: int) -> datetime.time:
    return datetime.time(minutes // 60, minutes % 60)


def _team_for(structure_id: int, skill_id: int | None, teams: dict[int, list[Team]]) -> int | None:
    candidates = teams.get(structure_id, [])
    if skill_id is not None:
        for team in candidates:
            if skill_id in team.skill_ids:
                return team.pk
    return None


SCHEDULE_FIELDS = ("date", "start_time", "end_time", "estimated_hours", "headcount", "required_skill_id")


@transaction.atomic
def sync_jobs(*, structure: Structure | None = None, week: datetime.date | None = None) -> SyncResult:
    """Create, update or cancel jobs so that they match their sources; idempotent.

    When a job's date, time, hours, headcount or skill change, its unlocked assignments are
    dropped (the supervisor replans); locked ones stay for the supervisor to look at. A done job
    (its timesheets validated) is left as it is.
    """
    result = SyncResult()
    specs = [spec for source in _SOURCES.values() for spec in source(structure=structure, week=week)]
    teams: dict[int, list[Team]] = defaultdict(list)
    for team in Team.objects.prefetch_related("skills").order_by("name"):
        team.skill_ids = {skill.pk for skill in team.skills.all()}
        teams[team.structure_id].append(team)

    by_day: dict[tuple[int, str, datetime.date], list[JobSpec]] = defaultdict(list)
    for spec in specs:
        if spec.start_time is None:
            by_day[(spec.structure_id, spec.source_kind, spec.date)].append(spec)
    times: dict[tuple[int, str, str], tuple[datetime.time, datetime.time]] = {}
    for (structure_id, kind, _day), day_specs in by_day.items():
        for source_id, slot in _lay_out(day_specs).items():
            times[(structure_id, kind, source_id)] = slot

    existing = {
        (job.structure_id, job.source_kind, job.source_id): job
        for job in Job.objects.select_for_update(of=("self",)).filter(
            source_kind__in={spec.source_kind for spec in specs},
            source_id__in={spec.source_id for spec in specs},
        )
    }
    for spec in specs:
        key = (spec.structure_id, spec.source_kind, spec.source_id)
        start, end = (spec.start_time, spec.end_time) if spec.start_time else times[key]
        values = {
            "title": spec.title,
            "date": spec.date,
            "start_time": start,
            "end_time": end,
            "estimated_hours": spec.estimated_hours,
            "headcount": spec.headcount,
            "required_skill_id": spec.required_skill_id,
            "place_id": spec.place_id,
            "team_id": _team_for(spec.structure_id, spec.required_skill_id, teams),
        }
        job = existing.get(key)
        if job is None:
            if spec.cancelled:
                continue
            try:
                with transaction.atomic():
                    job = Job.objects.create(
                        structure_id=spec.structure_id, source_kind=spec.source_kind, source_id=spec.source_id, **values
                    )
            except IntegrityError:  # a concurrent sync created it first: nothing more to do
                result.unchanged += 1
                continue
            result.created += 1
            result.touched.append(job.pk)
            continue
        if job.status == JobStatus.DONE:
            result.unchanged += 1  # done work is history: what its source became no longer changes it
            continue
        if spec.cancelled:
            if job.status != JobStatus.CANCELLED:
                job.set_status(JobStatus.CANCELLED, note=_("Origine annulée."))
                job.save(update_fields=[*JOB_STATUS.fields_set(JobStatus.CANCELLED), "updated_at"])
                result.cancelled += 1
                result.touched.append(job.pk)
            else:
                result.unchanged += 1
            continue
        changed = [name for name, value in values.items() if getattr(job, name) != value]
        if not changed:
            result.unchanged += 1
            continue
        if any(name in SCHEDULE_FIELDS for name in changed):
            job.assignments.filter(locked=False).delete()
        for name in changed:
            setattr(job, name, values[name])
        job.save(update_fields=[*changed, "updated_at"])
        result.updated += 1
        result.touched.append(job.pk)
    return result
