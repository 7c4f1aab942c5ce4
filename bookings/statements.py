"""An organisation's account with the hub's sellers: its invoices, credit notes, payments and refunds in
date order with the running balance (the statement), and what it still owes (the outstanding balance).

One function computes the balance; the organisation page and the statement (HTML and PDF) read it.
Three queries whatever the period: invoices and credit notes, payments, refunds.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from hub.models import Organisation
from marketplace.enums import InvoiceKind, PaymentState, RefundState
from marketplace.models import Invoice, Payment, Refund

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class StatementEntry:
    date: datetime.date
    label: str
    reference: str
    debit: Decimal  # what the organisation owes more (an invoice, a refund, a rejected payment)
    credit: Decimal  # what it owes less (a credit note, a payment)
    url: str = ""
    balance: Decimal = ZERO


@dataclass
class Statement:
    organisation: Organisation
    start: datetime.date | None
    end: datetime.date
    opening_balance: Decimal = ZERO
    entries: list[StatementEntry] = field(default_factory=list)

    @property
    def closing_balance(self) -> Decimal:
        return self.entries[-1].balance if self.entries else self.opening_balance

    @property
    def total_debit(self) -> Decimal:
        return sum((entry.debit for entry in self.entries), ZERO)

    @property
    def total_credit(self) -> Decimal:
        return sum((entry.credit for entry in self.entries), ZERO)


def _local_date(moment: datetime.datetime) -> datetime.date:
    return timezone.localdate(moment)


def _movements(organisation: Organisation, *, end: datetime.date) -> list[StatementEntry]:
    """Every movement of the organisation's account up to `end` included, unsorted, balance not set."""
    entries = []
    documents = (
        Invoice.objects.issued()
        .filter(organisation=organisation, issue_date__lte=end)
        .select_related("structure")
        .only("kind", "number", "issue_date", "total_incl", "structure__name")
    )
    for invoice in documents:
        credit_note = invoice.kind == InvoiceKind.CREDIT_NOTE
        label = (_("Avoir — %(seller)s") if credit_note else _("Facture — %(seller)s")) % {
            "seller": invoice.structure.name
        }
        entries.append(
            StatementEntry(
                date=invoice.issue_date,
                label=label,
                reference=invoice.number,
                debit=ZERO if credit_note else invoice.total_incl,
                credit=invoice.total_incl if credit_note else ZERO,
                url=reverse("marketplace:invoice_pdf", args=[invoice.number]),
            )
        )
    payments = Payment.objects.filter(
        order__organisation=organisation,
        state__in=[PaymentState.SUCCEEDED, PaymentState.REVERSED],
        succeeded_at__isnull=False,
    ).select_related("order")
    for payment in payments:
        received = _local_date(payment.succeeded_at)
        if received <= end:
            entries.append(
                StatementEntry(
                    date=received,
                    label=_("Paiement reçu (%(means)s)") % {"means": payment.get_method_display().lower()},
                    reference=payment.order.reference,
                    debit=ZERO,
                    credit=payment.amount,
                )
            )
        if payment.reversed_at is not None and _local_date(payment.reversed_at) <= end:
            entries.append(
                StatementEntry(
                    date=_local_date(payment.reversed_at),
                    label=_("Paiement rejeté par la banque"),
                    reference=payment.order.reference,
                    debit=payment.amount,
                    credit=ZERO,
                )
            )
    refunds = Refund.objects.filter(order__organisation=organisation, state=RefundState.SUCCEEDED).select_related(
        "order"
    )
    for refund in refunds:
        if _local_date(refund.created_at) <= end:
            entries.append(
                StatementEntry(
                    date=_local_date(refund.created_at),
                    label=_("Remboursement (%(means)s)") % {"means": refund.get_method_display().lower()},
                    reference=refund.order.reference,
                    debit=refund.amount,
                    credit=ZERO,
                )
            )
    return entries


def organisation_statement(
    organisation: Organisation, *, start: datetime.date | None = None, end: datetime.date | None = None
) -> Statement:
    """The organisation's statement from `start` (its first movement when None) to `end` (today when None):
    the balance brought forward, then each movement in date order with the running balance. A positive
    balance is owed by the organisation, a negative one is owed to it."""
    end = end or timezone.localdate()
    statement = Statement(organisation=organisation, start=start, end=end)
    movements = sorted(
        _movements(organisation, end=end), key=lambda entry: (entry.date, entry.credit > 0, entry.reference)
    )
    balance = ZERO
    for entry in movements:
        balance += entry.debit - entry.credit
        if start is not None and entry.date < start:
            statement.opening_balance = balance
            continue
        statement.entries.append(
            StatementEntry(
                date=entry.date,
                label=entry.label,
                reference=entry.reference,
                debit=entry.debit,
                credit=entry.credit,
                url=entry.url,
                balance=balance,
            )
        )
    return statement


def outstanding_balance(organisation: Organisation) -> Decimal:
    """What the organisation owes today: its statement's balance."""
    return organisation_statement(organisation).closing_balance


def statement_html(statement: Statement, *, printed_at: datetime.datetime | None = None) -> str:
    """The statement as a printable page, also rendered to PDF (hub.rendering)."""
    context = {"statement": statement, "printed_at": printed_at or timezone.now(), "for_pdf": True}
    return render_to_string("bookings/statement_pdf.html", context)
