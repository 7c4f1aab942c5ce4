"""Recurring home visits: confirmed without an order, invoiced once a month on the hours done."""

import datetime
from decimal import Decimal

import pytest

from bookings.actions.booking import issue_monthly_home_service_invoices, record_actual_hours
from bookings.actions.laundry import create_recurring_booking
from bookings.enums import BookingStatus
from marketplace.models import Invoice
from tests.accounts.factories import UserFactory
from tests.bookings.factories import BILLING, HOME, NOW, BookableOfferingFactory, at

pytestmark = pytest.mark.django_db


def _weekly_visits(user):
    """3 hours of « Ménage à domicile » (24,00 €/h) every Tuesday from 3 March 2026, paid by CESU."""
    return create_recurring_booking(
        user=user, offering=BookableOfferingFactory(home_visit=True), first_starts_at=at(3, 8), frequency="weekly",
        quantity=Decimal("3"), payment_method="cesu", billing=BILLING, address=HOME, postcode="77140", at=NOW,
    )  # fmt: skip


def test_recurring_visits_are_confirmed_without_an_order_and_billed_once_a_month():
    user = UserFactory()
    series = _weekly_visits(user)
    visits = list(series.occurrences.order_by("starts_at"))
    assert len(visits) == 4  # the Tuesdays of the next four weeks: 3, 10, 17 and 24 March
    assert [(v.status, v.order_line_id, v.postcode) for v in visits[:2]] == [
        (BookingStatus.CONFIRMED, None, "77140"),
        (BookingStatus.CONFIRMED, None, "77140"),
    ]
    admin = UserFactory(hub_admin=True)
    record_actual_hours(booking=visits[0], hours=Decimal("2.5"), by=admin)
    record_actual_hours(booking=visits[1], hours=Decimal("3.25"), by=admin)

    (order,) = issue_monthly_home_service_invoices(year=2026, month=3, at=NOW + datetime.timedelta(days=31))

    invoice = Invoice.objects.get(order=order)
    line = invoice.lines.get()
    assert (order.payment_method, order.fulfilment_status) == ("cesu", "confirmed")
    assert (line.quantity, line.unit_price_incl, invoice.total_incl, invoice.sap) == (
        Decimal("5.750"), Decimal("24.00"), Decimal("138.00"), True)  # fmt: skip
    for visit in visits[:2]:
        visit.refresh_from_db()
        assert visit.order_line == order.lines.get()
    # Run again: nothing more; a visit without its hours yet waits for next month's run.
    assert issue_monthly_home_service_invoices(year=2026, month=3) == []
    assert Invoice.objects.filter(order__customer=user).count() == 1
