import datetime
from decimal import Decimal

import pytest

from accounting.actions import letter_lines, lettering_code_for, post_document, reverse_entry
from accounting.exceptions import FiscalYearClosed, LetteringError
from accounting.models import Entry, EntryLine, FiscalYear
from tests.accounting.factories import DocumentFactory

pytestmark = pytest.mark.django_db


def _lines(entry):
    return list(entry.lines.order_by("position").values_list("account__code", "debit", "credit", "auxiliary_code"))


def test_reversal_swaps_debits_and_credits(structure):
    entry = post_document(DocumentFactory(structure=structure))

    reversal = reverse_entry(entry=entry, date=datetime.date(2025, 3, 20), label="Annulation facture")

    reversal.refresh_from_db()
    assert reversal.reference == "VE-2025-000002"
    assert reversal.reversal_of == entry
    assert (reversal.date, reversal.piece_ref, reversal.label) == (
        datetime.date(2025, 3, 20),
        "VE-2025-000001",
        "Annulation facture",
    )
    assert (reversal.source_kind, reversal.source_id, reversal.event) == ("entry", str(entry.pk), "reversal")
    assert _lines(reversal) == [
        ("411", Decimal("0.00"), Decimal("120.00"), "C0001"),
        ("706", Decimal("100.00"), Decimal("0.00"), ""),
        ("445711", Decimal("20.00"), Decimal("0.00"), ""),
    ]
    assert _lines(entry) == [
        ("411", Decimal("120.00"), Decimal("0.00"), "C0001"),
        ("706", Decimal("0.00"), Decimal("100.00"), ""),
        ("445711", Decimal("0.00"), Decimal("20.00"), ""),
    ]


def test_reversing_twice_returns_the_first_reversal(structure):
    entry = post_document(DocumentFactory(structure=structure))
    first = reverse_entry(entry=entry, date=datetime.date(2025, 3, 20), label="Annulation")
    second = reverse_entry(entry=entry, date=datetime.date(2025, 3, 21), label="Annulation bis")
    assert second.pk == first.pk
    assert Entry.objects.filter(structure=structure).count() == 2


def test_reversal_into_a_closed_year_is_refused(structure, fiscal_year):
    entry = post_document(DocumentFactory(structure=structure))
    FiscalYear.objects.filter(pk=fiscal_year.pk).update(
        is_closed=True, closed_at=datetime.datetime(2026, 1, 5, tzinfo=datetime.UTC)
    )
    with pytest.raises(FiscalYearClosed):
        reverse_entry(entry=entry, date=datetime.date(2025, 12, 31), label="Annulation")
    assert Entry.objects.filter(structure=structure).count() == 1


def test_lettering_codes_run_aaa_aab():
    assert [lettering_code_for(n) for n in (1, 2, 26, 27, 17576, 17577)] == ["AAA", "AAB", "AAZ", "ABA", "ZZZ", "BAAA"]


def _customer_lines(structure):
    invoice = post_document(DocumentFactory(structure=structure))
    payment = post_document(DocumentFactory(structure=structure, payment=True))
    return invoice.lines.get(account__code="411"), payment.lines.get(account__code="411")


def test_lettering_an_invoice_and_its_payment(structure):
    invoice_line, payment_line = _customer_lines(structure)

    code = letter_lines(lines=[invoice_line, payment_line], on=datetime.date(2025, 4, 2))

    assert code == "AAA"
    assert set(EntryLine.objects.filter(pk__in=[invoice_line.pk, payment_line.pk]).values_list(
        "lettering_code", "lettering_date"
    )) == {("AAA", datetime.date(2025, 4, 2))}  # fmt: skip
    second_invoice, second_payment = _customer_lines(structure)
    assert letter_lines(lines=[second_invoice, second_payment], on=datetime.date(2025, 4, 3)) == "AAB"


def test_lettering_with_a_given_code(structure):
    invoice_line, payment_line = _customer_lines(structure)
    assert letter_lines(lines=[invoice_line, payment_line], code="X1", on=datetime.date(2025, 4, 2)) == "X1"
    assert invoice_line.account.lettering_counter == 0


def _refused(lines, match, **kwargs):
    before = list(EntryLine.objects.order_by("pk").values_list("pk", "lettering_code", "lettering_date"))
    with pytest.raises(LetteringError, match=match):
        letter_lines(lines=lines, **kwargs)
    assert list(EntryLine.objects.order_by("pk").values_list("pk", "lettering_code", "lettering_date")) == before


def test_lettering_lines_that_do_not_cancel_out_is_refused(structure):
    invoice_line, _payment_line = _customer_lines(structure)
    other_invoice, _other_payment = _customer_lines(structure)
    _refused([invoice_line, other_invoice], "ne se soldent pas")


def test_lettering_lines_of_two_accounts_is_refused(structure):
    invoice = post_document(DocumentFactory(structure=structure))
    _refused(list(invoice.lines.all()), "un seul compte")


def test_lettering_twice_is_refused(structure):
    invoice_line, payment_line = _customer_lines(structure)
    letter_lines(lines=[invoice_line, payment_line], on=datetime.date(2025, 4, 2))
    _refused([invoice_line, payment_line], "déjà lettrée")


def test_lettering_a_single_line_is_refused(structure):
    invoice_line, _payment_line = _customer_lines(structure)
    _refused([invoice_line], "au moins deux")


def test_reusing_a_lettering_code_is_refused(structure):
    invoice_line, payment_line = _customer_lines(structure)
    letter_lines(lines=[invoice_line, payment_line], code="X1", on=datetime.date(2025, 4, 2))
    other_invoice, other_payment = _customer_lines(structure)
    _refused([other_invoice, other_payment], "déjà utilisé", code="X1")


@pytest.mark.parametrize("code", ["", "a1", "TROP-LONG-CODE", "A B"])
def test_a_malformed_lettering_code_is_refused(structure, code):
    invoice_line, payment_line = _customer_lines(structure)
    _refused([invoice_line, payment_line], "1 à 10 lettres majuscules", code=code)
