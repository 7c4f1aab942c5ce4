"""The accountant's pages: exact figures, CSV exports, FEC download, who may see them, query counts."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse

from accounting.actions import letter_lines, post_document
from accounting.documents import DocumentLine
from accounting.models import Entry
from hub.enums import StaffRole
from tests.accounting.factories import DocumentFactory, StructureFactory
from tests.accounts.factories import UserFactory
from tests.hub.factories import StructureRoleFactory

pytestmark = pytest.mark.django_db

D = Decimal


def _invoice(structure, day, customer, total, vat, revenue_account="706"):
    total, vat = D(total), D(vat)
    return post_document(
        DocumentFactory(
            structure=structure,
            date=day,
            lines=(
                DocumentLine(account="411", debit=total, auxiliary_code=customer, auxiliary_name=f"Client {customer}"),
                DocumentLine(account=revenue_account, credit=total - vat),
                DocumentLine(account="445711", credit=vat),
            ),
        )
    )


def _payment(structure, day, customer, amount):
    amount = D(amount)
    return post_document(
        DocumentFactory(
            structure=structure,
            journal="BQ",
            date=day,
            label=f"Règlement {customer}",
            lines=(
                DocumentLine(account="512", debit=amount),
                DocumentLine(
                    account="411", credit=amount, auxiliary_code=customer, auxiliary_name=f"Client {customer}"
                ),
            ),
        )
    )


def post_small_ledger(structure):
    """Four entries of 2025 with known amounts.

    15/01 VE C0001 120,00 (706 100,00 + TVA 20,00); 10/02 VE C0002 240,00 (701 200,00 + TVA 40,00);
    20/02 BQ C0001 pays 120,00 (lettered with its invoice); 05/03 BQ C0002 pays 100,00.
    """
    first = _invoice(structure, datetime.date(2025, 1, 15), "C0001", "120.00", "20.00")
    _invoice(structure, datetime.date(2025, 2, 10), "C0002", "240.00", "40.00", revenue_account="701")
    paid = _payment(structure, datetime.date(2025, 2, 20), "C0001", "120.00")
    _payment(structure, datetime.date(2025, 3, 5), "C0002", "100.00")
    letter_lines(
        lines=[first.lines.get(account__code="411"), paid.lines.get(account__code="411")],
        on=datetime.date(2025, 2, 21),
    )


def post_more_invoices(structure, count=50):
    for number in range(count):
        _invoice(structure, datetime.date(2025, 4, 1 + number % 28), f"C{100 + number:04d}", "12.00", "2.00")


@pytest.fixture
def ledger(structure):
    post_small_ledger(structure)
    return structure


@pytest.fixture
def accountant(structure):
    return StructureRoleFactory(structure=structure, role=StaffRole.ACCOUNTANT).user


@pytest.fixture
def accountant_client(client, accountant):
    client.force_login(accountant)
    return client


def url(name, structure, **kwargs):
    return reverse(f"accounting:{name}", kwargs={"slug": structure.slug, **kwargs})


def csv_lines(response) -> list[str]:
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")
    return body.decode("utf-8-sig").split("\r\n")


# --- Trial balance ------------------------------------------------------------------------


def test_trial_balance_rows_and_totals(accountant_client, ledger):
    response = accountant_client.get(url("trial_balance", ledger))

    assert response.status_code == 200
    balance = response.context["balance"]
    assert [(r["code"], r["debit"], r["credit"], r["debit_balance"], r["credit_balance"]) for r in balance.rows] == [
        ("411", D("360.00"), D("220.00"), D("140.00"), D("0.00")),
        ("445711", D("0.00"), D("60.00"), D("0.00"), D("60.00")),
        ("512", D("220.00"), D("0.00"), D("220.00"), D("0.00")),
        ("701", D("0.00"), D("200.00"), D("0.00"), D("200.00")),
        ("706", D("0.00"), D("100.00"), D("0.00"), D("100.00")),
    ]
    assert (balance.total_debit, balance.total_credit) == (D("580.00"), D("580.00"))
    assert (balance.total_debit_balance, balance.total_credit_balance) == (D("360.00"), D("360.00"))
    assert balance.is_balanced
    html = response.content.decode()
    assert "580,00\u00a0€" in html
    assert 'href="?format=csv"' in html


def test_trial_balance_of_a_shorter_period(accountant_client, ledger):
    response = accountant_client.get(url("trial_balance", ledger), {"du": "2025-02-01", "au": "28/02/2025"})

    balance = response.context["balance"]
    assert [(r["code"], r["debit"], r["credit"]) for r in balance.rows] == [
        ("411", D("240.00"), D("120.00")),
        ("445711", D("0.00"), D("40.00")),
        ("512", D("120.00"), D("0.00")),
        ("701", D("0.00"), D("200.00")),
    ]
    assert (balance.total_debit, balance.total_credit) == (D("360.00"), D("360.00"))


def test_trial_balance_csv(accountant_client, ledger):
    response = accountant_client.get(url("trial_balance", ledger), {"format": "csv"})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (f'attachment; filename="{ledger.slug}-balance-20250101-20251231.csv"')
    lines = csv_lines(response)
    assert lines[0] == "Compte;Libellé;Débit;Crédit;Solde débiteur;Solde créditeur"
    assert lines[1] == "411;Clients;360,00;220,00;140,00;0,00"
    assert lines[6] == "Total;;580,00;580,00;360,00;360,00"


# --- Bad input ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"du": "2025-13-45"}, "Date invalide : saisissez-la au format JJ/MM/AAAA."),
        ({"au": "demain"}, "Date invalide : saisissez-la au format JJ/MM/AAAA."),
        ({"du": "2025-06-01", "au": "2025-01-01"}, "La date de début doit précéder la date de fin."),
    ],
)
def test_bad_dates_show_a_french_error(accountant_client, ledger, params, message):
    response = accountant_client.get(url("trial_balance", ledger), params)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert "balance" not in response.context


def test_unknown_journal_and_account_show_a_french_error(accountant_client, ledger):
    journal = accountant_client.get(url("journal", ledger), {"journal": "ZZ"})
    account = accountant_client.get(url("ledger", ledger), {"compte": "999"})

    assert "Journal inconnu." in journal.content.decode()
    assert "page" not in journal.context
    assert "Compte inconnu." in account.content.decode()


# --- Journal ------------------------------------------------------------------------------


def test_journal_lists_entries_with_their_lines(accountant_client, ledger):
    response = accountant_client.get(url("journal", ledger), {"journal": "BQ"})

    page = response.context["page"]
    assert [entry.reference for entry in page.object_list] == ["BQ-2025-000001", "BQ-2025-000002"]
    assert [(line.account.code, line.debit, line.credit) for line in page.object_list[1].lines.all()] == [
        ("512", D("100.00"), D("0.00")),
        ("411", D("0.00"), D("100.00")),
    ]


def test_journal_is_paginated_by_fifty_entries(accountant_client, structure):
    post_more_invoices(structure, count=55)

    first = accountant_client.get(url("journal", structure))
    second = accountant_client.get(url("journal", structure), {"page": 2})

    assert first.context["page"].paginator.count == 55
    assert len(first.context["page"].object_list) == 50
    assert len(second.context["page"].object_list) == 5
    assert "Page 2 sur 2" in second.content.decode()
    assert 'href="?page=1" rel="prev"' in second.content.decode()


def test_journal_csv(accountant_client, ledger):
    response = accountant_client.get(url("journal", ledger), {"journal": "VE", "format": "csv"})

    lines = csv_lines(response)
    assert lines[0] == "Journal;N° d'écriture;Date;Pièce;Compte;Compte auxiliaire;Libellé;Débit;Crédit;Lettrage"
    entry = Entry.objects.get(structure=ledger, reference="VE-2025-000001")
    assert lines[1] == f"VE;VE-2025-000001;15/01/2025;{entry.piece_ref};411;C0001;{entry.label};120,00;0,00;AAA"
    assert len([line for line in lines if line]) == 1 + 6


# --- General ledger -----------------------------------------------------------------------


def test_ledger_running_balance(accountant_client, ledger):
    response = accountant_client.get(url("ledger", ledger), {"compte": "411"})

    page = response.context["page"]
    assert [(line.entry.date, line.debit, line.credit, line.running_balance) for line in page.object_list] == [
        (datetime.date(2025, 1, 15), D("120.00"), D("0.00"), D("120.00")),
        (datetime.date(2025, 2, 10), D("240.00"), D("0.00"), D("360.00")),
        (datetime.date(2025, 2, 20), D("0.00"), D("120.00"), D("240.00")),
        (datetime.date(2025, 3, 5), D("0.00"), D("100.00"), D("140.00")),
    ]
    assert response.context["totals"] == {"debit": D("360.00"), "credit": D("220.00"), "balance": D("140.00")}


def test_ledger_running_balance_carries_over_pages(accountant_client, structure):
    post_more_invoices(structure, count=55)

    second = accountant_client.get(url("ledger", structure), {"compte": "706", "page": 2})

    balances = [line.running_balance for line in second.context["page"].object_list]
    assert balances == [D("-510.00"), D("-520.00"), D("-530.00"), D("-540.00"), D("-550.00")]


def test_ledger_csv(accountant_client, ledger):
    response = accountant_client.get(url("ledger", ledger), {"compte": "411", "format": "csv"})

    lines = csv_lines(response)
    assert lines[0] == "Date;Journal;N° d'écriture;Pièce;Libellé;Débit;Crédit;Solde;Lettrage"
    assert (
        lines[4]
        == "05/03/2025;BQ;BQ-2025-000002;"
        + Entry.objects.get(structure=ledger, reference="BQ-2025-000002").piece_ref
        + ";Règlement C0002;0,00;100,00;140,00;"
    )


# --- Customer balances --------------------------------------------------------------------


def test_customer_balances_are_non_zero_customers_only(accountant_client, ledger):
    _invoice(ledger, datetime.date(2025, 3, 10), "C0003", "36.00", "6.00")

    response = accountant_client.get(url("customers", ledger))

    assert response.context["rows"] == [
        {
            "auxiliary_code": "C0002",
            "name": "Client C0002",
            "debit": D("240.00"),
            "credit": D("100.00"),
            "balance": D("140.00"),
            "unlettered": D("140.00"),
        },
        {
            "auxiliary_code": "C0003",
            "name": "Client C0003",
            "debit": D("36.00"),
            "credit": D("0.00"),
            "balance": D("36.00"),
            "unlettered": D("36.00"),
        },
    ]


def test_customer_balance_unlettered_differs_when_lettering_closes_part_of_it(accountant_client, ledger):
    """C0001 owes a second invoice: its balance is 30,00, all of it unlettered (the first is lettered)."""
    _invoice(ledger, datetime.date(2025, 3, 12), "C0001", "30.00", "5.00")
    response = accountant_client.get(url("customers", ledger), {"du": "2025-01-01", "au": "2025-02-28"})

    # Up to February, C0001 is settled (and left out); C0002 owes 240,00, none of it lettered.
    assert [(r["auxiliary_code"], r["balance"], r["unlettered"]) for r in response.context["rows"]] == [
        ("C0002", D("240.00"), D("240.00"))
    ]
    response = accountant_client.get(url("customers", ledger))
    assert [(r["auxiliary_code"], r["balance"], r["unlettered"]) for r in response.context["rows"]] == [
        ("C0001", D("30.00"), D("30.00")),
        ("C0002", D("140.00"), D("140.00")),
    ]


def test_customer_balances_csv(accountant_client, ledger):
    lines = csv_lines(accountant_client.get(url("customers", ledger), {"format": "csv"}))

    assert lines[0] == "Compte auxiliaire;Client;Débit;Crédit;Solde;Non lettré"
    assert lines[1] == "C0002;Client C0002;240,00;100,00;140,00;140,00"


def test_customer_balances_csv_neutralises_formulas_and_keeps_negative_numbers(accountant_client, structure):
    """A customer named `=1+2` who paid 25,00 for an invoice of 10,00."""
    for journal, day, lines in [
        ("VE", 15, (DocumentLine(account="706", credit=D("10.00")),)),
        ("BQ", 20, (DocumentLine(account="512", debit=D("25.00")),)),
    ]:
        amount = {"debit": D("10.00")} if journal == "VE" else {"credit": D("25.00")}
        customer = DocumentLine(account="411", auxiliary_code="C0009", auxiliary_name="=1+2", **amount)
        post_document(
            DocumentFactory(
                structure=structure, journal=journal, date=datetime.date(2025, 1, day), lines=(customer, *lines)
            )
        )

    lines = csv_lines(accountant_client.get(url("customers", structure), {"format": "csv"}))

    assert lines[1] == "C0009;'=1+2;10,00;25,00;-15,00;-15,00"


# --- Revenue ------------------------------------------------------------------------------


def test_revenue_per_month_and_activity(accountant_client, ledger):
    response = accountant_client.get(url("revenue", ledger))

    revenue = response.context["revenue"]
    assert revenue.accounts == [("701", "Ventes de produits finis"), ("706", "Prestations de services")]
    assert len(revenue.rows) == 12
    assert [(row["month"], row["amounts"], row["total"]) for row in revenue.rows[:3]] == [
        (datetime.date(2025, 1, 1), [D("0.00"), D("100.00")], D("100.00")),
        (datetime.date(2025, 2, 1), [D("200.00"), D("0.00")], D("200.00")),
        (datetime.date(2025, 3, 1), [D("0.00"), D("0.00")], D("0.00")),
    ]
    assert revenue.totals == [D("200.00"), D("100.00")]
    assert revenue.total == D("300.00")
    # The best month fills the chart; January is half of it.
    assert revenue.rows[1]["segments"] == [(0, "100.00")]
    assert revenue.rows[0]["segments"] == [(1, "50.00")]
    assert (
        '<svg class="books-bar books-color-x1" width="50.00%" height="100%" focusable="false"></svg>'
        in response.content.decode()
    )


def test_revenue_csv(accountant_client, ledger):
    lines = csv_lines(accountant_client.get(url("revenue", ledger), {"exercice": "2025", "format": "csv"}))

    assert lines[0] == "Mois;701 Ventes de produits finis;706 Prestations de services;Total"
    assert lines[1] == "01/2025;0,00;100,00;100,00"
    assert lines[13] == "Total;200,00;100,00;300,00"


def test_revenue_unknown_fiscal_year(accountant_client, ledger):
    response = accountant_client.get(url("revenue", ledger), {"exercice": "1999"})

    assert response.status_code == 200
    assert "Exercice inconnu." in response.content.decode()


# --- VAT ----------------------------------------------------------------------------------


def test_vat_per_month_reads_the_ledger(accountant_client, ledger):
    """Goods' VAT due at the invoice; services' VAT waits on 44587 and is moved as it is paid."""
    _invoice(ledger, datetime.date(2025, 3, 10), "C0003", "60.00", "10.00")  # 445711 due at once
    post_document(
        DocumentFactory(
            structure=ledger,
            date=datetime.date(2025, 4, 2),
            lines=(
                DocumentLine(account="411", debit=D("12.00"), auxiliary_code="C0004", auxiliary_name="Client C0004"),
                DocumentLine(account="706", credit=D("10.00")),
                DocumentLine(account="44587", credit=D("2.00")),
            ),
        )
    )
    post_document(
        DocumentFactory(
            structure=ledger,
            journal="OD",
            date=datetime.date(2025, 5, 6),
            lines=(DocumentLine(account="44587", debit=D("0.50")), DocumentLine(account="445711", credit=D("0.50"))),
        )
    )

    vat = accountant_client.get(url("vat", ledger)).context["vat"]

    assert vat.accounts == [("445711", "TVA collectée 20 %")]
    assert vat.pending_opening == D("0.00")
    assert [
        (row["month"].month, row["amounts"], row["pending_change"], row["pending_end"]) for row in vat.rows[:6]
    ] == [
        (1, [D("20.00")], D("0.00"), D("0.00")),
        (2, [D("40.00")], D("0.00"), D("0.00")),
        (3, [D("10.00")], D("0.00"), D("0.00")),
        (4, [D("0.00")], D("2.00"), D("2.00")),
        (5, [D("0.50")], D("-0.50"), D("1.50")),
        (6, [D("0.00")], D("0.00"), D("1.50")),
    ]
    assert vat.totals == [D("70.50")]
    assert vat.total == D("70.50")


def test_vat_csv(accountant_client, ledger):
    lines = csv_lines(accountant_client.get(url("vat", ledger), {"exercice": "2025", "format": "csv"}))

    assert lines[0] == "Mois;445711 TVA collectée 20 %;TVA exigible;Variation 44587;44587 en fin de mois"
    assert lines[1] == "01/2025;20,00;20,00;0,00;0,00"
    assert lines[13] == "Total;60,00;60,00;;"


# --- FEC ----------------------------------------------------------------------------------


def test_fec_download(accountant_client, ledger):
    response = accountant_client.get(url("fec", ledger, year=2025))

    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="{ledger.siren}FEC20251231.txt"'
    body = b"".join(response.streaming_content).decode()
    lines = body.split("\n")
    assert lines[0] == (
        "JournalCode\tJournalLib\tEcritureNum\tEcritureDate\tCompteNum\tCompteLib\tCompAuxNum\tCompAuxLib\t"
        "PieceRef\tPieceDate\tEcritureLib\tDebit\tCredit\tEcritureLet\tDateLet\tValidDate\tMontantdevise\tIdevise"
    )
    assert lines[1].startswith("VE\tVentes\tVE-2025-000001\t20250115\t411\tClients\tC0001\tClient C0001\t")
    assert len(lines) == 1 + 10


def test_fec_query_count_does_not_grow(accountant_client, ledger, django_assert_num_queries):
    def download():
        response = accountant_client.get(url("fec", ledger, year=2025))
        return b"".join(response.streaming_content)

    # structure, session, user, roles, fiscal year, AN journal, then the AN lines and the others
    # (one query each, Python exporter) or one COPY each (PostgreSQL, outside Django's cursor).
    with django_assert_num_queries(6 if connection.vendor == "postgresql" else 8) as before:
        download()
    post_more_invoices(ledger, count=50)
    with django_assert_num_queries(len(before.captured_queries)):
        download()


def test_fec_of_a_missing_year_is_404(accountant_client, ledger):
    assert accountant_client.get(url("fec", ledger, year=2019)).status_code == 404


# --- Who may see the books ----------------------------------------------------------------

PAGES = [
    ("structure", {}),
    ("journal", {}),
    ("ledger", {}),
    ("trial_balance", {}),
    ("customers", {}),
    ("revenue", {}),
    ("vat", {}),
    ("fec", {"year": 2025}),
]


def _person(kind, structure):
    if kind == "anonymous":
        return None
    if kind == "accountant":
        return StructureRoleFactory(structure=structure, role=StaffRole.ACCOUNTANT).user
    if kind == "hub_admin":
        return UserFactory(hub_admin=True)
    if kind == "other_accountant":
        return StructureRoleFactory(structure=StructureFactory(), role=StaffRole.ACCOUNTANT).user
    if kind == "supervisor":
        return StructureRoleFactory(structure=structure, role=StaffRole.SUPERVISOR).user
    if kind == "manager":
        return StructureRoleFactory(structure=structure, role=StaffRole.MANAGER).user
    return UserFactory()  # a resident


@pytest.mark.parametrize(("name", "kwargs"), PAGES)
@pytest.mark.parametrize(
    ("kind", "status"),
    [
        ("accountant", 200),
        ("hub_admin", 200),
        ("other_accountant", 404),
        ("supervisor", 404),
        ("manager", 404),
        ("resident", 404),
        ("anonymous", 404),
    ],
)
def test_permission_matrix(client, ledger, name, kwargs, kind, status):
    person = _person(kind, ledger)
    if person is not None:
        client.force_login(person)

    response = client.get(url(name, ledger, **kwargs))

    assert response.status_code == status


def test_an_unknown_structure_looks_like_a_forbidden_one(accountant_client):
    assert accountant_client.get(reverse("accounting:trial_balance", kwargs={"slug": "inconnue"})).status_code == 404


def test_index_lists_only_the_structures_one_keeps(client, structure):
    other = StructureFactory()
    role = StructureRoleFactory(structure=structure, role=StaffRole.ACCOUNTANT)
    StructureRoleFactory(user=role.user, structure=other, role=StaffRole.SUPERVISOR)
    client.force_login(role.user)

    response = client.get(reverse("accounting:index"))

    assert [s.pk for s in response.context["structures"]] == [structure.pk]


def test_index_is_404_without_any_books_and_asks_anonymous_to_sign_in(client, structure):
    assert client.get(reverse("accounting:index")).status_code == 302
    client.force_login(StructureRoleFactory(structure=structure, role=StaffRole.SUPERVISOR).user)
    assert client.get(reverse("accounting:index")).status_code == 404


def test_the_accountant_of_seven_structures_sees_the_seven(client):
    accountant = UserFactory()
    kept = [StructureFactory(books=datetime.date(2025, 6, 1)) for _ in range(7)]
    for structure in kept:
        StructureRoleFactory(user=accountant, structure=structure, accountant=True)
    client.force_login(accountant)

    response = client.get(reverse("accounting:index"))

    assert sorted(s.pk for s in response.context["structures"]) == sorted(s.pk for s in kept)


# --- Query counts: constant in the number of entries -------------------------------------

# Each page: the structure, session, user, the user's structure roles, then its own queries.
PAGE_QUERIES = [
    # default period (current fiscal year), count, page of entries, their lines
    ("journal", {}, 8),
    # chart of accounts, default period, count, page of lines with running balance, totals
    ("ledger", {"compte": "411"}, 9),
    # default period, one GROUP BY
    ("trial_balance", {}, 6),
    ("customers", {}, 6),
    # fiscal years, current fiscal year, one GROUP BY
    ("revenue", {}, 7),
    # fiscal years, current fiscal year, one GROUP BY, 44587 before the year
    ("vat", {}, 8),
]


@pytest.mark.parametrize(("name", "params", "queries"), PAGE_QUERIES)
def test_page_query_count_does_not_grow_with_entries(
    accountant_client, ledger, django_assert_num_queries, name, params, queries
):
    with django_assert_num_queries(queries):
        assert accountant_client.get(url(name, ledger), params).status_code == 200

    post_more_invoices(ledger, count=50)

    with django_assert_num_queries(queries):
        assert accountant_client.get(url(name, ledger), params).status_code == 200


# The exports skip the count and stream the rows: one query for all of them.
CSV_QUERIES = [
    ("journal", {}, 6),
    ("ledger", {"compte": "411"}, 7),
    ("trial_balance", {}, 6),
    ("customers", {}, 6),
    ("revenue", {}, 7),
    ("vat", {}, 8),
]


@pytest.mark.parametrize(("name", "params", "queries"), CSV_QUERIES)
def test_csv_query_count_does_not_grow_with_entries(
    accountant_client, ledger, django_assert_num_queries, name, params, queries
):
    def download():
        response = accountant_client.get(url(name, ledger), {**params, "format": "csv"})
        assert response.status_code == 200
        return b"".join(response.streaming_content)

    with django_assert_num_queries(queries):
        download()
    post_more_invoices(ledger, count=50)
    with django_assert_num_queries(queries):
        download()
