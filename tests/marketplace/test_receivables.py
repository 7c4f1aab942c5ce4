"""The aged balance and the customer statement: hand-computed cases, the 411 cross-check, pages, CSV, API."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounting.reconciliation import reconcile
from hub.enums import StaffRole
from marketplace import receivables
from marketplace.actions.invoicing import issue_credit_note
from marketplace.postings import customer_account
from tests.accounts.factories import UserFactory
from tests.hub.factories import staff_of
from tests.marketplace.receivables_helpers import (
    accountant_of,
    business_order,
    invoice_of,
    pay_part,
    resident_order,
    seller,
)

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def shop(db):
    return seller(name="Épicerie du Plateau")


@pytest.mark.parametrize(
    ("days", "bucket"),
    [
        (-5, "not_due"),
        (0, "not_due"),
        (1, "d1_30"),
        (30, "d1_30"),
        (31, "d31_60"),
        (60, "d31_60"),
        (61, "d61_90"),
        (90, "d61_90"),
        (91, "over_90"),
        (400, "over_90"),
    ],
)
def test_an_invoice_falls_in_the_bucket_of_its_days_past_due(shop, days, bucket):
    order = business_order(shop, price="120.00")
    invoice = invoice_of(order, shop)
    assert invoice.due_date == invoice.issue_date + datetime.timedelta(days=30)

    aged = receivables.aged_balance(shop, on=invoice.due_date + datetime.timedelta(days=days))

    [customer] = aged.customers
    [item] = customer.items
    assert (item.days_past_due, item.bucket, item.open) == (days, bucket, D("120.00"))
    assert customer.buckets == {key: D("120.00") if key == bucket else D("0.00") for key in receivables.BUCKET_KEYS}
    assert aged.total == D("120.00")


def test_a_part_payment_and_a_credit_note_leave_the_rest_open(shop):
    order = business_order(shop, price="120.00")
    invoice = invoice_of(order, shop)
    pay_part(order, shop, "20.00")
    line = invoice.lines.get()
    issue_credit_note(invoice=invoice, amounts={line.pk: D("30.00")})

    aged = receivables.aged_balance(shop, on=invoice.due_date + datetime.timedelta(days=45))

    [item] = aged.items
    assert (item.total, item.paid, item.open, item.bucket) == (D("90.00"), D("20.00"), D("70.00"), "d31_60")
    assert aged.buckets["d31_60"] == D("70.00")
    assert aged.total == D("70.00")


def test_a_paid_invoice_is_not_open_and_a_credit_note_kept_is_the_customers_credit(shop):
    paid = business_order(shop, price="50.00")
    pay_part(paid, shop, "50.00")
    over = business_order(shop, price="40.00")
    pay_part(over, shop, "40.00")
    issue_credit_note(invoice=invoice_of(over, shop), amounts={invoice_of(over, shop).lines.get().pk: D("5.00")})

    aged = receivables.aged_balance(shop)

    assert aged.items == []
    [customer] = [c for c in aged.customers if c.credit]
    assert (customer.credit, customer.total) == (D("-5.00"), D("-5.00"))
    assert aged.total == D("-5.00")


def test_customers_are_their_411_sub_accounts_sorted_by_what_they_owe(shop):
    small = business_order(shop, price="20.00")
    big = business_order(shop, price="200.00")
    home = resident_order(shop, price="30.00")

    aged = receivables.aged_balance(shop)

    assert [(c.code, c.total, c.is_business) for c in aged.customers] == [
        (customer_account(order=big)[0], D("200.00"), True),
        (customer_account(order=home)[0], D("30.00"), False),
        (customer_account(order=small)[0], D("20.00"), True),
    ]
    # A resident pays on receipt: due the day it is issued, overdue the day after.
    [resident_item] = aged.customer(customer_account(order=home)[0]).items
    assert resident_item.due_date == resident_item.invoice.issue_date


def test_the_aged_total_equals_the_411_balance_and_the_check_agrees(shop):
    """Part payment, credit note, overpayment, resident, settled order: the aged total is the ledger's 411."""
    first = business_order(shop, price="120.00")
    pay_part(first, shop, "20.00")
    issue_credit_note(invoice=invoice_of(first, shop), amounts={invoice_of(first, shop).lines.get().pk: D("30.00")})
    settled = business_order(shop, price="50.00")
    pay_part(settled, shop, "50.00")
    over = business_order(shop, price="40.00")
    pay_part(over, shop, "40.00")
    issue_credit_note(invoice=invoice_of(over, shop), amounts={invoice_of(over, shop).lines.get().pk: D("5.00")})
    resident_order(shop, price="30.00")

    aged = receivables.aged_balance(shop)

    assert aged.total == D("70.00") + D("-5.00") + D("30.00")
    assert receivables.ledger_receivable(shop) == aged.total
    report = reconcile(codes=["receivables_match_ledger"])
    assert [d for d in report.differences if d.structure == shop.name] == []


def test_the_statement_lists_invoices_payments_credit_notes_with_the_running_balance(shop):
    order = business_order(shop, price="120.00")
    invoice = invoice_of(order, shop)
    pay_part(order, shop, "20.00")
    credit = issue_credit_note(invoice=invoice, amounts={invoice.lines.get().pk: D("30.00")})
    code = customer_account(order=order)[0]
    today = invoice.issue_date

    statement = receivables.customer_statement(shop, code, start=today.replace(day=1), end=today)

    assert [(line.kind, line.reference, line.debit, line.credit, line.balance) for line in statement.lines] == [
        ("invoice", invoice.number, D("120.00"), D("0.00"), D("120.00")),
        ("payment", order.reference, D("0.00"), D("20.00"), D("100.00")),
        ("credit_note", credit.number, D("0.00"), D("30.00"), D("70.00")),
    ]
    assert (statement.opening_balance, statement.closing_balance) == (D("0.00"), D("70.00"))
    assert [item.open for item in statement.open_items] == [D("70.00")]


def test_the_statement_brings_earlier_movements_forward(shop):
    order = business_order(shop, price="120.00")
    invoice = invoice_of(order, shop)
    code = customer_account(order=order)[0]
    later = invoice.issue_date + datetime.timedelta(days=1)

    statement = receivables.customer_statement(shop, code, start=later, end=later)

    assert (statement.opening_balance, statement.lines, statement.closing_balance) == (D("120.00"), [], D("120.00"))


def test_an_unknown_customer_has_no_statement(shop):
    today = timezone.localdate()
    assert receivables.customer_statement(shop, "X123", start=today, end=today) is None
    assert receivables.customer_statement(shop, "S99999", start=today, end=today) is None


# --- Pages ------------------------------------------------------------------------------------


def test_the_aged_balance_page_shows_customers_and_totals_in_a_pinned_number_of_queries(
    client, shop, django_assert_num_queries
):
    for price in ("120.00", "80.00", "60.00"):
        business_order(shop, price=price)
    client.force_login(accountant_of(shop))
    url = reverse("receivables:aged", args=[shop.slug])

    with django_assert_num_queries(8):
        response = client.get(url)

    assert response.status_code == 200
    assert response.context["aged"].total == D("260.00")
    assert "260,00" in response.content.decode()


def test_the_aged_balance_csv_has_a_row_per_open_invoice_and_the_totals(client, shop):
    order = business_order(shop, price="120.00")
    invoice = invoice_of(order, shop)
    client.force_login(accountant_of(shop))

    response = client.get(reverse("receivables:aged", args=[shop.slug]), {"format": "csv"})

    rows = b"".join(response.streaming_content).decode("utf-8-sig").split("\r\n")
    assert rows[0].split(";")[:3] == ["Compte auxiliaire", "Client", "Facture"]
    cells = rows[1].split(";")
    assert cells[2] == invoice.number
    assert cells[6:] == ["120,00", "", "", "", "", "", "120,00"]
    assert rows[2].split(";")[-7:] == ["120,00", "0,00", "0,00", "0,00", "0,00", "0,00", "120,00"]


def test_the_books_pages_of_receivables_are_404_for_another_structures_accountant(client, shop):
    order = business_order(shop)
    code = customer_account(order=order)[0]
    other = seller(name="Autre structure")
    client.force_login(accountant_of(other))

    for url in (
        reverse("receivables:aged", args=[shop.slug]),
        reverse("receivables:statement", args=[shop.slug, code]),
        reverse("receivables:reminders", args=[shop.slug]),
        reverse("receivables:history", args=[shop.slug]),
    ):
        assert client.get(url).status_code == 404, url
    client.force_login(staff_of(shop, role=StaffRole.MANAGER))
    assert client.get(reverse("receivables:aged", args=[shop.slug])).status_code == 404


def test_the_statement_page_and_its_pdf(client, shop):
    order = business_order(shop, price="120.00")
    code = customer_account(order=order)[0]
    client.force_login(accountant_of(shop))
    url = reverse("receivables:statement", args=[shop.slug, code])

    page = client.get(url)
    invalid = client.get(url, {"du": "2026-02-30"})
    pdf = client.get(url, {"format": "pdf"})

    assert page.status_code == 200
    assert page.context["statement"].closing_balance == D("120.00")
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content if pdf.streaming else [pdf.content]).startswith(b"%PDF")
    pdf.close()
    assert invalid.status_code == 400


# --- API --------------------------------------------------------------------------------------


def test_the_aged_balance_api(client, shop, django_assert_num_queries):
    order = business_order(shop, price="120.00")
    invoice = invoice_of(order, shop)
    client.force_login(accountant_of(shop))
    url = f"/api/v1/accounting/{shop.slug}/receivables/aged/"

    with django_assert_num_queries(8):
        response = client.get(url)

    body = response.json()
    assert response.status_code == 200
    assert body["total"] == "120.00"
    assert body["buckets"] == {
        "not_due": "120.00",
        "d1_30": "0.00",
        "d31_60": "0.00",
        "d61_90": "0.00",
        "over_90": "0.00",
    }
    [customer] = body["customers"]
    assert customer["code"] == customer_account(order=order)[0]
    assert [(i["number"], i["open"], i["bucket"]) for i in customer["invoices"]] == [
        (invoice.number, "120.00", "not_due")
    ]


def test_the_receivables_api_is_404_for_anyone_but_the_structures_accountants(client, shop):
    order = business_order(shop)
    code = customer_account(order=order)[0]
    urls = [
        f"/api/v1/accounting/{shop.slug}/receivables/aged/",
        f"/api/v1/accounting/{shop.slug}/customers/{code}/statement/",
    ]
    for url in urls:
        assert client.get(url).status_code in {401, 404}, url
    client.force_login(accountant_of(seller(name="Voisine")))
    for url in urls:
        response = client.get(url)
        assert response.status_code == 404, url
        assert response.json()["code"] == "not_found"
    client.force_login(UserFactory())
    assert client.get(urls[0]).status_code == 404


def test_the_statement_api_in_json_and_pdf(client, shop, django_assert_num_queries):
    order = business_order(shop, price="120.00")
    invoice = invoice_of(order, shop)
    pay_part(order, shop, "20.00")
    code = customer_account(order=order)[0]
    client.force_login(accountant_of(shop))
    url = f"/api/v1/accounting/{shop.slug}/customers/{code}/statement/"

    with django_assert_num_queries(11):
        body = client.get(url).json()
    pdf = client.get(url, {"format": "pdf"})
    invalid = client.get(url, {"from": "2026-13-01"})
    unknown = client.get(f"/api/v1/accounting/{shop.slug}/customers/C999999999/statement/")

    assert [(line["kind"], line["reference"], line["balance"]) for line in body["lines"]] == [
        ("invoice", invoice.number, "120.00"),
        ("payment", order.reference, "100.00"),
    ]
    assert body["closing_balance"] == "100.00"
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")
    pdf.close()
    assert invalid.status_code == 400
    assert unknown.status_code == 404


def test_the_receivables_endpoints_are_in_the_openapi_schema(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    assert "/api/v1/accounting/{structure}/receivables/aged/" in schema["paths"]
    assert "/api/v1/accounting/{structure}/customers/{customer}/statement/" in schema["paths"]
