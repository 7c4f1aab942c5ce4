import datetime
from decimal import Decimal

import pytest
from django.core import mail

from bookings.actions.laundry import (
    create_recurring_booking,
    generate_occurrences,
    issue_monthly_laundry_invoices,
    record_laundry_step,
)
from bookings.enums import BookingStatus, LaundryStep
from bookings.exceptions import BookingError, NotAllowed
from bookings.models import Booking, MonthlyStatement
from hub.enums import Frequency
from marketplace.models import Invoice, Order
from tests.accounts.factories import UserFactory
from tests.bookings.factories import (
    NOW,
    accueil,
    asso_member,
    at,
    book_laundry,
    club,
    club_member,
    creche,
    laundry_staff,
    offering,
    org_billing,
)

pytestmark = pytest.mark.django_db


def _run_steps(booking, *, kilos="9.4", day=2):
    staff = laundry_staff()
    record_laundry_step(booking=booking, step=LaundryStep.COLLECTED, by=staff, at=at(day, 9, 20))
    record_laundry_step(booking=booking, step=LaundryStep.WEIGHED, by=staff, weight=Decimal(kilos), at=at(day, 11))
    record_laundry_step(booking=booking, step=LaundryStep.WASHING, by=staff, at=at(day, 11, 30))
    record_laundry_step(booking=booking, step=LaundryStep.READY, by=staff, at=at(day + 1, 16))
    return record_laundry_step(booking=booking, step=LaundryStep.DELIVERED, by=staff, at=at(day + 2, 9))


def test_weighing_reprices_and_invoices_the_line(demo_hub, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        booking = book_laundry(club_member(), club())
    line = booking.order_line
    assert (line.quantity, line.total_incl, Invoice.objects.filter(order=line.order).count()) == (
        Decimal("8.000"),
        Decimal("30.40"),
        0,
    )

    with django_capture_on_commit_callbacks(execute=True):
        booking = _run_steps(booking)

    booking.refresh_from_db()
    line.refresh_from_db()
    invoice = Invoice.objects.get(order=line.order)
    assert (booking.status, booking.laundry_step, booking.final_quantity) == (
        BookingStatus.DONE,
        LaundryStep.DELIVERED,
        Decimal("9.400"),
    )
    assert (booking.collected_at, booking.weighed_at, booking.washing_at, booking.ready_at, booking.delivered_at) == (
        at(2, 9, 20),
        at(2, 11),
        at(2, 11, 30),
        at(3, 16),
        at(4, 9),
    )
    assert (line.final_quantity, line.total_incl) == (Decimal("9.400"), Decimal("35.72"))
    assert (invoice.total_incl, invoice.lines.get().quantity) == (Decimal("35.72"), Decimal("9.400"))
    assert list(
        booking.transitions.filter(field="laundry_step").order_by("pk").values_list("to_status", flat=True)
    ) == [
        "collected",
        "weighed",
        "washing",
        "ready",
        "delivered",
    ]
    assert [m.subject for m in mail.outbox if "linge" in m.subject] == [
        "[Pôle Économie Solidaire] Votre linge est prêt"
    ]


def test_per_kg_laundry_is_weighed_before_washing(demo_hub, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        booking = book_laundry(club_member(), club())
    record_laundry_step(booking=booking, step=LaundryStep.COLLECTED, by=laundry_staff(), at=at(2, 9, 20))

    with pytest.raises(BookingError, match="Pesez le linge"):
        record_laundry_step(booking=booking, step=LaundryStep.WASHING, by=laundry_staff(), at=at(2, 10))

    booking.refresh_from_db()
    assert (booking.laundry_step, booking.washing_at) == (LaundryStep.COLLECTED, None)


def test_only_laundry_staff_record_steps(demo_hub, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        booking = book_laundry(club_member(), club())

    with pytest.raises(NotAllowed):
        record_laundry_step(booking=booking, step=LaundryStep.COLLECTED, by=club_member(), at=at(2, 9, 20))

    booking.refresh_from_db()
    assert (booking.laundry_step, booking.status, booking.transitions.count()) == (
        LaundryStep.SCHEDULED,
        BookingStatus.CONFIRMED,
        2,
    )


def test_monthly_organisation_is_billed_once_a_month_net_30(demo_hub, django_capture_on_commit_callbacks):
    member = asso_member()
    first = book_laundry(member, creche(), slug="linge-plat-au-kilo", starts_at=at(2, 9), kilos="12")
    second = book_laundry(member, creche(), slug="linge-plat-au-kilo", starts_at=at(9, 9), kilos="12")
    assert (first.status, first.order_line) == (BookingStatus.CONFIRMED, None)
    _run_steps(first, kilos="11.5", day=2)
    _run_steps(second, kilos="13", day=9)
    invoices_before = Invoice.objects.filter(organisation=creche()).count()

    with django_capture_on_commit_callbacks(execute=True):
        orders = issue_monthly_laundry_invoices(year=2027, month=3, at=at(1, 6, month=4))

    order = orders[0]
    invoice = Invoice.objects.get(order=order)
    line = order.lines.get()
    assert len(orders) == 1
    assert (order.organisation, order.payment_method, order.fulfilment_status) == (creche(), "transfer", "confirmed")
    assert (line.offering, line.final_quantity, line.total_incl) == (
        offering("linge-plat-au-kilo"),
        Decimal("24.500"),
        Decimal("102.90"),
    )
    # Issued when the month's kilos are recorded on the line (marketplace's clock), payable in 30 days.
    assert (invoice.total_incl, invoice.due_date - invoice.issue_date, invoice.buyer_is_business) == (
        Decimal("102.90"),
        datetime.timedelta(days=30),
        True,
    )
    assert Invoice.objects.filter(organisation=creche()).count() == invoices_before + 1
    assert set(Booking.objects.filter(pk__in=[first.pk, second.pk]).values_list("order_line", flat=True)) == {line.pk}

    # Run again: nothing new.
    assert issue_monthly_laundry_invoices(year=2027, month=3, at=at(2, 6, month=4)) == []
    assert Invoice.objects.filter(organisation=creche()).count() == invoices_before + 1
    assert MonthlyStatement.objects.filter(organisation=creche(), year=2027, month=3).count() == 1


def test_recurring_pickup_books_the_coming_weeks_once(demo_hub, django_capture_on_commit_callbacks):
    member = club_member()
    with django_capture_on_commit_callbacks(execute=True):
        series = create_recurring_booking(
            user=member,
            offering=offering("tenues-sportives-au-kilo"),
            first_starts_at=at(2, 10),
            frequency=Frequency.FORTNIGHTLY,
            quantity=Decimal("8"),
            payment_method="transfer",
            billing=org_billing(club()),
            organisation=club(),
            pickup_point=accueil(),
            at=NOW,
        )

    starts = list(series.occurrences.order_by("starts_at").values_list("starts_at", flat=True))
    assert starts == [at(2, 10), at(16, 10)]  # four weeks ahead
    assert set(series.occurrences.values_list("status", flat=True)) == {BookingStatus.CONFIRMED}
    assert generate_occurrences(series=series, at=NOW) == 0
    assert generate_occurrences(series=series, at=NOW + datetime.timedelta(weeks=2)) == 1
    # Summer time started on 28 March: still 10:00 on the wall clock.
    assert series.occurrences.order_by("starts_at").last().starts_at == at(30, 10)


def test_recurring_pickup_for_another_organisation_is_refused(demo_hub):
    outsider = UserFactory()
    orders = Order.objects.count()

    with pytest.raises(NotAllowed):
        create_recurring_booking(
            user=outsider,
            offering=offering("tenues-sportives-au-kilo"),
            first_starts_at=at(2, 10),
            frequency=Frequency.WEEKLY,
            quantity=Decimal("8"),
            payment_method="transfer",
            billing=org_billing(club()),
            organisation=club(),
            pickup_point=accueil(),
            at=NOW,
        )

    assert Order.objects.count() == orders


def test_two_laundry_services_in_a_month_make_one_invoice(demo_hub, django_capture_on_commit_callbacks):
    member = asso_member()
    sheets = book_laundry(member, creche(), slug="linge-plat-au-kilo", starts_at=at(2, 9), kilos="10")
    tablecloths = book_laundry(
        member, creche(), slug="nappes-et-serviettes-de-table-au-kilo", starts_at=at(9, 9), kilos="5"
    )
    _run_steps(sheets, kilos="10", day=2)
    _run_steps(tablecloths, kilos="4.5", day=9)
    with django_capture_on_commit_callbacks(execute=True):
        (order,) = issue_monthly_laundry_invoices(year=2027, month=3, at=at(1, 6, month=4))
    invoice = Invoice.objects.get(order=order)
    assert sorted((line.description, line.quantity, line.total_incl) for line in invoice.lines.all()) == [
        ("Linge plat au kilo", Decimal("10.000"), Decimal("42.00")),
        ("Nappes et serviettes de table au kilo", Decimal("4.500"), Decimal("21.60")),
    ]
    assert invoice.total_incl == Decimal("63.60")
