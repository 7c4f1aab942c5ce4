"""Hours for payroll and the IAE hour reports (DOMAIN.md rule 17): per worker and month, and FTE."""

import calendar
import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.conf import settings
from django.db.models import Min, Q, Sum
from django.utils.translation import gettext as _

from insertion.enums import ExitCategory
from insertion.models import MAX_DAY_HOURS, Absence, Assignment, Contract, ContractExit, TimesheetEntry, Worker

ZERO = Decimal("0.00")


@dataclass
class HoursRow:
    worker: Worker
    planned: Decimal
    actual: Decimal
    validated: Decimal


def month_end(year: int, month: int) -> datetime.date:
    return datetime.date(year, month, calendar.monthrange(year, month)[1])


def monthly_hours(structure, year: int, month: int) -> list[HoursRow]:
    """Planned, actual and validated hours of each worker of the structure over one month (3 queries)."""
    start, end = datetime.date(year, month, 1), month_end(year, month)
    planned = dict(
        Assignment.objects.live()
        .filter(job__structure=structure, job__date__gte=start, job__date__lte=end)
        .values("worker_id")
        .annotate(total=Sum("hours"))
        .values_list("worker_id", "total")
    )
    actual: dict[int, tuple[Decimal, Decimal]] = {
        row["worker_id"]: (row["actual"] or ZERO, row["validated"] or ZERO)
        for row in TimesheetEntry.objects.filter(worker__structure=structure, date__gte=start, date__lte=end)
        .values("worker_id")
        .annotate(actual=Sum("hours"), validated=Sum("hours", filter=Q(validated_at__isnull=False)))
    }
    workers = Worker.objects.for_structure(structure).filter(
        Q(is_active=True) | Q(pk__in=list(planned)) | Q(pk__in=list(actual))
    )
    return [
        HoursRow(
            worker,
            _q(planned.get(worker.pk, ZERO)),
            _q(actual.get(worker.pk, (ZERO, ZERO))[0]),
            _q(actual.get(worker.pk, (ZERO, ZERO))[1]),
        )
        for worker in workers
    ]


def worker_month_hours(worker: Worker, year: int, month: int) -> HoursRow:
    start, end = datetime.date(year, month, 1), month_end(year, month)
    planned = (
        Assignment.objects.live()
        .filter(worker=worker, job__date__gte=start, job__date__lte=end)
        .aggregate(total=Sum("hours"))["total"]
    )
    sums = TimesheetEntry.objects.filter(worker=worker, date__gte=start, date__lte=end).aggregate(
        actual=Sum("hours"), validated=Sum("hours", filter=Q(validated_at__isnull=False))
    )
    return HoursRow(worker, _q(planned or ZERO), _q(sums["actual"] or ZERO), _q(sums["validated"] or ZERO))


def fte(structure, start: datetime.date, end: datetime.date) -> Decimal:
    """FTE = validated (paid) hours / (annual hours × days in the period / 365); annual hours default 1 607."""
    paid = TimesheetEntry.objects.filter(
        worker__structure=structure, date__gte=start, date__lte=end, validated_at__isnull=False
    ).aggregate(total=Sum("hours"))["total"] or Decimal("0")
    return fte_of_hours(Decimal(paid), start, end)


def fte_of_hours(hours: Decimal, start: datetime.date, end: datetime.date) -> Decimal:
    """Hours over [start, end] as FTE (DOMAIN.md rule 17): hours / (annual hours × days / 365), to 0.01."""
    annual = Decimal(getattr(settings, "INSERTION_FTE_ANNUAL_HOURS", 1607))
    days = Decimal((end - start).days + 1)
    return (hours / (annual * days / Decimal(365))).quantize(Decimal("0.01"))


def parse_hours(value: str) -> Decimal:
    """'7,5' or '7.5' → Decimal('7.50'); ValueError unless 0 to MAX_DAY_HOURS with at most two decimals."""
    try:
        hours = Decimal(value.strip().replace(",", "."))
    except InvalidOperation as error:
        raise ValueError(value) from error
    if not hours.is_finite() or not ZERO <= hours <= MAX_DAY_HOURS or hours != hours.quantize(Decimal("0.01")):
        raise ValueError(value)
    return hours.quantize(Decimal("0.01"))


def _q(value) -> Decimal:
    return Decimal(value).quantize(Decimal("0.01"))


@dataclass
class ActivityRow:
    activity: str
    planned: Decimal
    actual: Decimal


def hours_per_activity(structure, year: int, month: int) -> list[ActivityRow]:
    """Hours of the month per activity (the skill the job needs; « Autres » without one), in 2 queries.

    Timesheets give a worker's hours per day, not per job: each worker's actual day is shared
    among that day's jobs in proportion to the hours planned on them.
    """
    start, end = datetime.date(year, month, 1), month_end(year, month)
    assignments = list(
        Assignment.objects.live()
        .filter(job__structure=structure, job__date__gte=start, job__date__lte=end)
        .values_list("worker_id", "job__date", "hours", "job__required_skill__name")
    )
    actual_by_day = {
        (worker_id, day): hours
        for worker_id, day, hours in TimesheetEntry.objects.filter(
            worker__structure=structure, date__gte=start, date__lte=end
        ).values_list("worker_id", "date", "hours")
    }
    planned_by_day: dict[tuple[int, datetime.date], Decimal] = {}
    for worker_id, day, hours, _skill in assignments:
        planned_by_day[(worker_id, day)] = planned_by_day.get((worker_id, day), ZERO) + hours
    planned: dict[str, Decimal] = {}
    actual: dict[str, Decimal] = {}
    for worker_id, day, hours, skill in assignments:
        activity = skill or _("Autres")
        planned[activity] = planned.get(activity, ZERO) + hours
        day_actual = actual_by_day.get((worker_id, day))
        if day_actual is not None and planned_by_day[(worker_id, day)]:
            actual[activity] = actual.get(activity, ZERO) + hours * day_actual / planned_by_day[(worker_id, day)]
    return [
        ActivityRow(activity, _q(planned[activity]), _q(actual.get(activity, ZERO))) for activity in sorted(planned)
    ]


@dataclass
class TimesheetLine:
    """One worker's line of a day's timesheet: what was planned, any absence, what was worked."""

    worker: Worker
    entry: TimesheetEntry | None
    planned: Decimal
    absences: list[Absence]


def timesheet_lines(structure, day: datetime.date, entries: list[TimesheetEntry]) -> list[TimesheetLine]:
    """The day's entries with their planned hours and absences, then the workers absent that day
    who have no entry; by name (3 queries)."""
    planned: dict[int, Decimal] = dict(
        Assignment.objects.live()
        .filter(job__structure=structure, job__date=day)
        .values("worker_id")
        .annotate(total=Sum("hours"))
        .values_list("worker_id", "total")
    )
    absences: dict[int, list[Absence]] = {}
    for absence in Absence.objects.filter(
        worker__structure=structure, start_date__lte=day, end_date__gte=day
    ).select_related("worker"):
        absences.setdefault(absence.worker_id, []).append(absence)
    by_worker = {entry.worker_id: entry for entry in entries}
    workers = {entry.worker_id: entry.worker for entry in entries}
    for worker_id, items in absences.items():
        workers.setdefault(worker_id, items[0].worker)
    lines = [
        TimesheetLine(worker, by_worker.get(worker_id), _q(planned.get(worker_id, ZERO)), absences.get(worker_id, []))
        for worker_id, worker in workers.items()
    ]
    return sorted(lines, key=lambda line: (line.worker.last_name, line.worker.first_name, line.worker.pk))


# Exits (« sorties ») and their rates -------------------------------------------------------------

# Exits that make the « sorties dynamiques » (ADR 0031); WITHDRAWN exits are left out of every rate.
DYNAMIC_CATEGORIES = (ExitCategory.DURABLE, ExitCategory.TRANSITIONAL, ExitCategory.POSITIVE)
DAYS_PER_MONTH = Decimal("30.4375")  # 365.25 / 12


@dataclass
class ExitRow:
    exit: ContractExit
    worker: Worker
    first_start: datetime.date  # the start of the person's first contract in the structure
    days_in_scheme: int  # first contract's start to the exit, both days included

    @property
    def months_in_scheme(self) -> Decimal:
        return (Decimal(self.days_in_scheme) / DAYS_PER_MONTH).quantize(Decimal("0.1"), ROUND_HALF_UP)


@dataclass
class ExitReport:
    start: datetime.date
    end: datetime.date
    rows: list[ExitRow]

    @property
    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(ExitCategory.values, 0)
        for row in self.rows:
            counts[row.exit.category] += 1
        return counts

    @property
    def counted(self) -> int:
        """The base of the rates: every exit but those withdrawn."""
        return sum(1 for row in self.rows if row.exit.category != ExitCategory.WITHDRAWN)

    def rate(self, *categories: str) -> Decimal | None:
        """Share of the counted exits in these categories, in % with one decimal; None without exits."""
        if not self.counted:
            return None
        hits = sum(self.counts[category] for category in categories)
        return (Decimal(100 * hits) / Decimal(self.counted)).quantize(Decimal("0.1"), ROUND_HALF_UP)

    @property
    def durable_rate(self) -> Decimal | None:
        return self.rate(ExitCategory.DURABLE)

    @property
    def dynamic_rate(self) -> Decimal | None:
        return self.rate(*DYNAMIC_CATEGORIES)

    @property
    def average_months(self) -> Decimal | None:
        if not self.rows:
            return None
        total = sum(Decimal(row.days_in_scheme) for row in self.rows)
        return (total / len(self.rows) / DAYS_PER_MONTH).quantize(Decimal("0.1"), ROUND_HALF_UP)


def exit_report(structure, start: datetime.date, end: datetime.date) -> ExitReport:
    """Exits of the structure dated in [start, end], with each person's time in the scheme (2 queries)."""
    exits = list(
        ContractExit.objects.for_structure(structure)
        .between(start, end)
        .select_related("contract__worker")
        .order_by("date", "pk")
    )
    first_starts = dict(
        Contract.objects.filter(worker_id__in={exit_.contract.worker_id for exit_ in exits})
        .values("worker_id")
        .annotate(first=Min("start_date"))
        .values_list("worker_id", "first")
    )
    rows = []
    for exit_ in exits:
        first = first_starts[exit_.contract.worker_id]
        rows.append(ExitRow(exit_, exit_.contract.worker, first, (exit_.date - first).days + 1))
    return ExitReport(start, end, rows)
