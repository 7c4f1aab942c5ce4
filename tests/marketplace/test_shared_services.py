import datetime
from decimal import Decimal

import pytest

from hub.models import Structure
from marketplace.actions.shared_services import allocation, issue_shared_services_invoices, month_bounds
from marketplace.models import AllocationMethod, Invoice, SharedServicesPlan
from tests.marketplace.factories import order_for, resident

pytestmark = pytest.mark.django_db


def test_fixed_shares_bill_every_member_once_a_month(demo_hub):
    invoices = issue_shared_services_invoices(year=2026, month=10)
    collective = Structure.objects.collective()
    by_member = {i.buyer_structure.slug: i for i in invoices}
    assert {slug: i.total_excl for slug, i in by_member.items()} == {
        "jardins-du-pole": Decimal("600.00"),
        "blanchisserie-solidaire": Decimal("480.00"),
        "pole-services": Decimal("480.00"),
        "mobilite-solidaire": Decimal("240.00"),
        "comptoir-equitable": Decimal("360.00"),
        "atelier-formation": Decimal("240.00"),
    }
    jardins = by_member["jardins-du-pole"]
    assert jardins.structure == collective
    assert jardins.number.startswith(f"{collective.invoice_prefix}-")
    assert (jardins.period_start.isoformat(), jardins.period_end.isoformat()) == ("2026-10-01", "2026-10-31")
    line = jardins.lines.get()
    assert line.description == "Services mutualisés : comptabilité, accueil, informatique — octobre 2026"
    assert line.vat_rate == Decimal("0.00")  # the demo Collectif is not liable
    assert line.revenue_account == "7065"
    # Running again issues nothing more.
    assert issue_shared_services_invoices(year=2026, month=10) == []
    assert Invoice.objects.filter(structure=collective, period_start__month=10).count() == 6


def test_share_of_turnover_splits_to_the_cent(demo_hub):
    plan = SharedServicesPlan.objects.get()
    plan.method = AllocationMethod.TURNOVER
    plan.monthly_amount = Decimal("100.00")
    plan.save()
    # A month of its own, so that the demo's orders do not count.
    at = datetime.datetime(2030, 5, 14, 10, 0, tzinfo=datetime.UTC)
    items = {"panier-moyen-format": "1", "cafe-equitable-moulu-250-g": "2", "bougie-a-la-cire-vegetale": "1"}
    order = order_for(resident(), items, at=at)
    day = order.invoices.first().issue_date
    assert (day.year, day.month) == (2030, 5)
    start, end = month_bounds(day.year, day.month)
    amounts = allocation(plan=plan, start=start, end=end)
    jardins = Structure.objects.get(slug="jardins-du-pole").pk
    comptoir = Structure.objects.get(slug="comptoir-equitable").pk
    # Turnover excl. VAT: Jardins 16.11; Comptoir 9.86 + 8.25 = 18.11 → 34.22 in all.
    assert amounts == {jardins: Decimal("47.08"), comptoir: Decimal("52.92")}
    assert sum(amounts.values()) == Decimal("100.00")
