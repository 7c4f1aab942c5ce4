"""Closing a year, reopening it, year-end cut-offs, period locks and reversals on screen.

Each action writes one `BooksLog` row saying who did it, when, and why.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounting import selectors
from accounting.actions.fiscal_years import close_fiscal_year, open_fiscal_year
from accounting.actions.posting import post_document, reverse_entry
from accounting.documents import Document, DocumentLine, IdempotencyKey
from accounting.enums import BooksAction, CutOffKind, JournalCode
from accounting.exceptions import BooksNotSetUp, ClosingRefused
from accounting.models import Account, Books, BooksLog, CutOff, Entry, FiscalYear, ReconciliationRun, VatReturn
from accounting.vat import SETTLEMENT_SOURCE, periods_between
from hub import perms as hub_perms

ONE_DAY = datetime.timedelta(days=1)


@dataclass(frozen=True)
class ChecklistItem:
    code: str
    label: str  # in French
    ok: bool
    detail: str = ""
    blocking: bool = True


def _previous(fiscal_year: FiscalYear) -> FiscalYear | None:
    return FiscalYear.objects.filter(
        structure_id=fiscal_year.structure_id, end_date=fiscal_year.start_date - ONE_DAY
    ).first()


def missing_vat_returns(fiscal_year: FiscalYear) -> list[str]:
    """The VAT periods of the year whose return is not posted (none for a structure not liable)."""
    structure = fiscal_year.structure
    if not structure.is_vat_liable:
        return []
    books = Books.objects.get(structure=structure)
    posted = set(VatReturn.objects.filter(structure=structure).values_list("start_date", flat=True))
    return [
        period.label
        for period in periods_between(books.vat_periodicity, fiscal_year.start_date, fiscal_year.end_date)
        if period.start not in posted
    ]


def closing_checklist(fiscal_year: FiscalYear) -> list[ChecklistItem]:
    """What the closing page shows, in order; closing is refused while a blocking item is not ok."""
    today = timezone.localdate()
    previous = _previous(fiscal_year)
    balance = selectors.trial_balance(
        fiscal_year.structure, selectors.Period(fiscal_year.start_date, fiscal_year.end_date)
    )
    missing = missing_vat_returns(fiscal_year)
    run = ReconciliationRun.objects.first()
    differences = [d for d in run.differences if d["structure"] == fiscal_year.structure.name] if run else []
    cut_offs = CutOff.objects.filter(fiscal_year=fiscal_year).count()
    return [
        ChecklistItem(
            "ended",
            _("L'exercice est terminé (clôture le %(end)s)") % {"end": fiscal_year.end_date.strftime("%d/%m/%Y")},
            today > fiscal_year.end_date,
        ),
        ChecklistItem(
            "previous",
            _("L'exercice précédent est clôturé"),
            previous is None or previous.is_closed,
            "" if previous is None or previous.is_closed else previous.name,
        ),
        ChecklistItem("balanced", _("La balance est équilibrée"), balance.is_balanced),
        ChecklistItem(
            "vat",
            _("Toutes les déclarations de TVA de l'exercice sont validées")
            if fiscal_year.structure.is_vat_liable
            else _("Pas de déclaration de TVA : structure non assujettie"),
            not missing,
            _("Manquantes : %(periods)s") % {"periods": ", ".join(missing)} if missing else "",
        ),
        ChecklistItem(
            "reconciliation",
            _("Le dernier rapprochement est sans écart pour la structure"),
            run is not None and not differences,
            _("Aucun rapprochement lancé")
            if run is None
            else (_("%(count)s écart(s)") % {"count": len(differences)} if differences else ""),
            blocking=False,
        ),
        ChecklistItem(
            "cut_offs",
            _("Écritures d'inventaire passées en revue"),
            True,
            _("%(count)s écriture(s) d'inventaire saisie(s)") % {"count": cut_offs},
            blocking=False,
        ),
    ]


def _log(structure, action, *, by, **fields) -> BooksLog:
    return BooksLog.objects.create(structure=structure, action=action, by=by, **fields)


@transaction.atomic
def close_year(*, fiscal_year: FiscalYear, by=None) -> FiscalYear:
    """Close a year after its last day, its previous year closed and every VAT return posted.

    The next year is opened if needed and gets the à-nouveaux (classes 1 to 5 account by account,
    the year's result on 120 or 129: `post_opening_entry`), dated its first day in journal AN; the
    closed year takes no more entries. Refused (ClosingRefused listing what is missing, nothing
    changed) otherwise; closing a closed year again changes nothing.
    """
    fiscal_year = FiscalYear.objects.select_for_update(of=("self",)).select_related("structure").get(pk=fiscal_year.pk)
    if fiscal_year.is_closed:
        return fiscal_year
    problems = [item for item in closing_checklist(fiscal_year) if item.blocking and not item.ok]
    if problems:
        raise ClosingRefused(
            _("Clôture de l'exercice %(name)s impossible : %(problems)s.")
            % {"name": fiscal_year.name, "problems": " ; ".join(
                f"{item.label}{' (' + item.detail + ')' if item.detail else ''} : non" for item in problems)},
            problems=problems,
        )  # fmt: skip
    open_fiscal_year(structure=fiscal_year.structure, year=(fiscal_year.end_date + ONE_DAY).year)
    close_fiscal_year(fiscal_year=fiscal_year, by=by)
    fiscal_year.refresh_from_db()
    _log(fiscal_year.structure, BooksAction.CLOSE, by=by, fiscal_year=fiscal_year)
    return fiscal_year


def opening_entry_of(fiscal_year: FiscalYear) -> Entry | None:
    """The live (not reversed) à-nouveaux of a year."""
    return Entry.objects.filter(
        structure_id=fiscal_year.structure_id,
        source_kind="fiscal_year",
        source_id=str(fiscal_year.pk),
        reversed_by__isnull=True,
    ).first()


@transaction.atomic
def reopen_year(*, fiscal_year: FiscalYear, by, reason: str) -> FiscalYear:
    """Reopen a closed year: hub admins only, with a reason kept in the log.

    The next year's à-nouveaux are reversed (an AN extourne dated the same day) and the books are
    unlocked from the first day of the reopened year; the next year must not be closed.
    """
    reason = (reason or "").strip()
    if not hub_perms.is_hub_admin(by):
        raise ClosingRefused(_("Seul·e un·e administrateur·rice du pôle peut rouvrir un exercice."))
    if not reason:
        raise ClosingRefused(_("Indiquez le motif de la réouverture."))
    fiscal_year = FiscalYear.objects.select_for_update(of=("self",)).select_related("structure").get(pk=fiscal_year.pk)
    if not fiscal_year.is_closed:
        raise ClosingRefused(_("L'exercice %(name)s n'est pas clôturé.") % {"name": fiscal_year.name})
    following = FiscalYear.objects.filter(
        structure_id=fiscal_year.structure_id, start_date=fiscal_year.end_date + ONE_DAY
    ).first()
    if following is not None and following.is_closed:
        raise ClosingRefused(_("Rouvrez d'abord l'exercice %(name)s, qui suit celui-ci.") % {"name": following.name})
    books = Books.objects.select_for_update(of=("self",)).get(structure_id=fiscal_year.structure_id)
    previous_lock = books.locked_until
    new_lock = previous_lock
    if previous_lock is not None and previous_lock >= fiscal_year.start_date:
        new_lock = fiscal_year.start_date - ONE_DAY
        Books.objects.filter(pk=books.pk).update(locked_until=new_lock)
    FiscalYear.objects.filter(pk=fiscal_year.pk).update(is_closed=False, closed_at=None, closed_by=None)
    reversal = None
    if following is not None and (opening := opening_entry_of(following)) is not None:
        reversal = reverse_entry(
            entry=opening, date=opening.date, label=f"Extourne des à-nouveaux {following.name} (réouverture)"
        )
    _log(
        fiscal_year.structure, BooksAction.REOPEN, by=by, fiscal_year=fiscal_year, entry=reversal, reason=reason[:500],
        previous_lock=previous_lock, new_lock=new_lock,
    )  # fmt: skip
    fiscal_year.refresh_from_db()
    return fiscal_year


@transaction.atomic
def record_cut_off(
    *,
    fiscal_year: FiscalYear,
    kind: str,
    account: str,
    amount: Decimal,
    label: str,
    token: str,
    by=None,
    source: str = "",
) -> CutOff:
    """A year-end cut-off: posted (OD) on the year's last day, reversed on the next year's first.

    418 invoices to issue: D 418 / C 7xx; 487 prepaid revenue: D 7xx / C 487; 408 invoices not
    received: D 6xx / C 408; 486 prepaid expenses: D 486 / C 6xx. Refused before the year ends,
    on a closed year, with an account of the wrong class or outside the chart. `token` makes a
    second submission of the same form return the first cut-off.
    """
    structure = fiscal_year.structure
    kind = CutOffKind(kind)
    if existing := CutOff.objects.filter(
        structure=structure, entry__source_kind="cut_off", entry__source_id=token
    ).first():
        return existing
    if fiscal_year.is_closed:
        raise ClosingRefused(_("L'exercice %(name)s est clôturé.") % {"name": fiscal_year.name})
    if timezone.localdate() <= fiscal_year.end_date:
        raise ClosingRefused(
            _("Les écritures d'inventaire se passent après la fin de l'exercice (le %(end)s).")
            % {"end": fiscal_year.end_date.strftime("%d/%m/%Y")}
        )
    expected_class = 7 if kind.is_revenue else 6
    chart_account = Account.objects.filter(structure=structure, code=account).first()
    if chart_account is None or chart_account.account_class != expected_class:
        raise ClosingRefused(
            _("Le compte %(account)s n'est pas un compte de classe %(cls)s du plan de la structure.")
            % {"account": account, "cls": expected_class}
        )
    debit_first = kind in (CutOffKind.INVOICES_TO_ISSUE, CutOffKind.PREPAID_EXPENSES)
    balance_sheet, income = kind.value, account
    debit_account, credit_account = (balance_sheet, income) if debit_first else (income, balance_sheet)
    entry = post_document(
        Document(
            structure=structure,
            journal=JournalCode.MISC,
            date=fiscal_year.end_date,
            piece_ref=f"INV-{fiscal_year.name}",
            piece_date=fiscal_year.end_date,
            label=label,
            lines=(
                DocumentLine(account=debit_account, debit=amount, label=label),
                DocumentLine(account=credit_account, credit=amount, label=label),
            ),
            key=IdempotencyKey("cut_off", token, "posted"),
        )
    )
    following = open_fiscal_year(structure=structure, year=(fiscal_year.end_date + ONE_DAY).year)
    reversal = reverse_entry(entry=entry, date=following.start_date, label=f"Extourne : {label}"[:200])
    cut_off = CutOff.objects.create(
        structure=structure, fiscal_year=fiscal_year, kind=kind, account=account, amount=amount, label=label,
        source=source, entry=entry, reversal=reversal, created_by=by,
    )  # fmt: skip
    _log(structure, BooksAction.CUT_OFF, by=by, fiscal_year=fiscal_year, entry=entry, reason=label)
    return cut_off


@transaction.atomic
def set_lock(*, structure, until: datetime.date, by, reason: str = "") -> Books:
    """Move the period lock. Forward: any accountant of the books. Backward: a hub admin with a
    reason, and never into a closed year (reopen it instead)."""
    reason = (reason or "").strip()
    books = Books.objects.select_for_update(of=("self",)).filter(structure=structure).first()
    if books is None:
        raise BooksNotSetUp(structure)
    previous = books.locked_until
    if previous == until:
        return books
    backward = previous is not None and until < previous
    if backward:
        if not hub_perms.is_hub_admin(by):
            raise ClosingRefused(
                _("La période est verrouillée jusqu'au %(date)s : seul·e un·e administrateur·rice du pôle peut "
                  "reculer le verrou.") % {"date": previous.strftime("%d/%m/%Y")}
            )  # fmt: skip
        if not reason:
            raise ClosingRefused(_("Indiquez le motif du déverrouillage."))
        if FiscalYear.objects.filter(structure=structure, is_closed=True, end_date__gt=until).exists():
            raise ClosingRefused(_("Cette date tombe dans un exercice clôturé : rouvrez d'abord l'exercice."))
    if until > timezone.localdate():
        raise ClosingRefused(_("Un verrou ne se pose pas sur une date future."))
    Books.objects.filter(pk=books.pk).update(locked_until=until)
    books.locked_until = until
    _log(
        structure, BooksAction.UNLOCK if backward else BooksAction.LOCK, by=by, reason=reason[:500],
        previous_lock=previous, new_lock=until,
    )  # fmt: skip
    return books


def reversal_problem(entry: Entry) -> str:
    """Why this entry cannot be reversed on screen ("" when it can)."""
    if hasattr(entry, "reversed_by"):
        return _("Cette écriture est déjà contrepassée (%(ref)s).") % {"ref": entry.reversed_by.reference}
    if entry.reversal_of_id is not None:
        return _("Une extourne ne se contrepasse pas : passez une nouvelle écriture.")
    if entry.journal.code == JournalCode.OPENING:
        return _("Les à-nouveaux se corrigent en rouvrant l'exercice précédent.")
    if entry.source_kind == SETTLEMENT_SOURCE:
        return _("Une déclaration de TVA validée ne se contrepasse pas.")
    if entry.fiscal_year.is_closed:
        return _("L'exercice %(name)s est clôturé.") % {"name": entry.fiscal_year.name}
    books = Books.objects.filter(structure_id=entry.structure_id).first()
    if books and books.locked_until and entry.date <= books.locked_until:
        return _("La période est verrouillée jusqu'au %(date)s.") % {"date": books.locked_until.strftime("%d/%m/%Y")}
    return ""


@transaction.atomic
def reverse_with_log(*, entry: Entry, by, reason: str) -> Entry:
    """« Contrepasser » an entry of an open period: its extourne, dated the same day, and the log."""
    reason = (reason or "").strip()
    if not reason:
        raise ClosingRefused(_("Indiquez le motif de la contrepassation."))
    if problem := reversal_problem(entry):
        raise ClosingRefused(problem)
    reversal = reverse_entry(entry=entry, date=entry.date, label=f"Extourne de {entry.reference} : {reason}"[:200])
    _log(
        entry.structure, BooksAction.REVERSAL, by=by, entry=reversal, fiscal_year=entry.fiscal_year, reason=reason[:500]
    )
    return reversal
