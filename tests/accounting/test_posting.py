import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounting.actions import close_fiscal_year, lock_period, open_fiscal_year, post_document
from accounting.documents import DocumentLine, IdempotencyKey
from accounting.exceptions import (
    EmptyDocument,
    FiscalYearClosed,
    FutureEntry,
    InvalidLine,
    NoFiscalYear,
    OpeningAccountOutOfRange,
    PeriodLocked,
    UnbalancedEntry,
    UnknownAccount,
    UnknownJournal,
)
from accounting.models import Account, Entry, EntryCounter, EntryLine, FiscalYear
from tests.accounting.factories import DocumentFactory

pytestmark = pytest.mark.django_db


def _nothing_posted(structure) -> bool:
    return (
        not Entry.objects.filter(structure=structure).exists()
        and not EntryLine.objects.filter(entry__structure=structure).exists()
        and set(EntryCounter.objects.filter(journal__structure=structure).values_list("last_number", flat=True)) == {0}
    )


def test_posting_a_balanced_invoice(structure, fiscal_year):
    document = DocumentFactory(structure=structure, piece_ref="FAC-2025-00042", label="Facture FAC-2025-00042")

    entry = post_document(document)

    entry.refresh_from_db()
    assert entry.reference == "VE-2025-000001"
    assert entry.number == 1
    assert entry.journal.code == "VE"
    assert entry.fiscal_year == fiscal_year
    assert (entry.date, entry.piece_date) == (datetime.date(2025, 3, 10), datetime.date(2025, 3, 10))
    assert entry.piece_ref == "FAC-2025-00042"
    assert entry.label == "Facture FAC-2025-00042"
    assert (entry.source_kind, entry.source_id, entry.event) == (
        document.key.source_kind,
        document.key.source_id,
        "issued",
    )
    rows = list(
        entry.lines.order_by("position").values_list("position", "account__code", "debit", "credit", "auxiliary_code")
    )
    assert rows == [
        (1, "411", Decimal("120.00"), Decimal("0.00"), "C0001"),
        (2, "706", Decimal("0.00"), Decimal("100.00"), ""),
        (3, "445711", Decimal("0.00"), Decimal("20.00"), ""),
    ]
    assert EntryCounter.objects.get(fiscal_year=fiscal_year, journal__code="VE").last_number == 1


def test_numbers_are_gapless_per_journal_and_formatted(structure):
    references = [post_document(DocumentFactory(structure=structure)).reference for _ in range(3)]
    references.append(post_document(DocumentFactory(structure=structure, payment=True)).reference)
    references.append(post_document(DocumentFactory(structure=structure)).reference)
    assert references == ["VE-2025-000001", "VE-2025-000002", "VE-2025-000003", "BQ-2025-000001", "VE-2025-000004"]


def test_a_refused_document_does_not_consume_a_number(structure):
    post_document(DocumentFactory(structure=structure))
    with pytest.raises(UnknownAccount):
        post_document(DocumentFactory(structure=structure, lines=(
            DocumentLine(account="411", debit=Decimal("5.00")), DocumentLine(account="999", credit=Decimal("5.00"))
        )))  # fmt: skip
    assert post_document(DocumentFactory(structure=structure)).reference == "VE-2025-000002"


def test_the_same_key_twice_posts_once(structure):
    key = IdempotencyKey(source_kind="invoice", source_id="42", event="issued")
    first = post_document(DocumentFactory(structure=structure, key=key))
    second = post_document(DocumentFactory(structure=structure, key=key, piece_ref="AUTRE"))
    assert second.pk == first.pk
    assert Entry.objects.filter(structure=structure).count() == 1
    assert EntryLine.objects.filter(entry__structure=structure).count() == 3
    assert EntryCounter.objects.get(journal__structure=structure, journal__code="VE").last_number == 1


def test_an_unbalanced_document_is_refused(structure):
    with pytest.raises(UnbalancedEntry) as error:
        post_document(DocumentFactory(structure=structure, unbalanced=True))
    assert str(error.value) == "Écriture déséquilibrée : 120,00\u00a0€ au débit pour 100,00\u00a0€ au crédit."
    assert _nothing_posted(structure)


@pytest.mark.parametrize(
    ("debit", "credit"),
    [("10.00", "10.00"), ("0.00", "0.00"), ("-10.00", "0.00"), ("10.001", "0.00")],
    ids=["both", "neither", "negative", "three-decimals"],
)
def test_an_invalid_line_is_refused(structure, debit, credit):
    lines = (
        DocumentLine(account="411", debit=Decimal(debit), credit=Decimal(credit)),
        DocumentLine(account="706", credit=Decimal("10.00")),
    )
    with pytest.raises(InvalidLine):
        post_document(DocumentFactory(structure=structure, lines=lines))
    assert _nothing_posted(structure)


def test_a_float_amount_is_refused(structure):
    lines = (DocumentLine(account="411", debit=10.0), DocumentLine(account="706", credit=Decimal("10.00")))
    with pytest.raises(InvalidLine, match="Decimal"):
        post_document(DocumentFactory(structure=structure, lines=lines))
    assert _nothing_posted(structure)


def test_a_single_line_is_refused(structure):
    with pytest.raises(EmptyDocument):
        post_document(DocumentFactory(structure=structure, lines=(DocumentLine(account="411", debit=Decimal("1.00")),)))
    assert _nothing_posted(structure)


def test_an_unknown_account_is_refused(structure):
    lines = (DocumentLine(account="411", debit=Decimal("5.00")), DocumentLine(account="7069", credit=Decimal("5.00")))
    with pytest.raises(UnknownAccount) as error:
        post_document(DocumentFactory(structure=structure, lines=lines))
    assert str(error.value) == "Compte inconnu dans le plan comptable de la structure : 7069."
    assert _nothing_posted(structure)


def test_an_unknown_journal_is_refused(structure):
    with pytest.raises(UnknownJournal):
        post_document(DocumentFactory(structure=structure, journal="XX"))
    assert _nothing_posted(structure)


def test_a_date_outside_every_fiscal_year_is_refused(structure):
    with pytest.raises(NoFiscalYear) as error:
        post_document(DocumentFactory(structure=structure, date=datetime.date(2026, 1, 1)))
    assert str(error.value) == "Aucun exercice comptable ne couvre le 01/01/2026."
    assert _nothing_posted(structure)


def test_an_entry_dated_after_today_is_refused(structure):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    while not FiscalYear.objects.filter(structure=structure).covering(tomorrow).exists():  # a year open for that day
        open_fiscal_year(
            structure=structure,
            year=FiscalYear.objects.filter(structure=structure).order_by("-end_date").first().end_date.year + 1,
        )
    with pytest.raises(FutureEntry) as error:
        post_document(DocumentFactory(structure=structure, date=tomorrow))
    assert str(error.value) == (
        f"Une écriture ne peut pas être datée après aujourd'hui : {tomorrow:%d/%m/%Y} est dans le futur."
    )
    assert _nothing_posted(structure)


def test_a_refusal_inside_a_transaction_leaves_it_usable(structure, fiscal_year):
    """No savepoint of its own: every refusal comes before the first write, so the caller's transaction
    goes on (here the next posting takes number 1: the refused one consumed nothing)."""
    with transaction.atomic():
        with pytest.raises(UnbalancedEntry):
            post_document(
                DocumentFactory(
                    structure=structure,
                    lines=(
                        DocumentLine(account="411", debit=Decimal("5.00")),
                        DocumentLine(account="706", credit=Decimal("4.00")),
                    ),
                )
            )
        with pytest.raises(UnknownAccount):
            post_document(
                DocumentFactory(
                    structure=structure,
                    lines=(
                        DocumentLine(account="999", debit=Decimal("5.00")),
                        DocumentLine(account="706", credit=Decimal("5.00")),
                    ),
                )
            )
        entry = post_document(DocumentFactory(structure=structure))
    assert entry.number == 1


def test_a_closed_fiscal_year_is_refused(structure, fiscal_year):
    close_fiscal_year(fiscal_year=fiscal_year)
    with pytest.raises(FiscalYearClosed) as error:
        post_document(DocumentFactory(structure=structure))
    assert str(error.value) == "L'exercice 2025 est clôturé : il n'accepte plus d'écriture."
    assert _nothing_posted(structure)


def test_a_locked_period_is_refused(structure):
    lock_period(structure=structure, until=datetime.date(2025, 3, 31))
    with pytest.raises(PeriodLocked) as error:
        post_document(DocumentFactory(structure=structure, date=datetime.date(2025, 3, 31)))
    assert str(error.value) == (
        "La période est verrouillée jusqu'au 31/03/2025 : impossible de passer une écriture au 31/03/2025."
    )
    assert _nothing_posted(structure)
    assert post_document(DocumentFactory(structure=structure, date=datetime.date(2025, 4, 1))).number == 1


def test_opening_entries_carry_classes_1_to_5_only(structure):
    lines = (DocumentLine(account="512", debit=Decimal("5.00")), DocumentLine(account="706", credit=Decimal("5.00")))
    with pytest.raises(OpeningAccountOutOfRange) as error:
        post_document(DocumentFactory(structure=structure, journal="AN", date=datetime.date(2025, 1, 1), lines=lines))
    assert str(error.value) == "Les à-nouveaux ne portent que sur les classes 1 à 5 ; comptes refusés : 706."
    assert _nothing_posted(structure)


def test_a_retry_after_closing_still_returns_the_posted_entry(structure, fiscal_year):
    document = DocumentFactory(structure=structure)
    entry = post_document(document)
    FiscalYear.objects.filter(pk=fiscal_year.pk).update(
        is_closed=True, closed_at=datetime.datetime(2026, 2, 1, tzinfo=datetime.UTC)
    )
    assert post_document(document).pk == entry.pk


def test_post_document_query_count(structure, django_assert_num_queries):
    post_document(DocumentFactory(structure=structure))  # warm the counter row, as in production
    document = DocumentFactory(structure=structure)
    # Inside the caller's transaction, no savepoint of its own: lock counter (+ fiscal year, journal,
    # books), key, accounts, counter += 1, entry, lines.
    with django_assert_num_queries(6):
        post_document(document)
    # A retry: lock, key found.
    with django_assert_num_queries(2):
        post_document(document)


def test_fec_separators_are_cleaned_from_posted_text(structure):
    lines = (
        DocumentLine(
            account="411", debit=Decimal("5.00"), label="Ligne\t1|a", auxiliary_code="C\n1", auxiliary_name="Nom\x01 X"
        ),
        DocumentLine(account="706", credit=Decimal("5.00")),
    )
    entry = post_document(
        DocumentFactory(structure=structure, label="Libellé\r\nsur deux lignes", piece_ref="F|1", lines=lines)
    )
    entry.refresh_from_db()
    assert (entry.label, entry.piece_ref) == ("Libellé  sur deux lignes", "F 1")
    assert entry.lines.values_list("label", "auxiliary_code", "auxiliary_name").get(position=1) == (
        "Ligne 1 a",
        "C 1",
        "Nom X",
    )


def test_the_database_refuses_fec_separators_in_text(structure):
    entry = post_document(DocumentFactory(structure=structure))
    line = EntryLine(entry=entry, position=4, account=entry.lines.first().account, debit=1, label="a\tb")
    with pytest.raises(IntegrityError), transaction.atomic():
        line.save()
    with pytest.raises(IntegrityError), transaction.atomic():
        Account.objects.create(structure=structure, code="7066", label="Deux\nlignes")
    assert entry.lines.count() == 3
    assert not Account.objects.filter(structure=structure, code="7066").exists()
