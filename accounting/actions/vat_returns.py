"""Posting a VAT return: the settlement entry (OD) and the period lock, in one transaction."""

from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounting.actions.posting import post_document
from accounting.chart import VAT_CREDIT_ACCOUNT, VAT_DUE_ACCOUNT
from accounting.documents import Document, DocumentLine, IdempotencyKey
from accounting.enums import BooksAction, JournalCode
from accounting.exceptions import BooksNotSetUp, VatReturnError
from accounting.models import Books, BooksLog, FiscalYear, VatReturn
from accounting.vat import (
    BOX_ACCOUNTS,
    RATE_BOXES,
    SETTLEMENT_SOURCE,
    InvalidPeriod,
    VatPeriod,
    check_periodicity,
    compute_return,
    previous_period,
)
from hub.models import Structure


def _line(account: str, amount: Decimal, label: str) -> list[DocumentLine]:
    """A debit when positive, a credit when negative, nothing when zero."""
    if amount > 0:
        return [DocumentLine(account=account, debit=amount, label=label)]
    if amount < 0:
        return [DocumentLine(account=account, credit=-amount, label=label)]
    return []


def check_can_post(structure: Structure, books: Books, period: VatPeriod) -> None:
    """Why this return cannot be posted now, as a VatReturnError (nothing when it can)."""
    if not structure.is_vat_liable:
        raise VatReturnError(
            _("%(structure)s n'est pas assujettie à la TVA : elle ne dépose pas de déclaration.")
            % {"structure": structure.name}
        )
    try:
        check_periodicity(books.vat_periodicity, period)
    except InvalidPeriod as error:
        raise VatReturnError(str(error)) from error
    if period.end >= timezone.localdate():
        raise VatReturnError(
            _("La période %(period)s se termine le %(end)s : sa déclaration se valide après ce jour.")
            % {"period": period.label, "end": period.end.strftime("%d/%m/%Y")}
        )
    if VatReturn.objects.filter(structure=structure, start_date=period.start).exists():
        raise VatReturnError(_("La déclaration de TVA de %(period)s est déjà validée.") % {"period": period.label})
    previous = previous_period(books.vat_periodicity, period)
    first_start = (
        FiscalYear.objects.filter(structure=structure)
        .order_by("start_date")
        .values_list("start_date", flat=True)
        .first()
    )
    if first_start is None:
        raise BooksNotSetUp(structure)
    if (
        previous.start >= first_start
        and not VatReturn.objects.filter(structure=structure, start_date=previous.start).exists()
    ):
        raise VatReturnError(
            _("Validez d'abord la déclaration de %(previous)s : son crédit éventuel se reporte sur celle-ci.")
            % {"previous": previous.label}
        )


@transaction.atomic
def post_vat_return(*, structure: Structure, period: VatPeriod, by=None) -> VatReturn:
    """Post the CA3 of a period: the settlement entry and the lock of the period.

    The settlement (OD, dated the last day of the period) empties each 44571x (debit) and the
    deductible 44566 / 44562 and the credit brought forward 44567 (credit) into 44551 « TVA à
    décaisser » (credit) when VAT is due, or into 44567 (debit) when the return ends in a credit.
    Then the books are locked up to the period's end. Refused (VatReturnError, nothing written)
    for a structure not liable, a period not over, a return already posted, or when the previous
    period's return is not posted yet (its credit carries over).
    """
    books = Books.objects.select_for_update(of=("self",)).filter(structure=structure).first()
    if books is None:
        raise BooksNotSetUp(structure)
    check_can_post(structure, books, period)
    ca3 = compute_return(structure, period)
    label = f"Déclaration de TVA {period.label}"
    lines: list[DocumentLine] = []
    for box, _rate, account in RATE_BOXES:
        lines += _line(account, ca3.collected[box], label)
    lines += _line(BOX_ACCOUNTS["19"], -ca3.fixed_assets, label)
    lines += _line(BOX_ACCOUNTS["20"], -ca3.other_deductible, label)
    lines += _line(VAT_DUE_ACCOUNT, -ca3.net_due, label)
    # The credit brought forward leaves 44567 and the new one comes in: one line, their difference.
    lines += _line(VAT_CREDIT_ACCOUNT, ca3.credit - ca3.credit_brought_forward, label)
    entry = None
    if lines:
        entry = post_document(
            Document(
                structure=structure,
                journal=JournalCode.MISC,
                date=period.end,
                piece_ref=f"TVA-{period.code}",
                piece_date=period.end,
                label=label,
                lines=tuple(lines),
                key=IdempotencyKey(SETTLEMENT_SOURCE, period.code, "settled"),
            )
        )
    vat_return = VatReturn.objects.create(
        structure=structure,
        start_date=period.start,
        end_date=period.end,
        figures=ca3.figures(),
        entry=entry,
        posted_at=timezone.now(),
        posted_by=by,
    )
    previous_lock = books.locked_until
    if previous_lock is None or previous_lock < period.end:
        Books.objects.filter(pk=books.pk).update(locked_until=period.end)
    BooksLog.objects.create(
        structure=structure,
        action=BooksAction.VAT_RETURN,
        by=by,
        entry=entry,
        reason=label,
        previous_lock=previous_lock,
        new_lock=max(previous_lock or period.end, period.end),
    )
    return vat_return
