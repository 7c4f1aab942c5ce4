"""Bookings become jobs, and the hours worked on home visits go back to them (and to the invoice)."""

import datetime
from decimal import Decimal

import pytest

from accounts.models import User
from bookings.actions.booking import book, cancel_booking
from bookings.enums import BookingStatus
from hub.models import Structure
from insertion.actions import assign_worker, record_hours, validate_timesheets
from insertion.enums import JobSourceKind, JobStatus
from insertion.jobs import sync_jobs
from insertion.models import Job
from marketplace.models import Invoice
from tests.bookings.factories import BILLING, NOW, at, offering
from tests.insertion.factories import ApprovalFactory, ContractFactory, WorkerFactory
from tests.marketplace.factories import resident

pytestmark = pytest.mark.django_db
VISIT_DAY = datetime.date(2027, 3, 2)


@pytest.fixture
def visit(demo_hub, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        booking = book(user=resident(), offering=offering("menage-a-domicile"), starts_at=at(2, 8), quantity=Decimal("3"),
                    payment_method="cheque", billing=BILLING, address="4 rue des Tilleuls, Bourganeuf",
                    postcode="23400", at=NOW)  # fmt: skip
    booking.refresh_from_db()  # confirmed by the order_confirmed event, on commit
    return booking


def services():
    return Structure.objects.get(slug="pole-services")


def test_a_confirmed_visit_becomes_a_job_once_and_is_cancelled_with_it(visit, django_capture_on_commit_callbacks):
    assert visit.status == BookingStatus.CONFIRMED
    sync_jobs(structure=services())
    sync_jobs(structure=services())
    job = Job.objects.get(source_kind=JobSourceKind.BOOKING, source_id=str(visit.pk))
    assert (job.structure, job.date, job.start_time, job.end_time) == (
        services(),
        VISIT_DAY,
        datetime.time(8),
        datetime.time(11),
    )
    assert (job.estimated_hours, job.headcount, job.required_skill.slug) == (Decimal("3.00"), 1, "menage")
    assert job.title == "Intervention à domicile : Ménage à domicile (23400)"
    with django_capture_on_commit_callbacks(execute=True):
        cancel_booking(booking=visit, by=resident(), at=NOW)
    sync_jobs(structure=services())
    job.refresh_from_db()
    assert job.status == JobStatus.CANCELLED


def test_validated_hours_are_invoiced_on_the_visit(visit):
    worker = WorkerFactory(structure=services(), skills=["menage"])
    ContractFactory(worker=worker, start_date=datetime.date(2027, 1, 4), end_date=datetime.date(2027, 6, 30))
    ApprovalFactory(worker=worker, start_date=datetime.date(2026, 12, 1))
    supervisor = User.objects.get(email="admin@demo.pole.test")
    sync_jobs(structure=services())
    job = Job.objects.get(source_kind=JobSourceKind.BOOKING, source_id=str(visit.pk))
    assign_worker(job=job, worker=worker, by=supervisor)
    record_hours(worker=worker, day=VISIT_DAY, hours=Decimal("2.5"), by=supervisor)

    validate_timesheets(structure=services(), start=VISIT_DAY, end=VISIT_DAY, by=supervisor)

    visit.refresh_from_db()
    assert (visit.status, visit.final_quantity) == (BookingStatus.DONE, Decimal("2.500"))
    invoice = Invoice.objects.get(order=visit.order_line.order)
    assert (invoice.total_incl, invoice.lines.get().quantity) == (Decimal("60.00"), Decimal("2.500"))
    # Validating again reports nothing more.
    validate_timesheets(structure=services(), start=VISIT_DAY, end=VISIT_DAY, by=supervisor)
    assert Invoice.objects.filter(order=visit.order_line.order).count() == 1
