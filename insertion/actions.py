"""Workflows of the insertion app: contracts, assignments, accepting a plan, timesheets.

Deriving jobs from sales lives in `insertion.jobs`; the rules themselves in `insertion.rules`.
"""

import datetime
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hub import notify
from hub.enums import StaffRole
from hub.formatting import date_long
from hub.models import Structure, StructureRole
from hub.params import in_range
from insertion import selectors
from insertion.alerts import alerts_for
from insertion.booking_jobs import report_actual_hours
from insertion.enums import ContractKind, JobStatus
from insertion.exceptions import AssignmentRefused, ContractRefused, TimesheetLocked, TimesheetRefused
from insertion.models import (
    CDDI_MAX_MONTHS,
    CDDI_MIN_MONTHS,
    JOB_STATUS,
    MAX_DAY_HOURS,
    Assignment,
    Contract,
    Job,
    JobAlert,
    SentAlert,
    TimesheetEntry,
    Worker,
)
from insertion.rules import refusal
from insertion.workdays import monday_of, week_days


@transaction.atomic
def create_contract(
    *,
    worker: Worker,
    start_date: datetime.date,
    end_date: datetime.date,
    weekly_hours: Decimal,
    kind: str = ContractKind.CDDI,
    extension_reason: str = "",
) -> Contract:
    """A CDDI lasts 4 to 24 months (beyond 24 only with a recorded reason); one worker's contracts never overlap."""
    Worker.objects.select_for_update(of=("self",)).get(pk=worker.pk)
    if kind == ContractKind.CDDI:
        if end_date < start_date + relativedelta(months=CDDI_MIN_MONTHS) - datetime.timedelta(days=1):
            raise ContractRefused(_("Un CDDI dure au moins 4 mois."), code="cddi_too_short")
        longest = start_date + relativedelta(months=CDDI_MAX_MONTHS) - datetime.timedelta(days=1)
        if end_date > longest and not extension_reason.strip():
            raise ContractRefused(
                _("Un CDDI de plus de 24 mois doit indiquer le motif de la dérogation."), code="cddi_too_long"
            )
    if Contract.objects.filter(worker=worker).overlapping(start_date, end_date).exists():
        raise ContractRefused(_("Ce contrat chevauche un autre contrat de la même personne."), code="contract_overlap")
    contract = Contract(
        worker=worker,
        kind=kind,
        start_date=start_date,
        end_date=end_date,
        weekly_hours=weekly_hours,
        extension_reason=extension_reason.strip(),
    )
    contract.full_clean(exclude=["worker"])
    contract.save()
    return contract


def check_assignment(*, job: Job, worker: Worker) -> None:
    """Raise AssignmentRefused naming the first rule that `worker` on `job` would break."""
    if not job.is_open:
        raise AssignmentRefused(
            _("Cette intervention est annulée ou terminée : on ne peut plus y affecter personne."), code="job_closed"
        )
    taken = list(job.assignments.values_list("worker_id", flat=True))
    if worker.pk in taken:
        raise AssignmentRefused(
            _("%(worker)s est déjà affecté·e à cette intervention.") % {"worker": worker.full_name},
            code="already_assigned",
        )
    if len(taken) >= job.headcount:
        raise AssignmentRefused(
            _("Règle « effectif » : l'intervention a déjà ses %(count)d personne(s).") % {"count": job.headcount},
            code="headcount_full",
        )
    monday = monday_of(job.date)
    ((_worker, facts),) = selectors.workers_with_facts(Worker.objects.filter(pk=worker.pk), monday)
    booked = selectors.booked_by_worker([worker.pk], monday)[worker.pk]
    broken = refusal(facts, selectors.job_facts(job), booked, week=week_days(monday))
    if broken is not None:
        raise AssignmentRefused(broken.message, code=broken.code)


@transaction.atomic
def assign_worker(*, job: Job, worker: Worker, by, locked: bool = False) -> Assignment:
    """Put a worker on a job if DOMAIN.md rule 16 allows it (contract, PASS IAE, hours, overlap, absence, skill).

    The worker row, then the job row, are locked so that two supervisors cannot both squeeze
    an assignment past the weekly hours or the job's headcount.
    """
    worker = Worker.objects.select_for_update(of=("self",)).get(pk=worker.pk)
    job = Job.objects.select_for_update(of=("self",)).select_related("required_skill").get(pk=job.pk)
    check_assignment(job=job, worker=worker)
    return Assignment.objects.create(job=job, worker=worker, hours=job.hours_per_person, locked=locked, created_by=by)


@transaction.atomic
def unassign_worker(*, assignment: Assignment, by) -> None:
    """Take a worker off a job; a locked assignment must be unlocked first, and a done job keeps its workers."""
    assignment = Assignment.objects.select_for_update(of=("self",)).select_related("job").get(pk=assignment.pk)
    if assignment.job.status == JobStatus.DONE:
        raise AssignmentRefused(
            _("Cette intervention est réalisée : ses affectations ne changent plus."), code="job_done"
        )
    if assignment.locked:
        raise AssignmentRefused(
            _("Cette affectation est verrouillée : déverrouillez-la avant de la retirer."), code="locked"
        )
    assignment.delete()


def set_assignment_lock(*, assignment: Assignment, locked: bool, by) -> Assignment:
    Assignment.objects.filter(pk=assignment.pk).update(locked=locked)
    assignment.locked = locked
    return assignment


@transaction.atomic
def accept_plan(*, structure, monday: datetime.date, pairs: list[tuple[int, int]], by) -> list[Assignment]:
    """Replace the week's unlocked assignments of the structure by the proposal (job id, worker id).

    Every pair goes through `assign_worker`, so a stale proposal cannot break a rule: the first
    refusal rolls the whole plan back. Done jobs keep their assignments (their hours are validated).
    """
    Assignment.objects.in_week(monday).filter(job__structure=structure, locked=False).exclude(
        job__status=JobStatus.DONE
    ).delete()
    jobs = {job.pk: job for job in Job.objects.for_structure(structure).in_week(monday)}
    workers = {worker.pk: worker for worker in Worker.objects.for_structure(structure)}
    created = []
    for job_id, worker_id in pairs:
        if job_id not in jobs or worker_id not in workers:
            raise AssignmentRefused(_("La proposition ne correspond plus au planning : relancez la planification."))
        if Assignment.objects.filter(job_id=job_id, worker_id=worker_id).exists():
            continue  # a locked assignment the plan kept
        created.append(assign_worker(job=jobs[job_id], worker=workers[worker_id], by=by))
    return created


# Timesheets ---------------------------------------------------------------------------------


@transaction.atomic
def prefill_timesheets(*, structure, day: datetime.date) -> list[TimesheetEntry]:
    """One entry per worker assigned that day, hours = planned hours; existing entries are kept as typed."""
    planned: dict[int, Decimal] = {}
    for worker_id, hours in (
        Assignment.objects.live().filter(job__structure=structure, job__date=day).values_list("worker_id", "hours")
    ):
        planned[worker_id] = planned.get(worker_id, Decimal("0")) + hours
    entries = []
    for worker_id, hours in sorted(planned.items()):
        entry, _created = TimesheetEntry.objects.get_or_create(
            worker_id=worker_id, date=day, defaults={"hours": min(hours, Decimal("12"))}
        )
        entries.append(entry)
    return entries


@transaction.atomic
def record_day_hours(*, day: datetime.date, hours: dict[Worker, Decimal], by) -> list[TimesheetEntry]:
    """The day's timesheet form: every worker's hours are recorded, or none if one is refused."""
    return [record_hours(worker=worker, day=day, hours=value, by=by) for worker, value in hours.items()]


@transaction.atomic
def record_hours(*, worker: Worker, day: datetime.date, hours: Decimal, by) -> TimesheetEntry:
    """Actual hours of one day, 0 to MAX_DAY_HOURS; a validated day is locked."""
    if not (0 <= hours <= MAX_DAY_HOURS and in_range(day)):
        raise TimesheetRefused(
            _("Les heures d'une journée vont de 0 à %(max)s (deux décimales au plus), pour une date réelle.")
            % {"max": f"{MAX_DAY_HOURS:g}"}
        )
    entry = TimesheetEntry.objects.select_for_update(of=("self",)).filter(worker=worker, date=day).first()
    if entry is None:
        entry = TimesheetEntry(worker=worker, date=day, hours=hours)
    elif entry.is_validated:
        raise TimesheetLocked(
            _("Le relevé du %(date)s est validé : il ne peut plus être modifié.") % {"date": f"{day:%d/%m/%Y}"}
        )
    entry.hours = hours
    entry.full_clean(exclude=["worker", "validated_by"])
    entry.save()
    return entry


def timesheet_can_be_validated(day: datetime.date, *, today: datetime.date) -> bool:
    """A day's hours are validated once the day has ended."""
    return day < today


@transaction.atomic
def validate_timesheets(*, structure, start: datetime.date, end: datetime.date, by) -> int:
    """Lock every entry of the structure's workers over the period; returns how many were validated.

    Then each open job of the structure dated in the period is done once every worker assigned
    to it has a validated timesheet entry for the job's day. Timesheets hold one entry per worker
    and day, not per job, so that entry is the worker's line for each of the day's jobs, whatever
    its hours (zero included: the supervisor has closed the day). A job nobody is assigned to, or
    with one assigned worker whose day is not validated yet, stays open until a later validation.

    Home visits of those days then get their actual hours (bookings re-prices and invoices them).

    Hours are validated once worked: a period that runs into today or later is refused whole, and
    nothing changes (a day has ended at midnight, Paris time).
    """
    now = timezone.now()
    if not timesheet_can_be_validated(end, today=timezone.localdate(now)):
        raise TimesheetRefused(
            _(
                "Les heures du %(day)s ne peuvent pas encore être validées : une journée se valide une fois "
                "finie, à partir du %(next)s."
            )
            % {"day": date_long(end), "next": date_long(end + datetime.timedelta(days=1))}
        )
    validated = TimesheetEntry.objects.filter(
        worker__structure=structure, date__gte=start, date__lte=end, validated_at__isnull=True
    ).update(validated_at=now, validated_by=by)
    done = Job.objects.select_for_update(of=("self",)).filter(structure=structure, date__gte=start, date__lte=end)
    JOB_STATUS.move_all(done.fully_validated(), JobStatus.DONE, by=by, note=_("Relevés d'heures validés."), at=now)
    report_actual_hours(structure=structure, start=start, end=end, by=by)
    return validated


# Alerts -------------------------------------------------------------------------------------


@transaction.atomic
def mark_job_alert_seen(*, alert: JobAlert, by, at: datetime.datetime | None = None) -> JobAlert:
    """A supervisor has looked at what changed: the alert leaves the board, and the job's assignments
    lose their "à vérifier" flag once none of the job's alerts is left unseen. Seeing it twice changes nothing."""
    alert = JobAlert.objects.select_for_update(of=("self",)).get(pk=alert.pk)
    if alert.seen_at is None:
        alert.seen_at, alert.seen_by = at or timezone.now(), by
        alert.save(update_fields=["seen_at", "seen_by"])
    if not JobAlert.objects.unseen().filter(job_id=alert.job_id).exists():
        Assignment.objects.filter(job_id=alert.job_id, needs_review=True).update(needs_review=False)
    return alert


def send_alerts(*, today: datetime.date) -> int:
    """E-mail each structure's supervisors and managers the alerts not sent yet; returns how many were sent."""
    sent = 0
    for structure in Structure.objects.filter(teams__isnull=False).distinct():
        recipients = sorted(
            set(
                StructureRole.objects.filter(
                    structure=structure, role__in=[StaffRole.SUPERVISOR, StaffRole.MANAGER], user__is_active=True
                ).values_list("user__email", flat=True)
            )
        )
        fresh = []
        for alert in alerts_for(structure, today=today):
            with transaction.atomic():
                _sent, created = SentAlert.objects.get_or_create(structure=structure, key=alert.key)
            if created:
                fresh.append(alert)
        if fresh and recipients:
            body = "\n".join(f"- {alert.message}" for alert in fresh)
            subject = _("[%(site)s] Alertes insertion — %(structure)s") % {
                "site": settings.SITE_NAME,
                "structure": structure.name,
            }
            notify.message_on_commit(subject=subject, body=body, recipients=recipients, related=structure.name)
            sent += len(fresh)
    return sent
