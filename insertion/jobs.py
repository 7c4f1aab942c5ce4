"""Jobs born from sales (DOMAIN.md rule 15): insertion *pulls* its work from the apps below it.

A job source turns its own rows into `JobSpec`s, each keyed by (structure, source kind, source
id); `sync_jobs` creates, updates or cancels the jobs to match, so running it twice changes
nothing (the unique constraint on the key backs it). Bookings and deliveries register their own
sources here (`register_source`) without touching `sync_jobs`.

History is never rewritten: sources read only the labour snapshotted on their own rows when the
sale was confirmed (never the live catalogue), and a job is touched only when what its source
says (`JobSpec.version`) differs from what it said when the job was last derived. A job with
workers assigned keeps them when its source changes or is cancelled: the assignments are flagged
and the supervisor gets a `JobAlert` saying what changed.
"""

import datetime
import hashlib
import math
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from hub.models import Site, Skill, Structure
from insertion.enums import AlertKind, JobSourceKind, JobStatus
from insertion.models import JOB_STATUS, Assignment, Job, JobAlert, Team
from insertion.rules import format_hours, to_centi
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
    source_label: str = ""  # "La commande CMD-…": how an alert names the source (feminine, singular)

    @property
    def key(self) -> tuple[int, str, str]:
        return (self.structure_id, self.source_kind, self.source_id)

    @property
    def version(self) -> str:
        """A digest of the facts the source gives (not the title, a label that may follow the catalogue)."""
        facts = (
            self.date.isoformat(),
            f"{Decimal(self.estimated_hours):.2f}",
            self.headcount,
            self.required_skill_id,
            self.place_id,
            self.cancelled,
            self.start_time.isoformat() if self.start_time else None,
            self.end_time.isoformat() if self.end_time else None,
        )
        return hashlib.sha1(repr(facts).encode(), usedforsecurity=False).hexdigest()


@dataclass
class SyncResult:
    created: int = 0
    updated: int = 0
    cancelled: int = 0
    unchanged: int = 0
    alerts: int = 0
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
    skill is the one the lines require (the first line's when they differ). The labour is the one
    snapshotted on the lines when the order was placed, never the offering's current one.
    """
    # Goods only: services (home visits, laundry, trips) become jobs through their bookings' own source.
    lines = OrderLine.objects.filter(
        is_goods=True, labour_hours_per_unit__gt=0, order__confirmed_at__isnull=False
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
    lines = lines.select_related("order").order_by("order_id", "seller_id", "pk")

    grouped: dict[tuple[int, int], list] = defaultdict(list)
    for line in lines:
        grouped[(line.order_id, line.seller_id)].append(line)
    specs = []
    for (order_id, seller_id), order_lines in grouped.items():
        order = order_lines[0].order
        hours = sum((line.billed_quantity * line.labour_hours_per_unit for line in order_lines), Decimal("0")).quantize(
            Decimal("0.01")
        )
        if hours <= 0:
            hours = Decimal("0.25")  # a weighed line not measured yet still needs someone
        headcount = max(max(line.labour_headcount for line in order_lines), math.ceil(hours / MAX_HOURS_PER_PERSON))
        day = next_working_day(timezone.localtime(order.confirmed_at).date())
        if week is not None and not (week <= day <= week + datetime.timedelta(days=6)):
            continue
        skill_id = next((line.required_skill_id for line in order_lines if line.required_skill_id), None)
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
                source_label=_("La commande %(reference)s") % {"reference": order.reference},
            )
        )
    return specs


register_source(JobSourceKind.ORDER, order_job_specs)


# Syncing --------------------------------------------------------------------------------------


def _quarters(hours: Decimal) -> int:
    return max(1, math.ceil(hours * 60 / QUARTER))


def _length(spec: JobSpec) -> int:
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
    half_day, cursor = 0, _minutes(HALF_DAYS[0][0])
    if after is not None:
        half_day = 1 if _minutes(after[0]) >= _minutes(HALF_DAYS[1][0]) else 0
        cursor = _minutes(after[1])
    for spec in sorted(specs, key=lambda spec: _source_order(spec.source_id)):
        length = _length(spec)
        if cursor + length > _minutes(HALF_DAYS[half_day][1]):
            half_day = (half_day + 1) % len(HALF_DAYS)  # next half-day, then back to the morning: a new lane
            cursor = _minutes(HALF_DAYS[half_day][0])
        slots[spec.source_id] = (_time(cursor), _time(cursor + length))
        cursor += length
    return slots


def _minutes(value: datetime.time) -> int:
    return value.hour * 60 + value.minute


def _time(minutes: int) -> datetime.time:
    minutes = min(minutes, 23 * 60 + 45)  # a job never runs past the day it is in
    return datetime.time(minutes // 60, minutes % 60)


def _times_for(specs: list[JobSpec]) -> dict[tuple[int, str, str], tuple[datetime.time, datetime.time]]:
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


def _teams() -> dict[int, list[Team]]:
    teams: dict[int, list[Team]] = defaultdict(list)
    for team in Team.objects.prefetch_related("skills").order_by("name"):
        team.skill_ids = {skill.pk for skill in team.skills.all()}
        teams[team.structure_id].append(team)
    return teams


def _team_for(structure_id: int, skill_id: int | None, teams: dict[int, list[Team]]) -> int | None:
    candidates = teams.get(structure_id, [])
    if skill_id is not None:
        for team in candidates:
            if skill_id in team.skill_ids:
                return team.pk
    return None


# The facts a source gives a job, in the order an alert lists their changes.
FACT_FIELDS = ("date", "start_time", "end_time", "estimated_hours", "headcount", "required_skill_id", "place_id")


@transaction.atomic
def sync_jobs(*, structure: Structure | None = None, week: datetime.date | None = None) -> SyncResult:
    """Create, update or cancel jobs so that they match their sources; idempotent, and history is kept.

    Only jobs whose source says something new are written (`JobSpec.version` against the job's
    `source_version`): a second run, or a run after an offering was edited, writes nothing, in a
    number of queries that does not grow with the sources. A changed job keeps its time of day (only
    its end follows its hours) unless it moves to another day. Its workers stay assigned, whether
    the source changed or was cancelled: their assignments are flagged and the structure's
    supervisors get one `JobAlert` saying what changed. A done job (its timesheets validated) is
    history and is never touched.
    """
    result = SyncResult()
    specs = [spec for source in _SOURCES.values() for spec in source(structure=structure, week=week)]
    if not specs:
        return result
    known = {
        (job.structure_id, job.source_kind, job.source_id): job
        for job in Job.objects.filter(
            source_kind__in={spec.source_kind for spec in specs}, source_id__in={spec.source_id for spec in specs}
        ).only("pk", "structure_id", "source_kind", "source_id", "status", "source_version")
    }
    new, stale = [], []
    for spec in specs:
        job = known.get(spec.key)
        if job is None:
            if not spec.cancelled:
                new.append(spec)
        elif job.status == JobStatus.DONE or job.source_version == spec.version:
            result.unchanged += 1  # done work is history; a source that says nothing new leaves its job alone
        else:
            stale.append(spec)

    changes = _changes(stale, known, result)
    moved = [spec for spec, job, _values in changes if spec.start_time is None and spec.date != job.date]
    times = _times_for([spec for spec in new if spec.start_time is None] + moved)
    needs_teams = new or any("required_skill_id" in values for _spec, _job, values in changes)
    teams = _teams() if needs_teams else {}
    _apply(changes, times, teams, result)
    for spec in new:
        start, end = (spec.start_time, spec.end_time) if spec.start_time else times[spec.key]
        try:
            with transaction.atomic():
                job = Job.objects.create(
                    structure_id=spec.structure_id,
                    source_kind=spec.source_kind,
                    source_id=spec.source_id,
                    title=spec.title,
                    date=spec.date,
                    start_time=start,
                    end_time=end,
                    estimated_hours=spec.estimated_hours,
                    headcount=spec.headcount,
                    required_skill_id=spec.required_skill_id,
                    place_id=spec.place_id,
                    team_id=_team_for(spec.structure_id, spec.required_skill_id, teams),
                    source_version=spec.version,
                )
        except IntegrityError:  # a concurrent sync created it first: nothing more to do
            result.unchanged += 1
            continue
        result.created += 1
        result.touched.append(job.pk)
    return result


def _changes(stale: list[JobSpec], known: dict, result: SyncResult) -> list[tuple[JobSpec, Job, dict]]:
    """The jobs whose source changed, locked, each with the facts that differ (2 queries, none if nothing changed).

    Facts equal to the job's own (a job made before versions existed, or a changed title) only
    record the version, without touching `updated_at`.
    """
    if not stale:
        return []
    jobs = {
        job.pk: job
        for job in Job.objects.select_for_update(of=("self",))
        .filter(pk__in=[known[spec.key].pk for spec in stale])
        .prefetch_related(Prefetch("assignments", queryset=Assignment.objects.select_related("worker").order_by("pk")))
    }
    changes, quiet = [], []
    for spec in stale:
        job = jobs[known[spec.key].pk]
        if job.status == JobStatus.DONE or job.source_version == spec.version:
            result.unchanged += 1  # a concurrent sync got there first
            continue
        if spec.cancelled:
            values = {"status": JobStatus.CANCELLED} if job.status != JobStatus.CANCELLED else {}
        else:
            values = {name: value for name, value in _facts(spec, job).items() if getattr(job, name) != value}
        if values:
            changes.append((spec, job, values))
        else:
            job.source_version = spec.version
            quiet.append(job)
            result.unchanged += 1
    if quiet:
        Job.objects.bulk_update(quiet, ["source_version"])  # bulk_update leaves `updated_at` alone
    return changes


def _facts(spec: JobSpec, job: Job) -> dict:
    """What `spec` says of `job`'s facts; a laid-out job that stays on its day keeps its start."""
    if spec.start_time is not None:
        start, end = spec.start_time, spec.end_time
    elif spec.date == job.date:
        start = job.start_time
        end = _time(_minutes(start) + _length(spec))
    else:
        start = end = None  # moved to another day: laid out there (`_times_for`)
    return {
        "date": spec.date,
        "start_time": start,
        "end_time": end,
        "estimated_hours": spec.estimated_hours,
        "headcount": spec.headcount,
        "required_skill_id": spec.required_skill_id,
        "place_id": spec.place_id,
    }


def _apply(changes: list[tuple[JobSpec, Job, dict]], times: dict, teams: dict, result: SyncResult) -> None:
    """Write each changed job; a job with workers keeps them, flagged, and gets an alert (a few queries for all alerts)."""
    alerts: list[tuple[JobSpec, Job, dict]] = []
    for spec, job, values in changes:
        before = {name: getattr(job, name) for name in FACT_FIELDS}
        if spec.cancelled:
            job.set_status(JobStatus.CANCELLED, note=_("Origine annulée."))
            job.source_version = spec.version
            job.save(update_fields=[*JOB_STATUS.fields_set(JobStatus.CANCELLED), "source_version", "updated_at"])
            result.cancelled += 1
        else:
            if values.get("start_time", job.start_time) is None:
                values["start_time"], values["end_time"] = times[spec.key]
            for name, value in values.items():
                setattr(job, name, value)
            job.title = spec.title
            job.source_version = spec.version
            fields = [*values, "title", "source_version", "updated_at"]
            if "required_skill_id" in values:
                job.team_id = _team_for(spec.structure_id, spec.required_skill_id, teams)
                fields.append("team_id")
            job.save(update_fields=fields)
            result.updated += 1
        result.touched.append(job.pk)
        if job.assignments.all() and (spec.cancelled or job.status == JobStatus.OPEN):
            alerts.append((spec, job, before))
    if not alerts:
        return
    Assignment.objects.filter(job_id__in=[job.pk for _spec, job, _before in alerts]).update(needs_review=True)
    # The names an alert gives: only those of a new skill or place (no query when neither changed).
    skill_ids = {
        job.required_skill_id for _s, job, before in alerts if job.required_skill_id != before["required_skill_id"]
    }
    place_ids = {job.place_id for _s, job, before in alerts if job.place_id != before["place_id"]}
    skills = Skill.objects.in_bulk(skill_ids - {None}) if skill_ids - {None} else {}
    places = Site.objects.in_bulk(place_ids - {None}) if place_ids - {None} else {}
    JobAlert.objects.bulk_create(
        JobAlert(
            structure_id=job.structure_id,
            job=job,
            kind=AlertKind.JOB_CANCELLED if spec.cancelled else AlertKind.JOB_CHANGED,
            message=_alert_message(spec, job, before, skills, places),
        )
        for spec, job, before in alerts
    )
    result.alerts += len(alerts)


def _join(items: list[str]) -> str:
    if len(items) == 1:
        return items[0]
    return _("%(items)s et %(last)s") % {"items": ", ".join(items[:-1]), "last": items[-1]}


def _clock(value: datetime.time) -> str:
    return f"{value.hour} h {value.minute:02d}"


def _alert_message(spec: JobSpec, job: Job, before: dict, skills: dict, places: dict) -> str:
    """What changed, in French, for the supervisors.

    « La commande X a changé : l'intervention du 12/11 passe de 2 h à 3 h — vérifiez l'affectation de Y. »
    """
    workers = [assignment.worker.full_name for assignment in job.assignments.all()]
    source = spec.source_label or _("L'origine de l'intervention « %(title)s »") % {"title": job.title}
    when = f"{before['date']:%d/%m}"
    if spec.cancelled:
        return ngettext(
            "%(source)s a été annulée : l'intervention du %(date)s est annulée — prévenez %(workers)s, "
            "dont l'affectation est conservée pour mémoire.",
            "%(source)s a été annulée : l'intervention du %(date)s est annulée — prévenez %(workers)s, "
            "dont les affectations sont conservées pour mémoire.",
            len(workers),
        ) % {"source": source, "date": when, "workers": _join(workers)}
    what = []
    if job.date != before["date"]:
        what.append(
            _("est déplacée au %(date)s à %(time)s") % {"date": f"{job.date:%d/%m}", "time": _clock(job.start_time)}
        )
    elif job.start_time != before["start_time"]:
        what.append(_("est déplacée à %(time)s") % {"time": _clock(job.start_time)})
    elif job.end_time != before["end_time"] and job.estimated_hours == before["estimated_hours"]:
        what.append(_("finit désormais à %(time)s") % {"time": _clock(job.end_time)})
    if job.estimated_hours != before["estimated_hours"]:
        what.append(
            _("passe de %(old)s à %(new)s")
            % {
                "old": format_hours(to_centi(before["estimated_hours"])),
                "new": format_hours(to_centi(job.estimated_hours)),
            }
        )
    if job.headcount != before["headcount"]:
        what.append(
            ngettext(
                "demande désormais %(count)d personne au lieu de %(old)d",
                "demande désormais %(count)d personnes au lieu de %(old)d",
                job.headcount,
            )
            % {"count": job.headcount, "old": before["headcount"]}
        )
    if job.required_skill_id != before["required_skill_id"]:
        if job.required_skill_id is None:
            what.append(_("ne demande plus de compétence particulière"))
        else:
            what.append(
                _("demande désormais la compétence « %(skill)s »") % {"skill": skills[job.required_skill_id].name}
            )
    if job.place_id != before["place_id"]:
        if job.place_id is None:
            what.append(_("n'a plus de lieu indiqué"))
        else:
            what.append(_("a lieu désormais à %(place)s") % {"place": places[job.place_id].name})
    return ngettext(
        "%(source)s a changé : l'intervention du %(date)s %(changes)s — vérifiez l'affectation de %(workers)s.",
        "%(source)s a changé : l'intervention du %(date)s %(changes)s — vérifiez les affectations de %(workers)s.",
        len(workers),
    ) % {"source": source, "date": when, "changes": _join(what), "workers": _join(workers)}
