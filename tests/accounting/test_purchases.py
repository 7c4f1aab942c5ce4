"""Purchases: supplier invoices posted to the purchases journal (VAT deductible or not, fixed assets),
refused whole when invalid, immutable once posted (cancelled by reversal), paid and lettered."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from accounting.actions.purchases import (
    cancel_supplier_invoice,
    create_supplier,
    delete_draft_invoice,
    post_supplier_invoice,
    record_supplier_payment,
    save_draft_invoice,
)
from accounting.enums import SupplierInvoiceStatus
from accounting.exceptions import AccountingError, PurchaseError
from accounting.models import Entry, EntryLine, Supplier, SupplierInvoice, SupplierInvoiceLine, SupplierPayment
from tests.accounting.factories import StructureFactory, SupplierFactory, purchase_line, supplier_invoice

pytestmark = pytest.mark.django_db

D = Decimal
DAY = datetime.date(2025, 3, 10)


@pytest.fixture
def liable(db):
    return StructureFactory(liable=True, books=datetime.date(2025, 6, 1))


def entry_lines(entry) -> list[tuple]:
    return [
        (line.account.code, line.debit, line.credit, line.auxiliary_code)
        for line in entry.lines.select_related("account").order_by("position")
    ]


def snapshot(structure) -> tuple:
    return (
        Entry.objects.filter(structure=structure).count(),
        EntryLine.objects.filter(entry__structure=structure).count(),
        list(SupplierInvoice.objects.filter(structure=structure).values_list("pk", "status", "paid_amount", "number")),
        SupplierInvoiceLine.objects.filter(invoice__structure=structure).count(),
        SupplierPayment.objects.filter(invoice__structure=structure).count(),
    )


# --- Posting ------------------------------------------------------------------------------------


def test_liable_structure_deducts_vat_on_services_and_fixed_assets(liable):
    supplier = SupplierFactory(structure=liable, name="Informatique du Loing", auxiliary_code="F0007")
    invoice = supplier_invoice(
        liable,
        supplier=supplier,
        number="IC-26-077",
        lines=[
            purchase_line("606", "100.00", "20.00"),
            purchase_line("601", "33.33", "5.50"),  # VAT 1.83315 → 1.83
            purchase_line("2183", "749.00", "20.00"),
            purchase_line("625", "50.00", "10.00", deductible=False),  # a meal: VAT not recoverable
        ],
    )
    assert (invoice.total_excl, invoice.total_vat, invoice.total_incl) == (D("932.33"), D("176.63"), D("1108.96"))

    invoice = post_supplier_invoice(invoice=invoice)

    assert invoice.status == SupplierInvoiceStatus.POSTED
    entry = invoice.entry
    assert (entry.journal.code, entry.piece_ref, entry.date, entry.label) == (
        "AC", "IC-26-077", DAY, "Facture IC-26-077 - Informatique du Loing"
    )  # fmt: skip
    assert entry_lines(entry) == [
        ("606", D("100.00"), D("0"), ""),
        ("601", D("33.33"), D("0"), ""),
        ("2183", D("749.00"), D("0"), ""),
        ("625", D("55.00"), D("0"), ""),
        ("44562", D("149.80"), D("0"), ""),
        ("44566", D("21.83"), D("0"), ""),
        ("401", D("0"), D("1108.96"), "F0007"),
    ]
    assert entry.lines.get(account__code="401").auxiliary_name == "Informatique du Loing"


def test_not_liable_structure_adds_all_vat_to_the_expense(structure):
    invoice = supplier_invoice(
        structure,
        lines=[purchase_line("615", "640.00", "20.00"), purchase_line("2183", "100.00", "20.00")],
        posted=True,
    )
    assert entry_lines(invoice.entry) == [
        ("615", D("768.00"), D("0"), ""),
        ("2183", D("120.00"), D("0"), ""),
        ("401", D("0"), D("888.00"), invoice.supplier.auxiliary_code),
    ]


def test_posting_twice_is_refused_and_posts_nothing_more(liable):
    invoice = supplier_invoice(liable, posted=True)
    before = snapshot(liable)
    with pytest.raises(PurchaseError, match="déjà comptabilisée"):
        post_supplier_invoice(invoice=invoice)
    assert snapshot(liable) == before


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ([], "au moins une ligne"),
        ([purchase_line("706", "10.00")], "Compte 706"),  # revenue, not an expense
        ([purchase_line("6999", "10.00")], "Compte 6999"),  # not in the chart
        ([purchase_line("606", "0.00")], "positif"),
        ([purchase_line("606", "-5.00")], "positif"),
        ([purchase_line("606", "1.005")], "centime"),
        ([purchase_line("606", "10.00", rate="19.60")], "Taux de TVA inconnu"),
        ([purchase_line("606", "10.00", label="  ")], "libellé"),
    ],
)
def test_an_invalid_invoice_is_refused_whole(liable, lines, message):
    supplier = SupplierFactory(structure=liable)
    before = snapshot(liable)
    with pytest.raises(PurchaseError, match=message):
        save_draft_invoice(structure=liable, supplier=supplier, number="X-1", date=DAY, due_date=DAY, lines=lines)
    assert snapshot(liable) == before


def test_due_date_before_the_invoice_and_future_dates_are_refused(liable):
    supplier = SupplierFactory(structure=liable)
    before = snapshot(liable)
    with pytest.raises(PurchaseError, match="échéance"):
        save_draft_invoice(structure=liable, supplier=supplier, number="X-1", date=DAY,
                           due_date=DAY - datetime.timedelta(days=1), lines=[purchase_line()])  # fmt: skip
    future = timezone.localdate() + datetime.timedelta(days=3)
    with pytest.raises(PurchaseError, match="après aujourd'hui"):
        save_draft_invoice(structure=liable, supplier=supplier, number="X-1", date=future, due_date=future,
                           lines=[purchase_line()])  # fmt: skip
    assert snapshot(liable) == before


def test_the_same_supplier_invoice_twice_is_refused(liable):
    first = supplier_invoice(liable, number="A-1")
    before = snapshot(liable)
    with pytest.raises(PurchaseError, match="déjà saisie"):
        supplier_invoice(liable, supplier=first.supplier, number="A-1")
    assert snapshot(liable) == before


def test_another_structures_supplier_is_refused(liable, structure):
    supplier = SupplierFactory(structure=structure)
    with pytest.raises(PurchaseError, match="Fournisseur inconnu"):
        save_draft_invoice(structure=liable, supplier=supplier, number="X", date=DAY, due_date=DAY,
                           lines=[purchase_line()])  # fmt: skip
    assert not SupplierInvoice.objects.filter(structure=liable).exists()


def test_a_refused_posting_leaves_the_draft_and_the_books_unchanged(liable):
    invoice = supplier_invoice(liable)
    liable.books.locked_until = datetime.date(2025, 3, 31)
    liable.books.save()
    before = snapshot(liable)
    with pytest.raises(AccountingError, match="verrouillée"):
        post_supplier_invoice(invoice=invoice)
    assert snapshot(liable) == before
    invoice.refresh_from_db()
    assert (invoice.status, invoice.entry_id) == (SupplierInvoiceStatus.DRAFT, None)


# --- Drafts -------------------------------------------------------------------------------------


def test_a_draft_is_replaced_whole_and_deleted(liable):
    invoice = supplier_invoice(liable, lines=[purchase_line("606", "10.00"), purchase_line("613", "20.00")])
    invoice = save_draft_invoice(
        structure=liable, supplier=invoice.supplier, number="NEW-1", date=DAY, due_date=DAY,
        lines=[purchase_line("616", "182.00", "0.00")], invoice=invoice,
    )  # fmt: skip
    assert [(line.account.code, line.amount_excl) for line in invoice.lines.all()] == [("616", D("182.00"))]
    assert (invoice.number, invoice.total_incl) == ("NEW-1", D("182.00"))
    delete_draft_invoice(invoice=invoice)
    assert not SupplierInvoice.objects.filter(structure=liable).exists()
    assert not SupplierInvoiceLine.objects.filter(invoice__structure=liable).exists()


def test_a_posted_invoice_is_immutable(liable):
    invoice = supplier_invoice(liable, posted=True)
    before = snapshot(liable)
    with pytest.raises(PurchaseError, match="ne se modifie plus"):
        save_draft_invoice(structure=liable, supplier=invoice.supplier, number="CHANGED", date=DAY, due_date=DAY,
                           lines=[purchase_line("606", "1.00")], invoice=invoice)  # fmt: skip
    with pytest.raises(PurchaseError, match="Seul un brouillon"):
        delete_draft_invoice(invoice=invoice)
    assert snapshot(liable) == before


# --- Payments and cancellation -----------------------------------------------------------------


def test_payments_letter_the_invoice_once_settled(liable):
    invoice = supplier_invoice(liable, number="GM-1187", lines=[purchase_line("615", "420.00")], posted=True)
    first = record_supplier_payment(
        invoice=invoice, date=datetime.date(2025, 4, 1), amount=D("200.00"), method="cheque", reference="0004127"
    )
    assert entry_lines(first.entry) == [
        ("401", D("200.00"), D("0"), invoice.supplier.auxiliary_code),
        ("512", D("0"), D("200.00"), ""),
    ]
    assert (first.entry.journal.code, first.entry.piece_ref) == ("BQ", "GM-1187")
    invoice.refresh_from_db()
    assert (invoice.status, invoice.paid_amount, invoice.remaining) == ("posted", D("200.00"), D("304.00"))
    assert invoice.entry.lines.get(account__code="401").lettering_code == ""

    record_supplier_payment(invoice=invoice, date=datetime.date(2025, 4, 9), amount=D("304.00"), method="transfer")

    invoice.refresh_from_db()
    assert (invoice.status, invoice.paid_amount) == (SupplierInvoiceStatus.PAID, D("504.00"))
    codes = set(
        EntryLine.objects.filter(entry__structure=liable, account__code="401").values_list("lettering_code", flat=True)
    )
    assert codes == {"AAA"}


def test_overpaying_or_paying_a_draft_is_refused(liable):
    draft = supplier_invoice(liable)
    posted = supplier_invoice(liable, posted=True)
    before = snapshot(liable)
    with pytest.raises(PurchaseError, match="comptabilisée et non soldée"):
        record_supplier_payment(invoice=draft, date=DAY, amount=D("1.00"), method="transfer")
    with pytest.raises(PurchaseError, match="dépasse le reste à payer"):
        record_supplier_payment(invoice=posted, date=DAY, amount=D("120.01"), method="transfer")
    with pytest.raises(PurchaseError, match="Moyen de paiement"):
        record_supplier_payment(invoice=posted, date=DAY, amount=D("1.00"), method="cash")
    assert snapshot(liable) == before


def test_cancelling_reverses_and_letters_the_entry(liable):
    invoice = supplier_invoice(liable, posted=True)
    invoice = cancel_supplier_invoice(invoice=invoice, on=datetime.date(2025, 3, 20))
    assert invoice.status == SupplierInvoiceStatus.CANCELLED
    assert invoice.reversal.reversal_of_id == invoice.entry_id
    assert entry_lines(invoice.reversal) == [
        ("606", D("0"), D("100.00"), ""),
        ("44566", D("0"), D("20.00"), ""),
        ("401", D("120.00"), D("0"), invoice.supplier.auxiliary_code),
    ]
    lettering = {
        invoice.entry.lines.get(account__code="401").lettering_code,
        invoice.reversal.lines.get(account__code="401").lettering_code,
    }
    assert lettering == {"AAA"}


def test_a_paid_invoice_cannot_be_cancelled(liable):
    invoice = supplier_invoice(liable, posted=True)
    record_supplier_payment(invoice=invoice, date=DAY, amount=D("10.00"), method="transfer")
    before = snapshot(liable)
    with pytest.raises(PurchaseError, match="déjà des règlements"):
        cancel_supplier_invoice(invoice=invoice)
    assert snapshot(liable) == before


# --- Suppliers ----------------------------------------------------------------------------------


def test_suppliers_get_the_next_free_auxiliary_code(structure):
    first = create_supplier(structure=structure, name="Garage Moreau")
    second = create_supplier(structure=structure, name="EDF Collectivités", iban="fr76 3000 6000 0112 3456 7890 189")
    assert (first.auxiliary_code, second.auxiliary_code) == ("F0001", "F0002")
    assert second.iban == "FR7630006000011234567890189"
    with pytest.raises(PurchaseError, match="existe déjà"):
        create_supplier(structure=structure, name="garage moreau")
    with pytest.raises(PurchaseError, match="auxiliaire"):
        create_supplier(structure=structure, name="Autre", auxiliary_code="F0001")
    assert Supplier.objects.filter(structure=structure).count() == 2
