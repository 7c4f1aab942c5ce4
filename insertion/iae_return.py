"""The monthly IAE return (« état mensuel » of the ASP's Extranet IAE 2.0), per structure and month (ADR 0031).

One row per insertion employee's contract present in the month, in the statement's order (by name), with:

- the PASS IAE number, the contract's kind and dates;
- hours worked: the VALIDATED timesheet entries of the days the contract covers in the month, nothing else;
- hours paid: hours worked plus the paid absences (`PAID_ABSENCE_KINDS`), each working day of such an
  absence counting the contract's daily hours (weekly hours / 5) less what was worked that day;
- absences by kind, in working days (Monday to Friday, French public holidays excepted) of the period;
- the exit, when its date falls in the month.

Before the figures, the blockers: whatever must be put right before the month can be declared (hours
not validated, hours outside any contract, PASS IAE missing, expired or suspended, an ended contract
without its exit, a month not over). A constant number of queries, whatever the number of workers.
"""

import calendar
import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q
from django.utils.translation import gettext as _

from insertion.enums import PAID_ABSENCE_KINDS, AbsenceKind, ReturnBlocker
from insertion.models import Absence, Approval, Contract, ContractExit, TimesheetEntry, Worker
from insertion.workdays import is_working_day

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
WORKDAYS_PER_WEEK = Decimal(5)


@dataclass
class ReturnRow:
    worker: Worker
    contract: Contract
    approval: Approval | None
    period_start: datetime.date  # the days of the month the contract covers
    period_end: datetime.date
    hours_worked: Decimal
    hours_paid: Decimal
    absence_days: dict[str, int]  # every AbsenceKind value, 0 included
    exit: ContractExit | None  # only when its date falls in the month


@dataclass
class Blocker:
    code: str
    message: str
    worker: Worker | None = None

    @property
    def label(self) -> str:
        return ReturnBlocker(self.code).label


@dataclass
class MonthlyReturn:
    structure: object
    year: int
    month: int
    rows: list[ReturnRow] = field(default_factory=list)
    blockers: list[Blocker] = field(default_factory=list)

    @property
    def start(self) -> datetime.date:
        return datetime.date(self.year, self.month, 1)

    @property
    def end(self) -> datetime.date:
        return datetime.date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    @property
    def can_declare(self) -> bool:
        return not self.blockers

    @property
    def hours_worked(self) -> Decimal:
        return sum((row.hours_worked for row in self.rows), ZERO)

    @property
    def hours_paid(self) -> Decimal:
        return sum((row.hours_paid for row in self.rows), ZERO)

    @property
    def absence_days(self) -> dict[str, int]:
        return {kind: sum(row.absence_days[kind] for row in self.rows) for kind in AbsenceKind.values}

    @property
    def exits(self) -> int:
        return sum(1 for row in self.rows if row.exit is not None)


def _days(start: datetime.date, end: datetime.date):
    day = start
    while day <= end:
        yield day
        day += datetime.timedelta(days=1)


def _short(day: datetime.date) -> str:
    return f"{day:%d/%m/%Y}"


def monthly_return(structure, year: int, month: int, *, today: datetime.date) -> MonthlyReturn:
    """The month's return of the structure (7 queries at most, whatever the number of workers)."""
    result = MonthlyReturn(structure, year, month)
    start, end = result.start, result.end
    contracts = list(
        Contract.objects.filter(worker__structure=structure)
        .overlapping(start, end)
        .select_related("worker", "exit")
        .order_by("worker__last_name", "worker__first_name", "worker_id", "start_date")
    )
    worker_ids = {contract.worker_id for contract in contracts}
    approvals: dict[int, list[Approval]] = {}
    for approval in Approval.objects.filter(worker_id__in=worker_ids).prefetch_related("suspensions"):
        approvals.setdefault(approval.worker_id, []).append(approval)
    absences: dict[int, list[Absence]] = {}
    for absence in Absence.objects.filter(worker_id__in=worker_ids, start_date__lte=end, end_date__gte=start):
        absences.setdefault(absence.worker_id, []).append(absence)
    followed: set[int] = set()  # contracts some later contract of the same worker follows
    later_starts: dict[int, list[datetime.date]] = {}
    for worker_id, later_start in Contract.objects.filter(worker_id__in=worker_ids, start_date__gt=start).values_list(
        "worker_id", "start_date"
    ):
        later_starts.setdefault(worker_id, []).append(later_start)
    for contract in contracts:
        if any(later > contract.end_date for later in later_starts.get(contract.worker_id, [])):
            followed.add(contract.pk)
    # Every entry of the structure's workers in the month: those of no contract are blockers too.
    entries: dict[int, dict[datetime.date, TimesheetEntry]] = {}
    for entry in TimesheetEntry.objects.filter(worker__structure=structure, date__gte=start, date__lte=end):
        entries.setdefault(entry.worker_id, {})[entry.date] = entry

    if end >= today:
        result.blockers.append(
            Blocker(
                ReturnBlocker.MONTH_NOT_OVER,
                _("Le mois se déclare une fois terminé, à partir du %(day)s.")
                % {"day": _short(end + datetime.timedelta(days=1))},
            )
        )
    covered: dict[int, set[datetime.date]] = {}
    for contract in contracts:
        worker = contract.worker
        exit_ = getattr(contract, "exit", None)
        effective_end = min(contract.end_date, exit_.date) if exit_ else contract.end_date
        period_start, period_end = max(start, contract.start_date), min(end, effective_end)
        if period_start > period_end:  # left before the month began
            continue
        days = set(_days(period_start, period_end))
        covered.setdefault(worker.pk, set()).update(days)
        own = {day: entry for day, entry in entries.get(worker.pk, {}).items() if day in days}
        validated = {day: entry.hours for day, entry in own.items() if entry.is_validated}
        unvalidated = sorted(day for day, entry in own.items() if not entry.is_validated)
        absence_days = dict.fromkeys(AbsenceKind.values, 0)
        paid_days: set[datetime.date] = set()
        for absence in absences.get(worker.pk, []):
            for day in _days(max(absence.start_date, period_start), min(absence.end_date, period_end)):
                if is_working_day(day):
                    absence_days[absence.kind] += 1
                    if absence.kind in PAID_ABSENCE_KINDS:
                        paid_days.add(day)
        daily = contract.weekly_hours / WORKDAYS_PER_WEEK
        worked = sum(validated.values(), ZERO)
        paid_absence = sum((max(ZERO, daily - validated.get(day, ZERO)) for day in paid_days), ZERO)
        approval = _approval_for(approvals.get(worker.pk, []), period_start, period_end)
        result.rows.append(
            ReturnRow(
                worker=worker,
                contract=contract,
                approval=approval,
                period_start=period_start,
                period_end=period_end,
                hours_worked=worked.quantize(CENT),
                hours_paid=(worked + paid_absence).quantize(CENT),
                absence_days=absence_days,
                exit=exit_ if exit_ and start <= exit_.date <= end else None,
            )
        )
        result.blockers.extend(_row_blockers(worker, contract, approval, period_start, period_end, unvalidated))
        ended = start <= contract.end_date <= end and contract.end_date < today
        if exit_ is None and ended and contract.pk not in followed:
            result.blockers.append(
                Blocker(
                    ReturnBlocker.EXIT_MISSING,
                    _("%(name)s : contrat terminé le %(day)s sans sortie enregistrée.")
                    % {"name": worker.full_name, "day": _short(contract.end_date)},
                    worker,
                )
            )
    result.blockers.extend(_outside_blockers(structure, entries, covered))
    return result


def _approval_for(approvals: list[Approval], start: datetime.date, end: datetime.date) -> Approval | None:
    """The PASS IAE of the period: the latest one that covers some of its days."""
    overlapping = [approval for approval in approvals if approval.start_date <= end and approval.end_date >= start]
    return max(overlapping, key=lambda approval: approval.start_date) if overlapping else None


def _row_blockers(worker, contract, approval, start, end, unvalidated: list[datetime.date]) -> list[Blocker]:
    blockers = []
    name = worker.full_name
    if unvalidated:
        blockers.append(
            Blocker(
                ReturnBlocker.UNVALIDATED_HOURS,
                _("%(name)s : %(count)d relevé(s) d'heures non validé(s) (%(days)s).")
                % {"name": name, "count": len(unvalidated), "days": ", ".join(_short(day) for day in unvalidated)},
                worker,
            )
        )
    if approval is None:
        blockers.append(
            Blocker(ReturnBlocker.NO_APPROVAL, _("%(name)s : aucun PASS IAE pour ce mois.") % {"name": name}, worker)
        )
        return blockers
    if approval.end_date < end:
        blockers.append(
            Blocker(
                ReturnBlocker.APPROVAL_EXPIRED,
                _("%(name)s : PASS IAE %(number)s expiré le %(day)s.")
                % {"name": name, "number": approval.number_with_spaces, "day": _short(approval.end_date)},
                worker,
            )
        )
    for suspension in approval.suspensions.all():
        if suspension.start_date <= end and suspension.end_date >= start:
            blockers.append(
                Blocker(
                    ReturnBlocker.APPROVAL_SUSPENDED,
                    _("%(name)s : PASS IAE %(number)s suspendu du %(start)s au %(end)s (%(reason)s).")
                    % {
                        "name": name,
                        "number": approval.number_with_spaces,
                        "start": _short(suspension.start_date),
                        "end": _short(suspension.end_date),
                        "reason": suspension.get_reason_display(),
                    },
                    worker,
                )
            )
    return blockers


def _outside_blockers(structure, entries, covered) -> list[Blocker]:
    """Hours recorded on days no contract covers: left out of the return, to be corrected."""
    outside = {
        worker_id: sorted(
            day for day, entry in days.items() if entry.hours > 0 and day not in covered.get(worker_id, ())
        )
        for worker_id, days in entries.items()
    }
    outside = {worker_id: days for worker_id, days in outside.items() if days}
    if not outside:
        return []
    workers = Worker.objects.filter(Q(structure=structure) & Q(pk__in=list(outside))).order_by(
        "last_name", "first_name", "pk"
    )
    return [
        Blocker(
            ReturnBlocker.HOURS_OUTSIDE_CONTRACT,
            _("%(name)s : heures saisies hors contrat, non déclarées (%(days)s).")
            % {"name": worker.full_name, "days": ", ".join(_short(day) for day in outside[worker.pk])},
            worker,
        )
        for worker in workers
    ]


def csv_header() -> list[str]:
    """The CSV's columns, in the statement's order (ADR 0031)."""
    return [
        _("N° PASS IAE"),
        _("Nom"),
        _("Prénom"),
        _("Date de naissance"),
        _("Type de contrat"),
        _("Début du contrat"),
        _("Fin du contrat"),
        _("Heures travaillées"),
        _("Heures payées"),
        *[_("Absences %(kind)s (jours)") % {"kind": label} for label in AbsenceKind.labels],
        _("Date de sortie"),
        _("Catégorie de sortie"),
        _("Motif de sortie"),
    ]


def csv_cells(row: ReturnRow) -> list:
    exit_ = row.exit
    return [
        row.approval.number if row.approval else "",
        row.worker.last_name,
        row.worker.first_name,
        row.worker.birth_date,
        row.contract.get_kind_display(),
        row.contract.start_date,
        row.contract.end_date,
        row.hours_worked,
        row.hours_paid,
        *[row.absence_days[kind] for kind in AbsenceKind.values],
        exit_.date if exit_ else None,
        exit_.get_category_display() if exit_ else "",
        exit_.get_reason_display() if exit_ else "",
    ]
