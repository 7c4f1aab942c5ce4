"""Closing a year (checklist, result, à-nouveaux), reopening it, cut-offs, period locks and
reversals: actions, pages, the close_year command and the API. A refusal changes nothing."""

import datetime
from decimal import Decimal as D

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounting.actions import open_fiscal_year, post_document, post_vat_return
from accounting.actions.closing import (
    close_year,
    opening_entry_of,
    record_cut_off,
    reopen_year,
    reverse_with_log,
    set_lock,
)
from accounting.documents import DocumentLine
from accounting.enums import BooksAction, CutOffKind, VatPeriodicity
from accounting.exceptions import ClosingRefused
from accounting.fec import write_fec
from accounting.fec_validator import validate_fec
from accounting.models import Books, BooksLog, CutOff, Entry, EntryLine, FiscalYear
from accounting.vat import parse_period
from hub.enums import StaffRole
from tests.accounting.factories import DocumentFactory, StructureFactory
from tests.accounts.factories import UserFactory
from tests.hub.factories import StructureRoleFactory

pytestmark = pytest.mark.django_db

JAN_1 = datetime.date(2026, 1, 1)


def dl(account, debit="0", credit="0", aux=""):
    return DocumentLine(
        account=account, debit=D(debit), credit=D(credit), auxiliary_code=aux, auxiliary_name=aux and f"Client {aux}"
    )


def a_year_of_activity(structure):
    """2025: 1 000 € of funds, 300 € of sales (one customer still owes 120 €), 80 € of expenses."""
    post = lambda day, journal, *lines: post_document(  # noqa: E731
        DocumentFactory(structure=structure, date=day, journal=journal, lines=lines)
    )
    post(datetime.date(2025, 1, 2), "OD", dl("512", "1000.00"), dl("102", credit="1000.00"))
    post(datetime.date(2025, 3, 10), "VE", dl("411", "180.00", aux="C1"), dl("706", credit="180.00"))
    post(datetime.date(2025, 5, 10), "VE", dl("411", "120.00", aux="C2"), dl("706", credit="120.00"))
    post(datetime.date(2025, 3, 20), "BQ", dl("512", "180.00"), dl("411", credit="180.00", aux="C1"))
    post(datetime.date(2025, 9, 1), "BQ", dl("628", "80.00"), dl("512", credit="80.00"))


@pytest.fixture
def structure(db):
    structure = StructureFactory(books=datetime.date(2025, 6, 1))
    a_year_of_activity(structure)
    return structure


@pytest.fixture
def year(structure):
    return FiscalYear.objects.get(structure=structure, start_date__year=2025)


@pytest.fixture
def accountant(structure):
    return StructureRoleFactory(structure=structure, role=StaffRole.ACCOUNTANT).user


def snapshot(structure):
    return (
        Entry.objects.filter(structure=structure).count(),
        list(FiscalYear.objects.filter(structure=structure).values_list("start_date", "is_closed")),
        Books.objects.get(structure=structure).locked_until,
        BooksLog.objects.filter(structure=structure).count(),
    )


def test_closing_carries_the_balance_sheet_and_the_result_forward_in_a_balanced_an_entry(structure, year, accountant):
    closed = close_year(fiscal_year=year, by=accountant)
    assert (closed.is_closed, closed.closed_by) == (True, accountant)
    following = FiscalYear.objects.get(structure=structure, start_date=JAN_1)
    opening = opening_entry_of(following)
    assert (opening.journal.code, opening.date, opening.reference) == ("AN", JAN_1, "AN-2026-000001")
    lines = [
        (line.account.code, line.auxiliary_code, line.debit, line.credit) for line in opening.lines.order_by("position")
    ]
    assert lines == [
        ("102", "", D("0.00"), D("1000.00")),
        ("411", "C2", D("120.00"), D("0.00")),
        ("512", "", D("1100.00"), D("0.00")),
        ("120", "", D("0.00"), D("220.00")),  # 300 € of sales − 80 € of expenses
    ]
    assert sum(row[2] for row in lines) == sum(row[3] for row in lines)
    assert BooksLog.objects.get(structure=structure).action == BooksAction.CLOSE
    # Closed: it takes no more entries; closing again changes nothing.
    before = snapshot(structure)
    close_year(fiscal_year=year, by=accountant)
    assert snapshot(structure) == before


def test_the_fec_of_the_next_year_starts_with_its_an_entries_and_both_files_are_valid(structure, year, tmp_path):
    close_year(fiscal_year=year)
    following = FiscalYear.objects.get(structure=structure, start_date=JAN_1)
    post_document(DocumentFactory(structure=structure, date=datetime.date(2026, 2, 3), lines=(
        dl("411", "60.00", aux="C3"), dl("706", credit="60.00"))))  # fmt: skip
    for fiscal_year in (year, following):
        path = write_fec(fiscal_year, tmp_path)
        assert [str(p) for p in validate_fec(path, start_date=fiscal_year.start_date)] == []
    rows = (tmp_path / f"{structure.siren}FEC20261231.txt").read_text(encoding="utf-8").split("\n")[1:]
    journals = [row.split("\t")[0] for row in rows if row]
    assert journals == ["AN"] * 4 + ["VE", "VE"]


def test_closing_is_refused_before_the_year_ends_and_changes_nothing(db):
    structure = StructureFactory(books=True)  # the current year
    fiscal_year = FiscalYear.objects.get(structure=structure)
    before = snapshot(structure)
    with pytest.raises(ClosingRefused, match="L'exercice est terminé") as refused:
        close_year(fiscal_year=fiscal_year)
    assert [item.code for item in refused.value.problems] == ["ended"]
    assert snapshot(structure) == before


def test_closing_is_refused_while_a_vat_return_of_the_year_is_not_posted(db):
    structure = StructureFactory(liable=True, books=datetime.date(2025, 6, 1))
    Books.objects.filter(structure=structure).update(vat_periodicity=VatPeriodicity.QUARTERLY)
    fiscal_year = FiscalYear.objects.get(structure=structure)
    for quarter in ("2025-Q1", "2025-Q2", "2025-Q3"):
        post_vat_return(structure=structure, period=parse_period(quarter))
    before = snapshot(structure)
    with pytest.raises(ClosingRefused, match="4e trimestre 2025"):
        close_year(fiscal_year=fiscal_year)
    assert snapshot(structure) == before
    post_vat_return(structure=structure, period=parse_period("2025-Q4"))
    assert close_year(fiscal_year=fiscal_year).is_closed


def test_reopening_is_for_hub_admins_with_a_reason_and_reverses_the_carry_forward(structure, year, accountant):
    close_year(fiscal_year=year, by=accountant)
    set_lock(structure=structure, until=datetime.date(2026, 3, 31), by=accountant)
    opening = opening_entry_of(FiscalYear.objects.get(structure=structure, start_date=JAN_1))
    before = snapshot(structure)
    with pytest.raises(ClosingRefused, match="administrateur"):
        reopen_year(fiscal_year=year, by=accountant, reason="Erreur")
    admin = UserFactory(hub_admin=True)
    with pytest.raises(ClosingRefused, match="motif"):
        reopen_year(fiscal_year=year, by=admin, reason="  ")
    assert snapshot(structure) == before

    reopened = reopen_year(fiscal_year=year, by=admin, reason="Facture fournisseur oubliée")
    assert (reopened.is_closed, reopened.closed_at, reopened.closed_by) == (False, None, None)
    reversal = opening.reversed_by
    assert (reversal.journal.code, reversal.date) == ("AN", JAN_1)
    assert EntryLine.objects.filter(entry__in=[opening, reversal], account__code="512").values_list(
        "debit", "credit"
    ).order_by("entry_id")[::1] == [(D("1100.00"), D("0.00")), (D("0.00"), D("1100.00"))]
    assert Books.objects.get(structure=structure).locked_until == datetime.date(2024, 12, 31)
    log = BooksLog.objects.filter(structure=structure, action=BooksAction.REOPEN).get()
    assert (log.by, log.reason, log.entry, log.previous_lock) == (
        admin, "Facture fournisseur oubliée", reversal, datetime.date(2026, 3, 31)
    )  # fmt: skip
    # The year takes entries again, and closing it anew posts fresh à-nouveaux.
    post_document(DocumentFactory(structure=structure, date=datetime.date(2025, 12, 20), journal="AC", lines=(
        dl("628", "20.00"), dl("401", credit="20.00"))))  # fmt: skip
    close_year(fiscal_year=year, by=accountant)
    again = opening_entry_of(FiscalYear.objects.get(structure=structure, start_date=JAN_1))
    assert (again.event, again.reference) == ("opening-2", "AN-2026-000003")
    assert again.lines.get(account__code="120").credit == D("200.00")


def test_a_cut_off_is_posted_on_the_last_day_and_reversed_on_the_next(structure, year, accountant):
    cut_off = record_cut_off(fiscal_year=year, kind=CutOffKind.INVOICES_TO_ISSUE, account="706", amount=D("45.00"),
                             label="Lavage de décembre à facturer", token="t1", by=accountant)  # fmt: skip
    assert (cut_off.entry.date, cut_off.reversal.date) == (datetime.date(2025, 12, 31), JAN_1)
    assert [(line.account.code, line.debit, line.credit) for line in cut_off.entry.lines.order_by("position")] == [
        ("418", D("45.00"), D("0.00")), ("706", D("0.00"), D("45.00"))
    ]  # fmt: skip
    assert [(line.account.code, line.debit, line.credit) for line in cut_off.reversal.lines.order_by("position")] == [
        ("418", D("0.00"), D("45.00")), ("706", D("45.00"), D("0.00"))
    ]  # fmt: skip
    # The same form sent twice records it once.
    assert (
        record_cut_off(fiscal_year=year, kind="418", account="706", amount=D("45.00"), label="x", token="t1") == cut_off
    )
    before = snapshot(structure)
    with pytest.raises(ClosingRefused, match="classe 6"):
        record_cut_off(fiscal_year=year, kind="408", account="706", amount=D("10.00"), label="x", token="t2")
    assert (snapshot(structure), CutOff.objects.filter(structure=structure).count()) == (before, 1)
    # Closing carries 418 to nothing (reversed on 1 January) but the result includes the 45 €.
    close_year(fiscal_year=year)
    opening = opening_entry_of(FiscalYear.objects.get(structure=structure, start_date=JAN_1))
    assert opening.lines.get(account__code="418").debit == D("45.00")
    assert opening.lines.get(account__code="120").credit == D("265.00")


def test_the_lock_moves_forward_freely_and_back_only_for_a_hub_admin_with_a_reason(structure, accountant):
    set_lock(structure=structure, until=datetime.date(2025, 6, 30), by=accountant)
    with pytest.raises(ClosingRefused, match="administrateur"):
        set_lock(structure=structure, until=datetime.date(2025, 3, 31), by=accountant, reason="x")
    admin = UserFactory(hub_admin=True)
    with pytest.raises(ClosingRefused, match="motif"):
        set_lock(structure=structure, until=datetime.date(2025, 3, 31), by=admin)
    assert Books.objects.get(structure=structure).locked_until == datetime.date(2025, 6, 30)
    set_lock(structure=structure, until=datetime.date(2025, 3, 31), by=admin, reason="Correction de mai")
    assert Books.objects.get(structure=structure).locked_until == datetime.date(2025, 3, 31)
    assert list(
        BooksLog.objects.filter(structure=structure).order_by("pk").values_list("action", "by", "new_lock")
    ) == [
        (BooksAction.LOCK, accountant.pk, datetime.date(2025, 6, 30)),
        (BooksAction.UNLOCK, admin.pk, datetime.date(2025, 3, 31)),
    ]


def test_contrepasser_reverses_an_entry_of_an_open_period_once(structure, accountant):
    entry = Entry.objects.get(structure=structure, journal__code="BQ", date=datetime.date(2025, 9, 1))
    reversal = reverse_with_log(entry=entry, by=accountant, reason="Doublon")
    assert (reversal.reversal_of, reversal.date, reversal.label) == (
        entry,
        entry.date,
        f"Extourne de {entry.reference} : Doublon",
    )
    with pytest.raises(ClosingRefused, match="déjà contrepassée"):
        reverse_with_log(entry=Entry.objects.get(pk=entry.pk), by=accountant, reason="encore")
    locked = Entry.objects.get(structure=structure, journal__code="VE", date=datetime.date(2025, 3, 10))
    set_lock(structure=structure, until=datetime.date(2025, 3, 31), by=accountant)
    count = Entry.objects.count()
    with pytest.raises(ClosingRefused, match="verrouillée"):
        reverse_with_log(entry=locked, by=accountant, reason="x")
    assert Entry.objects.count() == count


# --- Pages, command and API -----------------------------------------------------------------


def test_pages_show_the_checklist_and_close_after_confirmation(
    client, structure, year, accountant, django_assert_num_queries
):
    client.force_login(accountant)
    url = reverse("accounting:closing", args=[structure.slug])
    client.get(url)
    with django_assert_num_queries(12):
        page = client.get(url, {"exercice": 2025}).content.decode()
    assert 'class="check-ok" id="check-ended"' in page
    confirm = reverse("accounting:close_year", args=[structure.slug, 2025])
    assert f'href="{confirm}"' in page
    # The current year is not over: no button, the reason said instead.
    this_year = timezone.localdate().year
    open_fiscal_year(structure=structure, year=this_year)
    current = client.get(url, {"exercice": this_year}).content.decode()
    assert 'class="check-ko" id="check-ended"' in current
    assert reverse("accounting:close_year", args=[structure.slug, this_year]) not in current
    assert "La clôture sera possible quand chaque point marqué ✗ sera réglé." in current
    assert client.get(confirm).status_code == 200
    assert client.post(confirm, {}).status_code == 400  # the review box not ticked
    assert not FiscalYear.objects.get(pk=year.pk).is_closed
    assert client.post(confirm, {"reviewed": "on"}).status_code == 302
    assert FiscalYear.objects.get(pk=year.pk).is_closed
    # Reopening: a hub admin's page only.
    reopen = reverse("accounting:reopen_year", args=[structure.slug, 2025])
    assert client.get(reopen).status_code == 404
    client.force_login(UserFactory(hub_admin=True))
    assert client.post(reopen, {"reason": "Erreur d'imputation"}).status_code == 302
    assert not FiscalYear.objects.get(pk=year.pk).is_closed


def test_entry_reversal_and_lock_pages(client, structure, accountant, django_assert_num_queries):
    client.force_login(accountant)
    entry = Entry.objects.get(structure=structure, journal__code="BQ", date=datetime.date(2025, 9, 1))
    detail = reverse("accounting:entry", args=[structure.slug, entry.pk])
    lock = reverse("accounting:lock", args=[structure.slug])
    client.get(detail)
    with django_assert_num_queries(9):
        client.get(detail)
    with django_assert_num_queries(6):
        client.get(lock)
    assert "Contrepasser…" in client.get(detail).content.decode()
    confirm = reverse("accounting:entry_reverse", args=[structure.slug, entry.pk])
    assert client.post(confirm, {"reason": ""}).status_code == 400
    assert client.post(confirm, {"reason": "Doublon"}).status_code == 302
    assert "Doublon" in client.get(detail).content.decode()
    assert client.post(lock, {"until": "2025-06-30"}).status_code == 302
    assert client.post(lock, {"until": "2025-01-31", "reason": "x"}).status_code == 400
    assert client.post(lock, {"until": "99999-01-01"}).status_code == 400
    assert Books.objects.get(structure=structure).locked_until == datetime.date(2025, 6, 30)
    other = StructureRoleFactory(structure=StructureFactory(), role=StaffRole.ACCOUNTANT).user
    client.force_login(other)
    assert [client.get(u).status_code for u in (detail, confirm, lock)] == [404, 404, 404]


def test_close_year_command(structure, year):
    with pytest.raises(CommandError, match="Structure inconnue"):
        call_command("close_year", "nope", "2025", verbosity=0)
    call_command("close_year", structure.slug, "2025", verbosity=0)
    assert FiscalYear.objects.get(pk=year.pk).is_closed
    with pytest.raises(CommandError, match="terminé"):
        call_command("close_year", structure.slug, "2026", verbosity=0)


def test_close_api(structure, year, accountant):
    api = APIClient()
    api.force_login(StructureRoleFactory(structure=StructureFactory(), role=StaffRole.ACCOUNTANT).user)
    url = reverse("api:accounting-year-close", kwargs={"structure": structure.slug, "year": 2025})
    assert api.post(url).status_code == 404
    api.force_login(accountant)
    response = api.post(url)
    assert response.status_code == 200
    assert response.json() == {
        "structure": structure.slug, "year": "2025", "closed": True,
        "closed_at": response.json()["closed_at"], "opening_entry": "AN-2026-000001",
    }  # fmt: skip
    refused = api.post(reverse("api:accounting-year-close", kwargs={"structure": structure.slug, "year": 2026}))
    assert (refused.status_code, refused.json()["code"]) == (400, "refused")
    assert refused.json()["message"].startswith("Clôture de l'exercice 2026 impossible")


def test_the_demo_closed_2025_and_its_2026_fec_starts_with_the_an_entries(demo_hub, tmp_path):
    for slug in ("jardins-du-pole", "blanchisserie-solidaire", "comptoir-equitable"):
        assert FiscalYear.objects.get(structure__slug=slug, start_date__year=2025).is_closed
        fiscal_year = FiscalYear.objects.select_related("structure").get(structure__slug=slug, start_date=JAN_1)
        an_lines = EntryLine.objects.filter(entry__fiscal_year=fiscal_year, entry__journal__code="AN").count()
        assert an_lines > 0
        directory = tmp_path / slug
        directory.mkdir()
        path = write_fec(fiscal_year, directory)
        assert [str(p) for p in validate_fec(path, start_date=fiscal_year.start_date)] == []
        journals = [row.split("\t")[0] for row in path.read_text(encoding="utf-8").split("\n")[1:] if row]
        assert journals[:an_lines] == ["AN"] * an_lines
        assert "AN" not in journals[an_lines:]


def test_open_books_lines_count_a_balance_carried_forward_once(structure, year):
    """C2's 120 € crosses the year-end: counted in 2025's lines and again in 2026's à-nouveaux when summing
    everything; once from the first open year — before and after the payment, and after a reopening."""
    from django.db.models import Sum

    from accounting.selectors import open_books_lines

    def c2(lines) -> D:
        return lines.filter(entry__structure=structure, account__code="411", auxiliary_code="C2").aggregate(
            balance=Sum("debit") - Sum("credit")
        )["balance"]

    everything = EntryLine.objects.all()
    assert (c2(everything), c2(open_books_lines())) == (D("120.00"), D("120.00"))
    close_year(fiscal_year=year)
    assert (c2(everything), c2(open_books_lines())) == (D("240.00"), D("120.00"))
    post_document(DocumentFactory(structure=structure, date=datetime.date(2026, 1, 12), journal="BQ",
                                  lines=(dl("512", "120.00"), dl("411", credit="120.00", aux="C2"))))  # fmt: skip
    assert (c2(everything), c2(open_books_lines())) == (D("120.00"), D("0.00"))
    reopen_year(fiscal_year=year, by=UserFactory(hub_admin=True), reason="Correction d'une facture de 2025")
    assert (c2(everything), c2(open_books_lines())) == (D("0.00"), D("0.00"))
