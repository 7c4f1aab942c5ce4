"""The annual tax certificate: what a client paid in the year by source, issued once, e-mailed with its PDF,
seen by the client and the provider's staff only (DOMAIN.md rule 19; REFERENCE.md §3.3)."""

import datetime
import io
from decimal import Decimal

import pypdf
import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from bookings.actions.booking import record_actual_hours
from hub.enums import StaffRole
from hub.outbox import OutboundEmail
from insertion.enums import JobSourceKind
from insertion.jobs import sync_jobs
from insertion.models import Assignment, Job
from marketplace.actions.payments import record_offline_payment
from marketplace.enums import PaymentMethod
from sap import actions, certificates
from sap.exceptions import SapError
from sap.models import TaxCertificate
from sap.notifications import compose_certificate_email
from services.enums import Audience
from tests.bookings.factories import BookableOfferingFactory, BookingFactory
from tests.hub.factories import StructureFactory, staff_of
from tests.insertion.factories import WorkerFactory
from tests.marketplace.factories import CustomerFactory, OrderFactory, SellerSettingsFactory
from tests.services.factories import OfferingFactory

pytestmark = pytest.mark.django_db
D = Decimal
YEAR = timezone.localdate().year - 1


def _at(month: int, day: int, year: int = YEAR) -> datetime.datetime:
    return datetime.datetime(year, month, day, 10, 0, tzinfo=timezone.get_current_timezone())


@pytest.fixture
def provider(db):
    structure = StructureFactory(
        name="Services du Plateau", invoice_prefix="SDP", ai=True, books=datetime.date(YEAR, 1, 1)
    )
    SellerSettingsFactory(structure=structure, cesu=True)
    return structure


@pytest.fixture
def housework(provider):
    return OfferingFactory(sap=True, structure=provider, name="Ménage", price=D("25.00"))


def _pay(order, provider, method: str, amount: str, when: datetime.datetime):
    return record_offline_payment(
        order=order, structure=provider, method=method, amount=D(amount), by=staff_of(provider),
        site=order.pickup_point, at=when,
    )  # fmt: skip


@pytest.fixture
def alice(provider, housework):
    """Four hours (100 €) in March, paid 30 € in CESU, 20 € by the Département (APA), 50 € in cash; two more
    hours in late December paid in January (next year's certificate); a non-SAP purchase."""
    customer = CustomerFactory(email="alice@example.test")
    march = OrderFactory(customer=customer, items=[(housework, D("4"))], payment_method=PaymentMethod.CESU,
                         at=_at(3, 10))  # fmt: skip
    _pay(march, provider, PaymentMethod.CESU, "30.00", _at(3, 15))
    _pay(march, provider, PaymentMethod.APA_PCH, "20.00", _at(3, 20))
    _pay(march, provider, PaymentMethod.CASH, "50.00", _at(4, 1))
    goods = OfferingFactory(structure=provider, name="Produit d'entretien", price=D("8.00"))
    _pay(OrderFactory(customer=customer, items=[(goods, D("1"))], at=_at(5, 2)), provider, PaymentMethod.CASH, "8.00",
         _at(5, 2))  # fmt: skip
    december = OrderFactory(customer=customer, items=[(housework, D("2"))], at=_at(12, 20))
    _pay(december, provider, PaymentMethod.CASH, "50.00", _at(1, 5, YEAR + 1))
    return customer


def test_the_figures_split_what_the_client_paid_in_the_year_by_source(provider, alice, housework):
    # An organisation's order gives no tax credit: no certificate for it.
    offices = OfferingFactory(sap=True, structure=provider, audience=Audience.BOTH, price=D("25.00"))
    club = OrderFactory(business=True, items=[(offices, D("2"))], at=_at(12, 21))
    _pay(club, provider, PaymentMethod.TRANSFER, "50.00", _at(12, 22))

    [figures] = certificates.figures_for_year(provider, YEAR)

    assert figures.customer_id == alice.pk
    assert [(line.day, line.source, line.amount) for line in figures.lines] == [
        (datetime.date(YEAR, 3, 15), "cesu", D("30.00")),
        (datetime.date(YEAR, 3, 20), "apa_pch", D("20.00")),
        (datetime.date(YEAR, 4, 1), "personal", D("50.00")),
    ]
    assert figures.by_source() == {"personal": D("50.00"), "cesu": D("30.00"), "advance": D("0.00"),
                                   "apa_pch": D("20.00")}  # fmt: skip
    assert (figures.total_paid, figures.personal, figures.tax_credit) == (D("100.00"), D("50.00"), D("25.00"))
    # December's hours, paid in January, count for this year.
    [this_year] = certificates.figures_for_year(provider, YEAR + 1)
    assert [(line.source, line.amount) for line in this_year.lines] == [("personal", D("50.00"))]


def test_issuing_is_idempotent_numbered_and_emails_the_client(provider, alice, django_capture_on_commit_callbacks):
    emails = OutboundEmail.objects.count()

    [certificate] = actions.issue_tax_certificates(year=YEAR, structure=provider)

    assert certificate.number == f"ATT-SDP-{YEAR}-00001"
    assert (certificate.customer, certificate.year) == (alice, YEAR)
    assert (certificate.total_paid, certificate.cesu_amount, certificate.apa_pch_amount, certificate.advance_amount,
            certificate.personal_amount) == (D("100.00"), D("30.00"), D("20.00"), D("0.00"), D("50.00"))  # fmt: skip
    assert OutboundEmail.objects.count() == emails + 1
    assert OutboundEmail.objects.order_by("-pk").first().kind == actions.TAX_CERTIFICATE_EMAIL
    assert actions.issue_tax_certificates(year=YEAR, structure=provider) == []
    assert TaxCertificate.objects.filter(structure=provider).count() == 1
    with pytest.raises(SapError, match="ne se modifie pas"):
        certificate.save()
    with pytest.raises(SapError, match="ne se supprime pas"):
        certificate.delete()


def test_the_pdf_carries_the_legal_mentions_and_the_net_amount(provider, alice):
    [certificate] = actions.issue_tax_certificates(year=YEAR, structure=provider)

    message = compose_certificate_email(certificate.pk)

    assert message.recipients == ["alice@example.test"]
    [(name, pdf, mimetype)] = message.attachments
    assert (name, mimetype) == (f"attestation-fiscale-{YEAR}-{certificate.number}.pdf", "application/pdf")
    text = " ".join(" ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages).split())
    assert f"Attestation fiscale {YEAR}" in text
    assert f"Déclaration de services à la personne n° {provider.sap_declaration_number} du 01/03/2019" in text
    assert "dont CESU préfinancés 30,00 €" in text
    assert "dont aide (APA, PCH) versée directement par le Département 20,00 €" in text
    assert "ouvrant droit au crédit d'impôt 50,00 €" in text
    assert "ne déclarez, au titre du crédit d'impôt, que la part de ces CESU que vous avez financée" in text
    assert provider.siret in text


def test_a_year_not_over_is_refused_and_nothing_is_issued(provider, alice):
    with pytest.raises(SapError, match="n'est pas terminée"):
        actions.issue_tax_certificates(year=YEAR + 1, structure=provider)
    assert TaxCertificate.objects.filter(structure=provider).count() == 0


def test_the_command_issues_the_missing_certificates(provider, alice, capsys):
    call_command("issue_tax_certificates", "--year", str(YEAR), "--structure", provider.slug)
    call_command("issue_tax_certificates", "--year", str(YEAR), "--structure", provider.slug)

    assert TaxCertificate.objects.filter(structure=provider, year=YEAR).count() == 1
    out = capsys.readouterr().out
    assert f"ATT-SDP-{YEAR}-00001" in out
    assert "0 attestation(s) émise(s)" in out


# --- Pages and API -----------------------------------------------------------------------------------------


def test_the_client_lists_and_downloads_their_own_certificates_only(client, provider, alice):
    [certificate] = actions.issue_tax_certificates(year=YEAR, structure=provider)
    pdf_url = reverse("sap:certificate_pdf", args=[certificate.pk])
    client.force_login(alice)

    page = client.get(reverse("sap:my_certificates"))
    assert page.status_code == 200
    assert pdf_url in page.content.decode()
    assert client.get("/api/v1/sap/certificates/").json()["results"][0]["number"] == certificate.number

    client.force_login(CustomerFactory())
    assert client.get(pdf_url).status_code == 404
    assert client.get("/api/v1/sap/certificates/").json()["results"] == []
    assert pdf_url not in client.get(reverse("sap:my_certificates")).content.decode()
    client.force_login(staff_of(provider, role=StaffRole.SUPERVISOR))
    assert client.get(pdf_url).status_code == 404
    client.force_login(staff_of(StructureFactory(ai=True), role=StaffRole.MANAGER))
    assert client.get(pdf_url).status_code == 404
    client.force_login(alice)
    response = client.get(pdf_url)
    assert (response.status_code, response["Content-Type"]) == (200, "application/pdf")
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    response.close()  # last: closing the file response ends the test client's request (and its connection)


def test_the_providers_manager_issues_after_confirming(client, provider, alice, django_assert_max_num_queries):
    client.force_login(staff_of(provider, role=StaffRole.MANAGER))
    url = reverse("sap:structure_certificates", args=[provider.slug])

    page = client.get(url, {"annee": YEAR})
    assert page.status_code == 200
    assert "1 client n'a pas encore son attestation" in page.content.decode()
    confirm = client.get(reverse("sap:issue_certificates", args=[provider.slug]), {"annee": YEAR})
    assert "Oui, émettre et envoyer" in confirm.content.decode()
    assert TaxCertificate.objects.filter(structure=provider).count() == 0  # nothing before confirming

    response = client.post(reverse("sap:issue_certificates", args=[provider.slug]) + f"?annee={YEAR}")

    assert response.status_code == 302
    [certificate] = TaxCertificate.objects.filter(structure=provider)
    page = client.get(url, {"annee": YEAR})
    assert certificate.number in page.content.decode()
    manager = staff_of(provider, role=StaffRole.MANAGER)
    for intruder in (staff_of(provider, role=StaffRole.SUPERVISOR), alice):
        client.force_login(intruder)
        assert client.get(url).status_code == 404
        assert client.post(reverse("sap:issue_certificates", args=[provider.slug])).status_code == 404
    client.force_login(manager)
    pdf = client.get(reverse("sap:certificate_pdf", args=[certificate.pk]))
    assert (pdf.status_code, pdf["Content-Type"]) == (200, "application/pdf")
    pdf.close()


def test_the_certificates_endpoint_is_in_the_openapi_schema(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    assert "get" in schema["paths"]["/api/v1/sap/certificates/"]


def test_the_interventions_paid_name_their_worker_and_identifier(django_capture_on_commit_callbacks):
    """A home visit done (3 h), invoiced, paid by cheque, one worker assigned: the certificate lists it."""
    housework = BookableOfferingFactory(home_visit=True)
    with django_capture_on_commit_callbacks(execute=True):
        visit = BookingFactory(home_visit=True, offering=housework)
    visit.refresh_from_db()
    provider = housework.structure
    sync_jobs(structure=provider)
    worker = WorkerFactory(structure=provider, first_name="Zoé", last_name="Aubert")
    job = Job.objects.get(source_kind=JobSourceKind.BOOKING, source_id=str(visit.pk))
    Assignment.objects.create(job=job, worker=worker, hours=D("3.00"))
    record_actual_hours(booking=visit, hours=D("3"), by=staff_of(provider))
    order = visit.order_line.order
    record_offline_payment(order=order, structure=provider, method=PaymentMethod.CHEQUE, amount=D("72.00"),
                           by=staff_of(provider), site=order.pickup_point, cheque_number="0004321")  # fmt: skip
    year = timezone.localdate().year

    [figures] = certificates.figures_for_year(provider, year, customer_id=visit.customer_id)

    assert (figures.total_paid, figures.personal, figures.hours) == (D("72.00"), D("72.00"), D("3.00"))
    [item] = figures.interventions
    assert (item.day, item.hours, item.worker_name, item.worker_identifier) == (
        timezone.localdate(visit.starts_at), D("3.00"), "Zoé Aubert", worker.identifier,
    )  # fmt: skip
    html = actions.certificate_html(
        TaxCertificate(structure=provider, customer_id=visit.customer_id, year=year, number="ATT-TEST",
                       customer_name="Client", customer_address="", total_paid=D("72.00"), cesu_amount=D("0"),
                       advance_amount=D("0"), apa_pch_amount=D("0"), personal_amount=D("72.00"), hours=D("3.00"),
                       issued_at=timezone.now()),
        figures,
    )  # fmt: skip
    assert f"<td>Zoé Aubert</td><td>{worker.identifier}</td>" in html


def _client_paying(provider, housework, email: str, hours: str) -> None:
    customer = CustomerFactory(email=email)
    order = OrderFactory(customer=customer, items=[(housework, D(hours))], at=_at(12, 22))
    _pay(order, provider, PaymentMethod.CASH, str(order.total_incl), _at(12, 23))


def test_the_staff_list_and_the_confirmation_take_the_same_queries_for_one_client_or_five(
    client, provider, housework, alice
):
    """Pinned: the staff list (issued and still missing) and the issue confirmation read the same number of
    queries whatever the number of clients — figures_for_year works by batches, not per client."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(staff_of(provider, role=StaffRole.MANAGER))
    pages = [reverse("sap:structure_certificates", args=[provider.slug]),
             reverse("sap:issue_certificates", args=[provider.slug])]  # fmt: skip

    def queries() -> list[int]:
        counts = []
        for url in pages:
            with CaptureQueriesContext(connection) as captured:
                assert client.get(url, {"annee": YEAR}).status_code == 200
            counts.append(len(captured))
        return counts

    one = queries()
    for number in range(4):
        _client_paying(provider, housework, f"client{number}@example.test", str(number + 1))
    actions.issue_tax_certificates(year=YEAR, structure=provider)
    _client_paying(provider, housework, "late@example.test", "2")  # one still without a certificate
    page = client.get(pages[0], {"annee": YEAR}).content.decode()
    assert TaxCertificate.objects.filter(structure=provider, year=YEAR).count() == 5
    assert "1 client n'a pas encore son attestation" in page
    assert queries() == one
    assert one[0] <= 20
