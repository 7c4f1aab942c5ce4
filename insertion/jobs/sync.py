"""Syncing jobs with their sources (DOMAIN.md rule 15): `sync_jobs`.

`sync_jobs` creates, updates or cancels the jobs to match what the registered sources say, so
running it twice changes nothing (the unique constraint on the key backs it). History is never
rewritten: a job is touched only when what its source says (`JobSpec.version`) differs from what
it said when the job was last derived, and a done job is never touched. A job with workers
assigned keeps them when its source changes or is cancelled: the assignments are flagged and the
supervisor gets a `JobAlert` saying what changed.
"""

import datetime

from django.db import IntegrityError, transaction
from django.db.models import Prefetch
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from hub.models import Site, Skill, Structure
from insertion.enums import AlertKind, JobStatus
from insertion.jobs import layout
from insertion.jobs.specs import JobSpec, SyncResult, sources
from insertion.models import JOB_STATUS, Assignment, Job, JobAlert
from insertion.rules import format_hours, to_centi

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
    specs = [spec for source in sources().values() for spec in source(structure=structure, week=week)]
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
    times = layout.times_for([spec for spec in new if spec.start_time is None] + moved)
    needs_teams = new or any("required_skill_id" in values for _spec, _job, values in changes)
    teams = layout.teams() if needs_teams else {}
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
                    team_id=layout.team_for(spec.structure_id, spec.required_skill_id, teams),
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
        end = layout.time(layout.minutes(start) + layout.length(spec))
    else:
        start = end = None  # moved to another day: laid out there (`layout.times_for`)
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
                job.team_id = layout.team_for(spec.structure_id, spec.required_skill_id, teams)
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
