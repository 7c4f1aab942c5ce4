"""Each impact figure on factory data, against what we count by hand and an independent aggregate query."""

import datetime
from decimal import Decimal

import pytest
from django.conf import settings
from django.db.models import Sum
from django.utils import timezone

from accounting.models import EntryLine
from bookings.enums import BookingStatus
from impact import figures
from impact.figures import Period
from insertion.actions import record_exit
from insertion.enums import ExitCategory, ExitReason, JobSourceKind
from insertion.models import ContractExit, TimesheetEntry
from marketplace.actions.invoicing import issue_credit_note
from marketplace.actions.shared_services import issue_shared_services_invoices
from marketplace.enums import InvoiceKind
from marketplace.models import Invoice, InvoiceLine, Order
from services.enums import OfferingKind, Unit
from subscriptions.actions.prepaid import mark_delivered
from subscriptions.enums import DeliveryStatus
from subscriptions.models import Delivery, SeasonAdvance
from tests.accounts.factories import UserFactory
from tests.bookings.factories import BookableOfferingFactory, BookingFactory, SellerFactory
from tests.hub.factories import StructureFactory
from tests.impact.factories import MARCH, TimesheetEntryFactory, assign, contract, finish
from tests.insertion.factories import WorkerFactory
from tests.marketplace.factories import CustomerFactory, OrderFactory, SharedServicesPlanFactory
from tests.services.factories import OfferingFactory
from tests.subscriptions.factories import BasketFactory, SubscriptionFactory, SubscriptionPlanFactory

pytestmark = pytest.mark.django_db
D = datetime.date


def this_month() -> Period:
    today = timezone.localdate()
    return Period(today.year, today.month)


# --- Revenue -------------------------------------------------------------------------------------------


@pytest.fixture
def seller():
    """A VAT-liable structure (20 %) selling goods and a laundry service, each 10,00 € incl. VAT."""
    structure = StructureFactory(liable=True)
    goods = OfferingFactory(structure=structure, with_stock=True)
    laundry = OfferingFactory(structure=structure, kind=OfferingKind.LAUNDRY, unit=Unit.DELIVERY)
    return structure, goods, laundry


def test_revenue_is_invoices_less_credit_notes_by_offering_kind(seller):
    # Given 3 goods (30,00 € incl. → 25,00 € excl.) and 1 laundry (10,00 € → 8,33 €) invoiced, and a
    # credit note of 6,00 € incl. (5,00 € excl.) on the goods line.
    structure, goods, laundry = seller
    order = OrderFactory(items=[(goods, "3"), (laundry, "1")])
    invoice = Invoice.objects.get(order=order, kind=InvoiceKind.INVOICE)
    goods_line = invoice.lines.get(order_line__offering=goods)
    issue_credit_note(invoice=invoice, amounts={goods_line.pk: Decimal("6.00")})

    revenue = figures.revenue_by_activity(this_month(), structure)

    assert revenue == {OfferingKind.GOODS: Decimal("20.00"), OfferingKind.LAUNDRY: Decimal("8.33")}
    # The same from the ledger of invoice lines, summed independently.
    lines = InvoiceLine.objects.filter(invoice__structure=structure)
    invoiced = lines.filter(invoice__kind=InvoiceKind.INVOICE).aggregate(total=Sum("total_excl"))["total"]
    credited = lines.filter(invoice__kind=InvoiceKind.CREDIT_NOTE).aggregate(total=Sum("total_excl"))["total"]
    assert sum(revenue.values()) == invoiced - credited == Decimal("28.33")


def test_revenue_of_another_period_or_structure_is_empty(seller):
    structure, goods, _laundry = seller
    OrderFactory(items=[(goods, "1")])
    today = timezone.localdate()

    assert figures.revenue_by_activity(Period(today.year - 1), structure) == {}
    assert figures.revenue_by_activity(this_month(), StructureFactory()) == {}


def test_hub_revenue_matches_an_aggregate_over_every_issued_invoice(seller):
    _structure, goods, laundry = seller
    OrderFactory(items=[(goods, "2"), (laundry, "1")])
    period = Period(timezone.localdate().year)
    issued = InvoiceLine.objects.exclude(invoice__number="").filter(
        invoice__issue_date__year=period.year, invoice__buyer_structure__isnull=True
    )
    sold = issued.filter(invoice__kind=InvoiceKind.INVOICE).aggregate(total=Sum("total_excl"))["total"]
    credited = issued.filter(invoice__kind=InvoiceKind.CREDIT_NOTE).exclude(revenue_account="4191")
    credited = credited.aggregate(total=Sum("total_excl"))["total"] or Decimal("0")

    # Prepaid seasons' baskets handed over (the demo's): revenue in the ledger, moved off 4191 basket by basket.
    released = EntryLine.objects.filter(
        entry__source_kind="delivery", entry__date__year=period.year, account__code__startswith="70"
    ).aggregate(total=Sum("credit"))["total"] or Decimal("0")

    revenue = figures.revenue_by_activity(period)

    assert sum(revenue.values()) == sold - credited + released
    assert revenue[OfferingKind.LAUNDRY] >= Decimal("8.33")


def test_a_prepaid_season_s_deposit_is_not_revenue():
    # Given a season of baskets paid upfront: its deposit invoice is issued (excl. VAT on 4191).
    subscription = SubscriptionFactory(prepaid=True)
    structure = subscription.plan.offering.structure
    deposit = Invoice.objects.get(structure=structure, kind=InvoiceKind.DEPOSIT)
    assert deposit.total_excl > 0

    assert figures.revenue_by_activity(this_month(), structure) == {}


def test_a_prepaid_season_s_baskets_are_revenue_as_they_are_handed_over():
    # Given a paid season (deposit on 4191): each basket handed over moves its share to revenue, in its month.
    subscription = SubscriptionFactory(prepaid=True)
    structure = subscription.plan.offering.structure
    advance = SeasonAdvance.objects.get(subscription=subscription)
    first, second = subscription.deliveries.order_by("date")[:2]
    share = advance.share_excl(1)
    assert share > 0

    mark_delivered(delivery=first, at=timezone.make_aware(datetime.datetime.combine(first.date, datetime.time(17))))
    mark_delivered(delivery=second, at=timezone.make_aware(datetime.datetime.combine(second.date, datetime.time(17))))

    march = Period(first.date.year, first.date.month)
    assert figures.revenue_by_activity(march, structure) == {OfferingKind.BASKET: share * 2}
    assert figures.revenue_by_activity(Period(first.date.year, 2), structure) == {}
    assert figures.revenue_by_activity(march, StructureFactory()) == {}


def test_the_collectif_s_shared_services_invoices_to_members_are_not_revenue():
    member = StructureFactory()
    plan = SharedServicesPlanFactory(shares={member: "100"})
    today = timezone.localdate()
    before = figures.revenue_by_activity(this_month(), None)

    invoices = issue_shared_services_invoices(year=today.year, month=today.month)

    assert [invoice.buyer_structure for invoice in invoices] == [member]
    assert invoices[0].total_excl == plan.monthly_amount
    assert figures.revenue_by_activity(this_month(), None) == before


# --- Insertion hours and FTE -----------------------------------------------------------------------------


@pytest.fixture
def workshop():
    """A structure selling mostly goods (3 goods offerings, 1 basket), two workers, March 2026:

    - 2 March, W1 validated 6 h: a distribution job (3 h planned) and a laundry booking's job (5 h planned)
      → 2,25 h baskets, 3,75 h laundry;
    - 3 March, W1 validated 4 h on a job typed in (2 h planned) → the main activity, goods: 4 h;
    - 4 March, W2 validated 5 h, no job → goods: 5 h;
    - 5 March, W2 entered 8 h, not validated → nothing; 1 April, W1 validated 7 h → another month.
    """
    structure = StructureFactory()
    OfferingFactory.create_batch(3, structure=structure)
    OfferingFactory(structure=structure, kind=OfferingKind.BASKET, unit=Unit.DELIVERY)
    w1, w2 = WorkerFactory(structure=structure), WorkerFactory(structure=structure)
    laundry_booking = BookingFactory(laundry=True)
    TimesheetEntryFactory(worker=w1, date=D(2026, 3, 2), hours=Decimal("6"))
    assign(w1, on=D(2026, 3, 2), hours="3", source_kind=JobSourceKind.DELIVERY, source_id="pack-20260302-1")
    assign(w1, on=D(2026, 3, 2), hours="5", source_kind=JobSourceKind.BOOKING, source_id=str(laundry_booking.pk))
    TimesheetEntryFactory(worker=w1, date=D(2026, 3, 3), hours=Decimal("4"))
    assign(w1, on=D(2026, 3, 3), hours="2")
    TimesheetEntryFactory(worker=w2, date=D(2026, 3, 4), hours=Decimal("5"))
    TimesheetEntryFactory(worker=w2, date=D(2026, 3, 5), hours=Decimal("8"), draft=True)
    TimesheetEntryFactory(worker=w1, date=D(2026, 4, 1), hours=Decimal("7"))
    return structure, w1, w2


def test_hours_share_each_validated_day_among_its_jobs_by_source_activity(workshop):
    structure, _w1, _w2 = workshop

    hours = figures.insertion_hours_by_activity(MARCH, structure)

    assert hours == {
        OfferingKind.BASKET: Decimal("2.25"),
        OfferingKind.LAUNDRY: Decimal("3.75"),
        OfferingKind.GOODS: Decimal("9.00"),
    }
    validated = TimesheetEntry.objects.filter(
        worker__structure=structure, date__month=3, date__year=2026, validated_at__isnull=False
    ).aggregate(total=Sum("hours"))["total"]
    assert sum(hours.values()) == validated == Decimal("15.00")


def test_an_order_job_takes_the_kind_of_its_goods_line(workshop):
    structure, w1, _w2 = workshop
    basket = OfferingFactory(structure=structure, kind=OfferingKind.BASKET, unit=Unit.ITEM, labour=True)
    order = OrderFactory(items=[(basket, "1")])
    TimesheetEntryFactory(worker=w1, date=D(2026, 3, 6), hours=Decimal("1.5"))
    assign(w1, on=D(2026, 3, 6), hours="1", source_kind=JobSourceKind.ORDER, source_id=str(order.pk))

    hours = figures.insertion_hours_by_activity(MARCH, structure)

    assert hours[OfferingKind.BASKET] == Decimal("3.75")  # 2,25 + 1,5


def test_fte_planned_from_contracts_and_done_from_validated_hours(workshop):
    structure, w1, w2 = workshop
    contract(w1, D(2026, 1, 1), D(2026, 12, 31), "26")  # all 31 days of March
    contract(w2, D(2026, 3, 10), D(2026, 6, 30), "35")  # 22 days of March

    result = figures.fte(MARCH, structure)

    annual = Decimal(settings.INSERTION_FTE_ANNUAL_HOURS)
    full_time_march = annual * 31 / 365
    planned = Decimal(26) * 31 / 7 + Decimal(35) * 22 / 7
    assert result.planned_hours == planned.quantize(Decimal("0.01")) == Decimal("225.14")
    assert result.planned == (planned / full_time_march).quantize(Decimal("0.01")) == Decimal("1.65")
    assert result.done_hours == Decimal("15.00")
    assert result.done == (Decimal(15) / full_time_march).quantize(Decimal("0.01")) == Decimal("0.11")
    assert result.workers == 2


def test_revenue_per_hour_by_activity():
    revenue = {OfferingKind.GOODS: Decimal("100.00"), OfferingKind.LAUNDRY: Decimal("50.00")}
    hours = {OfferingKind.GOODS: Decimal("8.00"), OfferingKind.BASKET: Decimal("2.00")}

    assert figures.revenue_per_hour(revenue, hours) == {
        OfferingKind.BASKET: Decimal("0.00"),
        OfferingKind.LAUNDRY: None,
        OfferingKind.GOODS: Decimal("12.50"),
        "total": Decimal("15.00"),
    }


# --- People --------------------------------------------------------------------------------------------


def test_entries_exits_and_present_from_contract_dates():
    structure = StructureFactory()
    old_hand, newcomer, returning, left_before = WorkerFactory.create_batch(4, structure=structure)
    contract(old_hand, D(2025, 6, 1), D(2026, 2, 28))
    contract(old_hand, D(2026, 3, 1), D(2026, 12, 31))  # renewed: no exit, no entry, present
    contract(newcomer, D(2026, 3, 10), D(2026, 3, 20))  # first contract in March, ended with none after
    contract(returning, D(2026, 1, 5), D(2026, 3, 15))  # ended in March but a later contract follows
    contract(returning, D(2026, 5, 1), D(2026, 8, 31))
    contract(left_before, D(2025, 1, 1), D(2026, 2, 27))

    result = figures.people(MARCH, structure)

    assert (result.entries, result.exits, result.present) == (1, 1, 1)
    assert result.exit_categories == dict.fromkeys(ExitCategory.values, 0)  # none recorded
    assert (result.durable_rate, result.dynamic_rate) == (None, None)
    year = figures.people(Period(2026), structure)
    # Over 2026: the newcomer and the returning worker entered; all but the old hand's first contract and
    # the returning worker's first ended for good (the old hand's on 31 December); the old hand is there.
    assert (year.entries, year.exits, year.present) == (2, 4, 1)


def test_exit_categories_and_the_dreets_rates_from_the_exits_recorded():
    """Six exits recorded in March: 2 durable, 1 transitional, 1 positive, 1 unknown, 1 withdrawn from the
    count — rates over the five counted: durable 40 %, dynamic 80 %; another structure's exit stays out."""
    structure, elsewhere = StructureFactory(), StructureFactory()
    supervisor = UserFactory()
    reasons = [ExitReason.CDI, ExitReason.LONG_FIXED_TERM, ExitReason.SHORT_FIXED_TERM, ExitReason.TRAINING,
               ExitReason.UNKNOWN, ExitReason.WITHDRAWN]  # fmt: skip
    for reason, worker in zip(reasons, WorkerFactory.create_batch(6, structure=structure), strict=True):
        ended = contract(worker, D(2025, 9, 1), D(2026, 3, 20))
        record_exit(contract=ended, reason=reason, date=D(2026, 3, 20), by=supervisor, today=D(2026, 4, 1))
    other = contract(WorkerFactory(structure=elsewhere), D(2025, 9, 1), D(2026, 3, 20))
    record_exit(contract=other, reason=ExitReason.CDI, date=D(2026, 3, 20), by=supervisor, today=D(2026, 4, 1))

    result = figures.people(MARCH, structure)

    assert result.exit_categories == {"durable": 2, "transitional": 1, "positive": 1, "other": 0, "unknown": 1,
                                      "withdrawn": 1}  # fmt: skip
    assert (result.counted_exits, result.durable_rate, result.dynamic_rate) == (5, Decimal("40.0"), Decimal("80.0"))
    independent = ContractExit.objects.filter(contract__worker__structure=structure, date__month=3)
    assert sum(result.exit_categories.values()) == independent.count() == 6
    hub = figures.people(MARCH)
    assert (
        hub.exit_categories["durable"] - result.exit_categories["durable"]
        == ContractExit.objects.filter(date__gte=MARCH.start, date__lte=MARCH.end, category="durable")
        .exclude(contract__worker__structure=structure)
        .count()
    )
    assert figures.people(Period(2026, 4), structure).exit_categories == dict.fromkeys(ExitCategory.values, 0)


# --- Customers -------------------------------------------------------------------------------------------


def test_customers_households_organisations_and_solidarity_share(seller):
    structure, goods, _laundry = seller
    alice, bob, carol, dan = CustomerFactory.create_batch(4)
    OrderFactory(customer=alice, items=[(goods, "1")])
    OrderFactory(customer=alice, items=[(goods, "1")])  # the same household twice
    solidarity = OrderFactory(customer=bob, items=[(goods, "1")])
    Order.objects.filter(pk=solidarity.pk).update(solidarity_pricing=True)
    OrderFactory(customer=carol, items=[(goods, "1")], business=True)  # for her organisation
    OrderFactory(customer=dan, items=[(goods, "1")], cancelled=True)
    OrderFactory(items=[(OfferingFactory(), "1")])  # another structure's customer

    result = figures.customers(this_month(), structure)

    assert result == figures.Customers(
        households=2, organisations=1, solidarity_households=1, solidarity_share=Decimal("50.0")
    )


# --- Baskets, laundry, visits, transport ----------------------------------------------------------------------


def test_baskets_laundry_kilos_visit_hours_and_transport_km():
    structure = SellerFactory()
    plan = SubscriptionPlanFactory(offering=BasketFactory(structure=structure))
    subscription = SubscriptionFactory(plan=plan)
    deliveries = list(subscription.deliveries.order_by("date"))  # 16, 23, 30 March, 7 April
    for delivery in deliveries[:2] + deliveries[3:]:
        Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.DELIVERED, delivered_at=timezone.now())
    laundry = BookableOfferingFactory(laundry=True, structure=structure)
    finish(BookingFactory(offering=laundry, quantity=Decimal("8"), laundry=True), final="7.35")
    finish(BookingFactory(offering=laundry, quantity=Decimal("5"), laundry=True), final="4.5")
    finish(BookingFactory(offering=laundry, quantity=Decimal("9"), laundry=True), status=BookingStatus.CONFIRMED)
    visits = BookableOfferingFactory(home_visit=True, structure=structure)
    finish(BookingFactory(offering=visits, home_visit=True, quantity=Decimal("3")), final="2.5")
    finish(BookingFactory(offering=visits, home_visit=True, quantity=Decimal("2")))  # done, as booked
    finish(
        BookingFactory(offering=visits, home_visit=True, quantity=Decimal("4")),
        status=BookingStatus.CANCELLED,
    )
    trips = BookableOfferingFactory(trip=True, structure=structure)
    finish(BookingFactory(offering=trips, quantity=Decimal("12"), address="1 rue A", destination="2 rue B"))
    finish(BookingFactory(offering=trips, quantity=Decimal("20"), address="1 rue A", destination="2 rue B"), final="23")

    result = figures.activity(MARCH, structure)

    assert result == figures.Activity(
        baskets=2, laundry_kg=Decimal("11.85"), visit_hours=Decimal("4.50"), transport_km=Decimal("35.00")
    )
    assert figures.activity(Period(2026, 4), structure).baskets == 1


# --- Together ------------------------------------------------------------------------------------------


def test_summary_costs_the_same_queries_whatever_the_data(workshop, django_assert_num_queries):
    structure, _w1, _w2 = workshop
    figures.summary(MARCH, StructureFactory())  # warm the content types and caches
    with django_assert_num_queries(16):
        small = figures.summary(MARCH, structure)
    more = WorkerFactory(structure=structure)
    for day in range(9, 14):
        TimesheetEntryFactory(worker=more, date=D(2026, 3, day), hours=Decimal("7"))
        assign(more, on=D(2026, 3, day), hours="7", source_kind=JobSourceKind.DELIVERY, source_id=f"round-{day}")
    with django_assert_num_queries(16):
        larger = figures.summary(MARCH, structure)
    assert larger.hours_total == small.hours_total + Decimal("35.00")
