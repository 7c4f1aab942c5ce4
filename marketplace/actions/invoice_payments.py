"""Payments of invoices without an order: the Collectif's shared-services invoices to its member structures and
to the outside associations whose books it keeps, late-payment penalty invoices. Recorded by the seller's
accountants as the transfer or cheque arrives (docs/adr/0026-payments-of-invoices-without-an-order.md).

An order's invoices are paid through the order (`actions.payments`): its settlement is the one truth of what
a structure received. An invoice without an order has no settlement; its payments are these rows, read by
the aged balance, the customer statement and the reminders, and posted in the books (`postings`).
"""

import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from accounting.documents import clean_text
from accounting.exceptions import AccountingError
from accounting.perms import can_keep_books
from hub.formatting import euros
from marketplace import postings
from marketplace.enums import InvoiceKind, InvoicePaymentMethod
from marketplace.exceptions import PaymentError
from marketplace.models import Invoice, InvoicePayment

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("9999999999.99")
REFERENCE_MAX_LENGTH = 50
REASON_MAX_LENGTH = 200


def paid_amount(invoice: Invoice) -> Decimal:
    """What the invoice's payments not cancelled brought in."""
    total = invoice.payments.filter(cancelled_at__isnull=True).aggregate(total=Sum("amount"))["total"]
    return total if total is not None else ZERO


def credited_amount(invoice: Invoice) -> Decimal:
    total = invoice.credit_notes.issued().aggregate(total=Sum("total_incl"))["total"]
    return total if total is not None else ZERO


def remaining(invoice: Invoice) -> Decimal:
    """What is still to pay: the total, less its credit notes and its payments."""
    return invoice.total_incl - credited_amount(invoice) - paid_amount(invoice)


def _locked(invoice: Invoice) -> Invoice:
    """The invoice under a row lock: payments of one invoice are recorded one at a time."""
    return (
        Invoice.objects.select_for_update(of=("self",))
        .select_related("structure", "buyer_structure")
        .get(pk=invoice.pk)
    )


def _check_payable(invoice: Invoice, by) -> None:
    if not can_keep_books(by, invoice.structure):
        raise PaymentError(_("Vous ne tenez pas la comptabilité de cette structure."))
    if not invoice.is_issued or invoice.kind != InvoiceKind.INVOICE:
        raise PaymentError(_("Seule une facture émise se règle ; un avoir ne se règle pas."))
    if invoice.order_id is not None:
        raise PaymentError(_("Cette facture se règle par sa commande (encaissement au comptoir ou en ligne)."))


@transaction.atomic
def record_invoice_payment(
    *,
    invoice: Invoice,
    amount: Decimal,
    method: str,
    received_on: datetime.date,
    by,
    reference: str = "",
) -> InvoicePayment:
    """A transfer or cheque received for (part of) an invoice without an order.

    Refused, nothing written: not the seller's accountant, an invoice of an order or a credit note, an
    amount not positive to the cent or beyond what remains to pay, a date before the invoice or after
    today, a cheque without its number, a date in a closed year or a locked period."""
    invoice = _locked(invoice)
    _check_payable(invoice, by)
    if method not in InvoicePaymentMethod.values:
        raise PaymentError(_("Moyen de paiement inconnu."))
    if not isinstance(amount, Decimal) or not amount.is_finite() or amount <= 0 or amount != amount.quantize(CENT):
        raise PaymentError(_("Le montant d'un règlement est positif, au centime près."))
    reference = clean_text(reference or "").strip()
    if len(reference) > REFERENCE_MAX_LENGTH:
        raise PaymentError(_("La référence compte au plus %(max)s caractères.") % {"max": REFERENCE_MAX_LENGTH})
    if method == InvoicePaymentMethod.CHEQUE and not reference:
        raise PaymentError(_("Indiquez le numéro du chèque."))
    today = timezone.localdate()
    if received_on > today:
        raise PaymentError(_("Un règlement ne peut pas être daté après aujourd'hui."))
    if received_on < invoice.issue_date:
        raise PaymentError(
            _("Un règlement ne peut précéder la facture, émise le %(date)s.")
            % {"date": invoice.issue_date.strftime("%d/%m/%Y")}
        )
    paid_before = paid_amount(invoice)
    rest = invoice.total_incl - credited_amount(invoice) - paid_before
    if amount > rest:
        raise PaymentError(
            _("Le règlement (%(amount)s) dépasse le reste à payer de la facture %(number)s (%(rest)s).")
            % {"amount": euros(amount), "number": invoice.number, "rest": euros(max(rest, ZERO))}
        )
    number = invoice.payments.count() + 1
    payment = InvoicePayment(
        invoice=invoice, method=method, amount=amount, received_on=received_on, reference=reference, recorded_by=by
    )
    try:
        payment.entry = postings.post_invoice_payment(payment, number=number, paid_before=paid_before)
    except AccountingError as error:  # a closed year, a locked period: nothing was written
        raise PaymentError(str(error)) from error
    payment.save()
    return payment


@transaction.atomic
def cancel_invoice_payment(
    *, payment: InvoicePayment, by, reason: str, on: datetime.date | None = None
) -> InvoicePayment:
    """A payment recorded by mistake: its entries are reversed (extourne, dated `on`, today), the invoice
    is open again for that amount. Refused once the money is matched to a bank statement line (the bank
    says it arrived: unmatch it first) and without a reason."""
    invoice = _locked(payment.invoice)
    payment = InvoicePayment.objects.select_for_update(of=("self",)).select_related("entry").get(pk=payment.pk)
    payment.invoice = invoice
    if not can_keep_books(by, invoice.structure):
        raise PaymentError(_("Vous ne tenez pas la comptabilité de cette structure."))
    if payment.is_cancelled:
        raise PaymentError(_("Ce règlement est déjà annulé."))
    reason = clean_text(reason or "").strip()
    if not reason:
        raise PaymentError(_("Indiquez pourquoi ce règlement est annulé."))
    if len(reason) > REASON_MAX_LENGTH:
        raise PaymentError(_("Le motif compte au plus %(max)s caractères.") % {"max": REASON_MAX_LENGTH})
    bank_line = payment.entry.lines.filter(account__code="512").select_related("bank_match").first()
    if bank_line is not None and (bank_line.lettering_code or getattr(bank_line, "bank_match", None)):
        raise PaymentError(
            _("Ce règlement est rapproché d'une ligne du relevé bancaire : défaites d'abord le rapprochement.")
        )
    on = on or timezone.localdate()
    paid_after = paid_amount(invoice) - payment.amount
    try:
        postings.reverse_invoice_payment(payment, on=on, paid_after=paid_after)
    except AccountingError as error:
        raise PaymentError(str(error)) from error
    payment.cancelled_at = timezone.now()
    payment.cancelled_by = by
    payment.cancel_reason = reason
    payment.save(update_fields=["cancelled_at", "cancelled_by", "cancel_reason"])
    return payment
