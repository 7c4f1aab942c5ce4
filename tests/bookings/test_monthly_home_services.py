"""Recurring home visits: confirmed without an order, invoiced once a month on the hours done."""

import datetime
from decimal import Decimal

import pytest

from accounts.models import User
from bookings.actions.booking import issue_monthly_home_service_invoices, record_actual_hours
from bookings.actions.laundry import create_recurring_booking
from bookings.enums import BookingStatus
from marketplace.models import Invoice
from tests.bookings.factories import BILLING, NOW, at, offering
from tests.marketplace.factories import resident

pytestmark = pytest.mark.django_db


def _weekly_visits():
    return create_recurring_booking(
        user=resident(), offering=offering("menage-a-domicile"), first_starts_at=at(2, 8), frequency="weekly",
        quantity=Decimal("3"), payment_method="cesu", billing=BILLING, address="4 rue des Tilleuls, Bourganeuf",
        postcode="23400", at=NOW,
    )  # fmt: skip


def test_recurring_visits_are_confirmed_without_an_order_and_billed_once_a_month(demo_hub):
    series = _weekly_visits()
    visits = list(series.occurrences.order_by("starts_at"))
    assert len(visits) >= 2
    assert [(v.status, v.order_line_id, v.postcode) for v in visits[:2]] == [
        (BookingStatus.CONFIRMED, None, "23400"),
        (BookingStatus.CONFIRMED, None, "23400"),
    ]
    admin = User.objects.get(email="admin@demo.pole.test")
    record_actual_hours(booking=visits[0], hours=Decimal("2.5"), by=admin)
    record_actual_hours(booking=visits[1], hours=Decimal("3.25"), by=admin)

    (order,) = issue_monthly_home_service_invoices(year=2027, month=3, at=NOW + datetime.timedelta(days=31))

    invoice = Invoice.objects.get(order=order)
    line = invoice.lines.get()
    assert (order.payment_method, order.fulfilment_status) == ("cesu", "confirmed")
    assert (line.quantity, line.unit_price_incl, invoice.total_incl, invoice.sap) == (
        Decimal("5.750"), Decimal("24.00"), Decimal("138.00"), True)  # fmt: skip
    for visit in visits[:2]:
        visit.refresh_from_db()
        assert visit.order_line == order.lines.get()
    # Run again: nothing more; a visit without its hours yet waits for next month's run.
    assert issue_monthly_home_service_invoices(year=2027, month=3) == []
    assert Invoice.objects.filter(order__customer=resident()).count() == 1
