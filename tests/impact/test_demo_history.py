"""The demo's two years of history (impact.demo): from January 2025 to November 2026 every month has sales
and validated insertion hours, people enter and leave their contracts in both years with every exit
category, and the public report of each year shows those counts (five or more)."""

import datetime
from collections import Counter

import pytest
from django.utils import timezone

from impact import demo
from impact.figures import Period, insertion_hours_by_activity, people, public_report, revenue_by_activity
from insertion.enums import EXIT_CATEGORY_OF, ExitCategory, JobSourceKind, JobStatus
from insertion.models import ContractExit, Job, TimesheetEntry, Worker
from marketplace.enums import PaymentStatus
from marketplace.models import Invoice
from services.enums import OfferingKind

pytestmark = pytest.mark.django_db

MONTHS = [(2025, month) for month in range(1, 13)] + [(2026, month) for month in range(1, 12)]
# What the insertion workers of the hub do: the activities of the structures with teams.
WORKED = {
    OfferingKind.BASKET,
    OfferingKind.LAUNDRY,
    OfferingKind.MOBILITY,
    OfferingKind.HOME_SERVICE,
    OfferingKind.GOODS,
}


def test_every_month_of_the_two_years_has_sales_and_validated_hours_in_every_worked_activity(demo_hub):
    for year, month in MONTHS:
        period = Period(year, month)
        revenue = revenue_by_activity(period)
        hours = insertion_hours_by_activity(period)
        assert {kind for kind, amount in revenue.items() if amount > 0} >= {
            OfferingKind.BASKET,
            OfferingKind.LAUNDRY,
            OfferingKind.GOODS,
            OfferingKind.MOBILITY,
        }, (year, month)
        assert {kind for kind, total in hours.items() if total > 0} == WORKED, (year, month)


def test_the_history_sells_every_month_of_2025_one_invoice_per_planned_order_in_date_order(demo_hub):
    planned = sum(len(demo._plan(2025, month)) for month in range(1, 13))
    invoices = Invoice.objects.issued().filter(order__in=demo.history_orders(), issue_date__year=2025)

    # Per month: the EHPAD's baskets and linen, a household's baskets, car hire, coffee and honey; the driving
    # code but in August; duvets in April and October; the EHPAD's hygiene course in March and September.
    assert planned == 12 * 5 + 11 + 2 + 2 == 75
    assert invoices.count() == 75
    assert sorted(invoices.dates("issue_date", "month")) == [datetime.date(2025, month, 1) for month in range(1, 13)]
    orders = demo.history_orders().filter(invoices__in=invoices).distinct()
    assert orders.count() == 75
    assert set(orders.values_list("payment_status", flat=True)) == {PaymentStatus.PAID}
    for structure_id in invoices.values_list("structure", flat=True).distinct():
        series = Invoice.objects.issued().filter(structure_id=structure_id, year=2025).order_by("sequence")
        dates = list(series.values_list("issue_date", flat=True))
        assert dates == sorted(dates)
        assert list(series.values_list("sequence", flat=True)) == list(range(1, len(dates) + 1))


def test_workers_enter_and_leave_in_both_years_with_every_exit_category(demo_hub):
    history = Worker.objects.filter(email__endswith=demo.HISTORY_EMAIL_DOMAIN)
    exits = ContractExit.objects.filter(contract__worker__in=history)
    expected = Counter(
        (end.year, EXIT_CATEGORY_OF[reason]) for *_w, _start, end, _hours, reason in demo.HISTORY_WORKERS
    )

    assert history.count() == len(demo.HISTORY_WORKERS) == 24
    assert Counter(start.year for *_w, start, _end, _hours, _reason in demo.HISTORY_WORKERS) == {
        2024: 6,
        2025: 12,
        2026: 6,
    }
    assert Counter((exit_.date.year, exit_.category) for exit_ in exits) == expected
    assert sum(count for (year, _category), count in expected.items() if year == 2025) == 8
    assert sum(count for (year, _category), count in expected.items() if year == 2026) == 16
    assert {category for _year, category in expected} == set(ExitCategory.values) - {ExitCategory.WITHDRAWN}
    # Their days are validated, the last one on their exit day at the latest.
    for worker in history:
        days = TimesheetEntry.objects.filter(worker=worker)
        assert days.exists()
        assert not days.filter(validated_at__isnull=True).exists()
        assert days.order_by("-date").first().date <= worker.contracts.get().exit.date


def test_the_public_report_of_each_year_shows_entries_exits_and_hours(demo_hub):
    for year in (2025, 2026):
        hub = people(Period(year))
        report = public_report(year)

        assert hub.entries >= 5
        assert hub.counted_exits >= 5
        assert report.entries == hub.entries
        assert report.exits == hub.exits
        assert report.durable_rate is not None
        assert report.households is not None
        assert report.hours_total > 0


def test_the_history_s_preparations_are_done_by_a_worker_of_their_structure(demo_hub):
    jobs = Job.objects.filter(
        source_kind=JobSourceKind.ORDER,
        source_id__in=[str(pk) for pk in demo.history_orders().values_list("pk", flat=True)],
    )

    assert jobs.exists()
    assert not jobs.exclude(status=JobStatus.DONE).filter(date__lt=timezone.localdate().replace(day=1)).exists()
    for job in jobs.filter(status=JobStatus.DONE).prefetch_related("assignments__worker"):
        assert [assignment.worker.structure_id for assignment in job.assignments.all()] == [job.structure_id]
