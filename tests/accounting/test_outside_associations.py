"""Outside associations whose books the Collectif keeps: their own books, never in the catalogue,
billed for the bookkeeping through the shared-services invoices; their staff read their books only."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from accounting.enums import SupplierInvoiceStatus
from accounting.models import Account, Entry, FiscalYear, Journal, SupplierInvoice
from hub.enums import StaffRole, StructureKind
from hub.models import Structure
from hub.perms import can_enter_back_office
from marketplace.actions.cart import add_to_cart
from marketplace.actions.shared_services import issue_shared_services_invoices
from marketplace.enums import AllocationMethod
from marketplace.exceptions import OfferingUnavailable
from marketplace.models import SharedServicesPlan, SharedServicesShare
from services.forms import OfferingAdminForm
from services.models import Offering
from tests.accounting.factories import StructureFactory, purchase_line, supplier_invoice
from tests.hub.factories import CollectiveFactory, StructureRoleFactory
from tests.marketplace.factories import CartFactory, SharedServicesPlanFactory
from tests.services.factories import OfferingFactory

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def lavoir(db):
    return StructureFactory(
        kind=StructureKind.OUTSIDE_ASSOCIATION, name="Amis du Lavoir essai", books=datetime.date(2025, 6, 1)
    )


def test_an_outside_association_has_books_of_its_own_without_467(lavoir, structure):
    assert FiscalYear.objects.filter(structure=lavoir).count() == 1
    assert Journal.objects.filter(structure=lavoir).count() == 7
    codes = set(Account.objects.filter(structure=lavoir).values_list("code", flat=True))
    assert {"102", "401", "512", "606", "616", "7065"} <= codes
    assert not {code for code in codes if code.startswith("467")}
    # Nor does the hub's structure get a current account of the association.
    assert not Account.objects.filter(structure=structure, code=f"467{lavoir.pk:03d}").exists()


def test_its_purchases_carry_no_deductible_vat(lavoir):
    invoice = supplier_invoice(lavoir, lines=[purchase_line("615", "640.00", "20.00")], posted=True)
    assert invoice.status == SupplierInvoiceStatus.POSTED
    assert [(line.account.code, line.debit, line.credit) for line in invoice.entry.lines.order_by("position")] == [
        ("615", D("768.00"), D("0")),
        ("401", D("0"), D("768.00")),
    ]


def test_it_is_never_in_the_catalogue_nor_a_shopfront(client, lavoir, structure):
    assert lavoir not in Structure.objects.sellers()
    assert lavoir not in Structure.objects.of_the_hub()
    assert structure in Structure.objects.sellers()
    offering = OfferingFactory(structure=lavoir)
    assert not Offering.objects.active().filter(pk=offering.pk).exists()
    catalogue = client.get(reverse("services:catalogue"))
    assert lavoir.name not in catalogue.content.decode()
    assert offering.name not in catalogue.content.decode()
    assert client.get(reverse("services:structure", args=[lavoir.slug])).status_code == 404
    assert client.get(reverse("services:structure", args=[structure.slug])).status_code == 200
    assert lavoir.name not in client.get("/").content.decode()
    api = client.get("/api/v1/structures/").json()
    assert lavoir.slug not in {row["slug"] for row in api["results"]}
    assert client.get(f"/api/v1/structures/{lavoir.slug}/").status_code == 404


def test_an_offering_of_an_outside_association_cannot_be_bought(lavoir):
    offering = OfferingFactory(structure=lavoir)
    cart = CartFactory()
    with pytest.raises(OfferingUnavailable, match="n'est plus en vente"):
        add_to_cart(cart=cart, offering=offering, quantity=D("1"))
    assert not cart.items.exists()


def test_an_offering_of_an_outside_association_is_refused_in_the_form(lavoir):
    form = OfferingAdminForm(data={"structure": lavoir.pk, "name": "Visite du lavoir"})
    assert not form.is_valid()
    assert form.errors["structure"] == ["Une association adhérente ne vend rien sur la plateforme."]


def test_the_collectif_bills_the_bookkeeping_through_shared_services(lavoir, structure):
    collective = CollectiveFactory()
    SharedServicesPlanFactory(shares={structure: "100"})  # the hub's members (the only active plan)
    bookkeeping_plan = SharedServicesPlan.objects.create(
        label="Tenue de la comptabilité des associations adhérentes",
        monthly_amount=D("90.00"),
        method=AllocationMethod.FIXED_SHARES,
    )
    SharedServicesShare.objects.create(plan=bookkeeping_plan, structure=lavoir, percent=D("100"))

    invoices = issue_shared_services_invoices(year=2026, month=10)

    bookkeeping = next(invoice for invoice in invoices if invoice.buyer_structure == lavoir)
    assert {invoice.buyer_structure for invoice in invoices} >= {structure, lavoir}
    assert (bookkeeping.structure, bookkeeping.total_incl, bookkeeping.buyer_name) == (
        collective, D("90.00"), lavoir.name
    )  # fmt: skip
    line = bookkeeping.lines.get()
    assert (line.description, line.revenue_account) == (
        "Tenue de la comptabilité des associations adhérentes — octobre 2026", "7065"
    )  # fmt: skip
    # In the association's own books: an expense to the Collectif, in its purchases journal.
    entry = Entry.objects.get(structure=lavoir, piece_ref=bookkeeping.number)
    assert entry.journal.code == "AC"
    assert sorted((line.account.code, line.debit, line.credit) for line in entry.lines.all()) == [
        ("401", D("0"), D("90.00")),
        ("628", D("90.00"), D("0")),
    ]
    assert issue_shared_services_invoices(year=2026, month=10) == []


# --- The read-only view of its books ------------------------------------------------------------


@pytest.fixture
def viewer(lavoir):
    return StructureRoleFactory(structure=lavoir, role=StaffRole.BOOKS_VIEWER).user


READ_PAGES = ["structure", "journal", "ledger", "trial_balance", "customers", "revenue", "vat", "purchases",
              "suppliers", "chart"]  # fmt: skip


def test_the_read_only_view_reads_and_changes_nothing(client, lavoir, viewer):
    invoice = supplier_invoice(lavoir, posted=True)
    draft = supplier_invoice(lavoir)
    client.force_login(viewer)
    for name in READ_PAGES:
        response = client.get(reverse(f"accounting:{name}", args=[lavoir.slug]))
        assert response.status_code == 200, name
        html = response.content.decode()
        assert f'href="{reverse("accounting:manual_entry", args=[lavoir.slug])}"' not in html, name
        assert 'href="' + reverse("accounting:lock", args=[lavoir.slug]) not in html, name
    entry_page = client.get(reverse("accounting:entry", args=[lavoir.slug, invoice.entry_id]))
    assert entry_page.status_code == 200  # the journal links every entry to its page
    assert reverse("accounting:entry_reverse", args=[lavoir.slug, invoice.entry_id]) not in entry_page.content.decode()
    detail = client.get(reverse("accounting:purchase", args=[lavoir.slug, invoice.pk]))
    assert detail.status_code == 200
    assert reverse("accounting:purchase_pay", args=[lavoir.slug, invoice.pk]) not in detail.content.decode()
    index = client.get(reverse("accounting:index"))
    assert index.status_code == 200
    assert "Les livres de votre structure, en lecture seule" in index.content.decode()
    assert [s.pk for s in index.context["structures"]] == [lavoir.pk]
    year = FiscalYear.objects.get(structure=lavoir).start_date.year
    assert client.get(reverse("accounting:fec", args=[lavoir.slug, year])).status_code == 200

    before = (
        Entry.objects.filter(structure=lavoir).count(),
        list(Account.objects.filter(structure=lavoir).order_by("code").values_list("code", "label", "is_active")),
        list(SupplierInvoice.objects.filter(structure=lavoir).order_by("pk").values_list("status", "paid_amount")),
    )
    slug = lavoir.slug
    writes = [
        ("get", reverse("accounting:manual_entry", args=[slug]), {}),
        ("post", reverse("accounting:manual_entry", args=[slug]), {"date": "2025-03-01", "label": "x"}),
        ("get", reverse("accounting:purchase_new", args=[slug]), {}),
        ("post", reverse("accounting:purchase_post", args=[slug, draft.pk]), {}),
        ("post", reverse("accounting:purchase_pay", args=[slug, invoice.pk]),
         {"date": "2025-03-20", "amount": "1", "method": "transfer"}),
        ("post", reverse("accounting:purchase_cancel", args=[slug, invoice.pk]), {}),
        ("post", reverse("accounting:purchase_delete", args=[slug, draft.pk]), {}),
        ("post", reverse("accounting:supplier_new", args=[slug]), {"name": "Nouveau"}),
        ("post", reverse("accounting:chart", args=[slug]), {"code": "60631", "label": "Outils"}),
        ("post", reverse("accounting:account_edit", args=[slug, "606"]), {"action": "rename", "label": "X"}),
        ("post", reverse("accounting:account_edit", args=[slug, "606"]), {"action": "deactivate"}),
        ("get", reverse("accounting:reconciliation"), {}),
    ]  # fmt: skip
    for method, address, data in writes:
        assert getattr(client, method)(address, data).status_code == 404, address
    after = (
        Entry.objects.filter(structure=lavoir).count(),
        list(Account.objects.filter(structure=lavoir).order_by("code").values_list("code", "label", "is_active")),
        list(SupplierInvoice.objects.filter(structure=lavoir).order_by("pk").values_list("status", "paid_amount")),
    )
    assert after == before


def test_the_read_only_view_is_only_for_its_structure(client, lavoir, viewer, structure):
    client.force_login(viewer)
    assert client.get(reverse("accounting:structure", args=[structure.slug])).status_code == 404
    assert client.get(reverse("accounting:purchases", args=[structure.slug])).status_code == 404
    # Nor does it open the back-office.
    assert can_enter_back_office(viewer) is False
    assert client.get("/admin/").status_code == 302
