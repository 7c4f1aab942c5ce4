"""Payments of invoices without an order (shared services, late penalties): the books on both sides, the
aged balance and its 411 check, the statement, reminders that stop, refusals that change nothing, pages, API."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounting.actions import lock_period
from accounting.actions.bank import import_statement
from accounting.models import BankLine, Entry, EntryLine
from accounting.reconciliation import reconcile
from hub.enums import StaffRole
from marketplace import receivables
from marketplace.actions import dunning
from marketplace.actions.invoice_payments import cancel_invoice_payment, record_invoice_payment, remaining
from marketplace.actions.invoicing import issue, issue_credit_note
from marketplace.exceptions import PaymentError
from marketplace.models import InvoicePayment, ReminderSent
from marketplace.postings import customer_account
from services.enums import RevenueAccount
from tests.accounting.bank_helpers import OTHER_IBAN, camt, make_bank_account
from tests.hub.factories import OrganisationFactory, StructureFactory, staff_of
from tests.marketplace.invoice_factories import Line, draft_invoice, shared_services_invoice
from tests.marketplace.receivables_helpers import accountant_of, business_order, invoice_of, seller

pytestmark = pytest.mark.django_db
D = Decimal
TODAY = timezone.localdate


def _service(amount: str, *, vat: str = "0.00") -> Line:
    return Line("Tenue de la comptabilité", D("1"), D(amount), vat_rate=D(vat), is_goods=False,
                revenue_account=RevenueAccount.SERVICES)  # fmt: skip


@pytest.fixture
def member(db):
    return StructureFactory(name="Jardins du Plateau")


@pytest.fixture
def bill(member):
    """The Collectif's shared-services invoice of 300,00 € to a member structure."""
    return shared_services_invoice(member, [_service("300.00")])


def _pay(invoice, amount: str, *, method="transfer", reference="VIR COLLECTIF", on=None, by=None):
    return record_invoice_payment(
        invoice=invoice,
        amount=D(amount),
        method=method,
        received_on=on or TODAY(),
        reference=reference,
        by=by or accountant_of(invoice.structure),
    )


def _lines(structure, piece: str, account: str) -> list[tuple]:
    return sorted(
        (line.entry.journal.code, line.debit, line.credit, line.auxiliary_code, bool(line.lettering_code))
        for line in EntryLine.objects.filter(entry__structure=structure, entry__piece_ref=piece, account__code=account)
        .select_related("entry__journal")
    )  # fmt: skip


def _balance(structure, account: str, auxiliary: str) -> Decimal:
    lines = EntryLine.objects.filter(entry__structure=structure, account__code=account, auxiliary_code=auxiliary)
    return sum((line.debit - line.credit for line in lines), D("0.00"))


def test_a_shared_services_invoice_paid_in_two_transfers_leaves_both_books_settled_and_lettered(bill, member):
    collective = bill.structure
    code = customer_account(invoice=bill)[0]
    supplier = f"S{collective.pk:05d}"
    assert (code, remaining(bill)) == (f"S{member.pk:05d}", D("300.00"))

    _pay(bill, "100.00")

    assert remaining(bill) == D("200.00")
    [item] = receivables.aged_balance(collective).customer(code).items
    assert (item.invoice, item.paid, item.open) == (bill, D("100.00"), D("200.00"))
    assert _lines(collective, bill.number, "512") == [("BQ", D("100.00"), D("0.00"), "", False)]
    assert _lines(member, bill.number, "512") == [("BQ", D("0.00"), D("100.00"), "", False)]
    assert (_balance(collective, "411", code), _balance(member, "401", supplier)) == (D("200.00"), D("-200.00"))

    _pay(bill, "200.00", reference="VIR 2")

    assert remaining(bill) == D("0.00")
    assert receivables.aged_balance(collective).customer(code) is None
    assert _lines(collective, bill.number, "411") == [
        ("BQ", D("0.00"), D("100.00"), code, True),
        ("BQ", D("0.00"), D("200.00"), code, True),
        ("VE", D("300.00"), D("0.00"), code, True),
    ]
    assert _lines(member, bill.number, "401") == [
        ("AC", D("0.00"), D("300.00"), supplier, True),
        ("BQ", D("100.00"), D("0.00"), supplier, True),
        ("BQ", D("200.00"), D("0.00"), supplier, True),
    ]
    assert (_balance(collective, "411", code), _balance(member, "401", supplier)) == (D("0.00"), D("0.00"))
    report = reconcile(codes=["receivables_match_ledger"])
    assert [d for d in report.differences if d.structure in (collective.name, member.name)] == []


def test_services_vat_becomes_due_as_an_invoice_without_order_is_paid():
    """A liable structure's orderless invoice of services at 20 %: its VAT waits on 44587 until paid, pro rata."""
    shop = StructureFactory(liable=True)
    organisation = OrganisationFactory()
    invoice = draft_invoice(
        shop, [_service("240.00", vat="20.00")], organisation=organisation, buyer_name=organisation.name,
        buyer_address="2 rue du Lavoir", buyer_is_business=True, customer=organisation.members.first(),
    )  # fmt: skip
    invoice = issue(invoice)
    assert _lines(shop, invoice.number, "44587") == [("VE", D("0.00"), D("40.00"), "", False)]

    _pay(invoice, "60.00")  # a quarter: 10,00 € of VAT due

    assert _lines(shop, invoice.number, "445711") == [("OD", D("0.00"), D("10.00"), "", False)]
    _pay(invoice, "180.00")
    assert sum((line[2] - line[1] for line in _lines(shop, invoice.number, "445711")), D("0")) == D("40.00")
    assert sum((line[2] - line[1] for line in _lines(shop, invoice.number, "44587")), D("0")) == D("0.00")


def test_an_overpayment_an_order_invoice_a_credit_note_a_bad_date_or_a_stranger_is_refused_and_nothing_changes(
    bill, member
):
    collective = bill.structure
    shop = seller(name="Recyclerie")
    order_invoice = invoice_of(business_order(shop), shop)
    credit_note = issue_credit_note(invoice=bill, amounts={bill.lines.get().pk: D("50.00")})
    entries, payments = Entry.objects.count(), InvoicePayment.objects.count()
    accountant = accountant_of(collective)
    refusals = [
        ({"invoice": bill, "amount": D("250.01")}, "dépasse le reste à payer"),  # 300 − 50 credited
        ({"invoice": bill, "amount": D("0.00")}, "positif"),
        ({"invoice": bill, "amount": D("1.005")}, "au centime"),
        ({"invoice": bill, "amount": D("10"), "method": "cash"}, "Moyen de paiement inconnu"),
        ({"invoice": bill, "amount": D("10"), "method": "cheque", "reference": ""}, "numéro du chèque"),
        (
            {"invoice": bill, "amount": D("10"), "received_on": TODAY() + datetime.timedelta(days=1)},
            "après aujourd'hui",
        ),
        ({"invoice": bill, "amount": D("10"), "received_on": bill.issue_date - datetime.timedelta(days=1)}, "précéder"),
        ({"invoice": credit_note, "amount": D("10")}, "un avoir ne se règle pas"),
        (
            {"invoice": order_invoice, "amount": D("10"), "by": accountant_of(order_invoice.structure)},
            "par sa commande",
        ),
        ({"invoice": bill, "amount": D("10"), "by": accountant_of(member)}, "ne tenez pas"),
        ({"invoice": bill, "amount": D("10"), "by": staff_of(collective, role=StaffRole.MANAGER)}, "ne tenez pas"),
    ]
    for kwargs, message in refusals:
        arguments = {"method": "transfer", "received_on": TODAY(), "reference": "x", "by": accountant, **kwargs}
        with pytest.raises(PaymentError, match=message):
            record_invoice_payment(**arguments)
    assert (Entry.objects.count(), InvoicePayment.objects.count()) == (entries, payments)
    assert remaining(bill) == D("250.00")


def test_a_payment_in_a_locked_period_is_refused_with_the_books_message(bill):
    collective = bill.structure
    lock_period(structure=collective, until=TODAY())
    entries, payments = Entry.objects.count(), InvoicePayment.objects.count()

    with pytest.raises(PaymentError, match="verrouillée"):
        _pay(bill, "10.00")

    assert (Entry.objects.count(), InvoicePayment.objects.count(), remaining(bill)) == (entries, payments, D("300.00"))


def test_a_late_penalty_invoice_paid_stops_its_reminders_and_the_statement_shows_the_payment():
    shop = seller(name="Atelier Vélo")
    placed = timezone.make_aware(datetime.datetime.combine(TODAY() - datetime.timedelta(days=75), datetime.time(12)))
    invoice = invoice_of(business_order(shop, price="600.00", at=placed), shop)
    penalty = dunning.invoice_late_penalty(
        structure=shop, invoice_id=invoice.pk, by=accountant_of(shop)
    ).penalty_invoice
    code = customer_account(invoice=penalty)[0]
    due_date = penalty.due_date
    later = due_date + datetime.timedelta(days=20)
    assert penalty.pk in [item.invoice.pk for item in receivables.aged_balance(shop, on=later).items]
    assert penalty.pk in [item.invoice.pk for item, _level in dunning.due_reminders(shop, on=later)]

    payment = _pay(penalty, str(penalty.total_incl), method="cheque", reference="0012345")

    assert penalty.pk not in [item.invoice.pk for item in receivables.aged_balance(shop, on=later).items]
    assert penalty.pk not in [item.invoice.pk for item, _level in dunning.due_reminders(shop, on=later)]
    statement = receivables.customer_statement(shop, code, start=TODAY().replace(month=1, day=1), end=TODAY())
    paid = [line for line in statement.lines if line.reference == penalty.number]
    assert [(line.kind, line.debit, line.credit) for line in paid] == [
        ("invoice", penalty.total_incl, D("0.00")),
        ("payment", D("0.00"), penalty.total_incl),
    ]
    assert paid[1].label == "Paiement reçu (chèque)"
    assert payment.entry.journal.code == "BQ"
    assert payment.entry.piece_ref == penalty.number
    assert receivables.ledger_receivable(shop) == receivables.aged_balance(shop).total
    assert ReminderSent.objects.filter(invoice=penalty).count() == 0


def test_cancelling_a_payment_reverses_it_in_both_books_and_reopens_the_invoice(bill, member):
    collective = bill.structure
    code = customer_account(invoice=bill)[0]
    first = _pay(bill, "100.00")
    second = _pay(bill, "200.00")
    assert _lines(collective, bill.number, "411")[0][4] is True  # lettered: the invoice is paid

    cancel_invoice_payment(payment=second, by=accountant_of(collective), reason="Virement d'une autre facture")

    second.refresh_from_db()
    assert (second.is_cancelled, second.cancel_reason, remaining(bill)) == (True, "Virement d'une autre facture", D("200.00"))  # fmt: skip
    assert _balance(collective, "411", code) == D("200.00")
    assert _balance(member, "401", f"S{collective.pk:05d}") == D("-200.00")
    invoice_line = EntryLine.objects.get(entry__structure=collective, entry__piece_ref=bill.number,
                                         account__code="411", entry__journal__code="VE")  # fmt: skip
    assert invoice_line.lettering_code == ""
    reversal = Entry.objects.get(reversal_of=second.entry)
    pair = EntryLine.objects.filter(entry__in=[second.entry, reversal], account__code="411")
    assert len({line.lettering_code for line in pair}) == 1
    assert pair[0].lettering_code
    [item] = receivables.aged_balance(collective).customer(code).items
    assert item.open == D("200.00")
    statement = receivables.customer_statement(collective, code, start=bill.issue_date, end=TODAY())
    assert [(line.kind, line.debit, line.credit) for line in statement.lines if line.reference == bill.number] == [
        ("invoice", D("300.00"), D("0.00")),
        ("payment", D("0.00"), D("100.00")),
        ("payment", D("0.00"), D("200.00")),
        ("reversal", D("200.00"), D("0.00")),
    ]
    # Twice, or without a reason: refused, nothing more written.
    entries = Entry.objects.count()
    with pytest.raises(PaymentError, match="déjà annulé"):
        cancel_invoice_payment(payment=second, by=accountant_of(collective), reason="encore")
    with pytest.raises(PaymentError, match="pourquoi"):
        cancel_invoice_payment(payment=first, by=accountant_of(collective), reason="  ")
    assert Entry.objects.count() == entries
    # Paid again in full: lettered again, without the cancelled pair.
    _pay(bill, "200.00")
    assert remaining(bill) == D("0.00")
    invoice_line.refresh_from_db()
    assert invoice_line.lettering_code != ""


def test_a_payment_matched_to_a_bank_line_is_not_cancelled(bill):
    collective = bill.structure
    payment = _pay(bill, "300.00", reference=bill.number)
    account = make_bank_account(collective, OTHER_IBAN)
    import_statement(
        bank_account=account, data=camt([("T1", TODAY(), "300.00", f"VIR {bill.number}")], iban=OTHER_IBAN)
    )
    assert BankLine.objects.get(bank_account=account).match_kind != ""

    with pytest.raises(PaymentError, match="rapproché"):
        cancel_invoice_payment(payment=payment, by=accountant_of(collective), reason="erreur")
    payment.refresh_from_db()
    assert (payment.is_cancelled, remaining(bill)) == (False, D("0.00"))


# --- Pages and API ---------------------------------------------------------------------------------------


def test_the_accountant_records_a_payment_from_the_aged_balance(client, bill, django_assert_num_queries):
    collective = bill.structure
    client.force_login(accountant_of(collective))
    aged = client.get(reverse("receivables:aged", args=[collective.slug]))
    url = reverse("receivables:invoice_payments", args=[collective.slug, bill.pk])
    assert url in aged.content.decode()

    page = client.get(url)
    assert page.status_code == 200
    assert "300,00" in page.content.decode()
    response = client.post(url, {"received_on": TODAY().isoformat(), "amount": "120,00", "method": "transfer",
                                 "reference": "VIR JARDINS"})  # fmt: skip
    assert response.status_code == 302
    [payment] = bill.payments.all()
    assert (payment.amount, payment.reference, payment.recorded_by.pk) == (D("120.00"), "VIR JARDINS", client.session["_auth_user_id"] and payment.recorded_by.pk)  # fmt: skip
    page = client.get(url)
    assert "Reste à payer" in page.content.decode()
    assert 'id="invoice-remaining"><strong>180,00' in page.content.decode().replace("\u202f", " ").replace("\xa0", " ")


def test_the_payment_form_refuses_bad_input_with_french_messages_and_records_nothing(client, bill):
    collective = bill.structure
    client.force_login(accountant_of(collective))
    url = reverse("receivables:invoice_payments", args=[collective.slug, bill.pk])
    cases = [
        ({"received_on": "2026-13-01", "amount": "10", "method": "transfer"}, "Date invalide"),
        ({"received_on": "1999-12-31", "amount": "10", "method": "transfer"}, "Date hors limites"),
        ({"received_on": TODAY().isoformat(), "amount": "abc", "method": "transfer"}, "Saisissez un montant"),
        ({"received_on": TODAY().isoformat(), "amount": "999999999999", "method": "transfer"}, "Montant trop grand"),
        ({"received_on": TODAY().isoformat(), "amount": "10", "method": "bitcoin"}, "Moyen de paiement inconnu"),
        ({"received_on": TODAY().isoformat(), "amount": "10", "method": "cheque"}, "numéro du chèque"),
        ({"received_on": TODAY().isoformat(), "amount": "10", "method": "transfer", "reference": "x" * 51}, "50"),
        ({"received_on": TODAY().isoformat(), "amount": "300,01", "method": "transfer"}, "dépasse le reste à payer"),
    ]
    for data, message in cases:
        response = client.post(url, data)
        assert response.status_code == 400, data
        assert message in response.content.decode(), data
    assert bill.payments.count() == 0


def test_the_payment_pages_are_404_for_others_and_for_an_order_invoice(client, bill, member):
    collective = bill.structure
    url = reverse("receivables:invoice_payments", args=[collective.slug, bill.pk])
    for user in (accountant_of(member), staff_of(collective, role=StaffRole.MANAGER)):
        client.force_login(user)
        assert client.get(url).status_code == 404
        assert client.post(url, {"received_on": TODAY().isoformat(), "amount": "10", "method": "transfer"}).status_code == 404  # fmt: skip
    shop = seller(name="Ressourcerie")
    order_invoice = invoice_of(business_order(shop), shop)
    client.force_login(accountant_of(shop))
    assert client.get(reverse("receivables:invoice_payments", args=[shop.slug, order_invoice.pk])).status_code == 404
    assert client.get(reverse("receivables:invoice_payments", args=[shop.slug, 2**40])).status_code == 404
    assert bill.payments.count() == 0


def test_the_cancel_page_confirms_first_and_needs_a_reason(client, bill):
    collective = bill.structure
    payment = _pay(bill, "50.00")
    client.force_login(accountant_of(collective))
    url = reverse("receivables:cancel_payment", args=[collective.slug, payment.pk])

    page = client.get(url)
    assert page.status_code == 200
    assert "Oui, annuler ce règlement" in page.content.decode()
    payment.refresh_from_db()
    assert not payment.is_cancelled
    assert client.post(url, {"reason": ""}).status_code == 400
    payment.refresh_from_db()
    assert not payment.is_cancelled

    assert client.post(url, {"reason": "Saisi deux fois"}).status_code == 302
    payment.refresh_from_db()
    assert (payment.is_cancelled, payment.cancel_reason) == (True, "Saisi deux fois")


def test_the_invoice_payments_page_in_pinned_queries(client, bill, django_assert_num_queries):
    collective = bill.structure
    for amount in ("10.00", "20.00", "30.00"):
        _pay(bill, amount)
    client.force_login(accountant_of(collective))
    url = reverse("receivables:invoice_payments", args=[collective.slug, bill.pk])
    client.get(url)  # warm the session and the books' nav
    with django_assert_num_queries(10):
        assert client.get(url).status_code == 200


def test_the_invoice_payments_api(client, bill, member):
    collective = bill.structure
    url = f"/api/v1/accounting/{collective.slug}/invoices/{bill.pk}/payments/"
    client.force_login(accountant_of(collective))

    created = client.post(url, {"received_on": TODAY().isoformat(), "amount": "75.50", "method": "cheque",
                                "reference": "0098765"}, content_type="application/json")  # fmt: skip

    assert created.status_code == 201
    body = created.json()
    assert (body["invoice"], body["total"], body["remaining"]) == (bill.number, "300.00", "224.50")
    [payment] = body["payments"]
    assert (payment["amount"], payment["method"], payment["reference"], payment["cancelled_at"]) == (
        "75.50", "cheque", "0098765", None,
    )  # fmt: skip
    assert client.get(url).json() == body
    too_much = client.post(url, {"received_on": TODAY().isoformat(), "amount": "224.51", "method": "transfer"},
                           content_type="application/json")  # fmt: skip
    assert too_much.status_code == 400
    assert too_much.json()["code"] == "payment_refused"
    assert "dépasse le reste à payer" in too_much.json()["message"]
    invalid = client.post(
        url, {"received_on": "demain", "amount": "-1", "method": "x"}, content_type="application/json"
    )
    assert invalid.status_code == 400
    assert set(invalid.json()["errors"] if "errors" in invalid.json() else invalid.json()) >= set()
    assert bill.payments.count() == 1
    client.force_login(accountant_of(member))
    assert client.get(url).status_code == 404
    assert client.post(url, {}, content_type="application/json").status_code == 404
    assert bill.payments.count() == 1


def test_the_invoice_payments_endpoint_is_in_the_openapi_schema(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    assert set(schema["paths"]["/api/v1/accounting/{structure}/invoices/{invoice_id}/payments/"]) >= {"get", "post"}
