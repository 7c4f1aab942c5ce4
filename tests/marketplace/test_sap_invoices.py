"""SAP invoices (DOMAIN.md rules 9 and 19; REFERENCE.md §3.2–3.4): the structure's mode of
intervention, who worked on each visit (name, identifier, date, hours), the tax credit stated on
what the client pays personally — nothing promised on CESU préfinancés — and worker data nowhere
else a customer looks."""

from decimal import Decimal

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from insertion.enums import JobSourceKind
from insertion.jobs import sync_jobs
from insertion.models import Assignment, Job
from marketplace import invoice_documents
from marketplace.actions import invoicing
from marketplace.enums import PaymentMethod
from services.enums import Unit
from tests.bookings.factories import BookableOfferingFactory, BookingFactory
from tests.insertion.factories import WorkerFactory
from tests.marketplace.invoice_factories import ISSUED_AT, Line, draft_invoice
from tests.marketplace.test_invoice_documents import text_of

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.filterwarnings(
        "ignore:unclosed file <_io.BufferedReader name='.*/weasyprint/pdf/sRGB2014.icc'>:ResourceWarning"
    ),
]

AI_MENTION = "TVA non applicable, art. 261-7-1° bis du CGI"
HOUSEWORK = Line(
    "Ménage à domicile",
    Decimal("3"),
    Decimal("24.00"),
    unit=Unit.HOUR,
    vat_exemption_mention=AI_MENTION,
    is_goods=False,
    sap_eligible=True,
    revenue_account="7062",
)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    return tmp_path


def visited(django_capture_on_commit_callbacks, *, payment_method=PaymentMethod.CHEQUE):
    """3 hours of housework on Tuesday 3 March 2026 by the AI, done by two workers (2 h and 1 h)."""
    housework = BookableOfferingFactory(home_visit=True)
    with django_capture_on_commit_callbacks(execute=True):
        booking = BookingFactory(home_visit=True, offering=housework, payment_method=payment_method)
    booking.refresh_from_db()
    services = housework.structure
    sync_jobs(structure=services)
    job = Job.objects.get(source_kind=JobSourceKind.BOOKING, source_id=str(booking.pk))
    alice = WorkerFactory(structure=services, first_name="Alice", last_name="Quillevéré")
    bruno = WorkerFactory(structure=services, first_name="Bruno", last_name="Ombrédanne")
    Assignment.objects.create(job=job, worker=alice, hours=Decimal("2.00"))
    Assignment.objects.create(job=job, worker=bruno, hours=Decimal("1.00"))
    return booking, alice, bruno


def invoice_of(booking):
    """The AI's invoice of the visit's order line, issued for real."""
    invoice = draft_invoice(booking.offering.structure, [HOUSEWORK], order=booking.order_line.order)
    return invoicing.issue(invoice, at=ISSUED_AT)


def test_the_invoice_prints_the_mode_and_each_intervention_with_its_worker(django_capture_on_commit_callbacks):
    booking, alice, bruno = visited(django_capture_on_commit_callbacks)
    invoice = invoice_of(booking)

    text = text_of(invoice_documents.pdf_bytes(invoice))

    assert "Mode d'intervention Mise à disposition" in text
    assert "mode d'intervention : Mise à disposition." in text
    assert (
        "Ménage à domicile 3 h × 24,00 € de l'heure 3 heure 24,00 € 0 % 72,00 € "
        f"Interventions 03/03/2026 : 2 h — Alice Quillevéré, n° {alice.identifier} "
        f"03/03/2026 : 1 h — Bruno Ombrédanne, n° {bruno.identifier}"
    ) in text
    assert (
        "Crédit d'impôt de 50 % : montant éligible 72,00 €, soit 36,00 € de crédit d'impôt "
        "(art. 199 sexdecies du CGI), calculé sur les sommes que vous payez personnellement"
    ) in text
    assert "Une attestation fiscale annuelle vous sera adressée." in text
    # Apart from the price: after the totals.
    assert text.index("Crédit d'impôt de 50 %") > text.index("Total TTC 72,00 €")


def test_an_invoice_paid_in_cesu_promises_no_tax_credit(django_capture_on_commit_callbacks):
    booking, alice, _bruno = visited(django_capture_on_commit_callbacks, payment_method=PaymentMethod.CESU)
    invoice = invoice_of(booking)

    document = invoice_documents.build_document(invoice)
    text = text_of(invoice_documents.pdf_bytes(invoice))

    assert (document.sap_eligible_amount, document.sap_personal_amount, document.sap_tax_credit) == (
        Decimal("72.00"), Decimal("0.00"), Decimal("0.00"))  # fmt: skip
    assert "Crédit d'impôt de 50 %" not in text
    assert "Réglée en CESU préfinancés : montant éligible au crédit d'impôt 0,00 €." in text
    assert "Aucun crédit d'impôt n'est promis sur cette facture" in text
    assert "vous ne déclarerez que la part des CESU que vous avez financée vous-même" in text
    assert "Une attestation fiscale annuelle vous sera adressée." in text
    assert alice.identifier in text  # the interventions are listed whatever the means of payment


def test_a_credit_note_of_a_cesu_invoice_changes_no_eligible_amount(django_capture_on_commit_callbacks):
    booking, alice, _bruno = visited(django_capture_on_commit_callbacks, payment_method=PaymentMethod.CESU)
    invoice = invoice_of(booking)
    line = invoice.lines.get()
    note = invoicing.issue_credit_note(invoice=invoice, amounts={line.pk: Decimal("24.00")}, at=ISSUED_AT)

    text = text_of(invoice_documents.pdf_bytes(note))

    assert "cet avoir ne change pas le montant éligible au crédit d'impôt, qui reste de 0,00 €." in text
    assert "réduit de" not in text
    assert alice.identifier not in text  # a credit note lists no intervention


def test_a_credit_note_reduces_the_eligible_amount_by_what_it_credits(django_capture_on_commit_callbacks):
    booking, _alice, _bruno = visited(django_capture_on_commit_callbacks)
    invoice = invoice_of(booking)
    line = invoice.lines.get()
    note = invoicing.issue_credit_note(invoice=invoice, amounts={line.pk: Decimal("24.00")}, at=ISSUED_AT)

    text = text_of(invoice_documents.pdf_bytes(note))

    assert (
        "Cet avoir réduit de 24,00 € le montant éligible au crédit d'impôt de 50 % (art. 199 sexdecies du CGI)." in text
    )


def test_worker_identifiers_never_reach_the_customers_order_api_nor_page(client, django_capture_on_commit_callbacks):
    booking, alice, bruno = visited(django_capture_on_commit_callbacks)
    invoice_of(booking)
    reference = booking.order_line.order.reference
    api = APIClient()
    api.force_authenticate(booking.customer)
    client.force_login(booking.customer)

    responses = [
        api.get("/api/v1/orders/"),
        api.get(f"/api/v1/orders/{reference}/"),
        api.get(f"/api/v1/orders/{reference}/invoices/"),
        client.get(reverse("marketplace:order", args=[reference])),
    ]

    assert [response.status_code for response in responses] == [200, 200, 200, 200]
    for response in responses:
        body = response.content.decode()
        for secret in (alice.identifier, bruno.identifier, "Quillevéré", "Ombrédanne", "SAL-"):
            assert secret not in body
