"""Who worked on each home visit billed on an order line (SAP invoices and tax certificates), and the
workers' identification numbers."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from bookings.actions.booking import cancel_booking
from insertion.enums import JobSourceKind
from insertion.interventions import Intervention, interventions_for_order_lines
from insertion.jobs import sync_jobs
from insertion.models import Assignment, Job, Worker
from marketplace.interventions import interventions_of
from tests.bookings.factories import NOW, BookableOfferingFactory, BookingFactory
from tests.insertion.factories import WorkerFactory

pytestmark = pytest.mark.django_db
VISIT_DAY = datetime.date(2026, 3, 3)


@pytest.fixture
def visit(django_capture_on_commit_callbacks):
    """3 hours of « Ménage à domicile » on Tuesday 3 March 2026, confirmed, and its job."""
    housework = BookableOfferingFactory(home_visit=True)
    with django_capture_on_commit_callbacks(execute=True):
        booking = BookingFactory(home_visit=True, offering=housework)
    booking.refresh_from_db()
    sync_jobs(structure=housework.structure)
    return booking


def job_of(booking) -> Job:
    return Job.objects.get(source_kind=JobSourceKind.BOOKING, source_id=str(booking.pk))


def test_two_workers_share_the_visit_hours_in_proportion_to_their_assignments(visit, django_assert_num_queries):
    services = visit.offering.structure
    zoe = WorkerFactory(structure=services, first_name="Zoé", last_name="Aubert")
    alice = WorkerFactory(structure=services, first_name="Alice", last_name="Martin")
    Assignment.objects.create(job=job_of(visit), worker=zoe, hours=Decimal("2.00"))
    Assignment.objects.create(job=job_of(visit), worker=alice, hours=Decimal("1.00"))

    with django_assert_num_queries(2):
        result = interventions_for_order_lines([visit.order_line_id])

    assert result == {
        visit.order_line_id: [
            Intervention(visit.order_line_id, VISIT_DAY, Decimal("1.00"), "Alice Martin", alice.identifier),
            Intervention(visit.order_line_id, VISIT_DAY, Decimal("2.00"), "Zoé Aubert", zoe.identifier),
        ]
    }
    # marketplace reads the same through its registry (insertion registers it when the app is ready).
    assert interventions_of([visit.order_line_id]) == result


def test_the_final_quantity_is_shared_to_the_cent(visit):
    services = visit.offering.structure
    workers = [WorkerFactory(structure=services, first_name=name, last_name="Roux") for name in ("Ana", "Bea", "Cléo")]
    for worker in workers:
        Assignment.objects.create(job=job_of(visit), worker=worker, hours=Decimal("1.00"))
    visit.final_quantity = Decimal("2.5")
    visit.save(update_fields=["final_quantity"])

    [parts] = interventions_for_order_lines([visit.order_line_id]).values()

    assert [(part.worker_name, part.hours) for part in parts] == [
        ("Ana Roux", Decimal("0.83")),
        ("Bea Roux", Decimal("0.83")),
        ("Cléo Roux", Decimal("0.84")),
    ]


def test_several_lines_in_constant_queries_and_a_visit_without_assignment_lists_nothing(
    visit, django_capture_on_commit_callbacks, django_assert_num_queries
):
    services = visit.offering.structure
    with django_capture_on_commit_callbacks(execute=True):
        unassigned = BookingFactory(
            home_visit=True, offering=visit.offering, starts_at=visit.starts_at + datetime.timedelta(days=1)
        )
    sync_jobs(structure=services)
    assert job_of(unassigned).assignments.count() == 0
    worker = WorkerFactory(structure=services, first_name="Inès", last_name="Dupuy")
    Assignment.objects.create(job=job_of(visit), worker=worker, hours=Decimal("3.00"))

    with django_assert_num_queries(2):
        result = interventions_for_order_lines([visit.order_line_id, unassigned.order_line_id])

    assert result == {
        visit.order_line_id: [
            Intervention(visit.order_line_id, VISIT_DAY, Decimal("3.00"), "Inès Dupuy", worker.identifier)
        ]
    }
    assert interventions_for_order_lines([]) == {}


def test_a_cancelled_visit_lists_no_intervention(visit, django_capture_on_commit_callbacks):
    worker = WorkerFactory(structure=visit.offering.structure)
    Assignment.objects.create(job=job_of(visit), worker=worker, hours=Decimal("3.00"))
    with django_capture_on_commit_callbacks(execute=True):
        cancel_booking(booking=visit, by=visit.customer, at=NOW)

    assert interventions_for_order_lines([visit.order_line_id]) == {}


def test_a_worker_is_numbered_at_creation_for_good():
    worker = WorkerFactory()

    assert worker.identifier == f"SAL-{worker.pk:06d}"
    worker.refresh_from_db()
    assert worker.identifier == f"SAL-{worker.pk:06d}"
    worker.first_name = "Renommée"
    worker.save()
    worker.refresh_from_db()
    assert worker.identifier == f"SAL-{worker.pk:06d}"
    # Deleted, its number is not handed out again: the next worker gets the next id.
    pk = worker.pk
    worker.delete()
    assert WorkerFactory().identifier > f"SAL-{pk:06d}"


def test_an_identifier_is_unique_within_its_structure():
    worker = WorkerFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Worker.objects.create(
            structure=worker.structure, first_name="Autre", last_name="Personne", identifier=worker.identifier
        )
