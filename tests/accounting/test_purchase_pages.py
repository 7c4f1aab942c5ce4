"""The purchases' pages: entering, posting, paying and cancelling through the screens, attachments
kept privately, bounded input with French errors, pinned query counts, who may do what."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounting.actions import open_fiscal_year
from accounting.actions.purchases import record_supplier_payment
from accounting.enums import SupplierInvoiceStatus
from accounting.models import Entry, Supplier, SupplierInvoice
from hub.enums import StaffRole
from tests.accounting.factories import StructureFactory, SupplierFactory, purchase_line, supplier_invoice
from tests.hub.factories import StructureRoleFactory

pytestmark = pytest.mark.django_db

D = Decimal
PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def liable(db):
    return StructureFactory(liable=True, books=datetime.date(2025, 6, 1))


@pytest.fixture
def accountant_client(client, liable):
    client.force_login(StructureRoleFactory(structure=liable, role=StaffRole.ACCOUNTANT).user)
    return client


@pytest.fixture(autouse=True)
def _private_root(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = str(tmp_path / "private")


def url(name, structure, **kwargs):
    return reverse(f"accounting:{name}", kwargs={"slug": structure.slug, **kwargs})


def invoice_data(supplier, **overrides):
    data = {
        "supplier": supplier.pk,
        "number": "GM-1187",
        "date": "2025-03-10",
        "due_date": "09/04/2025",
        "lignes-TOTAL_FORMS": "3",
        "lignes-INITIAL_FORMS": "0",
        "lignes-MIN_NUM_FORMS": "0",
        "lignes-MAX_NUM_FORMS": "30",
        "lignes-0-account": "615",
        "lignes-0-label": "Entretien du tracteur",
        "lignes-0-amount_excl": "420,00",
        "lignes-0-vat_rate": "20.00",
        "lignes-0-vat_deductible": "on",
        "lignes-1-account": "2183",
        "lignes-1-label": "Ordinateur",
        "lignes-1-amount_excl": "749.00",
        "lignes-1-vat_rate": "20.00",
        "lignes-1-vat_deductible": "on",
        "lignes-2-vat_rate": "20.00",
    }
    data.update(overrides)
    return data


def test_enter_post_and_pay_an_invoice_through_the_pages(accountant_client, liable):
    supplier = SupplierFactory(structure=liable, name="Garage Moreau")
    upload = SimpleUploadedFile("scan.pdf", PDF, content_type="application/pdf")

    response = accountant_client.post(url("purchase_new", liable), {**invoice_data(supplier), "attachment": upload})

    invoice = SupplierInvoice.objects.get(structure=liable)
    assert response.status_code == 302
    assert response["Location"] == url("purchase", liable, pk=invoice.pk)
    assert (invoice.status, invoice.total_excl, invoice.total_vat, invoice.total_incl) == (
        "draft", D("1169.00"), D("233.80"), D("1402.80")
    )  # fmt: skip
    assert invoice.attachment_type == "application/pdf"
    assert invoice.attachment.name.startswith(f"purchases/{liable.pk}/")
    assert invoice.attachment.name.endswith(".pdf")
    attachment = accountant_client.get(url("purchase_attachment", liable, pk=invoice.pk))
    assert (attachment.status_code, attachment["Content-Type"]) == (200, "application/pdf")
    assert attachment["Cache-Control"] == "private, no-store"
    assert b"".join(attachment.streaming_content) == PDF

    response = accountant_client.post(url("purchase_post", liable, pk=invoice.pk))
    invoice.refresh_from_db()
    assert invoice.status == SupplierInvoiceStatus.POSTED
    assert invoice.entry.reference == "AC-2025-000001"

    response = accountant_client.post(
        url("purchase_pay", liable, pk=invoice.pk),
        {"date": "2025-04-01", "amount": "1402,80", "method": "transfer", "reference": "VIR 42"},
    )
    assert response.status_code == 302
    invoice.refresh_from_db()
    assert (invoice.status, invoice.paid_amount) == (SupplierInvoiceStatus.PAID, D("1402.80"))
    payment = invoice.payments.get()
    assert (payment.entry.journal.code, payment.entry.piece_ref, payment.reference) == ("BQ", "GM-1187", "VIR 42")


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"number": "x" * 51}, "number", "au plus 50 caractères"),
        ({"date": "31/02/2025"}, "date", "Date invalide"),
        ({"date": "1899-01-01"}, "date", "Date hors limites"),
        ({"due_date": "2025-03-01"}, "due_date", "ne peut précéder"),
        ({"lignes-0-amount_excl": "abc"}, None, "Saisissez un montant"),
        ({"lignes-0-amount_excl": "1,005"}, None, "au centime près"),
        ({"lignes-0-amount_excl": "99999999999"}, None, "Montant trop grand"),
        ({"lignes-0-account": "706"}, None, "Compte inconnu"),
        ({"lignes-0-vat_rate": "19.6"}, None, "Taux de TVA inconnu"),
        ({"lignes-0-label": ""}, None, "Saisissez le libellé"),
    ],
)
def test_bad_input_is_refused_in_french_and_saves_nothing(accountant_client, liable, overrides, field, message):
    supplier = SupplierFactory(structure=liable)
    response = accountant_client.post(url("purchase_new", liable), invoice_data(supplier, **overrides))
    assert response.status_code == 400
    assert message in response.content.decode()
    if field:
        assert response.context["form"].errors[field]
    assert not SupplierInvoice.objects.filter(structure=liable).exists()


@pytest.mark.parametrize(
    ("content", "name"), [(b"MZ\x90\x00 an executable", "facture.pdf"), (b"", "vide.pdf"), (b"<svg/>", "a.png")]
)
def test_an_attachment_of_another_type_is_refused(accountant_client, liable, content, name):
    supplier = SupplierFactory(structure=liable)
    upload = SimpleUploadedFile(name, content, content_type="application/pdf")
    response = accountant_client.post(url("purchase_new", liable), {**invoice_data(supplier), "attachment": upload})
    assert response.status_code == 400
    assert not SupplierInvoice.objects.filter(structure=liable).exists()


def test_an_attachment_over_5_mo_is_refused(accountant_client, liable):
    supplier = SupplierFactory(structure=liable)
    upload = SimpleUploadedFile("gros.pdf", PDF + b"0" * (5 * 1024 * 1024), content_type="application/pdf")
    response = accountant_client.post(url("purchase_new", liable), {**invoice_data(supplier), "attachment": upload})
    assert response.status_code == 400
    assert "dépasse 5 Mo" in response.content.decode()
    assert not SupplierInvoice.objects.filter(structure=liable).exists()


def test_cancel_asks_first_then_reverses(accountant_client, liable):
    invoice = supplier_invoice(liable, posted=True)
    for year in range(2026, timezone.localdate().year + 1):  # the reversal is dated today
        open_fiscal_year(structure=liable, year=year)
    confirm = accountant_client.get(url("purchase_cancel", liable, pk=invoice.pk))
    assert confirm.status_code == 200
    assert "écriture d'extourne de 120,00\u00a0€" in confirm.content.decode()
    invoice.refresh_from_db()
    assert invoice.status == SupplierInvoiceStatus.POSTED

    accountant_client.post(url("purchase_cancel", liable, pk=invoice.pk))

    invoice.refresh_from_db()
    assert invoice.status == SupplierInvoiceStatus.CANCELLED
    assert invoice.reversal.date == timezone.localdate()


def test_a_posted_invoice_cannot_be_edited_from_the_page(accountant_client, liable):
    invoice = supplier_invoice(liable, posted=True)
    response = accountant_client.post(url("purchase_edit", liable, pk=invoice.pk), invoice_data(invoice.supplier))
    assert response.status_code == 302
    invoice.refresh_from_db()
    assert (invoice.number, invoice.total_incl) == (invoice.number, D("120.00"))
    assert invoice.lines.get().amount_excl == D("100.00")


def test_create_a_supplier_with_bounded_fields(accountant_client, liable):
    response = accountant_client.post(
        url("supplier_new", liable), {"name": "x" * 151, "siren": "123", "iban": "FR00", "auxiliary_code": "f 1"}
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert set(errors) == {"name", "siren", "iban", "auxiliary_code"}
    assert not Supplier.objects.filter(structure=liable).exists()

    response = accountant_client.post(url("supplier_new", liable), {"name": "Garage Moreau"})
    assert response.status_code == 302
    assert list(Supplier.objects.filter(structure=liable).values_list("name", "auxiliary_code")) == [
        ("Garage Moreau", "F0001")
    ]


# --- Lists and balances -------------------------------------------------------------------------


def test_supplier_balances_show_open_and_overdue_amounts(accountant_client, liable):
    today = timezone.localdate()
    moreau = SupplierFactory(structure=liable, name="Garage Moreau")
    edf = SupplierFactory(structure=liable, name="EDF")
    late = supplier_invoice(liable, supplier=moreau, date=datetime.date(2025, 3, 1), due_days=10, posted=True)
    supplier_invoice(liable, supplier=moreau, date=datetime.date(2025, 3, 2), due_days=0,
                     lines=[purchase_line("615", "50.00")], posted=True)  # fmt: skip
    supplier_invoice(liable, supplier=edf, date=datetime.date(2025, 3, 3))  # a draft: owes nothing yet
    record_supplier_payment(invoice=late, date=datetime.date(2025, 3, 20), amount=D("20.00"), method="cheque")

    response = accountant_client.get(url("suppliers", liable))

    balances = response.context["balances"]
    assert [(row.name, row.open_count, row.due, row.overdue, row.next_due) for row in balances.rows] == [
        ("EDF", 0, D("0.00"), D("0.00"), None),
        ("Garage Moreau", 2, D("160.00"), D("160.00"), datetime.date(2025, 3, 2)),
    ]
    assert (balances.total_due, balances.total_overdue) == (D("160.00"), D("160.00"))
    assert [(i.number, i.remaining, i.overdue) for i in balances.open_invoices] == [
        (f"FA-{moreau.pk}-2", D("60.00"), True),
        (f"FA-{moreau.pk}-1", D("100.00"), True),
    ]
    assert today > datetime.date(2025, 3, 12)


def test_the_lists_cost_a_fixed_number_of_queries(accountant_client, liable, django_assert_num_queries):
    for number in range(3):
        supplier_invoice(liable, date=datetime.date(2025, 3, 1 + number), posted=number % 2 == 0)
    accountant_client.get(url("purchases", liable))  # warm the session
    # session, user, roles, structure, count, page, menu checks…
    with django_assert_num_queries(6) as few:
        accountant_client.get(url("purchases", liable))
    with django_assert_num_queries(6):
        accountant_client.get(url("suppliers", liable))
    with django_assert_num_queries(6):
        accountant_client.get(url("chart", liable))
    for number in range(10):
        supplier_invoice(liable, date=datetime.date(2025, 4, 1 + number), posted=True)
    with django_assert_num_queries(len(few.captured_queries)):
        accountant_client.get(url("purchases", liable))
    with django_assert_num_queries(6):
        accountant_client.get(url("suppliers", liable))


def test_the_purchases_list_filters_by_status(accountant_client, liable):
    posted = supplier_invoice(liable, posted=True)
    supplier_invoice(liable)
    response = accountant_client.get(url("purchases", liable), {"etat": "posted"})
    assert [invoice.pk for invoice in response.context["page"].object_list] == [posted.pk]
    response = accountant_client.get(url("purchases", liable), {"etat": "<script>"})
    assert len(response.context["page"].object_list) == 2


# --- Who may do what ----------------------------------------------------------------------------


@pytest.mark.parametrize("role", [None, StaffRole.MANAGER, StaffRole.SUPERVISOR, "other-accountant"])
def test_others_get_404_everywhere_and_change_nothing(client, liable, role):
    invoice = supplier_invoice(liable, posted=True)
    draft = supplier_invoice(liable)
    if role == "other-accountant":
        client.force_login(StructureRoleFactory(structure=StructureFactory(), role=StaffRole.ACCOUNTANT).user)
    elif role:
        client.force_login(StructureRoleFactory(structure=liable, role=role).user)
    entries = Entry.objects.filter(structure=liable).count()
    for name, pk in [("purchases", None), ("suppliers", None), ("purchase", invoice.pk), ("purchase_new", None),
                     ("purchase_attachment", invoice.pk), ("chart", None), ("supplier_new", None)]:  # fmt: skip
        kwargs = {"pk": pk} if pk else {}
        assert client.get(url(name, liable, **kwargs)).status_code == 404, name
    assert client.post(url("purchase_post", liable, pk=draft.pk)).status_code == 404
    assert client.post(url("purchase_cancel", liable, pk=invoice.pk)).status_code == 404
    assert client.post(url("purchase_delete", liable, pk=draft.pk)).status_code == 404
    assert Entry.objects.filter(structure=liable).count() == entries
    assert SupplierInvoice.objects.get(pk=draft.pk).status == SupplierInvoiceStatus.DRAFT
