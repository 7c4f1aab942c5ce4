"""The URSSAF's immediate advance against the local stand-in server: registration and activation, the
month's invoice sent as a payment request, each status followed, the money through the settlement and
the books, refusals and fallbacks, the URSSAF unreachable."""

import datetime
from decimal import Decimal

import pytest
from django.db.models import F, Sum
from django.utils import timezone

from accounting.actions import post_document
from accounting.documents import Document, DocumentLine, IdempotencyKey
from accounting.models import EntryLine
from accounting.reconciliation import reconcile
from hub.enums import StaffRole
from marketplace import invoice_documents
from marketplace.actions.checkout import Billing, place_order_for_items
from marketplace.enums import PaymentMethod, PaymentState, PaymentStatus
from marketplace.models import Invoice, Payment
from marketplace.postings import customer_account
from sap import advance, certificates
from sap.enums import EnrolmentStatus, RequestStatus
from sap.exceptions import SapError
from sap.models import AdvanceClient, PaymentRequest
from tests.hub.factories import staff_of
from tests.marketplace.factories import CustomerFactory
from tests.marketplace.test_invoice_documents import text_of
from tests.services.factories import OfferingFactory

pytestmark = pytest.mark.django_db
D = Decimal
IBAN = "FR7630006000011234567890189"


def _identity(**overrides) -> dict:
    return {
        "civility": "2", "birth_name": "Durand", "first_names": "Jeanne Marie", "birth_date": datetime.date(1948, 5, 2),
        "birth_country_code": "99100", "birth_department": "77", "birth_commune_code": "77288",
        "birth_commune_label": "Melun", "mobile_phone": "0612345678", "email": "jeanne.durand@example.test",
        "street_number": "4", "street_type_code": "R", "street_name": "des Tilleuls", "city_code": "77333",
        "city_label": "Nemours", "postcode": "77140", "bic": "BNPAFRPPXXX", "account_holder": "Jeanne Durand",
        "iban": IBAN, **overrides,
    }  # fmt: skip


def _enrol(provider, customer, django_capture_on_commit_callbacks, **overrides) -> AdvanceClient:
    with django_capture_on_commit_callbacks(execute=True):
        client = advance.enrol_client(
            structure=provider,
            customer=customer,
            by=staff_of(provider, role=StaffRole.MANAGER),
            **_identity(**overrides),
        )
    client.refresh_from_db()
    return client


@pytest.fixture
def active_client(provider, urssaf, django_capture_on_commit_callbacks):
    client = _enrol(provider, CustomerFactory(), django_capture_on_commit_callbacks)
    urssaf.control(f"clients/{client.urssaf_id}/activate")
    advance.follow_clients(structure=provider)
    client.refresh_from_db()
    return client


def _month_invoice(provider, client, hours: str = "6", nature: str = "") -> Invoice:
    """The month's home services of the client, paid by the advance (as bookings' monthly invoicing does)."""
    housework = OfferingFactory(sap=True, structure=provider, name="Ménage", price=D("25.00"), sap_nature_code=nature)
    order = place_order_for_items(
        user=client.customer,
        items=[(housework, D(hours))],
        payment_method=PaymentMethod.URSSAF,
        billing=Billing(name="Jeanne Durand", address="4 rue des Tilleuls\n77140 Nemours", email="j@example.test"),
        urssaf_advance=True,
    )
    return Invoice.objects.issued().get(order=order)


def _balance(structure, account: str, auxiliary: str | None = None) -> Decimal:
    lines = EntryLine.objects.filter(entry__structure=structure, account__code=account)
    if auxiliary is not None:
        lines = lines.filter(auxiliary_code=auxiliary)
    return lines.aggregate(total=Sum(F("debit") - F("credit")))["total"] or D("0.00")


def _differences(structure) -> list:
    report = reconcile(codes=["urssaf_advance_matches_ledger"])
    return [(d.expected, d.actual) for d in report.differences if d.structure == structure.name]


def test_the_nightly_check_finds_an_entry_on_4371_that_no_request_explains(provider, urssaf, active_client):
    _month_invoice(provider, active_client)
    [request] = advance.sweep_requests()
    request.refresh_from_db()
    urssaf.control(f"payment-requests/{request.urssaf_id}/status", {"code": "30"})
    advance.follow_requests()
    assert _differences(provider) == []
    post_document(Document(structure=provider, journal="OD", date=timezone.localdate(), piece_ref="ERREUR",
                           piece_date=timezone.localdate(), label="Saisie sur le mauvais compte",
                           lines=(DocumentLine(account="4371", debit=D("12.00")), DocumentLine(account="512", credit=D("12.00"))),
                           key=IdempotencyKey("test", "4371", "wrong")))  # fmt: skip

    assert _differences(provider) == [(D("150.00"), D("162.00"))]


def test_a_client_is_registered_then_active_once_they_activate_their_urssaf_account(
    provider, urssaf, django_capture_on_commit_callbacks
):
    client = _enrol(provider, CustomerFactory(), django_capture_on_commit_callbacks)

    assert (client.status, client.urssaf_id != "", client.iban, client.masked_iban) == (
        EnrolmentStatus.PENDING, True, IBAN, "FR76 •••• 0189",
    )  # fmt: skip
    assert IBAN not in client.iban_encrypted  # encrypted at rest
    assert advance.follow_clients(structure=provider) == 0  # not activated yet: nothing changes
    urssaf.control(f"clients/{client.urssaf_id}/activate")
    assert advance.follow_clients(structure=provider) == 1
    client.refresh_from_db()
    assert (client.status, client.urssaf_status, client.activated_at is not None) == (
        EnrolmentStatus.ACTIVE, "APPAREILLAGE_VALIDE", True,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"birth_name": "INCONNU"}, "ne reconnaît pas cette personne"),
        ({"iban": "FR7630006000011234567890180"}, "bancaire"),
    ],
)
def test_a_registration_the_urssaf_refuses_is_kept_with_a_clear_message(
    provider, django_capture_on_commit_callbacks, overrides, message
):
    client = _enrol(provider, CustomerFactory(), django_capture_on_commit_callbacks, **overrides)

    assert client.status == EnrolmentStatus.REFUSED
    assert message in client.message.lower()
    assert client.urssaf_id == ""


def test_the_urssaf_unreachable_leaves_the_registration_to_send_and_the_beat_sends_it(
    provider, urssaf, django_capture_on_commit_callbacks
):
    urssaf.control("fail-next", {"count": 1, "status": 503})
    client = _enrol(provider, CustomerFactory(), django_capture_on_commit_callbacks)
    assert client.status == EnrolmentStatus.TO_REGISTER

    advance.follow_clients(structure=provider)

    client.refresh_from_db()
    assert client.status == EnrolmentStatus.PENDING


def test_the_months_invoice_is_requested_validated_paid_and_booked(provider, urssaf, active_client):
    invoice = _month_invoice(provider, active_client)
    code, _name = customer_account(invoice=invoice)

    [request] = advance.sweep_requests()

    request.refresh_from_db()
    assert (request.status, request.amount, request.urssaf_id != "") == (RequestStatus.WAITING, D("150.00"), True)
    assert advance.sweep_requests() == []  # idempotent
    # 10 → 20: the client is told to validate; then validated: the URSSAF's payment settles the invoice.
    advance.follow_requests()
    urssaf.control(f"payment-requests/{request.urssaf_id}/status", {"code": "30"})
    assert advance.follow_requests() == 1
    request.refresh_from_db()
    order = invoice.order
    order.refresh_from_db()
    payment = Payment.objects.get(order=order)
    assert (request.status, request.payment, payment.method, payment.amount) == (
        RequestStatus.VALIDATED, payment, PaymentMethod.URSSAF, D("150.00"),
    )  # fmt: skip
    assert order.payment_status == PaymentStatus.PAID
    assert (_balance(provider, "411", code), _balance(provider, "4371")) == (D("0.00"), D("150.00"))
    assert _differences(provider) == []  # owed by the URSSAF: 150,00 on both sides

    urssaf.control(f"payment-requests/{request.urssaf_id}/status", {"code": "70", "amount": "150.00"})
    advance.follow_requests()

    request.refresh_from_db()
    assert (request.status, request.transfer_amount) == (RequestStatus.PAID, D("150.00"))
    assert (_balance(provider, "4371"), _balance(provider, "512")) == (D("0.00"), D("150.00"))
    assert _differences(provider) == []
    statuses = [event.status for event in request.events.all()]
    assert [s for i, s in enumerate(statuses) if i == 0 or s != statuses[i - 1]] == [
        RequestStatus.TO_SEND, RequestStatus.WAITING, RequestStatus.VALIDATED, RequestStatus.PAID,
    ]  # fmt: skip
    assert request.advance_amount == D("75.00")
    assert advance.follow_requests() == 0  # paid: no longer followed
    # The invoice says so, and the tax certificate counts half as advanced, half as paid personally.
    text = text_of(invoice_documents.pdf_bytes(invoice))
    assert "50 % payés par l'avance immédiate, soit 75,00 €" in text
    [figures] = certificates.figures_for_year(
        provider, timezone.localdate().year, customer_id=active_client.customer_id
    )
    assert figures.by_source() == {"personal": D("75.00"), "cesu": D("0.00"), "advance": D("75.00"),
                                   "apa_pch": D("0.00")}  # fmt: skip


def test_a_request_waiting_48_hours_is_validated_automatically(provider, urssaf, active_client):
    _month_invoice(provider, active_client)
    [request] = advance.sweep_requests()
    request.refresh_from_db()
    advance.follow_requests()

    urssaf.control("clock/advance", {"hours": 49})
    advance.follow_requests()

    request.refresh_from_db()
    assert request.status == RequestStatus.VALIDATED
    assert request.payment.state == PaymentState.SUCCEEDED


def test_a_contested_request_is_refused_and_falls_back_to_the_usual_means(provider, urssaf, active_client):
    invoice = _month_invoice(provider, active_client)
    [request] = advance.sweep_requests()
    request.refresh_from_db()
    urssaf.control(f"payment-requests/{request.urssaf_id}/status",
                   {"code": "40", "reject_code": "CONTEST_ERR_FACT", "comment": "Une heure de trop"})  # fmt: skip

    advance.follow_requests()

    request.refresh_from_db()
    assert (request.status, request.reject_code, request.reject_comment, request.payment) == (
        RequestStatus.REFUSED, "CONTEST_ERR_FACT", "Une heure de trop", None,
    )  # fmt: skip
    assert "Une heure de trop" in request.message
    with pytest.raises(SapError, match="avoir"):
        advance.resend_request(request=request, by=staff_of(provider))
    advance.fall_back(request=request, by=staff_of(provider))
    request.refresh_from_db()
    assert request.fallback_at is not None
    invoice.order.refresh_from_db()
    assert invoice.order.payment_status == PaymentStatus.UNPAID  # to be paid by the usual means


def test_a_request_cancelled_after_validation_gives_the_receivable_back_to_the_client(provider, urssaf, active_client):
    invoice = _month_invoice(provider, active_client)
    code, _name = customer_account(invoice=invoice)
    [request] = advance.sweep_requests()
    request.refresh_from_db()
    urssaf.control(f"payment-requests/{request.urssaf_id}/status", {"code": "30"})
    advance.follow_requests()
    urssaf.control(f"payment-requests/{request.urssaf_id}/status", {"code": "60"})
    advance.follow_requests()
    urssaf.control(f"payment-requests/{request.urssaf_id}/status", {"code": "111", "reject_code": "ANNUL_AUTRE"})

    advance.follow_requests()

    request.refresh_from_db()
    request.payment.refresh_from_db()
    assert (request.status, request.payment.state) == (RequestStatus.CANCELLED, PaymentState.REVERSED)
    invoice.order.refresh_from_db()
    assert invoice.order.payment_status == PaymentStatus.UNPAID
    assert (_balance(provider, "411", code), _balance(provider, "4371")) == (D("150.00"), D("0.00"))


def test_a_request_for_a_client_not_active_waits_and_a_refused_one_is_resent(
    provider, urssaf, django_capture_on_commit_callbacks
):
    client = _enrol(provider, CustomerFactory(), django_capture_on_commit_callbacks)
    client.status = EnrolmentStatus.ACTIVE  # we believe it active; the URSSAF does not yet
    client.save(update_fields=["status"])
    _month_invoice(provider, client)

    [request] = advance.sweep_requests()

    request.refresh_from_db()
    assert request.status == RequestStatus.FAILED
    assert request.message != ""
    urssaf.control(f"clients/{client.urssaf_id}/activate")
    with django_capture_on_commit_callbacks(execute=True):
        advance.resend_request(request=request, by=staff_of(provider))
    request.refresh_from_db()
    assert request.status == RequestStatus.WAITING
    assert PaymentRequest.objects.filter(invoice=request.invoice).count() == 1


def test_activation_switches_the_clients_regular_home_services_to_the_advance(provider, urssaf, active_client):
    from bookings.models import RecurringBooking

    assert not RecurringBooking.objects.filter(customer=active_client.customer).exists()
    # (a series created before the activation is switched at activation; tested through switch_series_to_advance)
    assert advance.switch_series_to_advance(active_client) == 0


def test_a_checkout_never_takes_the_advance_unless_the_caller_says_so(provider, active_client):
    from marketplace.exceptions import CheckoutError

    housework = OfferingFactory(sap=True, structure=provider, price=D("25.00"))
    with pytest.raises(CheckoutError):
        place_order_for_items(
            user=active_client.customer, items=[(housework, D("2"))], payment_method=PaymentMethod.URSSAF,
            billing=Billing(name="J", address="A", email="j@example.test"),
        )  # fmt: skip


def test_each_line_goes_with_its_offerings_nature_code_or_housework(provider, active_client):
    invoice = _month_invoice(provider, active_client, nature="40")
    [request] = advance.sweep_requests()
    request.refresh_from_db()

    [line] = advance._payload(request).lines

    assert (line.nature_code, line.quantity, line.unit, line.amount_ttc) == ("40", D("6.000"), "HEURE", D("150.00"))
    assert invoice.order.lines.get().offering.sap_nature_code == "40"
    plain = _month_invoice(provider, active_client)
    assert advance._payload(PaymentRequest(invoice=plain, client=active_client, amount=plain.total_incl,
                                            period_start=plain.issue_date, period_end=plain.issue_date)).lines[0].nature_code == "10"  # fmt: skip
