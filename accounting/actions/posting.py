"""Posting: `post_document` is the one place where the rules of DOMAIN.md 13 are checked — balanced to the
cent, one of debit/credit per line, known accounts, open period, gapless numbering at posting, and
idempotency on the document's key; and reversal, which posts the mirror entry."""

import datetime
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounting.documents import Document, DocumentLine, IdempotencyKey, clean_text
from accounting.enums import BALANCE_SHEET_CLASSES, JournalCode
from accounting.exceptions import (
    EmptyDocument,
    FiscalYearClosed,
    FutureEntry,
    InactiveAccount,
    InvalidLine,
    NoFiscalYear,
    OpeningAccountOutOfRange,
    PeriodLocked,
    UnbalancedEntry,
    UnknownAccount,
    UnknownJournal,
)
from accounting.models import Account, Entry, EntryCounter, EntryLine, FiscalYear, Journal

CENT = Decimal("0.01")
# DecimalField(max_digits=12, decimal_places=2).
MAX_AMOUNT = Decimal("9999999999.99")


def _check_amount(amount) -> None:
    if not isinstance(amount, Decimal):
        # Money is never a float: refuse it rather than round it silently.
        raise InvalidLine(_("Un montant doit être un Decimal, pas un %(type)s.") % {"type": type(amount).__name__})
    if not amount.is_finite() or amount < 0:
        raise InvalidLine(_("Montant négatif ou invalide : %(amount)s.") % {"amount": amount})
    if amount != amount.quantize(CENT) or amount > MAX_AMOUNT:
        raise InvalidLine(_("Montant au centime près et inférieur à 10 milliards : %(amount)s.") % {"amount": amount})


def _check_document(document: Document) -> None:
    """The rules that need no database: known journal, at least two lines, each valid, balanced."""
    if document.journal not in JournalCode.values:
        raise UnknownJournal(document.journal)
    if len(document.lines) < 2:
        raise EmptyDocument()
    for line in document.lines:
        _check_amount(line.debit)
        _check_amount(line.credit)
        if (line.debit > 0) == (line.credit > 0):
            raise InvalidLine(
                _(
                    "Compte %(account)s : une ligne porte soit un débit, soit un crédit (débit %(debit)s, crédit %(credit)s)."
                )
                % {"account": line.account, "debit": line.debit, "credit": line.credit}
            )
    if document.total_debit != document.total_credit:
        raise UnbalancedEntry(document.total_debit, document.total_credit)
    if document.date > timezone.localdate():
        # An entry records what happened: nothing is booked ahead of the day it happens.
        raise FutureEntry(document.date)


def _lock_counter(document: Document) -> EntryCounter:
    """Lock the numbering counter of the document's journal and fiscal year (and fetch both)."""
    counters = (
        EntryCounter.objects.select_for_update(of=("self",))
        .select_related("fiscal_year", "journal", "fiscal_year__structure__books")
        .filter(
            journal__structure=document.structure,
            journal__code=document.journal,
            fiscal_year__structure=document.structure,
            fiscal_year__start_date__lte=document.date,
            fiscal_year__end_date__gte=document.date,
        )
    )
    counter = counters.first()
    if counter is not None:
        return counter
    # Off the hot path: say what is missing, or create the counter a fiscal year lacked.
    journal = Journal.objects.filter(structure=document.structure, code=document.journal).first()
    if journal is None:
        raise UnknownJournal(document.journal)
    fiscal_year = FiscalYear.objects.filter(structure=document.structure).covering(document.date).first()
    if fiscal_year is None:
        raise NoFiscalYear(document.date)
    EntryCounter.objects.get_or_create(fiscal_year=fiscal_year, journal=journal)
    return counters.get()


def post_document(document: Document) -> Entry:
    """Post a document as one numbered, immutable entry of the structure's books.

    Refused (domain exception, nothing written) when it does not balance to the cent, a line has
    both or neither of debit and credit or a negative amount, it is dated after today, an account
    is not in the chart or deactivated, no fiscal year covers its date, the year is closed or the period locked,
    or an opening (AN) entry touches accounts outside classes 1 to 5. The number is taken at
    posting, gapless per (structure, fiscal year, journal), under a row lock held until commit. A
    document whose idempotency key was already posted returns the existing entry and posts nothing.

    Inside the caller's transaction (a sale and its entry commit together) it takes no savepoint of
    its own: every check reads before the first write, so a refusal leaves nothing behind, and the
    three writes commit or roll back with the caller's. Alone, it runs in its own transaction.
    """
    _check_document(document)
    if connection.in_atomic_block:
        return _post_document(document)
    with transaction.atomic():
        return _post_document(document)


def _post_document(document: Document) -> Entry:
    counter = _lock_counter(document)
    key = document.key
    # Checked under the counter lock: a concurrent post of the same key to the same journal has
    # committed by now, so this read sees it.
    existing = Entry.objects.filter(
        structure=document.structure, source_kind=key.source_kind, source_id=key.source_id, event=key.event
    ).first()
    if existing is not None:
        return existing

    fiscal_year = counter.fiscal_year
    if fiscal_year.is_closed:
        raise FiscalYearClosed(fiscal_year)
    books = getattr(fiscal_year.structure, "books", None)
    if books is not None and books.locked_until and document.date <= books.locked_until:
        raise PeriodLocked(document.date, books.locked_until)

    codes = {line.account for line in document.lines}
    accounts = {
        account.code: account for account in Account.objects.filter(structure=document.structure, code__in=codes)
    }
    if missing := codes - accounts.keys():
        raise UnknownAccount(missing)
    if inactive := {code for code, account in accounts.items() if not account.is_active}:
        raise InactiveAccount(inactive)
    outside = {code for code, account in accounts.items() if account.account_class not in BALANCE_SHEET_CLASSES}
    if document.journal == JournalCode.OPENING and outside:
        raise OpeningAccountOutOfRange(outside)

    EntryCounter.objects.filter(pk=counter.pk).update(last_number=F("last_number") + 1)
    number = counter.last_number + 1  # the row is locked: nobody moved it since we read it
    entry = Entry.objects.create(
        structure=document.structure,
        journal=counter.journal,
        fiscal_year=fiscal_year,
        number=number,
        reference=f"{document.journal}-{fiscal_year.start_date.year}-{number:06d}",
        date=document.date,
        piece_ref=clean_text(document.piece_ref),
        piece_date=document.piece_date,
        label=clean_text(document.label),
        validation_date=timezone.localdate(),
        source_kind=key.source_kind,
        source_id=key.source_id,
        event=key.event,
        reversal_of_id=document.reverses_entry_id,
    )
    EntryLine.objects.bulk_create(
        EntryLine(
            entry=entry,
            position=position,
            account=accounts[line.account],
            debit=line.debit,
            credit=line.credit,
            label=clean_text(line.label),
            auxiliary_code=clean_text(line.auxiliary_code),
            auxiliary_name=clean_text(line.auxiliary_name),
        )
        for position, line in enumerate(document.lines, start=1)
    )
    return entry


@transaction.atomic
def reverse_entry(*, entry: Entry, date: datetime.date, label: str) -> Entry:
    """Cancel a posted entry by an extourne: the same lines, debits and credits swapped.

    The only way to correct the books (posted entries never change). Reversing twice returns
    the first reversal.
    """
    lines = tuple(
        DocumentLine(
            account=line.account.code,
            debit=line.credit,
            credit=line.debit,
            label=line.label,
            auxiliary_code=line.auxiliary_code,
            auxiliary_name=line.auxiliary_name,
        )
        for line in entry.lines.select_related("account").order_by("position")
    )
    return post_document(
        Document(
            structure=entry.structure,
            journal=entry.journal.code,
            date=date,
            piece_ref=entry.reference,
            piece_date=date,
            label=label,
            lines=lines,
            key=IdempotencyKey(source_kind="entry", source_id=str(entry.pk), event="reversal"),
            reverses_entry_id=entry.pk,
        )
    )
