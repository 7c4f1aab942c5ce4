"""DOMAIN.md rule 15: jobs derived from confirmed sales, unique per source, updated and cancelled with it."""

import datetime
import zoneinfo
from decimal import Decimal

import pytest

from hub.models import Site, Structure
from insertion.enums import JobSourceKind, JobStatus
from insertion.jobs import sync_jobs
from insertion.models import Assignment, Job, JobAlert
from insertion.workdays import next_working_day
from marketplace.actions.refunds import cancel_order
from tests.insertion.factories import WorkerFactory
from tests.marketplace.factories import order_for, resident

pytestmark = pytest.mark.django_db

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
# Friday 11 July 2031: the next working day skips the weekend and Bastille Day (Monday 14).
FRIDAY = datetime.datetime(2031, 7, 11, 15, 0, tzinfo=PARIS)
TUESDAY = datetime.date(2031, 7, 15)
WEEK = datetime.date(2031, 7, 14)


@pytest.fixture
def order(demo_hub):
    return order_for(
        resident(),
        {"pommes-de-terre-sac-de-5-kg": "4", "panier-familial": "2", "cafe-equitable-moulu-250-g": "10"},
        method="cash",
        at=FRIDAY,
    )


def jobs_of(order):
    return Job.objects.filter(source_kind=JobSourceKind.ORDER, source_id=str(order.pk)).order_by("structure__position")


def test_next_working_day_skips_weekends_and_french_holidays():
    assert next_working_day(datetime.date(2031, 7, 11)) == TUESDAY
    assert next_working_day(datetime.date(2031, 12, 24)) == datetime.date(2031, 12, 26)


def test_a_confirmed_order_gives_one_preparation_job_per_seller(order):
    result = sync_jobs(week=WEEK)

    jardins, comptoir = jobs_of(order)
    assert (result.created, result.updated, result.cancelled) == (2, 0, 0)
    assert jardins.structure == Structure.objects.get(slug="jardins-du-pole")
    assert jardins.title == f"Préparation de la commande {order.reference}"
    # 4 × 0,05 h + 2 × 0,35 h
    assert (jardins.estimated_hours, jardins.headcount, jardins.required_skill.slug) == (
        Decimal("0.90"), 1, "preparation-commandes"
    )  # fmt: skip
    assert (jardins.date, jardins.start_time, jardins.end_time) == (TUESDAY, datetime.time(8, 30), datetime.time(9, 30))
    assert jardins.place == Site.objects.get(slug="pole-accueil")
    assert jardins.status == JobStatus.OPEN
    assert (comptoir.structure.slug, comptoir.estimated_hours) == ("comptoir-equitable", Decimal("0.20"))


def test_syncing_twice_changes_nothing(order):
    sync_jobs(week=WEEK)
    before = list(Job.objects.values_list("pk", "updated_at").order_by("pk"))

    result = sync_jobs(week=WEEK)

    assert (result.created, result.updated, result.cancelled, result.unchanged) == (0, 0, 0, 2)
    assert list(Job.objects.values_list("pk", "updated_at").order_by("pk")) == before


def test_a_structure_filter_only_touches_its_own_jobs(order):
    result = sync_jobs(structure=Structure.objects.get(slug="comptoir-equitable"), week=WEEK)

    assert result.created == 1
    assert [job.structure.slug for job in jobs_of(order)] == ["comptoir-equitable"]


def test_a_changed_order_updates_its_job_keeps_its_assignment_and_alerts_the_supervisor(order):
    # Before issue 10 the unlocked assignment was dropped in silence; now it stays, flagged, with an alert.
    sync_jobs(week=WEEK)
    jardins = jobs_of(order).first()
    worker = WorkerFactory(structure=jardins.structure)
    assignment = Assignment.objects.create(job=jardins, worker=worker, hours=jardins.hours_per_person)
    line = order.lines.get(offering__slug="pommes-de-terre-sac-de-5-kg")
    line.quantity = Decimal("10")
    line.save(update_fields=["quantity"])

    result = sync_jobs(week=WEEK)

    jardins.refresh_from_db()
    assert (result.created, result.updated, result.alerts) == (0, 1, 1)
    assert jardins.estimated_hours == Decimal("1.20")
    assert list(jardins.assignments.values_list("pk", "worker_id", "needs_review")) == [
        (assignment.pk, worker.pk, True)
    ]
    assert list(JobAlert.objects.filter(job=jardins).values_list("kind", "message")) == [
        (
            "job_changed",
            f"La commande {order.reference} a changé : l'intervention du 15/07 passe de 0,9 h à 1,2 h — "
            f"vérifiez l'affectation de {worker.full_name}.",
        )
    ]


def test_a_cancelled_order_cancels_its_jobs(order):
    sync_jobs(week=WEEK)

    cancel_order(order=order, reason="Annulée par la cliente")
    result = sync_jobs(week=WEEK)

    assert result.cancelled == 2
    assert list(jobs_of(order).values_list("status", flat=True)) == [JobStatus.CANCELLED, JobStatus.CANCELLED]
    assert sync_jobs(week=WEEK).cancelled == 0


def test_an_order_cancelled_before_any_sync_creates_no_job(order):
    cancel_order(order=order, reason="Annulée par la cliente")

    sync_jobs(week=WEEK)

    assert jobs_of(order).count() == 0


def test_services_are_left_to_their_bookings(demo_hub):
    order = order_for(resident(), {"repassage-dune-chemise": "5"}, method="cash", at=FRIDAY)

    sync_jobs(week=WEEK)

    assert jobs_of(order).count() == 0


def test_jobs_of_one_day_are_laid_out_one_after_the_other(demo_hub):
    first = order_for(resident(), {"panier-familial": "4"}, method="cash", at=FRIDAY)
    second = order_for(resident(), {"panier-familial": "2"}, method="cash", at=FRIDAY)

    sync_jobs(week=WEEK)

    (job1,), (job2,) = jobs_of(first), jobs_of(second)
    assert (job1.start_time, job1.end_time) == (datetime.time(8, 30), datetime.time(10, 0))
    assert (job2.start_time, job2.end_time) == (datetime.time(10, 0), datetime.time(10, 45))
