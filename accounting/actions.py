"""Workflows of the books: set them up, post documents, reverse, letter, open and close years.

Every posting goes through `post_document`, the one place where the rules of DOMAIN.md 13 are
checked: balanced to the cent, one of debit/credit per line, known accounts, open period,
gapless numbering at posting, and idempotency on the document's key.
"""

import calendar
import datetime
import re
from collections.abc import Iterable
from decimal import Decimal

from django.db import transaction
from django.db.models import F, Max, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from accounting.chart import LOSS_ACCOUNT, PROFIT_ACCOUNT, chart_for
from accounting.documents import ZERO, Document, DocumentLine, IdempotencyKey, clean_text
from accounting.enums import BALANCE_SHEET_CLASSES, JournalCode
from accounting.exceptions import (
    BooksNotSetUp,
    EmptyDocument,
    FiscalYearClosed,
    FiscalYearError,
    InvalidLine,
    LetteringError,
    NoFiscalYear,
    OpeningAccountOutOfRange,
    PeriodLocked,
    UnbalancedEntry,
    UnknownAccount,
    UnknownJournal,
)
from accounting.models import Account, Books, Entry, EntryCounter, EntryLine, FiscalYear, Journal
from hub.models import Structure

CENT = Decimal("0.01")
LETTERING_CODE_RE = re.compile(r"[A-Z0-9]{1,10}")
# DecimalField(max_digits=12, decimal_places=2).
MAX_AMOUNT = Decimal("9999999999.99")

# Journal labels are data of the legal record (JournalLib of the FEC): French, whatever the
# language of whoever sets the books up.
JOURNAL_LABELS = {
    JournalCode.OPENING: "À-nouveaux",
    JournalCode.SALES: "Ventes",
    JournalCode.PURCHASES: "Achats",
    JournalCode.BANK: "Banque",
    JournalCode.STRIPE: "Stripe",
    JournalCode.CASH: "Caisse",
    JournalCode.MISC: "Opérations diverses",
}


# --- Setting the books up --------------------------------------------------------------------


def _add_months(date: datetime.date, months: int) -> datetime.date:
    month_index = date.month - 1 + months
    year, month = date.year + month_index // 12, month_index % 12 + 1
    return date.replace(year=year, month=month, day=min(date.day, calendar.monthrange(year, month)[1]))


def fiscal_year_bounds(*, start_month: int, year: int) -> tuple[datetime.date, datetime.date]:
    """A fiscal year named after the calendar year it starts in, twelve months long."""
    start = datetime.date(year, start_month, 1)
    return start, _add_months(start, 12) - datetime.timedelta(days=1)


@transaction.atomic
def setup_books(*, structure: Structure, on: datetime.date | None = None) -> Books:
    """Create what a structure's books need, and only what is missing (safe to call again).

    The chart of DOMAIN.md rule 11 (with one 467 account per other structure of the hub, so
    calling it for every structure after a new one appears adds the missing 467), the seven
    journals, the fiscal year covering `on` (today by default) if the structure has none, and
    one numbering counter per journal and fiscal year.
    """
    books, _created = Books.objects.get_or_create(structure=structure)

    existing_codes = set(Account.objects.filter(structure=structure).values_list("code", flat=True))
    counterparts = Structure.objects.exclude(pk=structure.pk).only("pk", "name")
    Account.objects.bulk_create(
        [
            Account(structure=structure, code=code, label=clean_text(label))
            for code, label in chart_for(structure, counterparts)
            if code not in existing_codes
        ]
    )

    existing_journals = set(Journal.objects.filter(structure=structure).values_list("code", flat=True))
    Journal.objects.bulk_create(
        [
            Journal(structure=structure, code=code, label=JOURNAL_LABELS[code])
            for code in JournalCode
            if code not in existing_journals
        ]
    )

    if not FiscalYear.objects.filter(structure=structure).exists():
        on = on or timezone.localdate()
        year = on.year if on.month >= books.fiscal_year_start_month else on.year - 1
        start, end = fiscal_year_bounds(start_month=books.fiscal_year_start_month, year=year)
        FiscalYear.objects.create(structure=structure, start_date=start, end_date=end)
    _ensure_counters(structure)
    return books


def _ensure_counters(structure: Structure) -> None:
    existing = set(
        EntryCounter.objects.filter(journal__structure=structure).values_list("fiscal_year_id", "journal_id")
    )
    EntryCounter.objects.bulk_create(
        [
            EntryCounter(fiscal_year_id=fiscal_year_id, journal_id=journal_id)
            for fiscal_year_id in FiscalYear.objects.filter(structure=structure).values_list("pk", flat=True)
            for journal_id in Journal.objects.filter(structure=structure).values_list("pk", flat=True)
            if (fiscal_year_id, journal_id) not in existing
        ],
        ignore_conflicts=True,
    )


def _books(structure: Structure) -> Books:
    try:
        return Books.objects.get(structure=structure)
    except Books.DoesNotExist:
        raise BooksNotSetUp(structure) from None


# --- Posting ---------------------------------------------------------------------------------


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


@transaction.atomic
def post_document(document: Document) -> Entry:
    """Post a document as one numbered, immutable entry of the structure's books.

    Refused (domain exception, nothing written) when it does not balance to the cent, a line has
    both or neither of debit and credit or a negative amount, an account is not in the chart,
    no fiscal year covers its date, the year is closed or the period locked, or an opening (AN)
    entry touches accounts outside classes 1 to 5. The number is taken at posting, gapless per
    (structure, fiscal year, journal), under a row lock held until commit. A document whose
    idempotency key was already posted returns the existing entry and posts nothing.
    """
    _check_document(document)
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


# --- Lettering -------------------------------------------------------------------------------


def lettering_code_for(number: int) -> str:
    """1 → AAA, 2 → AAB … : letters only, three at least, in the order they were handed out."""
    letters = ""
    number -= 1
    while number or len(letters) < 3:
        number, rest = divmod(number, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


@transaction.atomic
def letter_lines(*, lines: Iterable[EntryLine], code: str | None = None, on: datetime.date | None = None) -> str:
    """Letter lines of one account (and one auxiliary account) whose debits and credits cancel out.

    The lettering code and date are the only things that may change on a posted line. Without a
    code, the account's next one is taken under a row lock. Returns the code.
    """
    ids = sorted({line.pk for line in lines})
    locked = list(
        EntryLine.objects.select_for_update(of=("self",)).select_related("account").filter(pk__in=ids).order_by("pk")
    )
    if len(locked) < 2 or len(locked) != len(ids):
        raise LetteringError(_("Le lettrage porte sur au moins deux lignes d'écriture existantes."))
    if len({line.account_id for line in locked}) != 1:
        raise LetteringError(_("Le lettrage porte sur les lignes d'un seul compte."))
    if len({line.auxiliary_code for line in locked}) != 1:
        raise LetteringError(_("Le lettrage porte sur les lignes d'un seul compte auxiliaire."))
    if lettered := [line for line in locked if line.lettering_code]:
        raise LetteringError(
            _("Ligne déjà lettrée (%(code)s) : délettrez-la d'abord.") % {"code": lettered[0].lettering_code}
        )
    debit = sum((line.debit for line in locked), ZERO)
    credit = sum((line.credit for line in locked), ZERO)
    if debit != credit:
        raise LetteringError(
            _("Les lignes à lettrer ne se soldent pas : %(debit)s € au débit, %(credit)s € au crédit.")
            % {"debit": debit, "credit": credit}
        )
    account = locked[0].account
    if code is None:
        Account.objects.filter(pk=account.pk).select_for_update(of=("self",)).update(
            lettering_counter=F("lettering_counter") + 1
        )
        account.refresh_from_db(fields=["lettering_counter"])
        code = lettering_code_for(account.lettering_counter)
    elif not LETTERING_CODE_RE.fullmatch(code):
        raise LetteringError(_("Un code de lettrage compte 1 à 10 lettres majuscules ou chiffres."))
    elif EntryLine.objects.filter(account=account, lettering_code=code).exists():
        raise LetteringError(_("Le code de lettrage %(code)s est déjà utilisé sur ce compte.") % {"code": code})
    EntryLine.objects.filter(pk__in=ids).update(lettering_code=code, lettering_date=on or timezone.localdate())
    return code


# --- Fiscal years ----------------------------------------------------------------------------


@transaction.atomic
def open_fiscal_year(*, structure: Structure, year: int) -> FiscalYear:
    """Open the fiscal year starting in `year`, right after the last one (idempotent).

    Its opening entries (AN) are posted now if the previous year is closed, or by
    `close_fiscal_year` when it is: the balances of a year still open may change.
    """
    books = Books.objects.select_for_update(of=("self",)).filter(structure=structure).first()
    if books is None:
        raise BooksNotSetUp(structure)
    start, end = fiscal_year_bounds(start_month=books.fiscal_year_start_month, year=year)
    fiscal_year = FiscalYear.objects.filter(structure=structure, start_date=start).first()
    if fiscal_year is None:
        last = FiscalYear.objects.filter(structure=structure).order_by("-end_date").first()
        if last is not None and last.end_date + datetime.timedelta(days=1) != start:
            raise FiscalYearError(
                _("L'exercice suivant doit commencer le %(date)s, au lendemain de la clôture du précédent.")
                % {"date": (last.end_date + datetime.timedelta(days=1)).strftime("%d/%m/%Y")}
            )
        fiscal_year = FiscalYear.objects.create(structure=structure, start_date=start, end_date=end)
        _ensure_counters(structure)
    previous = _previous_year(fiscal_year)
    if previous is not None and previous.is_closed:
        post_opening_entry(fiscal_year=fiscal_year)
    return fiscal_year


@transaction.atomic
def close_fiscal_year(*, fiscal_year: FiscalYear) -> FiscalYear:
    """Close a fiscal year for good: it takes no more entries, and the next one gets its AN."""
    fiscal_year = FiscalYear.objects.select_for_update(of=("self",)).get(pk=fiscal_year.pk)
    if fiscal_year.is_closed:
        return fiscal_year
    previous = _previous_year(fiscal_year)
    if previous is not None and not previous.is_closed:
        raise FiscalYearError(
            _("Clôturez d'abord l'exercice %(name)s, qui précède celui-ci.") % {"name": previous.name}
        )
    FiscalYear.objects.filter(pk=fiscal_year.pk).update(is_closed=True, closed_at=timezone.now())
    fiscal_year.refresh_from_db()
    following = FiscalYear.objects.filter(
        structure_id=fiscal_year.structure_id, start_date=fiscal_year.end_date + datetime.timedelta(days=1)
    ).first()
    if following is not None:
        post_opening_entry(fiscal_year=following)
    return fiscal_year


def _previous_year(fiscal_year: FiscalYear) -> FiscalYear | None:
    return FiscalYear.objects.filter(
        structure_id=fiscal_year.structure_id, end_date=fiscal_year.start_date - datetime.timedelta(days=1)
    ).first()


@transaction.atomic
def post_opening_entry(*, fiscal_year: FiscalYear) -> Entry | None:
    """Post the à-nouveaux of a fiscal year from the closed previous one (once).

    Classes 1 to 5 are carried account by account (and auxiliary by auxiliary, so customer
    balances survive). The previous year's result (classes 6 and 7) is carried to 120 when a
    surplus, 129 when a deficit, until the general assembly allocates it (docs/adr/0003).
    Returns None when there is nothing to carry.
    """
    previous = _previous_year(fiscal_year)
    if previous is None:
        return None
    if not previous.is_closed:
        raise FiscalYearError(
            _("Les à-nouveaux se calculent sur un exercice clôturé ; %(name)s ne l'est pas.") % {"name": previous.name}
        )
    balances = (
        EntryLine.objects.filter(entry__fiscal_year=previous)
        .values("account__code", "account__account_class", "auxiliary_code")
        .annotate(debit_sum=Sum("debit"), credit_sum=Sum("credit"), auxiliary_label=Max("auxiliary_name"))
        .order_by("account__code", "auxiliary_code")
    )
    lines: list[DocumentLine] = []
    result = ZERO
    for row in balances:
        balance = row["debit_sum"] - row["credit_sum"]
        if row["account__account_class"] in BALANCE_SHEET_CLASSES:
            if balance:
                lines.append(
                    DocumentLine(
                        account=row["account__code"],
                        debit=max(balance, ZERO),
                        credit=max(-balance, ZERO),
                        label="Report à nouveau",
                        auxiliary_code=row["auxiliary_code"],
                        auxiliary_name=row["auxiliary_label"] if row["auxiliary_code"] else "",
                    )
                )
        elif row["account__account_class"] in (6, 7):
            result -= balance  # income is a credit balance: a surplus comes out positive
    if result > 0:
        lines.append(DocumentLine(account=PROFIT_ACCOUNT, credit=result, label="Résultat de l'exercice précédent"))
    elif result < 0:
        lines.append(DocumentLine(account=LOSS_ACCOUNT, debit=-result, label="Résultat de l'exercice précédent"))
    if not lines:
        return None
    return post_document(
        Document(
            structure=fiscal_year.structure,
            journal=JournalCode.OPENING,
            date=fiscal_year.start_date,
            piece_ref=f"AN-{fiscal_year.name}",
            piece_date=fiscal_year.start_date,
            label=f"À-nouveaux de l'exercice {fiscal_year.name}",
            lines=tuple(lines),
            key=IdempotencyKey(source_kind="fiscal_year", source_id=str(fiscal_year.pk), event="opening"),
        )
    )


@transaction.atomic
def lock_period(*, structure: Structure, until: datetime.date) -> Books:
    """Lock the structure's books up to a date (included); a lock only moves forward."""
    books = Books.objects.select_for_update(of=("self",)).filter(structure=structure).first()
    if books is None:
        raise BooksNotSetUp(structure)
    if books.locked_until and until < books.locked_until:
        raise FiscalYearError(
            _("La période est déjà verrouillée jusqu'au %(date)s : un verrou ne recule pas.")
            % {"date": books.locked_until.strftime("%d/%m/%Y")}
        )
    Books.objects.filter(pk=books.pk).update(locked_until=until)
    books.locked_until = until
    return books
