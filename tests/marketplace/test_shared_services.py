import datetime
from decimal import Decimal

import pytest

from accounting.actions import setup_books
from marketplace.actions.shared_services import allocation, issue_shared_services_invoices, month_bounds
from marketplace.models import Invoice
from tests.hub.factories import CollectiveFactory
from tests.marketplace.factories import OrderFactory, SharedServicesPlanFactory

pytestmark = pytest.mark.django_db


def test_fixed_shares_bill_every_member_once_a_month(garden, laundry, grocer):
    collective = CollectiveFactory()  # not liable to VAT
    SharedServicesPlanFactory(shares={garden: "50", laundry: "30", grocer: "20"})  # of 1 000,00 € a month

    invoices = issue_shared_services_invoices(year=2026, month=10)

    by_member = {i.buyer_structure: i for i in invoices}
    assert {member: i.total_excl for member, i in by_member.items()} == {
        garden: Decimal("500.00"),
        laundry: Decimal("300.00"),
        grocer: Decimal("200.00"),
    }
    jardins = by_member[garden]
    assert jardins.structure == collective
    assert jardins.number.startswith(f"{collective.invoice_prefix}-")
    assert (jardins.period_start.isoformat(), jardins.period_end.isoformat()) == ("2026-10-01", "2026-10-31")
    line = jardins.lines.get()
    assert line.description == "Services mutualisés : comptabilité, accueil, informatique — octobre 2026"
    assert line.vat_rate == Decimal("0.00")  # the Collectif is not liable
    assert line.revenue_account == "7065"
    # Running again issues nothing more.
    assert issue_shared_services_invoices(year=2026, month=10) == []
    members = [garden, laundry, grocer]
    assert (
        Invoice.objects.filter(structure=collective, period_start__month=10, buyer_structure__in=members).count() == 3
    )


def test_share_of_turnover_splits_to_the_cent(resident, garden, grocer, basket, coffee, candle):
    plan = SharedServicesPlanFactory(turnover=True, monthly_amount=Decimal("100.00"))
    # A past month no other sale reaches (the demo's history starts in January 2025): the turnover of the whole
    # hub counts, and a test session holds the demo hub's sales of every month since.
    at = datetime.datetime(2024, 12, 13, 10, 0, tzinfo=datetime.UTC)
    for seller in (garden, grocer):  # their books start that month, before any entry
        setup_books(structure=seller, on=at.date())
    order = OrderFactory(customer=resident, items=[(basket, "1"), (coffee, "2"), (candle, "1")], at=at)
    day = order.invoices.first().issue_date
    assert (day.year, day.month) == (2024, 12)
    start, end = month_bounds(day.year, day.month)
    amounts = allocation(plan=plan, start=start, end=end)
    # Turnover excl. VAT: garden 16.11; grocer 9.86 + 8.25 = 18.11 → 34.22 in all.
    assert amounts == {garden.pk: Decimal("47.08"), grocer.pk: Decimal("52.92")}
    assert sum(amounts.values()) == Decimal("100.00")
