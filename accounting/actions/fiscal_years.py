"""Fiscal years: opening, closing (with the opening entry of the next year) and period locks."""

import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Max, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from accounting.actions.books import ensure_counters, fiscal_year_bounds
from accounting.actions.posting import post_document
from accounting.chart import LOSS_ACCOUNT, PROFIT_ACCOUNT
from accounting.documents import ZERO, Document, DocumentLine, IdempotencyKey
from accounting.enums import BALANCE_SHEET_CLASSES, JournalCode
from accounting.exceptions import BooksNotSetUp, FiscalYearError
from accounting.models import Books, Entry, EntryLine, FiscalYear
from hub.models import Structure


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
        ensure_counters(structure)
    previous = _previous_year(fiscal_year)
    if previous is not None and previous.is_closed:
        post_opening_entry(fiscal_year=fiscal_year)
    return fiscal_year


@transaction.atomic
def close_fiscal_year(*, fiscal_year: FiscalYear, by=None) -> FiscalYear:
    """Close a fiscal year for good: it takes no more entries, and the next one gets its AN."""
    fiscal_year = FiscalYear.objects.select_for_update(of=("self",)).get(pk=fiscal_year.pk)
    if fiscal_year.is_closed:
        return fiscal_year
    previous = _previous_year(fiscal_year)
    if previous is not None and not previous.is_closed:
        raise FiscalYearError(
            _("Clôturez d'abord l'exercice %(name)s, qui précède celui-ci.") % {"name": previous.name}
        )
    if timezone.localdate() <= fiscal_year.end_date:
        raise FiscalYearError(
            _("L'exercice %(name)s se termine le %(end)s : il ne peut être clôturé qu'après ce jour.")
            % {"name": fiscal_year.name, "end": fiscal_year.end_date.strftime("%d/%m/%Y")}
        )
    FiscalYear.objects.filter(pk=fiscal_year.pk).update(is_closed=True, closed_at=timezone.now(), closed_by=by)
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
    # A reopened year's carry-forward was reversed: closing it again posts a new one (opening-2…).
    posted = Entry.objects.filter(
        structure_id=fiscal_year.structure_id, source_kind="fiscal_year", source_id=str(fiscal_year.pk)
    )
    if live := posted.filter(reversed_by__isnull=True).first():
        return live
    count = posted.count()
    event = "opening" if count == 0 else f"opening-{count + 1}"
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
        # To the cent: SQLite sums decimals as floats (a long year leaves 1e-11 behind).
        balance = (row["debit_sum"] - row["credit_sum"]).quantize(Decimal("0.01"))
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
            key=IdempotencyKey(source_kind="fiscal_year", source_id=str(fiscal_year.pk), event=event),
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
