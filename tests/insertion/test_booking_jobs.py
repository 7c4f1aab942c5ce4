"""Bookings become jobs, and the hours worked on home visits go back to them (and to the invoice)."""

import datetime
from decimal import Decimal

import pytest

from bookings.actions.booking import cancel_booking
from bookings.enums import BookingStatus
from insertion.actions import assign_worker, record_hours, validate_timesheets
from insertion.enums import JobSourceKind, JobStatus
from insertion.jobs import sync_jobs
from insertion.models import Job
from marketplace.models import Invoice
from subscriptions.actions.changes import skip_delivery
from subscriptions.actions.deliveries import generate_deliveries
from subscriptions.models import Delivery
from tests.accounts.factories import UserFactory
from tests.bookings.factories import NOW, BookableOfferingFactory, BookingFactory
from tests.hub.factories import SiteFactory
from tests.insertion.factories import ApprovalFactory, ContractFactory, WorkerFactory, skill
from tests.subscriptions.factories import FIRST_MONDAY, TODAY, SubscriptionFactory, SubscriptionPlanFactory

pytestmark = pytest.mark.django_db
VISIT_DAY = datetime.date(2026, 3, 3)


@pytest.fixture
def visit(django_capture_on_commit_callbacks):
    """3 hours of « Ménage à domicile » on Tuesday 3 March 2026 from 8:00, at 77140, needing the « menage » skill."""
    housework = BookableOfferingFactory(home_visit=True, required_skill=skill("menage"))
    with django_capture_on_commit_callbacks(execute=True):
        booking = BookingFactory(home_visit=True, offering=housework)
    booking.refresh_from_db()  # confirmed by the order_confirmed event, on commit
    return booking


def test_a_confirmed_visit_becomes_a_job_once_and_is_cancelled_with_it(visit, django_capture_on_commit_callbacks):
    services = visit.offering.structure
    assert visit.status == BookingStatus.CONFIRMED
    sync_jobs(structure=services)
    sync_jobs(structure=services)
    job = Job.objects.get(source_kind=JobSourceKind.BOOKING, source_id=str(visit.pk))
    assert (job.structure, job.date, job.start_time, job.end_time) == (
        services,
        VISIT_DAY,
        datetime.time(8),
        datetime.time(11),
    )
    assert (job.estimated_hours, job.headcount, job.required_skill.slug) == (Decimal("3.00"), 1, "menage")
    assert job.title == "Intervention à domicile : Ménage à domicile (77140)"
    with django_capture_on_commit_callbacks(execute=True):
        cancel_booking(booking=visit, by=visit.customer, at=NOW)
    sync_jobs(structure=services)
    job.refresh_from_db()
    assert job.status == JobStatus.CANCELLED


def test_validated_hours_are_invoiced_on_the_visit(visit):
    services = visit.offering.structure
    worker = WorkerFactory(structure=services, skills=["menage"])
    ContractFactory(worker=worker, start_date=datetime.date(2026, 1, 5), end_date=datetime.date(2026, 6, 30))
    ApprovalFactory(worker=worker, start_date=datetime.date(2025, 12, 1))
    supervisor = UserFactory(hub_admin=True)
    sync_jobs(structure=services)
    job = Job.objects.get(source_kind=JobSourceKind.BOOKING, source_id=str(visit.pk))
    assign_worker(job=job, worker=worker, by=supervisor)
    record_hours(worker=worker, day=VISIT_DAY, hours=Decimal("2.5"), by=supervisor)

    validate_timesheets(structure=services, start=VISIT_DAY, end=VISIT_DAY, by=supervisor)

    visit.refresh_from_db()
    assert (visit.status, visit.final_quantity) == (BookingStatus.DONE, Decimal("2.500"))
    invoice = Invoice.objects.get(order=visit.order_line.order)
    assert (invoice.total_incl, invoice.lines.get().quantity) == (Decimal("60.00"), Decimal("2.500"))
    # Validating again reports nothing more.
    validate_timesheets(structure=services, start=VISIT_DAY, end=VISIT_DAY, by=supervisor)
    assert Invoice.objects.filter(order=visit.order_line.order).count() == 1


def test_each_distribution_day_gives_a_packing_job_and_a_round_per_pickup_point():
    weekly = SubscriptionPlanFactory()  # on Mondays, a quarter of an hour of packing a basket
    point = SiteFactory(pickup_point=True, capacity=5)
    first = SubscriptionFactory(plan=weekly, pickup_point=point, payment_mode="prepaid")
    SubscriptionFactory(plan=weekly, pickup_point=point, payment_mode="prepaid")
    generate_deliveries(weeks=2, today=TODAY)
    driving = skill("conduite-vl")  # what a delivery round asks for
    garden = weekly.offering.structure
    week = FIRST_MONDAY  # Monday 16 March 2026

    sync_jobs(structure=garden, week=week)
    sync_jobs(structure=garden, week=week)

    jobs = Job.objects.filter(source_kind=JobSourceKind.DELIVERY, place=point).order_by("source_id")
    assert [(job.source_id, job.date, job.estimated_hours, job.status) for job in jobs] == [
        (f"pack-20260316-{point.pk}", week, Decimal("0.50"), JobStatus.OPEN),  # two baskets × 0.25 h
        (f"round-20260316-{point.pk}", week, Decimal("1.04"), JobStatus.OPEN),
    ]
    assert jobs[0].title == "Préparation de 2 paniers pour " + point.name
    assert jobs[1].required_skill == driving

    # One subscriber skips: the packing job shrinks.
    skip_delivery(delivery=Delivery.objects.get(subscription=first, date=week), today=TODAY)
    sync_jobs(structure=garden, week=week)
    assert Job.objects.get(source_id=f"pack-20260316-{point.pk}").estimated_hours == Decimal("0.25")
