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
from insertion.enums import EXIT_CATEGORY_OF, ContractKind, JobStatus
from insertion.exceptions import (
    AssignmentRefused,
    ContractRefused,
    ExitRefused,
    ProposalStale,
    TimesheetLocked,
    TimesheetRefused,
)
from insertion.models import (
    CDDI_MAX_MONTHS,
    CDDI_MIN_MONTHS,
    EXIT_NOTE_MAX_LENGTH,
    JOB_STATUS,
    MAX_DAY_HOURS,
    Assignment,
    Contract,
    ContractExit,
    Job,
    JobAlert,
    PlanProposal,
    SentAlert,
    TimesheetEntry,
    Worker,
)
from insertion.planner import plan_week
from insertion.rules import refusal, seat_refusal
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
    monday = monday_of(job.date)
    ((_worker, facts),) = selectors.workers_with_facts(Worker.objects.filter(pk=worker.pk), monday)
    job_facts = selectors.job_facts(job)
    taken = list(job.assignments.values_list("worker_id", flat=True))
    broken = seat_refusal(job_facts, is_open=job.is_open, taken=taken, worker=facts)
    if broken is None:
        booked = selectors.booked_by_worker([worker.pk], monday)[worker.pk]
        broken = refusal(facts, job_facts, booked, week=week_days(monday))
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


@transaction.atomic
def move_assignment(*, job: Job, worker: Worker, replacing: Worker, by) -> Assignment:
    """Give `replacing`'s seat on the job to `worker`: both steps or neither (a refusal leaves `replacing` on it)."""
    assignment = Assignment.objects.filter(job=job, worker=replacing).first()
    if assignment is None:
        raise AssignmentRefused(
            _("%(worker)s n'est plus sur cette intervention : rechargez le planning.")
            % {"worker": replacing.full_name},
            code="not_assigned",
        )
    unassign_worker(assignment=assignment, by=by)
    return assign_worker(job=job, worker=worker, by=by)


# The planner's proposal ---------------------------------------------------------------------


def propose_plan(*, structure, monday: datetime.date, by, seconds: float | None = None) -> PlanProposal:
    """Run the planner on the week and keep its proposal, replacing a pending one; nothing is assigned yet.

    The planner runs outside any transaction (it takes seconds); the proposal remembers the
    assignments it started from, so that accepting it after someone changed them is refused.
    """
    base = selectors.assignments_fingerprint(structure, monday)
    plan = plan_week(structure=structure, monday=monday, seconds=seconds)
    summary = {
        "status": str(plan.status),
        "gap_percent": plan.gap_percent,
        "covered_centi": plan.covered_centi,
        "total_centi": plan.total_centi,
        "fairness_mad": plan.fairness_mad,
        "unassigned": {str(item.job_id): item.reason for item in plan.unassigned},
    }
    with transaction.atomic():
        proposal, _created = PlanProposal.objects.update_or_create(
            structure=structure,
            monday=monday,
            defaults={"pairs": [list(pair) for pair in plan.pairs], "summary": summary, "base": base, "created_by": by},
        )
    return proposal


def _locked_proposal(proposal: PlanProposal) -> PlanProposal:
    try:
        return PlanProposal.objects.select_for_update(of=("self",)).select_related("structure").get(pk=proposal.pk)
    except PlanProposal.DoesNotExist:
        raise AssignmentRefused(
            _("La proposition a été acceptée ou écartée entre-temps : rechargez le planning."), code="no_proposal"
        ) from None


@transaction.atomic
def assign_in_proposal(*, proposal: PlanProposal, job: Job, worker: Worker, replacing: Worker | None = None, by):
    """Edit the proposal by hand: `worker` takes a seat of `job` (in place of `replacing`), if rule 16 allows it
    against the proposal's other seats. Only the proposal changes; accepting it checks everything again."""
    proposal = _locked_proposal(proposal)
    state = selectors.week_state(proposal.structure, proposal.monday, proposal=proposal)
    facts = state.worker_facts(worker.pk)
    if job.pk not in state.jobs or facts is None:
        raise AssignmentRefused(_("Choisissez une personne de la structure."), code="wrong_structure")
    if replacing is not None:
        _check_leaving(state, job, replacing)
    broken = state.refusal(facts, job.pk, replacing=replacing.pk if replacing else None)
    if broken is not None:
        raise AssignmentRefused(broken.message, code=broken.code)
    pairs = proposal.pair_set - ({(job.pk, replacing.pk)} if replacing else set())
    proposal.pairs = [list(pair) for pair in sorted(pairs | {(job.pk, worker.pk)})]
    proposal.save(update_fields=["pairs", "updated_at"])
    return proposal


@transaction.atomic
def unassign_in_proposal(*, proposal: PlanProposal, job: Job, worker: Worker, by) -> PlanProposal:
    """Take a person off a job in the proposal only."""
    proposal = _locked_proposal(proposal)
    state = selectors.week_state(proposal.structure, proposal.monday, proposal=proposal)
    if job.pk not in state.jobs:
        raise AssignmentRefused(_("Cette intervention n'est plus au planning de la semaine."), code="job_closed")
    _check_leaving(state, job, worker)
    proposal.pairs = [list(pair) for pair in sorted(proposal.pair_set - {(job.pk, worker.pk)})]
    proposal.save(update_fields=["pairs", "updated_at"])
    return proposal


def _check_leaving(state: "selectors.WeekState", job: Job, worker: Worker) -> None:
    """A person may leave a job of the proposal unless they are not on it, it is closed or their seat is locked."""
    if worker.pk not in state.seats[job.pk]:
        raise AssignmentRefused(
            _("%(worker)s n'est plus sur cette intervention : rechargez le planning.") % {"worker": worker.full_name},
            code="not_assigned",
        )
    assignment = state.assignments.get((job.pk, worker.pk))
    if not state.jobs[job.pk].is_open:
        raise AssignmentRefused(
            _("Cette intervention est réalisée : ses affectations ne changent plus."), code="job_done"
        )
    if assignment is not None and assignment.locked:
        raise AssignmentRefused(
            _("Cette affectation est verrouillée : déverrouillez-la avant de la retirer."), code="locked"
        )


@transaction.atomic
def accept_proposal(*, structure, monday: datetime.date, by) -> list[Assignment]:
    """Apply the week's pending proposal in one transaction, every pair checked again by `assign_worker`.

    A proposal made before the week's assignments changed (someone assigned or removed a person by
    hand meanwhile, outside the proposal) is refused as stale rather than silently undoing that
    change: the supervisor plans again or discards it. Any refusal leaves everything as it was.
    """
    proposal = PlanProposal.objects.select_for_update(of=("self",)).filter(structure=structure, monday=monday).first()
    if proposal is None:
        raise AssignmentRefused(
            _("Aucune proposition en attente pour cette semaine : lancez la planification."), code="no_proposal"
        )
    if selectors.assignments_fingerprint(structure, monday) != proposal.base:
        raise ProposalStale(
            _(
                "Le planning de la semaine a changé depuis la proposition (une affectation faite entre-temps) : "
                "relancez la planification ou écartez la proposition. Rien n'a été modifié."
            )
        )
    created = accept_plan(structure=structure, monday=monday, pairs=sorted(proposal.pair_set), by=by)
    proposal.delete()
    return created


@transaction.atomic
def discard_proposal(*, structure, monday: datetime.date, by) -> bool:
    """Forget the week's pending proposal; the assignments stay as they are. True if there was one."""
    deleted, _rows = PlanProposal.objects.filter(structure=structure, monday=monday).delete()
    return bool(deleted)


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


# Exits --------------------------------------------------------------------------------------


@transaction.atomic
def record_exit(
    *, contract: Contract, reason: str, date: datetime.date, by, note: str = "", today: datetime.date | None = None
) -> ContractExit:
    """Record where a person went on leaving the structure (« sortie »), on the contract that ended their stay.

    One exit per contract, and only on the worker's last contract (a renewal is not an exit). The exit
    date falls within the contract and not after today (an early end is allowed: a person hired
    elsewhere leaves before the contract's end). The category follows from the reason. The worker is
    no longer « en poste » afterwards. A refusal changes nothing.
    """
    today = today or timezone.localdate()
    Worker.objects.select_for_update(of=("self",)).get(pk=contract.worker_id)
    contract = Contract.objects.select_related("worker").get(pk=contract.pk)
    if ContractExit.objects.filter(contract=contract).exists():
        raise ExitRefused(_("La sortie de ce contrat est déjà enregistrée."), code="exit_exists")
    if not Contract.objects.filter(pk=contract.pk).last_of_worker().exists():
        raise ExitRefused(
            _("Un autre contrat suit celui-ci : la sortie s'enregistre sur le dernier contrat."),
            code="exit_not_last_contract",
        )
    if reason not in EXIT_CATEGORY_OF:
        raise ExitRefused(_("Choisissez un motif de sortie de la liste."), code="exit_reason_invalid")
    if not (in_range(date) and contract.start_date <= date <= contract.end_date):
        raise ExitRefused(
            _("La date de sortie doit tomber pendant le contrat, du %(start)s au %(end)s.")
            % {"start": f"{contract.start_date:%d/%m/%Y}", "end": f"{contract.end_date:%d/%m/%Y}"},
            code="exit_date_invalid",
        )
    if date > today:
        raise ExitRefused(
            _("Une sortie s'enregistre une fois advenue : la date ne peut pas dépasser aujourd'hui."),
            code="exit_date_future",
        )
    if len(note) > EXIT_NOTE_MAX_LENGTH or "\x00" in note:
        raise ExitRefused(
            _("La précision compte %(max)d caractères au plus.") % {"max": EXIT_NOTE_MAX_LENGTH},
            code="exit_note_invalid",
        )
    exit_ = ContractExit.objects.create(
        contract=contract,
        date=date,
        reason=reason,
        category=EXIT_CATEGORY_OF[reason],
        note=note.strip(),
        recorded_by=by,
    )
    Worker.objects.filter(pk=contract.worker_id).update(is_active=False)
    return exit_


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
