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
from services.enums import Audience
from tests.accounts.factories import UserFactory
from tests.bookings.factories import (
    NOW,
    BillingOrganisationFactory,
    BookableOfferingFactory,
    BookingFactory,
    at,
    laundry_staff,
    org_billing,
)
from tests.hub.factories import OrganisationMembershipFactory, SiteFactory

pytestmark = pytest.mark.django_db


def _sportswear():
    """The clubs' laundry: 3,80 €/kg, for organisations only."""
    return BookableOfferingFactory(
        laundry=True, name="Tenues sportives au kilo", price=Decimal("3.80"), audience=Audience.ORGANISATIONS
    )


def _club_pickup(**kwargs):
    """8 kg of a club's sportswear, picked up on Tuesday 3 March 2026, 9:00, paid by transfer."""
    return BookingFactory(laundry=True, for_organisation=True, offering=_sportswear(), **kwargs)


def _run_steps(booking, *, kilos="9.4", day=3):
    staff = laundry_staff(booking.offering)
    record_laundry_step(booking=booking, step=LaundryStep.COLLECTED, by=staff, at=at(day, 9, 20))
    record_laundry_step(booking=booking, step=LaundryStep.WEIGHED, by=staff, weight=Decimal(kilos), at=at(day, 11))
    record_laundry_step(booking=booking, step=LaundryStep.WASHING, by=staff, at=at(day, 11, 30))
    record_laundry_step(booking=booking, step=LaundryStep.READY, by=staff, at=at(day + 1, 16))
    return record_laundry_step(booking=booking, step=LaundryStep.DELIVERED, by=staff, at=at(day + 2, 9))


def test_weighing_reprices_and_invoices_the_line(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        booking = _club_pickup()
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
        at(3, 9, 20),
        at(3, 11),
        at(3, 11, 30),
        at(4, 16),
        at(5, 9),
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


def test_per_kg_laundry_is_weighed_before_washing(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        booking = _club_pickup()
    staff = laundry_staff(booking.offering)
    record_laundry_step(booking=booking, step=LaundryStep.COLLECTED, by=staff, at=at(3, 9, 20))

    with pytest.raises(BookingError, match="Pesez le linge"):
        record_laundry_step(booking=booking, step=LaundryStep.WASHING, by=staff, at=at(3, 10))

    booking.refresh_from_db()
    assert (booking.laundry_step, booking.washing_at) == (LaundryStep.COLLECTED, None)


def test_only_laundry_staff_record_steps(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        booking = _club_pickup()

    with pytest.raises(NotAllowed):
        record_laundry_step(booking=booking, step=LaundryStep.COLLECTED, by=booking.customer, at=at(3, 9, 20))

    booking.refresh_from_db()
    assert (booking.laundry_step, booking.status, booking.transitions.count()) == (
        LaundryStep.SCHEDULED,
        BookingStatus.CONFIRMED,
        2,
    )


def test_monthly_organisation_is_billed_once_a_month_net_30(django_capture_on_commit_callbacks):
    first = BookingFactory(laundry=True, on_account=True, quantity=Decimal("12"))  # « Linge plat au kilo », 4,20 €
    creche, member, sheets = first.organisation, first.customer, first.offering
    second = BookingFactory(
        laundry=True, organisation=creche, user=member, offering=sheets, starts_at=at(10, 9), quantity=Decimal("12")
    )
    assert (first.status, first.order_line) == (BookingStatus.CONFIRMED, None)
    _run_steps(first, kilos="11.5", day=3)
    _run_steps(second, kilos="13", day=10)
    invoices_before = Invoice.objects.filter(organisation=creche).count()

    with django_capture_on_commit_callbacks(execute=True):
        orders = issue_monthly_laundry_invoices(year=2026, month=3, at=at(1, 6, month=4))

    order = orders[0]
    invoice = Invoice.objects.get(order=order)
    line = order.lines.get()
    assert len(orders) == 1
    assert (order.organisation, order.payment_method, order.fulfilment_status) == (creche, "transfer", "confirmed")
    assert (line.offering, line.final_quantity, line.total_incl) == (sheets, Decimal("24.500"), Decimal("102.90"))
    # Issued when the month's kilos are recorded on the line (marketplace's clock), payable in 30 days.
    assert (invoice.total_incl, invoice.due_date - invoice.issue_date, invoice.buyer_is_business) == (
        Decimal("102.90"),
        datetime.timedelta(days=30),
        True,
    )
    assert Invoice.objects.filter(organisation=creche).count() == invoices_before + 1
    assert set(Booking.objects.filter(pk__in=[first.pk, second.pk]).values_list("order_line", flat=True)) == {line.pk}

    # Run again: nothing new.
    assert issue_monthly_laundry_invoices(year=2026, month=3, at=at(2, 6, month=4)) == []
    assert Invoice.objects.filter(organisation=creche).count() == invoices_before + 1
    assert MonthlyStatement.objects.filter(organisation=creche, year=2026, month=3).count() == 1


def test_recurring_pickup_books_the_coming_weeks_once(django_capture_on_commit_callbacks):
    membership = OrganisationMembershipFactory(organisation=BillingOrganisationFactory())
    club = membership.organisation
    with django_capture_on_commit_callbacks(execute=True):
        series = create_recurring_booking(
            user=membership.user,
            offering=_sportswear(),
            first_starts_at=at(3, 10),
            frequency=Frequency.FORTNIGHTLY,
            quantity=Decimal("8"),
            payment_method="transfer",
            billing=org_billing(club),
            organisation=club,
            pickup_point=SiteFactory(pickup_point=True),
            at=NOW,
        )

    starts = list(series.occurrences.order_by("starts_at").values_list("starts_at", flat=True))
    assert starts == [at(3, 10), at(17, 10)]  # four weeks ahead
    assert set(series.occurrences.values_list("status", flat=True)) == {BookingStatus.CONFIRMED}
    assert generate_occurrences(series=series, at=NOW) == 0
    assert generate_occurrences(series=series, at=NOW + datetime.timedelta(weeks=2)) == 1
    # Summer time started on 29 March: still 10:00 on the wall clock.
    assert series.occurrences.order_by("starts_at").last().starts_at == at(31, 10)


def test_recurring_pickup_for_another_organisation_is_refused():
    club = BillingOrganisationFactory()
    OrganisationMembershipFactory(organisation=club)
    outsider = UserFactory()
    orders = Order.objects.count()

    with pytest.raises(NotAllowed):
        create_recurring_booking(
            user=outsider,
            offering=_sportswear(),
            first_starts_at=at(3, 10),
            frequency=Frequency.WEEKLY,
            quantity=Decimal("8"),
            payment_method="transfer",
            billing=org_billing(club),
            organisation=club,
            pickup_point=SiteFactory(pickup_point=True),
            at=NOW,
        )

    assert Order.objects.count() == orders


def test_two_laundry_services_in_a_month_make_one_invoice(django_capture_on_commit_callbacks):
    sheets = BookingFactory(laundry=True, on_account=True, quantity=Decimal("10"))  # « Linge plat au kilo », 4,20 €
    tablecloths = BookingFactory(
        laundry=True,
        organisation=sheets.organisation,
        user=sheets.customer,
        offering=BookableOfferingFactory(
            laundry=True,
            structure=sheets.offering.structure,
            name="Nappes et serviettes de table au kilo",
            price=Decimal("4.80"),
            audience=Audience.ORGANISATIONS,
        ),
        starts_at=at(10, 9),
        quantity=Decimal("5"),
    )
    _run_steps(sheets, kilos="10", day=3)
    _run_steps(tablecloths, kilos="4.5", day=10)
    with django_capture_on_commit_callbacks(execute=True):
        (order,) = issue_monthly_laundry_invoices(year=2026, month=3, at=at(1, 6, month=4))
    invoice = Invoice.objects.get(order=order)
    assert sorted((line.description, line.quantity, line.total_incl) for line in invoice.lines.all()) == [
        ("Linge plat au kilo", Decimal("10.000"), Decimal("42.00")),
        ("Nappes et serviettes de table au kilo", Decimal("4.500"), Decimal("21.60")),
    ]
    assert invoice.total_incl == Decimal("63.60")
