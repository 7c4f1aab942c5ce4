import datetime
from decimal import Decimal

import pytest

from accounting.actions import close_fiscal_year, lock_period, open_fiscal_year, post_document
from accounting.documents import DocumentLine
from accounting.exceptions import FiscalYearError
from accounting.models import Entry, FiscalYear
from tests.accounting.factories import DocumentFactory, StructureFactory

pytestmark = pytest.mark.django_db


def _post_2025_activity(structure):
    post_document(DocumentFactory(structure=structure))  # D 411 120 / C 706 100 / C 445711 20
    post_document(DocumentFactory(structure=structure, payment=True))  # D 512 120 / C 411 120
    post_document(
        DocumentFactory(
            structure=structure,
            journal="AC",
            label="Frais bancaires",
            lines=(
                DocumentLine(account="627", debit=Decimal("30.00")),
                DocumentLine(account="512", credit=Decimal("30.00")),
            ),
        )
    )
    post_document(  # an unpaid invoice: its customer balance must survive into 2026
        DocumentFactory(
            structure=structure,
            lines=(
                DocumentLine(
                    account="411", debit=Decimal("50.00"), auxiliary_code="C0002", auxiliary_name="Client C0002"
                ),
                DocumentLine(account="706", credit=Decimal("50.00")),
            ),
        )
    )


def _lines(entry):
    return list(
        entry.lines.order_by("position").values_list(
            "account__code", "debit", "credit", "auxiliary_code", "auxiliary_name"
        )
    )


def test_opening_the_next_year_then_closing_the_previous_posts_the_opening_entry(structure, fiscal_year):
    _post_2025_activity(structure)

    next_year = open_fiscal_year(structure=structure, year=2026)
    assert (next_year.start_date, next_year.end_date) == (datetime.date(2026, 1, 1), datetime.date(2026, 12, 31))
    assert not Entry.objects.filter(fiscal_year=next_year).exists()  # 2025 is still open: its balances may move

    post_document(DocumentFactory(structure=structure, date=datetime.date(2026, 1, 15)))
    close_fiscal_year(fiscal_year=fiscal_year)

    opening = Entry.objects.get(fiscal_year=next_year, journal__code="AN")
    assert opening.reference == "AN-2026-000001"
    assert (opening.date, opening.piece_ref, opening.label) == (
        datetime.date(2026, 1, 1),
        "AN-2026",
        "À-nouveaux de l'exercice 2026",
    )
    # Surplus 2025 = 100 + 50 − 30 = 120, carried to 120 until the assembly allocates it.
    assert _lines(opening) == [
        ("411", Decimal("50.00"), Decimal("0.00"), "C0002", "Client C0002"),
        ("445711", Decimal("0.00"), Decimal("20.00"), "", ""),
        ("512", Decimal("90.00"), Decimal("0.00"), "", ""),
        ("120", Decimal("0.00"), Decimal("120.00"), "", ""),
    ]
    fiscal_year.refresh_from_db()
    assert fiscal_year.is_closed


def test_a_deficit_is_carried_to_129(structure, fiscal_year):
    post_document(
        DocumentFactory(
            structure=structure,
            journal="AC",
            lines=(
                DocumentLine(account="627", debit=Decimal("30.00")),
                DocumentLine(account="512", credit=Decimal("30.00")),
            ),
        )
    )
    close_fiscal_year(fiscal_year=fiscal_year)
    next_year = open_fiscal_year(structure=structure, year=2026)
    opening = Entry.objects.get(fiscal_year=next_year)
    assert _lines(opening) == [
        ("512", Decimal("0.00"), Decimal("30.00"), "", ""),
        ("129", Decimal("30.00"), Decimal("0.00"), "", ""),
    ]


def test_opening_entries_are_posted_once(structure, fiscal_year):
    _post_2025_activity(structure)
    close_fiscal_year(fiscal_year=fiscal_year)
    open_fiscal_year(structure=structure, year=2026)
    open_fiscal_year(structure=structure, year=2026)
    close_fiscal_year(fiscal_year=fiscal_year)
    assert FiscalYear.objects.filter(structure=structure).count() == 2
    assert Entry.objects.filter(structure=structure, journal__code="AN").count() == 1


def test_an_empty_year_carries_nothing(structure, fiscal_year):
    close_fiscal_year(fiscal_year=fiscal_year)
    next_year = open_fiscal_year(structure=structure, year=2026)
    assert not Entry.objects.filter(fiscal_year=next_year).exists()


def test_a_year_that_does_not_follow_the_last_one_is_refused(structure):
    with pytest.raises(FiscalYearError, match="01/01/2026"):
        open_fiscal_year(structure=structure, year=2027)
    assert FiscalYear.objects.filter(structure=structure).count() == 1


def test_closing_before_the_previous_year_is_refused(structure, fiscal_year):
    next_year = open_fiscal_year(structure=structure, year=2026)
    with pytest.raises(FiscalYearError, match="Clôturez d'abord l'exercice 2025"):
        close_fiscal_year(fiscal_year=next_year)
    next_year.refresh_from_db()
    assert not next_year.is_closed


def test_a_lock_never_moves_back(structure):
    lock_period(structure=structure, until=datetime.date(2025, 6, 30))
    with pytest.raises(FiscalYearError, match="un verrou ne recule pas"):
        lock_period(structure=structure, until=datetime.date(2025, 3, 31))
    structure.books.refresh_from_db()
    assert structure.books.locked_until == datetime.date(2025, 6, 30)


def test_a_year_is_closed_only_after_its_last_day():
    structure = StructureFactory()  # its books open on the fiscal year covering today
    current = FiscalYear.objects.get(structure=structure)

    with pytest.raises(FiscalYearError) as refused:
        close_fiscal_year(fiscal_year=current)

    assert str(refused.value) == (
        f"L'exercice {current.name} se termine le {current.end_date:%d/%m/%Y} : "
        "il ne peut être clôturé qu'après ce jour."
    )
    current.refresh_from_db()
    assert (current.is_closed, current.closed_at) == (False, None)
