"""DOMAIN.md rule 15: jobs derived from confirmed sales, unique per source, updated and cancelled with it."""

import datetime
import zoneinfo
from decimal import Decimal

import pytest

from insertion.enums import JobSourceKind, JobStatus
from insertion.jobs import sync_jobs
from insertion.models import Assignment, Job, JobAlert
from insertion.workdays import next_working_day
from marketplace.actions.checkout import place_order_for_items
from marketplace.actions.refunds import cancel_order
from services.enums import OfferingKind, Unit
from tests.accounts.factories import UserFactory
from tests.bookings.factories import SellerFactory, person_billing
from tests.hub.factories import SiteFactory
from tests.insertion.factories import WorkerFactory, skill
from tests.services.factories import OfferingFactory
from tests.subscriptions.factories import BasketFactory

pytestmark = pytest.mark.django_db

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
# Friday 3 April 2026 (in the past: nothing is booked ahead of today): the next working day skips the
# weekend and Easter Monday (6 April).
FRIDAY = datetime.datetime(2026, 4, 3, 15, 0, tzinfo=PARIS)
TUESDAY = datetime.date(2026, 4, 7)
WEEK = datetime.date(2026, 4, 6)


@pytest.fixture
def shop(db):
    """Two sellers of goods, each line needing order preparation: a market garden first, then a grocery."""
    packing = skill("preparation-commandes")
    garden, grocery = SellerFactory(position=1), SellerFactory(position=2)
    return {
        "potatoes": OfferingFactory(structure=garden, name="Pommes de terre (sac de 5 kg)", price=Decimal("7.50"),
                                    labour_hours_per_unit=Decimal("0.05"), required_skill=packing),
        "basket": BasketFactory(structure=garden, name="Panier familial", price=Decimal("24.00"),
                                labour_hours_per_unit=Decimal("0.35"), required_skill=packing),
        "coffee": OfferingFactory(structure=grocery, name="Café équitable moulu (250 g)", price=Decimal("5.20"),
                                  labour_hours_per_unit=Decimal("0.02"), required_skill=packing),
        "point": SiteFactory(pickup_point=True),
    }  # fmt: skip


def order_for(shop, items, *, user=None):
    """Items bought on FRIDAY, paid in cash at the shop's pickup point (so confirmed at once)."""
    user = user or UserFactory()
    return place_order_for_items(
        user=user,
        items=[(shop[name], Decimal(quantity)) for name, quantity in items],
        payment_method="cash",
        billing=person_billing(user),
        pickup_point=shop["point"],
        at=FRIDAY,
    )


@pytest.fixture
def order(shop):
    return order_for(shop, [("potatoes", "4"), ("basket", "2"), ("coffee", "10")])


def jobs_of(order):
    return Job.objects.filter(source_kind=JobSourceKind.ORDER, source_id=str(order.pk)).order_by("structure__position")


def test_next_working_day_skips_weekends_and_french_holidays():
    assert next_working_day(datetime.date(2026, 4, 3)) == TUESDAY
    assert next_working_day(datetime.date(2025, 12, 24)) == datetime.date(2025, 12, 26)


def test_a_confirmed_order_gives_one_preparation_job_per_seller(shop, order):
    result = sync_jobs(week=WEEK)

    jardins, comptoir = jobs_of(order)
    assert (result.created, result.updated, result.cancelled) == (2, 0, 0)
    assert jardins.structure == shop["potatoes"].structure
    assert jardins.title == f"Préparation de la commande {order.reference}"
    # 4 × 0,05 h + 2 × 0,35 h
    assert (jardins.estimated_hours, jardins.headcount, jardins.required_skill.slug) == (
        Decimal("0.90"), 1, "preparation-commandes"
    )  # fmt: skip
    assert (jardins.date, jardins.start_time, jardins.end_time) == (TUESDAY, datetime.time(8, 30), datetime.time(9, 30))
    assert jardins.place == shop["point"]
    assert jardins.status == JobStatus.OPEN
    assert (comptoir.structure, comptoir.estimated_hours) == (shop["coffee"].structure, Decimal("0.20"))


def test_syncing_twice_changes_nothing(shop, order):
    sync_jobs(week=WEEK)
    before = list(Job.objects.values_list("pk", "updated_at").order_by("pk"))

    result = sync_jobs(week=WEEK)

    # Counted per seller: the demo's history has jobs that week too (unchanged as well).
    per_seller = [sync_jobs(structure=shop[name].structure, week=WEEK) for name in ("potatoes", "coffee")]
    assert (result.created, result.updated, result.cancelled) == (0, 0, 0)
    assert [(r.created, r.updated, r.cancelled, r.unchanged) for r in per_seller] == [(0, 0, 0, 1), (0, 0, 0, 1)]
    assert list(Job.objects.values_list("pk", "updated_at").order_by("pk")) == before


def test_a_structure_filter_only_touches_its_own_jobs(shop, order):
    grocery = shop["coffee"].structure

    result = sync_jobs(structure=grocery, week=WEEK)

    assert result.created == 1
    assert [job.structure for job in jobs_of(order)] == [grocery]


def test_a_changed_order_updates_its_job_keeps_its_assignment_and_alerts_the_supervisor(order):
    # Before issue 10 the unlocked assignment was dropped in silence; now it stays, flagged, with an alert.
    sync_jobs(week=WEEK)
    jardins = jobs_of(order).first()
    worker = WorkerFactory(structure=jardins.structure)
    assignment = Assignment.objects.create(job=jardins, worker=worker, hours=jardins.hours_per_person)
    line = order.lines.get(name="Pommes de terre (sac de 5 kg)")
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
            f"La commande {order.reference} a changé : l'intervention du 07/04 passe de 0,9 h à 1,2 h — "
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


def test_services_are_left_to_their_bookings(shop):
    shop["shirts"] = OfferingFactory(name="Repassage d'une chemise", kind=OfferingKind.LAUNDRY, unit=Unit.ITEM,
                                     price=Decimal("2.50"), labour_hours_per_unit=Decimal("0.10"))  # fmt: skip
    order = order_for(shop, [("shirts", "5")])

    sync_jobs(week=WEEK)

    assert jobs_of(order).count() == 0


def test_jobs_of_one_day_are_laid_out_one_after_the_other(shop):
    first = order_for(shop, [("basket", "4")])
    second = order_for(shop, [("basket", "2")])

    sync_jobs(week=WEEK)

    (job1,), (job2,) = jobs_of(first), jobs_of(second)
    assert (job1.start_time, job1.end_time) == (datetime.time(8, 30), datetime.time(10, 0))
    assert (job2.start_time, job2.end_time) == (datetime.time(10, 0), datetime.time(10, 45))
