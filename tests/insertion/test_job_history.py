"""Issue 10: the job sync never rewrites history.

Labour is snapshotted on the order line, the booking and the delivery when the sale is made, and
the jobs read only those snapshots; a job is written only when its source says something new; a
job with workers keeps them when its source changes or is cancelled, and the supervisor is alerted.
"""

import datetime
import importlib
import zoneinfo
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.utils import timezone

from bookings.actions.booking import book, reschedule_booking
from bookings.models import Booking
from hub.models import Skill, Structure
from insertion.actions import mark_job_alert_seen
from insertion.enums import AlertKind, JobSourceKind, JobStatus
from insertion.jobs import JobSpec, sync_jobs
from insertion.jobs import specs as job_sources
from insertion.models import Assignment, Job, JobAlert
from insertion.workdays import format_week, monday_of, next_working_day
from marketplace.actions.checkout import confirm_order
from marketplace.actions.refunds import cancel_order
from marketplace.models import OrderLine
from services.models import Offering
from subscriptions.actions.deliveries import generate_deliveries
from subscriptions.models import Delivery
from tests.bookings.factories import BILLING, NOW, at
from tests.hub.factories import SiteFactory
from tests.insertion.factories import MONDAY, JobFactory, WorkerFactory, day
from tests.insertion.factories import skill as skill_of
from tests.marketplace.factories import order_for, resident
from tests.subscriptions.factories import FIRST_MONDAY, TODAY, SubscriptionFactory, SubscriptionPlanFactory

pytestmark = pytest.mark.django_db

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
# Orders of the demo's sellers are placed today at 9:00 (nothing is invoiced nor booked ahead of
# today, nor before the demo's last invoice of today): their preparation jobs fall on the next
# working day, in WEEK.
PLACED_AT = datetime.datetime.combine(timezone.localdate(), datetime.time(9, 0), tzinfo=PARIS)
WEEK = monday_of(next_working_day(PLACED_AT.date()))


def jobs_of(order):
    return Job.objects.filter(source_kind=JobSourceKind.ORDER, source_id=str(order.pk)).order_by("structure__position")


def rows(model) -> list[dict]:
    return list(model.objects.order_by("pk").values())


def edit_labour(slug: str, *, hours: str, headcount: int, skill: str) -> Offering:
    """What a catalogue editor does: save the offering with other labour figures."""
    offering = Offering.objects.get(slug=slug)
    offering.labour_hours_per_unit = Decimal(hours)
    offering.labour_headcount = headcount
    offering.required_skill = skill_of(skill)
    offering.save()
    return offering


@pytest.fixture
def order(demo_hub):
    return order_for(
        resident(), {"pommes-de-terre-sac-de-5-kg": "4", "panier-familial": "2"}, method="cash", at=PLACED_AT
    )


@pytest.fixture
def visit(demo_hub, django_capture_on_commit_callbacks):
    # Paid by card: a visit booked by start time has a fixed price, invoiced once paid (today, after the
    # demo's invoices), where a pay-later one would be invoiced at NOW, before them.
    with django_capture_on_commit_callbacks(execute=True):
        booking = book(user=resident(), offering=Offering.objects.get(slug="menage-a-domicile"), starts_at=at(3, 8),
                       quantity=Decimal("3"), payment_method="card", billing=BILLING,
                       address="4 rue des Tilleuls, Nemours", postcode="77140", at=NOW)  # fmt: skip
        confirm_order(order=booking.order_line.order)
    booking.refresh_from_db()
    return booking


def job_of(booking) -> Job:
    return Job.objects.get(source_kind=JobSourceKind.BOOKING, source_id=str(booking.pk))


# Snapshots --------------------------------------------------------------------------------------


def test_the_order_lines_carry_the_labour_of_the_day_they_were_placed(order):
    lines = order.lines.order_by("offering__slug").values_list(
        "offering__slug", "labour_hours_per_unit", "labour_headcount", "required_skill__slug"
    )

    assert list(lines) == [
        ("panier-familial", Decimal("0.35"), 1, "preparation-commandes"),
        ("pommes-de-terre-sac-de-5-kg", Decimal("0.05"), 1, "preparation-commandes"),
    ]


def test_editing_an_offering_after_the_order_changes_no_job(order):
    sync_jobs()
    jardins = jobs_of(order).first()
    worker = WorkerFactory(structure=jardins.structure)
    Assignment.objects.create(job=jardins, worker=worker, hours=jardins.hours_per_person)
    jobs, assignments = rows(Job), rows(Assignment)

    edit_labour("panier-familial", hours="1.50", headcount=3, skill="conduite-vl")
    edit_labour("pommes-de-terre-sac-de-5-kg", hours="0.40", headcount=2, skill="maraichage")
    result = sync_jobs()
    week_result = sync_jobs(week=WEEK)

    assert (result.created, result.updated, result.cancelled, result.alerts) == (0, 0, 0, 0)
    assert (week_result.created, week_result.updated, week_result.cancelled) == (0, 0, 0)
    assert rows(Job) == jobs  # hours, headcount, skill, times, updated_at: all as they were
    assert rows(Assignment) == assignments
    assert JobAlert.objects.count() == 0
    assert (jardins.estimated_hours, jardins.headcount, jardins.required_skill.slug) == (
        Decimal("0.90"), 1, "preparation-commandes"
    )  # fmt: skip


def test_an_order_placed_after_the_edit_gets_the_new_labour(order):
    edit_labour("panier-familial", hours="1.50", headcount=3, skill="conduite-vl")
    later = order_for(resident(), {"panier-familial": "2"}, method="cash", at=PLACED_AT)

    sync_jobs(week=WEEK)

    (old,), (new,) = jobs_of(order).filter(structure__slug="jardins-du-pole"), jobs_of(later)
    assert (old.estimated_hours, old.headcount, old.required_skill.slug) == (
        Decimal("0.90"),
        1,
        "preparation-commandes",
    )
    assert (new.estimated_hours, new.headcount, new.required_skill.slug) == (Decimal("3.00"), 3, "conduite-vl")


def test_editing_the_offering_of_a_booking_changes_neither_its_snapshot_nor_its_job(visit):
    services = Structure.objects.get(slug="pole-services")
    sync_jobs(structure=services)
    jobs = rows(Job)

    edit_labour("menage-a-domicile", hours="2.00", headcount=2, skill="conduite-vl")
    result = sync_jobs(structure=services)

    visit.refresh_from_db()
    assert (visit.labour_hours_per_unit, visit.labour_headcount, visit.required_skill.slug) == (
        Decimal("1.00"), 1, "menage"
    )  # fmt: skip
    assert (result.created, result.updated, result.cancelled) == (0, 0, 0)
    assert rows(Job) == jobs
    assert (job_of(visit).estimated_hours, job_of(visit).required_skill.slug) == (Decimal("3.00"), "menage")


def test_editing_a_basket_offering_changes_no_distribution_job(db):
    # On Mondays, a quarter of an hour of order preparation a basket.
    weekly = SubscriptionPlanFactory(offering__required_skill=skill_of("preparation-commandes"))
    point = SiteFactory(pickup_point=True, capacity=5)
    SubscriptionFactory(plan=weekly, pickup_point=point, payment_mode="prepaid")
    SubscriptionFactory(plan=weekly, pickup_point=point, payment_mode="prepaid")
    generate_deliveries(weeks=2, today=TODAY)
    jardins = weekly.offering.structure
    sync_jobs(structure=jardins)
    jobs = rows(Job)

    edit_labour(weekly.offering.slug, hours="1.00", headcount=1, skill="conduite-vl")
    result = sync_jobs(structure=jardins)

    assert set(Delivery.objects.filter(subscription__pickup_point=point).values_list("labour_hours", "required_skill__slug")) == {
        (Decimal("0.25"), "preparation-commandes")
    }  # fmt: skip
    assert (result.created, result.updated, result.cancelled) == (0, 0, 0)
    assert rows(Job) == jobs
    packing = Job.objects.get(source_id=f"pack-{FIRST_MONDAY:%Y%m%d}-{point.pk}")  # Monday 16 March 2026
    assert (packing.estimated_hours, packing.required_skill.slug) == (Decimal("0.50"), "preparation-commandes")


# A source that changes or goes, with workers assigned ------------------------------------------


def test_a_moved_booking_moves_its_job_keeps_its_worker_and_makes_one_alert(visit, django_capture_on_commit_callbacks):
    services = Structure.objects.get(slug="pole-services")
    sync_jobs(structure=services)
    job = job_of(visit)
    worker = WorkerFactory(structure=services, first_name="Inès", last_name="Garnier")
    assignment = Assignment.objects.create(job=job, worker=worker, hours=job.hours_per_person, locked=False)

    reschedule_booking(booking=visit, starts_at=at(4, 8), by=visit.customer, at=NOW)
    result = sync_jobs(structure=services)
    again = sync_jobs(structure=services)

    job.refresh_from_db()
    assert (result.updated, result.alerts, again.updated, again.alerts) == (1, 1, 0, 0)
    assert (job.date, job.start_time, job.end_time, job.status) == (
        datetime.date(2026, 3, 4), datetime.time(8), datetime.time(11), JobStatus.OPEN
    )  # fmt: skip
    assert list(job.assignments.values_list("pk", "worker_id", "hours", "needs_review")) == [
        (assignment.pk, worker.pk, Decimal("3.00"), True)
    ]
    assert list(JobAlert.objects.values_list("job_id", "structure_id", "kind", "message", "seen_at")) == [
        (
            job.pk,
            services.pk,
            AlertKind.JOB_CHANGED,
            f"La réservation n° {visit.pk} (Ménage à domicile) a changé : l'intervention du 03/03 est déplacée "
            "au 04/03 à 8 h 00 — vérifiez l'affectation de Inès Garnier.",
            None,
        )
    ]


def test_a_cancelled_order_cancels_its_job_keeps_the_assignment_flagged_and_makes_one_alert(order):
    sync_jobs(week=WEEK)
    (jardins,) = jobs_of(order)
    worker = WorkerFactory(structure=jardins.structure, first_name="Inès", last_name="Garnier")
    assignment = Assignment.objects.create(job=jardins, worker=worker, hours=jardins.hours_per_person, locked=True)

    cancel_order(order=order, reason="Annulée par la cliente")
    result = sync_jobs(week=WEEK)
    again = sync_jobs(week=WEEK)

    jardins.refresh_from_db()
    assert (result.cancelled, result.alerts, again.cancelled, again.alerts) == (1, 1, 0, 0)
    assert jardins.status == JobStatus.CANCELLED
    assert list(jardins.transitions.values_list("from_status", "to_status", "note")) == [
        (JobStatus.OPEN, JobStatus.CANCELLED, "Origine annulée.")
    ]
    assert list(jardins.assignments.values_list("pk", "worker_id", "locked", "needs_review")) == [
        (assignment.pk, worker.pk, True, True)
    ]
    assert list(JobAlert.objects.values_list("job_id", "kind", "message")) == [
        (
            jardins.pk,
            AlertKind.JOB_CANCELLED,
            f"La commande {order.reference} a été annulée : l'intervention du "
            f"{next_working_day(PLACED_AT.date()):%d/%m} est annulée — prévenez "
            "Inès Garnier, dont l'affectation est conservée pour mémoire.",
        )
    ]


@pytest.fixture
def source(monkeypatch):
    """One stand-in source: the specs a test puts in the list."""
    specs: list[JobSpec] = []
    monkeypatch.setattr(job_sources, "_SOURCES", {JobSourceKind.MANUAL: lambda **kwargs: list(specs)})
    return specs


def spec_of(job: Job, **changes) -> JobSpec:
    values = {
        "structure_id": job.structure_id,
        "source_kind": job.source_kind,
        "source_id": job.source_id,
        "title": job.title,
        "date": job.date,
        "estimated_hours": job.estimated_hours,
        "headcount": job.headcount,
        "required_skill_id": job.required_skill_id,
        "place_id": job.place_id,
        "source_label": "La commande CMD-TEST",
    }
    return JobSpec(**(values | changes))


def test_every_change_of_an_assigned_job_is_named_in_its_alert(structure, source):
    job = JobFactory(structure=structure, start_time=datetime.time(8, 30), end_time=datetime.time(10, 30),
                     estimated_hours=Decimal("2.00"))  # fmt: skip
    alice = WorkerFactory(structure=structure, first_name="Alice", last_name="Martin")
    bruno = WorkerFactory(structure=structure, first_name="Bruno", last_name="Petit")
    for worker in (alice, bruno):
        Assignment.objects.create(job=job, worker=worker, hours=Decimal("2.00"))
    source.append(spec_of(job))
    sync_jobs()  # the job takes its source's version: nothing changes
    assert JobAlert.objects.count() == 0
    source[0] = spec_of(
        job, estimated_hours=Decimal("3.00"), headcount=2, required_skill_id=Skill.objects.get(slug="menage").pk
    )

    result = sync_jobs()

    job.refresh_from_db()
    assert (result.updated, result.alerts) == (1, 1)
    assert (job.start_time, job.end_time, job.estimated_hours, job.headcount) == (
        datetime.time(8, 30), datetime.time(10, 0), Decimal("3.00"), 2
    )  # fmt: skip
    assert list(JobAlert.objects.values_list("message", flat=True)) == [
        "La commande CMD-TEST a changé : l'intervention du 02/03 passe de 2 h à 3 h, demande désormais 2 personnes "
        "au lieu de 1 et demande désormais la compétence « Ménage » — vérifiez les affectations de Alice Martin et "
        "Bruno Petit."
    ]
    assert list(job.assignments.values_list("needs_review", flat=True)) == [True, True]


def test_a_changed_job_nobody_is_on_is_updated_without_an_alert(structure, source):
    job = JobFactory(structure=structure)
    source.append(spec_of(job, estimated_hours=Decimal("1.00")))

    result = sync_jobs()

    job.refresh_from_db()
    assert (result.updated, result.alerts, job.estimated_hours) == (1, 0, Decimal("1.00"))
    assert JobAlert.objects.count() == 0


# Only what changed is written --------------------------------------------------------------------


def test_a_job_edited_by_hand_is_left_alone_while_its_source_says_nothing_new(structure, source):
    job = JobFactory(structure=structure)
    source.append(spec_of(job))
    sync_jobs()
    Job.objects.filter(pk=job.pk).update(estimated_hours=Decimal("5.00"), headcount=2)  # the supervisor, in the admin
    before = Job.objects.filter(pk=job.pk).values().get()

    result = sync_jobs()

    assert (result.updated, result.unchanged) == (0, 1)
    assert Job.objects.filter(pk=job.pk).values().get() == before


def test_a_job_made_before_versions_existed_is_adopted_without_being_rewritten(structure, source):
    job = JobFactory(structure=structure)  # source_version "": as every job was before the migration
    before = Job.objects.filter(pk=job.pk).values().get()
    source.append(spec_of(job, title="Un autre intitulé"))

    result = sync_jobs()

    after = Job.objects.filter(pk=job.pk).values().get()
    assert (result.updated, result.unchanged) == (0, 1)
    assert after == before | {"source_version": spec_of(job).version}
    assert after["updated_at"] == before["updated_at"]


def test_a_changed_job_keeps_its_start_and_new_jobs_go_after_the_others_of_the_day(demo_hub):
    def shifted(moment: datetime.time, minutes: int) -> datetime.time:
        return (datetime.datetime.combine(PLACED_AT.date(), moment) + datetime.timedelta(minutes=minutes)).time()

    first = order_for(resident(), {"panier-familial": "4"}, method="cash", at=PLACED_AT)
    second = order_for(resident(), {"panier-familial": "2"}, method="cash", at=PLACED_AT)
    sync_jobs(week=WEEK)
    (job1,), (job2,) = jobs_of(first), jobs_of(second)

    def following(previous: Job, minutes: int) -> datetime.time:
        """Where a job of `minutes` goes after `previous` (in source order): right after it if it fits in
        the same half-day, else at the start of the next half-day."""
        half = 1 if previous.start_time >= job_sources.HALF_DAYS[1][0] else 0
        if shifted(previous.end_time, minutes) <= job_sources.HALF_DAYS[half][1]:
            return previous.end_time
        return job_sources.HALF_DAYS[(half + 1) % 2][0]

    # The day may already hold the demo's jobs: the two orders' packing follows them, 1.40 h then 0.70 h.
    assert job1.end_time == shifted(job1.start_time, 90)
    assert job2.start_time == following(job1, 45)
    assert job2.end_time == shifted(job2.start_time, 45)
    line = first.lines.get()
    line.quantity = Decimal("6")  # 2.10 h instead of 1.40 h
    line.save(update_fields=["quantity"])
    third = order_for(resident(), {"panier-familial": "1"}, method="cash", at=PLACED_AT)

    sync_jobs(week=WEEK)

    start1, (start2, end2) = job1.start_time, (job2.start_time, job2.end_time)
    (job1,), (job2,), (job3,) = jobs_of(first), jobs_of(second), jobs_of(third)
    assert (job1.start_time, job1.end_time) == (start1, shifted(start1, 135))  # keeps its start, grows
    assert (job2.start_time, job2.end_time) == (start2, end2)  # not moved
    # After the day's last job in source order (the second order's), in its half-day if it fits.
    start3 = following(job2, 30)
    assert (job3.start_time, job3.end_time) == (start3, shifted(start3, 30))


def test_a_no_op_sync_costs_the_same_queries_whatever_the_number_of_sources(
    demo_hub, django_assert_num_queries, django_capture_on_commit_callbacks
):
    for _n in range(2):
        order_for(resident(), {"panier-familial": "2"}, method="cash", at=PLACED_AT)
    sync_jobs()
    # savepoint, order lines, bookings, deliveries, the driving skill, the jobs known, release
    with django_assert_num_queries(7):
        assert sync_jobs().updated == 0
    count = Job.objects.count()
    for _n in range(6):
        order_for(resident(), {"panier-familial": "2", "pommes-de-terre-sac-de-5-kg": "1"}, method="cash", at=PLACED_AT)
    with django_capture_on_commit_callbacks(execute=True):
        visit = book(user=resident(), offering=Offering.objects.get(slug="menage-a-domicile"), starts_at=at(3, 8),
                     quantity=Decimal("2"), payment_method="card", billing=BILLING, address="4 rue des Tilleuls",
                     postcode="77140", at=NOW)  # fmt: skip
        confirm_order(order=visit.order_line.order)  # paid: invoiced today (see the `visit` fixture)
    sync_jobs()
    assert Job.objects.count() == count + 7

    before = list(Job.objects.order_by("pk").values_list("pk", "updated_at", "source_version"))
    with django_assert_num_queries(7):
        result = sync_jobs()

    assert (result.created, result.updated, result.cancelled, result.alerts) == (0, 0, 0, 0)
    assert list(Job.objects.order_by("pk").values_list("pk", "updated_at", "source_version")) == before


# The supervisor's board ------------------------------------------------------------------------


def test_the_board_shows_the_alert_and_the_flag_until_the_supervisor_has_checked(
    client, structure, supervisor_user, source
):
    job = JobFactory(structure=structure, title="Préparation de la commande CMD-TEST")
    worker = WorkerFactory(structure=structure, first_name="Inès", last_name="Garnier")
    Assignment.objects.create(job=job, worker=worker, hours=Decimal("3.50"))
    source.append(spec_of(job))
    sync_jobs()
    source[0] = spec_of(job, estimated_hours=Decimal("2.00"))
    sync_jobs()
    client.force_login(supervisor_user)
    url = f"/insertion/{structure.slug}/semaine/{format_week(MONDAY)}/"

    page = client.get(url).content.decode()

    message = (
        "La commande CMD-TEST a changé : l&#x27;intervention du 02/03 passe de 3,5 h à 2 h — vérifiez "
        "l&#x27;affectation de Inès Garnier."
    )
    assert message in page
    block = page.split(f'id="job-{job.pk}-{worker.pk}"')[1].split("</a>")[0]  # Inès's row of the grid
    assert '<span class="ins-badge ins-badge-danger">à vérifier</span>' in block
    alert = JobAlert.objects.get()

    response = client.post(f"/insertion/{structure.slug}/alertes/{alert.pk}/vue/", {"week": format_week(MONDAY)})

    assert (response.status_code, response["Location"]) == (302, url)
    alert.refresh_from_db()
    assert (alert.seen_by, alert.seen_at is not None) == (supervisor_user, True)
    assert list(Assignment.objects.filter(job=job).values_list("needs_review", flat=True)) == [False]
    page = client.get(url).content.decode()
    assert message not in page
    assert "à vérifier" not in page


def test_an_alert_of_another_structure_is_a_404(client, structure, supervisor_user, demo_hub):
    other = Structure.objects.get(slug="jardins-du-pole")
    job = JobFactory(structure=other)
    alert = JobAlert.objects.create(structure=other, job=job, kind=AlertKind.JOB_CHANGED, message="…")
    client.force_login(supervisor_user)

    response = client.post(f"/insertion/{structure.slug}/alertes/{alert.pk}/vue/")

    alert.refresh_from_db()
    assert (response.status_code, alert.seen_at) == (404, None)


def test_an_alert_stays_unseen_for_its_job_flags_while_another_is_unseen(structure, supervisor_user):
    job = JobFactory(structure=structure)
    Assignment.objects.create(
        job=job, worker=WorkerFactory(structure=structure), hours=Decimal("3.50"), needs_review=True
    )
    first, second = (
        JobAlert.objects.create(structure=structure, job=job, kind=AlertKind.JOB_CHANGED, message=text)
        for text in ("Premier", "Second")
    )

    mark_job_alert_seen(alert=first, by=supervisor_user)
    flags_after_first = list(job.assignments.values_list("needs_review", flat=True))
    mark_job_alert_seen(alert=second, by=supervisor_user)

    assert flags_after_first == [True]
    assert list(job.assignments.values_list("needs_review", flat=True)) == [False]


# The data migrations -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("module", "model", "fields"),
    [
        (
            "marketplace.migrations.0005_orderline_labour_snapshot",
            OrderLine,
            ("labour_hours_per_unit", "labour_headcount"),
        ),
        ("bookings.migrations.0009_booking_labour_snapshot", Booking, ("labour_hours_per_unit", "labour_headcount")),
        ("subscriptions.migrations.0003_delivery_labour_snapshot", Delivery, ("labour_hours",)),
    ],
)
def test_the_data_migration_fills_the_snapshots_from_the_catalogue(order, visit, module, model, fields):
    SubscriptionFactory(payment_mode="prepaid", plan__offering__required_skill=skill_of("preparation-commandes"))
    generate_deliveries(weeks=1, today=TODAY)
    blank = {name: Decimal("0") if "hours" in name else 1 for name in fields}
    model.objects.update(**blank, required_skill=None)  # as the rows were before the snapshot

    importlib.import_module(module).fill_labour_snapshots(django_apps, SimpleNamespace(connection=connection))

    offering_of = {
        OrderLine: lambda row: row.offering,
        Booking: lambda row: row.offering,
        Delivery: lambda row: row.subscription.plan.offering,
    }[model]
    filled = list(model.objects.all())
    assert filled
    for row in filled:
        offering = offering_of(row)
        assert (getattr(row, fields[0]), row.required_skill_id) == (
            offering.labour_hours_per_unit,
            offering.required_skill_id,
        )
        if "labour_headcount" in fields:
            assert row.labour_headcount == offering.labour_headcount


def test_monday_of_the_alert_week_is_used_when_the_form_has_none(client, structure, supervisor_user):
    job = JobFactory(structure=structure, date=day(2))
    alert = JobAlert.objects.create(structure=structure, job=job, kind=AlertKind.JOB_CHANGED, message="…")
    client.force_login(supervisor_user)

    response = client.post(f"/insertion/{structure.slug}/alertes/{alert.pk}/vue/")

    assert response["Location"] == f"/insertion/{structure.slug}/semaine/{format_week(monday_of(day(2)))}/"
