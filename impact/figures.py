"""The impact figures (issue 15): pure reads, one function per figure, for a year or one of its months,
for one structure or the whole hub (`structure=None`). Each costs a fixed number of queries whatever the
data size. The rule, source and assumptions of every figure are in docs/adr/0032-impact-figures.md.

`summary()` gathers them for the dashboard, its CSV and PDF, the API; `public_report()` is the same
figures with every count of people under five hidden (the public « rapport d'activité »).
"""

import calendar
import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Exists, F, Min, OuterRef, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounting.chart import ADVANCE_ACCOUNT
from accounting.models import EntryLine
from bookings.enums import BookingStatus
from bookings.models import Booking
from hub.models import Structure
from insertion.enums import ExitCategory, JobSourceKind
from insertion.models import Assignment, Contract, ContractExit, TimesheetEntry, Worker
from insertion.reports import DYNAMIC_CATEGORIES, fte_of_hours
from marketplace.enums import FulfilmentStatus, InvoiceKind
from marketplace.models import InvoiceLine, Order, OrderLine
from services.enums import OfferingKind, Unit
from services.models import Offering
from subscriptions.enums import DeliveryStatus
from subscriptions.models import Delivery

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
#: Revenue or hours that no offering kind explains (a job typed in for a structure that sells nothing).
OTHER = "other"
OTHER_LABEL = _("Autres")
#: The public report hides every count of people under this (small-cell suppression).
SMALL_CELL = 5


def activity_label(key: str):
    return OfferingKind(key).label if key in OfferingKind.values else OTHER_LABEL


ACTIVITY_ORDER = [*OfferingKind.values, OTHER]


@dataclass(frozen=True)
class Period:
    """A calendar year, or one month of it when `month` is set."""

    year: int
    month: int | None = None

    @property
    def start(self) -> datetime.date:
        return datetime.date(self.year, self.month or 1, 1)

    @property
    def end(self) -> datetime.date:
        month = self.month or 12
        return datetime.date(self.year, month, calendar.monthrange(self.year, month)[1])

    @property
    def start_at(self) -> datetime.datetime:
        return timezone.make_aware(datetime.datetime.combine(self.start, datetime.time()))

    @property
    def end_at(self) -> datetime.datetime:
        """The first instant after the period (exclusive bound), local time."""
        return timezone.make_aware(datetime.datetime.combine(self.end + datetime.timedelta(days=1), datetime.time()))


def _q(value) -> Decimal:
    return Decimal(value or 0).quantize(CENT)


def _ordered(values: dict[str, Decimal]) -> dict[str, Decimal]:
    return {key: values[key] for key in ACTIVITY_ORDER if key in values}


# --- Revenue -----------------------------------------------------------------------------------------


def revenue_by_activity(period: Period, structure: Structure | None = None) -> dict[str, Decimal]:
    """{activity: revenue excl. VAT}: lines of the invoices issued in the period, less those of the credit
    notes issued in it, by the kind of the offering of the order line they bill (1 query).

    Left out: deposit invoices and their credit notes (a prepaid season is an advance on 4191, not
    revenue: its baskets count as they are handed over, read from the ledger — `prepaid_baskets_revenue`), and the Collectif's shared-services invoices to member structures (money moving inside
    the hub, not a sale to its customers). Lines with no order line left are « Autres »."""
    lines = (
        InvoiceLine.objects.filter(
            invoice__issue_date__gte=period.start,
            invoice__issue_date__lte=period.end,
            invoice__kind__in=[InvoiceKind.INVOICE, InvoiceKind.CREDIT_NOTE],
            invoice__buyer_structure__isnull=True,
        )
        .exclude(invoice__number="")
        .exclude(revenue_account=ADVANCE_ACCOUNT)
    )
    if structure is not None:
        lines = lines.filter(invoice__structure=structure)
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for kind, invoice_kind, total in lines.values_list("order_line__offering__kind", "invoice__kind").annotate(
        total=Sum("total_excl")
    ):
        sign = -1 if invoice_kind == InvoiceKind.CREDIT_NOTE else 1
        totals[kind or OTHER] += sign * total
    if prepaid := prepaid_baskets_revenue(period, structure):
        totals[OfferingKind.BASKET] += prepaid
    return _ordered({key: _q(value) for key, value in totals.items()})


def prepaid_baskets_revenue(period: Period, structure: Structure | None = None) -> Decimal:
    """Revenue excl. VAT of the prepaid seasons' baskets handed over in the period: no invoice line says it
    (the season's deposit invoice is an advance), the ledger does — each basket delivered moves its share
    from 4191 to revenue (`marketplace.postings.post_prepaid_delivery`, source « delivery »). 1 query."""
    lines = EntryLine.objects.filter(
        entry__source_kind="delivery",
        entry__event="released",
        entry__date__gte=period.start,
        entry__date__lte=period.end,
        account__code__startswith="7",
    )
    if structure is not None:
        lines = lines.filter(entry__structure=structure)
    total = lines.aggregate(total=Sum(F("credit") - F("debit")))["total"]
    return total or ZERO


# --- Insertion hours ---------------------------------------------------------------------------------


def _main_activities(structure_ids: set[int]) -> dict[int, str]:
    """{structure id: the offering kind it sells most offerings of} (ties: the catalogue's order; 1 query)."""
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for structure_id, kind, number in (
        Offering.objects.filter(structure_id__in=structure_ids)
        .values_list("structure_id", "kind")
        .annotate(number=Count("pk"))
        .order_by()
    ):
        counts[structure_id][kind] = number
    return {
        structure_id: max(kinds, key=lambda kind: (kinds[kind], -ACTIVITY_ORDER.index(kind)))
        for structure_id, kinds in counts.items()
    }


def _job_activities(assignments: list[tuple]) -> dict[tuple[str, str, int], str]:
    """{(source kind, source id, structure id): activity} for the jobs of these assignments (≤ 3 queries).

    A booking's job: the kind of the booked offering. A distribution (packing, round): baskets. An
    order's job (goods prepared): the kind of the offering of the order's first labour line from that
    structure. A job typed in, or whose source is gone: the structure's main activity (`_main_activities`)."""
    jobs = {(kind, source_id, structure_id) for _w, _d, _h, kind, source_id, structure_id in assignments}
    booking_ids = {
        int(source_id) for kind, source_id, _s in jobs if kind == JobSourceKind.BOOKING and source_id.isdigit()
    }
    order_ids = {int(source_id) for kind, source_id, _s in jobs if kind == JobSourceKind.ORDER and source_id.isdigit()}
    booked = dict(Booking.objects.filter(pk__in=booking_ids).values_list("pk", "offering__kind")) if booking_ids else {}
    ordered: dict[tuple[int, int], str] = {}
    if order_ids:
        for order_id, seller_id, kind in (
            OrderLine.objects.filter(order_id__in=order_ids, is_goods=True, labour_hours_per_unit__gt=0)
            .order_by("-pk")
            .values_list("order_id", "seller_id", "offering__kind")
        ):
            ordered[(order_id, seller_id)] = kind  # by descending pk: the first line wins
    main = _main_activities({structure_id for _k, _s, structure_id in jobs})
    activities = {}
    for kind, source_id, structure_id in jobs:
        activity = None
        if kind == JobSourceKind.DELIVERY:
            activity = OfferingKind.BASKET
        elif kind == JobSourceKind.BOOKING and source_id.isdigit():
            activity = booked.get(int(source_id))
        elif kind == JobSourceKind.ORDER and source_id.isdigit():
            activity = ordered.get((int(source_id), structure_id))
        activities[(kind, source_id, structure_id)] = activity or main.get(structure_id, OTHER)
    return activities


def insertion_hours_by_activity(period: Period, structure: Structure | None = None) -> dict[str, Decimal]:
    """{activity: validated timesheet hours} of the insertion workers (of the structure), ≤ 6 queries.

    Timesheets give a worker's hours per day, not per job: as in `insertion.reports.hours_per_activity`,
    a validated day is shared among that day's live jobs of the worker in proportion to the hours
    planned on each. A job's activity is the offering kind of its source (`_job_activities`). A
    validated day with no job goes to the worker's structure's main activity."""
    entries = TimesheetEntry.objects.filter(
        date__gte=period.start, date__lte=period.end, validated_at__isnull=False, hours__gt=0
    )
    assignments = Assignment.objects.live().filter(job__date__gte=period.start, job__date__lte=period.end)
    if structure is not None:
        entries = entries.filter(worker__structure=structure)
        assignments = assignments.filter(worker__structure=structure)
    days = list(entries.values_list("worker_id", "worker__structure_id", "date", "hours"))
    if not days:
        return {}
    rows = list(
        assignments.values_list(
            "worker_id", "job__date", "hours", "job__source_kind", "job__source_id", "job__structure_id"
        )
    )
    activities = _job_activities(rows)
    planned: dict[tuple[int, datetime.date], list[tuple[Decimal, str]]] = defaultdict(list)
    for worker_id, day, hours, kind, source_id, structure_id in rows:
        planned[(worker_id, day)].append((hours, activities[(kind, source_id, structure_id)]))
    main = _main_activities({structure_id for _w, structure_id, _d, _h in days})
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for worker_id, structure_id, day, hours in days:
        jobs = planned.get((worker_id, day), [])
        day_planned = sum((job_hours for job_hours, _a in jobs), Decimal("0"))
        if not day_planned:
            totals[main.get(structure_id, OTHER)] += hours
            continue
        for job_hours, activity in jobs:
            totals[activity] += hours * job_hours / day_planned
    return _ordered({key: _q(value) for key, value in totals.items()})


def revenue_per_hour(revenue: dict[str, Decimal], hours: dict[str, Decimal]) -> dict[str, Decimal | None]:
    """{activity: revenue excl. VAT per insertion hour} (None where no hour was worked), and « total »."""
    result: dict[str, Decimal | None] = {
        key: (_q(revenue.get(key, ZERO) / hours[key]) if hours.get(key) else None)
        for key in ACTIVITY_ORDER
        if key in revenue or key in hours
    }
    total_hours = sum(hours.values(), ZERO)
    result["total"] = _q(sum(revenue.values(), ZERO) / total_hours) if total_hours else None
    return result


# --- FTE and people ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fte:
    planned: Decimal  # the contracts' hours over the period, as FTE
    done: Decimal  # the validated (paid) hours, as FTE
    planned_hours: Decimal
    done_hours: Decimal
    workers: int = 0  # distinct workers with validated hours (the public report hides hours under five)


def fte(period: Period, structure: Structure | None = None) -> Fte:
    """FTE planned vs done (DOMAIN.md rule 17: hours / (1 607 × days / 365)), 2 queries.

    Planned: each contract's weekly hours × its days inside the period / 7. Done: the validated
    timesheet hours of the period."""
    contracts = Contract.objects.overlapping(period.start, period.end)
    entries = TimesheetEntry.objects.filter(date__gte=period.start, date__lte=period.end, validated_at__isnull=False)
    if structure is not None:
        contracts = contracts.filter(worker__structure=structure)
        entries = entries.filter(worker__structure=structure)
    planned = Decimal("0")
    for start, end, weekly in contracts.values_list("start_date", "end_date", "weekly_hours"):
        days = (min(end, period.end) - max(start, period.start)).days + 1
        planned += weekly * days / 7
    sums = entries.aggregate(total=Sum("hours"), workers=Count("worker_id", distinct=True))
    done = Decimal(sums["total"] or 0)
    return Fte(
        planned=fte_of_hours(planned, period.start, period.end),
        done=fte_of_hours(done, period.start, period.end),
        planned_hours=_q(planned),
        done_hours=_q(done),
        workers=sums["workers"],
    )


@dataclass(frozen=True)
class People:
    entries: int  # first contract ever starting in the period
    exits: int  # a contract ending in the period with no later one
    present: int  # under contract on the period's last day
    # The exits recorded in the period (`ContractExit`, ADR 0031) by category, every category listed.
    exit_categories: dict[str, int] = field(default_factory=dict)

    @property
    def counted_exits(self) -> int:
        """The base of the DREETS' rates: every recorded exit but those withdrawn from the count."""
        return sum(count for category, count in self.exit_categories.items() if category != ExitCategory.WITHDRAWN)

    def exit_rate(self, *categories: str) -> Decimal | None:
        """Share of the counted exits in these categories, in % with one decimal; None without any."""
        if not self.counted_exits:
            return None
        hits = sum(self.exit_categories.get(category, 0) for category in categories)
        return (Decimal(100 * hits) / Decimal(self.counted_exits)).quantize(Decimal("0.1"), ROUND_HALF_UP)

    @property
    def durable_rate(self) -> Decimal | None:
        return self.exit_rate(ExitCategory.DURABLE)

    @property
    def dynamic_rate(self) -> Decimal | None:
        return self.exit_rate(*DYNAMIC_CATEGORIES)


def people(period: Period, structure: Structure | None = None) -> People:
    """Insertion workers employed, from their contracts' dates, and the exits recorded (4 queries)."""
    workers = Worker.objects.all()
    contracts = Contract.objects.all()
    if structure is not None:
        workers = workers.filter(structure=structure)
        contracts = contracts.filter(worker__structure=structure)
    entries = (
        workers.annotate(first_start=Min("contracts__start_date"))
        .filter(first_start__gte=period.start, first_start__lte=period.end)
        .count()
    )
    later = Contract.objects.filter(worker=OuterRef("worker"), start_date__gt=OuterRef("end_date"))
    exits = (
        contracts.filter(end_date__gte=period.start, end_date__lte=period.end)
        .exclude(Exists(later))
        .values("worker_id")
        .distinct()
        .count()
    )
    present = contracts.covering(period.end).values("worker_id").distinct().count()
    recorded = ContractExit.objects.filter(date__gte=period.start, date__lte=period.end)
    if structure is not None:
        recorded = recorded.for_structure(structure)
    categories = dict.fromkeys(ExitCategory.values, 0)
    categories.update(recorded.values("category").annotate(n=Count("pk")).values_list("category", "n"))
    return People(entries=entries, exits=exits, present=present, exit_categories=categories)


# --- Customers and what was done for them -----------------------------------------------------------------


@dataclass(frozen=True)
class Customers:
    households: int  # people who ordered for themselves
    organisations: int
    solidarity_households: int  # of the households, those with an order at the solidarity tier
    solidarity_share: Decimal | None  # percent of households, 1 decimal


def customers(period: Period, structure: Structure | None = None) -> Customers:
    """Distinct customers with an order confirmed in the period and not cancelled (1 query)."""
    orders = Order.objects.filter(confirmed_at__gte=period.start_at, confirmed_at__lt=period.end_at).exclude(
        fulfilment_status=FulfilmentStatus.CANCELLED
    )
    if structure is not None:
        orders = orders.filter(Exists(OrderLine.objects.filter(order=OuterRef("pk"), seller=structure)))
    counts = orders.aggregate(
        households=Count("customer_id", filter=Q(organisation__isnull=True), distinct=True),
        organisations=Count("organisation_id", distinct=True),
        solidarity=Count("customer_id", filter=Q(organisation__isnull=True, solidarity_pricing=True), distinct=True),
    )
    households = counts["households"]
    share = (Decimal(counts["solidarity"] * 100) / households).quantize(Decimal("0.1")) if households else None
    return Customers(
        households=households,
        organisations=counts["organisations"],
        solidarity_households=counts["solidarity"],
        solidarity_share=share,
    )


@dataclass(frozen=True)
class Activity:
    baskets: int
    laundry_kg: Decimal
    visit_hours: Decimal
    transport_km: Decimal


def activity(period: Period, structure: Structure | None = None) -> Activity:
    """What was delivered (2 queries): baskets handed over; laundry weighed (final kg, bookings not
    cancelled); home visits done (hours: final quantity, else booked); solidarity transport done (km:
    the trip's final quantity, else the estimate). Bookings count in the period of their start."""
    deliveries = Delivery.objects.filter(date__gte=period.start, date__lte=period.end, status=DeliveryStatus.DELIVERED)
    bookings = Booking.objects.filter(starts_at__gte=period.start_at, starts_at__lt=period.end_at)
    if structure is not None:
        deliveries = deliveries.filter(subscription__plan__offering__structure=structure)
        bookings = bookings.filter(offering__structure=structure)
    done = Q(status=BookingStatus.DONE)
    measured = Coalesce("final_quantity", "quantity")
    sums = bookings.aggregate(
        laundry=Sum(
            "final_quantity",
            filter=Q(offering__kind=OfferingKind.LAUNDRY, offering__unit=Unit.KG, final_quantity__isnull=False)
            & ~Q(status__in=[BookingStatus.CANCELLED, BookingStatus.NO_SHOW]),
        ),
        visits=Sum(measured, filter=done & Q(offering__kind=OfferingKind.HOME_SERVICE, offering__unit=Unit.HOUR)),
        km=Sum(measured, filter=done & Q(offering__kind=OfferingKind.MOBILITY, offering__unit=Unit.KM)),
    )
    return Activity(
        baskets=deliveries.count(),
        laundry_kg=_q(sums["laundry"]),
        visit_hours=_q(sums["visits"]),
        transport_km=_q(sums["km"]),
    )


# --- Together ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Summary:
    period: Period
    structure: Structure | None
    revenue: dict[str, Decimal]
    hours: dict[str, Decimal]
    revenue_per_hour: dict[str, Decimal | None]
    fte: Fte
    people: People
    customers: Customers
    activity: Activity

    @property
    def revenue_total(self) -> Decimal:
        return sum(self.revenue.values(), ZERO)

    @property
    def hours_total(self) -> Decimal:
        return sum(self.hours.values(), ZERO)

    @property
    def activities(self) -> list[str]:
        return [key for key in ACTIVITY_ORDER if key in self.revenue or key in self.hours]


def summary(period: Period, structure: Structure | None = None) -> Summary:
    """Every figure of the dashboard: a fixed number of queries whatever the data size (at most 16: one more
    each when some jobs come from bookings, from orders)."""
    revenue = revenue_by_activity(period, structure)
    hours = insertion_hours_by_activity(period, structure)
    return Summary(
        period=period,
        structure=structure,
        revenue=revenue,
        hours=hours,
        revenue_per_hour=revenue_per_hour(revenue, hours),
        fte=fte(period, structure),
        people=people(period, structure),
        customers=customers(period, structure),
        activity=activity(period, structure),
    )


# --- The public report --------------------------------------------------------------------------------


def hide_small(count: int) -> int | None:
    """A count of people, or None (« moins de 5 ») under SMALL_CELL."""
    return count if count >= SMALL_CELL else None


@dataclass(frozen=True)
class PublicReport:
    """The hub's yearly figures fit for anyone: no names, and each count of people under five hidden
    (None), with whatever would give it back (the solidarity share when either of its counts is hidden)."""

    year: int
    revenue: dict[str, Decimal]
    hours: dict[str, Decimal] | None
    fte_done: Decimal | None
    entries: int | None
    exits: int | None
    present: int | None
    durable_rate: Decimal | None  # hidden under five exits counted
    dynamic_rate: Decimal | None
    households: int | None
    organisations: int | None
    solidarity_households: int | None
    solidarity_share: Decimal | None
    activity: Activity

    @property
    def revenue_total(self) -> Decimal:
        return sum(self.revenue.values(), ZERO)

    @property
    def hours_total(self) -> Decimal | None:
        return None if self.hours is None else sum(self.hours.values(), ZERO)

    @property
    def hidden(self) -> list[str]:
        names = ["hours", "fte_done", "entries", "exits", "present", "durable_rate", "dynamic_rate", "households",
                 "organisations"]  # fmt: skip
        return [name for name in [*names, "solidarity_households", "solidarity_share"] if getattr(self, name) is None]


def public_report(year: int) -> PublicReport:
    figures = summary(Period(year))
    households = hide_small(figures.customers.households)
    solidarity = hide_small(figures.customers.solidarity_households)
    return PublicReport(
        year=year,
        revenue=figures.revenue,
        # Hours worked by fewer than five people would describe them: hidden with their FTE.
        hours=figures.hours if hide_small(figures.fte.workers) is not None else None,
        fte_done=figures.fte.done if hide_small(figures.fte.workers) is not None else None,
        entries=hide_small(figures.people.entries),
        exits=hide_small(figures.people.exits),
        present=hide_small(figures.people.present),
        # A rate over fewer than five exits describes fewer than five people.
        durable_rate=figures.people.durable_rate if hide_small(figures.people.counted_exits) else None,
        dynamic_rate=figures.people.dynamic_rate if hide_small(figures.people.counted_exits) else None,
        households=households,
        organisations=hide_small(figures.customers.organisations),
        solidarity_households=solidarity,
        solidarity_share=figures.customers.solidarity_share if households and solidarity else None,
        activity=figures.activity,
    )
