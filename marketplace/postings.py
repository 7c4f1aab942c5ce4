"""How sales reach the books (DOMAIN.md rule 12): each document is built here and posted through
`accounting.actions.post_document`, in the same transaction as the sale, so a sale and its entry
exist together or not at all. Every document carries an idempotency key of its source.

Summary, in the seller's books unless said otherwise:
- invoice issued (VE): D 411 (customer sub-account) / C 70x per line account / C 4457x per rate for
  goods; services' VAT goes to 44587 until paid. A credit note is the mirror image.
- payment received: card (ST) D Stripe clearing, cheque (BQ) D 5112, cash (CA) D 530, transfer (BQ)
  D 512, CESU (BQ) D 5118 / C 411; once a structure's share of an order is paid, its services' VAT
  moves from 44587 to 4457x (OD) and its 411 lines are lettered.
- mixed card order: the Collectif (ST) D clearing / C 467-<structure> at the charge, then at each
  transfer the Collectif D 467-<structure> / C clearing and the structure D clearing / C 411.
- cheque deposit slip (BQ): D 512 / C 5112. Refund (ST, CA or BQ): D 411 / C clearing, 530 or 512.
- shared services: the Collectif's invoice as above (706x); the member's purchase (AC) D 628 / C 401.
- Stripe fees (Collectif, ST): D 627 / C clearing; payouts (ST): D 512 / C clearing.
"""

import datetime
from collections import defaultdict
from decimal import Decimal

from django.utils import timezone

from accounting import actions as books
from accounting.chart import (
    ADVANCE_ACCOUNT,
    VAT_ACCOUNTS,
    VAT_ON_RECEIPTS_ACCOUNT,
    counterpart_account,
    stripe_clearing_account,
)
from accounting.documents import Document, DocumentLine, IdempotencyKey
from accounting.exceptions import NoFiscalYear
from accounting.models import EntryLine, FiscalYear
from hub.models import Structure
from hub.money import quantize
from marketplace.enums import InvoiceKind, PaymentMethod
from marketplace.models import DepositSlip, Invoice, Order, Payment, Refund, StripeTransfer

ZERO = Decimal("0.00")
RECEIPT_ACCOUNTS = {
    PaymentMethod.CARD: ("ST", None),  # the Stripe clearing account, from the settings
    PaymentMethod.CASH: ("CA", "530"),
    PaymentMethod.CHEQUE: ("BQ", "5112"),
    PaymentMethod.TRANSFER: ("BQ", "512"),
    PaymentMethod.CESU: ("BQ", "5118"),
    PaymentMethod.SEPA: ("BQ", "512"),
}
REFUND_ACCOUNTS = {
    PaymentMethod.CARD: ("ST", None),
    PaymentMethod.CASH: ("CA", "530"),
}  # anything else is paid back by bank transfer (BQ, 512)


def _clearing() -> str:
    return stripe_clearing_account()[0]


def _post(structure: Structure, **kwargs) -> None:
    """Post, opening the structure's next fiscal year if the sale needs it (its books were set up when
    the structure was created)."""
    _ensure_fiscal_year(structure, kwargs["date"])
    lines = tuple(line for line in kwargs.pop("lines") if line.debit or line.credit)
    books.post_document(Document(structure=structure, lines=lines, **kwargs))


def _ensure_fiscal_year(structure: Structure, date: datetime.date) -> None:
    """Sales never wait for the accountant: the year after the last one opens when first needed."""
    if FiscalYear.objects.filter(structure=structure).covering(date).exists():
        return
    last = FiscalYear.objects.filter(structure=structure).order_by("-end_date").first()
    if last is None or date < last.start_date:
        raise NoFiscalYear(date)
    while last.end_date < date:
        last = books.open_fiscal_year(structure=structure, year=(last.end_date + datetime.timedelta(days=1)).year)


def customer_account(*, order: Order | None = None, invoice: Invoice | None = None) -> tuple[str, str]:
    """The 411 sub-account (code, name): one per person, organisation or member structure."""
    source = invoice or order
    if getattr(source, "buyer_structure_id", None):
        return f"S{source.buyer_structure_id:05d}", source.buyer_structure.name
    if source.organisation_id:
        return f"O{source.organisation_id:05d}", source.organisation.name
    name = invoice.buyer_name if invoice else order.billing_name
    return f"C{source.customer_id:06d}", name


def _local_date(moment: datetime.datetime | None) -> datetime.date:
    return timezone.localdate(moment) if moment else timezone.localdate()


# --- Invoices -------------------------------------------------------------------------------


def post_invoice(invoice: Invoice) -> None:
    """VE: the sale in the seller's books (and the purchase in a member's, for shared services)."""
    code, name = customer_account(invoice=invoice)
    credit_note = invoice.kind == InvoiceKind.CREDIT_NOTE
    revenue: dict[str, Decimal] = defaultdict(lambda: ZERO)
    vat: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for line in invoice.lines.all():
        revenue[line.revenue_account] += line.total_excl
        if line.total_vat:
            account = VAT_ACCOUNTS[f"{line.vat_rate:.2f}"] if line.is_goods else VAT_ON_RECEIPTS_ACCOUNT
            vat[account] += line.total_vat

    def side(amount: Decimal, *, debit: bool) -> dict:
        # A credit note swaps every side of its invoice.
        return {"debit": amount} if debit != credit_note else {"credit": amount}

    label = f"{invoice.get_kind_display()} {invoice.number} - {invoice.buyer_name}"
    lines = [
        DocumentLine(
            account="411", auxiliary_code=code, auxiliary_name=name, label=label, **side(invoice.total_incl, debit=True)
        )
    ]
    # An advance (deposit invoice, or its credit note) sits on 4191 under its own auxiliary code.
    advance = invoice.order.advance_reference if invoice.order_id and revenue.get(ADVANCE_ACCOUNT) else ""
    lines += [
        DocumentLine(
            account=account,
            label=label,
            **({"auxiliary_code": advance, "auxiliary_name": name} if account == ADVANCE_ACCOUNT and advance else {}),
            **side(amount, debit=False),
        )
        for account, amount in sorted(revenue.items())
    ]
    lines += [
        DocumentLine(account=account, label=label, **side(amount, debit=False))
        for account, amount in sorted(vat.items())
    ]
    _post(
        invoice.structure,
        journal="VE",
        date=invoice.issue_date,
        piece_ref=invoice.number,
        piece_date=invoice.issue_date,
        label=label,
        lines=lines,
        key=IdempotencyKey("invoice", str(invoice.pk), "issued"),
    )
    if invoice.buyer_structure_id is not None:
        _post_member_purchase(invoice, credit_note=credit_note)
    if invoice.order_id is not None:
        settle_if_paid(order=invoice.order, structure=invoice.structure, on=invoice.issue_date)


def _post_member_purchase(invoice: Invoice, *, credit_note: bool) -> None:
    supplier = invoice.structure
    label = f"{invoice.get_kind_display()} {invoice.number} - {supplier.name}"
    amount = invoice.total_incl
    expense = {"credit": amount} if credit_note else {"debit": amount}
    payable = {"debit": amount} if credit_note else {"credit": amount}
    _post(
        invoice.buyer_structure,
        journal="AC",
        date=invoice.issue_date,
        piece_ref=invoice.number,
        piece_date=invoice.issue_date,
        label=label,
        lines=[
            DocumentLine(account="628", label=label, **expense),
            DocumentLine(
                account="401",
                auxiliary_code=f"S{supplier.pk:05d}",
                auxiliary_name=supplier.name,
                label=label,
                **payable,
            ),
        ],
        key=IdempotencyKey("invoice", str(invoice.pk), "received"),
    )


# --- Payments -------------------------------------------------------------------------------


def post_payment(payment: Payment, *, allocation: dict[int, Decimal] | None = None) -> None:
    """Money received by a structure (or held by the Collectif for the sellers of a mixed card order)."""
    order = payment.order
    date = _local_date(payment.succeeded_at)
    label = f"Règlement {order.reference} - {order.billing_name}"
    journal, account = RECEIPT_ACCOUNTS[payment.method]
    account = account or _clearing()
    receiver = payment.received_by
    if allocation is None:
        allocation = dict(payment.allocations.values_list("share__seller_id", "amount"))
    if receiver.pk not in allocation:
        # A mixed card order: the platform holds each seller's share until it is transferred.
        lines = [DocumentLine(account=account, debit=payment.amount, label=label)]
        for structure in Structure.objects.filter(pk__in=allocation).order_by("pk"):
            lines.append(
                DocumentLine(account=counterpart_account(structure)[0], credit=allocation[structure.pk], label=label)
            )
        _post(receiver, journal=journal, date=date, piece_ref=order.reference, piece_date=date, label=label,
              lines=lines, key=IdempotencyKey("payment", str(payment.pk), "received"))  # fmt: skip
        return
    code, name = customer_account(order=order)
    _post(
        receiver,
        journal=journal,
        date=date,
        piece_ref=order.reference,
        piece_date=date,
        label=label,
        lines=[
            DocumentLine(account=account, debit=payment.amount, label=label),
            DocumentLine(account="411", credit=payment.amount, auxiliary_code=code, auxiliary_name=name, label=label),
        ],
        key=IdempotencyKey("payment", str(payment.pk), "received"),
    )
    settle_if_paid(order=order, structure=receiver, on=date)


def post_credit_applied(payment: Payment, *, source: str) -> None:
    """A credit the customer held (credit note `source`) pays part of an order: 411 to 411, no bank."""
    order = payment.order
    date = _local_date(payment.succeeded_at)
    code, name = customer_account(order=order)
    label = f"Avoir {source} imputé sur {order.reference} - {order.billing_name}"
    _post(payment.received_by, journal="OD", date=date, piece_ref=order.reference, piece_date=date, label=label,
          lines=[DocumentLine(account="411", debit=payment.amount, auxiliary_code=code, auxiliary_name=name, label=label),
                 DocumentLine(account="411", credit=payment.amount, auxiliary_code=code, auxiliary_name=name, label=label)],
          key=IdempotencyKey("payment", str(payment.pk), "credit-applied"))  # fmt: skip
    settle_if_paid(order=order, structure=payment.received_by, on=date)


def post_transfer(transfer: StripeTransfer) -> None:
    """A seller's share of a mixed card order leaves the Collectif's Stripe balance for the seller's."""
    order = transfer.order
    date = _local_date(transfer.created_at)
    collective = Structure.objects.collective()
    label = f"Transfert Stripe {order.reference} - {transfer.structure.name}"
    key = IdempotencyKey("transfer", str(transfer.pk), "paid")
    _post(collective, journal="ST", date=date, piece_ref=order.reference, piece_date=date, label=label, key=key,
          lines=[DocumentLine(account=counterpart_account(transfer.structure)[0], debit=transfer.amount, label=label),
                 DocumentLine(account=_clearing(), credit=transfer.amount, label=label)])  # fmt: skip
    code, name = customer_account(order=order)
    _post(transfer.structure, journal="ST", date=date, piece_ref=order.reference, piece_date=date, label=label, key=key,
          lines=[DocumentLine(account=_clearing(), debit=transfer.amount, label=label),
                 DocumentLine(account="411", credit=transfer.amount, auxiliary_code=code, auxiliary_name=name, label=label)])  # fmt: skip
    settle_if_paid(order=order, structure=transfer.structure, on=date)


def settle_if_paid(*, order: Order, structure: Structure, on: datetime.date) -> None:
    """As a structure's share of an order is paid, its services' VAT becomes due (CGI 269-2-c): pro rata
    of what its invoices of the order ask, on each payment (part-payments too), and back on refunds.
    Once the share is settled, its 411 lines are lettered."""
    share = order.shares.filter(seller=structure).first()
    if share is None:
        return
    invoices = list(order.invoices.issued().filter(structure=structure).prefetch_related("lines"))
    if not invoices:
        return
    invoiced = ZERO
    due: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for invoice in invoices:
        sign = -1 if invoice.kind == InvoiceKind.CREDIT_NOTE else 1
        invoiced += sign * invoice.total_incl
        for line in invoice.lines.all():
            if line.total_vat and not line.is_goods:
                due[VAT_ACCOUNTS[f"{line.vat_rate:.2f}"]] += sign * line.total_vat
    paid = max(share.paid, ZERO)
    ratio = min(paid / invoiced, Decimal("1")) if invoiced > 0 else Decimal("1")
    source_id = f"{order.pk}-{structure.pk}"
    moved_lines = EntryLine.objects.filter(
        entry__structure=structure, entry__source_kind="order", entry__source_id=source_id
    ).exclude(account__code=VAT_ON_RECEIPTS_ACCOUNT)
    moved: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for account_code, credit, debit in moved_lines.values_list("account__code", "credit", "debit"):
        moved[account_code] += credit - debit
    label = f"TVA exigible sur encaissement {order.reference}"
    lines = []
    for account in sorted(set(due) | set(moved)):
        delta = quantize(due[account] * ratio) - moved[account]
        if delta > 0:
            lines += [DocumentLine(account=VAT_ON_RECEIPTS_ACCOUNT, debit=delta, label=label),
                      DocumentLine(account=account, credit=delta, label=label)]  # fmt: skip
        elif delta < 0:
            lines += [DocumentLine(account=account, debit=-delta, label=label),
                      DocumentLine(account=VAT_ON_RECEIPTS_ACCOUNT, credit=-delta, label=label)]  # fmt: skip
    if lines:
        done = moved_lines.values("entry_id").distinct().count()
        _post(structure, journal="OD", date=on, piece_ref=order.reference, piece_date=on, label=label, lines=lines,
              key=IdempotencyKey("order", source_id, f"vat-on-receipts-{done + 1}"))  # fmt: skip
    if not share.is_settled:
        return
    code, _name = customer_account(order=order)
    entries = EntryLine.objects.filter(
        entry__structure=structure,
        account__code="411",
        auxiliary_code=code,
        entry__piece_ref__in=[order.reference, *[i.number for i in invoices]],
    ).select_related("account")
    unlettered = [line for line in entries if not line.lettering_code]
    # Lettering pairs lines that cancel out: only once the share's 411 lines balance in the books.
    if len(unlettered) >= 2 and sum((line.debit - line.credit for line in unlettered), ZERO) == 0:
        books.letter_lines(lines=unlettered, on=on)


def post_deposit_slip(slip: DepositSlip) -> None:
    date = _local_date(slip.created_at)
    label = f"Remise de chèques n° {slip.number}"
    _post(slip.structure, journal="BQ", date=date, piece_ref=f"REM-{slip.number}", piece_date=date, label=label,
          lines=[DocumentLine(account="512", debit=slip.total, label=label),
                 DocumentLine(account="5112", credit=slip.total, label=label)],
          key=IdempotencyKey("deposit_slip", str(slip.pk), "deposited"))  # fmt: skip


def post_refund(refund: Refund) -> None:
    """Money paid back to the customer by the structure that sold (its credit note is posted apart)."""
    order = refund.order
    date = _local_date(refund.created_at)
    journal, account = REFUND_ACCOUNTS.get(refund.method, ("BQ", "512"))
    account = account or _clearing()
    code, name = customer_account(order=order)
    label = f"Remboursement {order.reference} - {order.billing_name}"
    _post(refund.structure, journal=journal, date=date, piece_ref=order.reference, piece_date=date, label=label,
          lines=[DocumentLine(account="411", debit=refund.amount, auxiliary_code=code, auxiliary_name=name, label=label),
                 DocumentLine(account=account, credit=refund.amount, label=label)],
          key=IdempotencyKey("refund", str(refund.pk), "paid"))  # fmt: skip


def post_stripe_fee(*, reference: str, fee: Decimal, date: datetime.date, key: str) -> None:
    """Stripe's fees are borne by the Collectif (the platform) and recharged monthly."""
    label = f"Frais Stripe {reference}"
    _post(Structure.objects.collective(), journal="ST", date=date, piece_ref=reference, piece_date=date, label=label,
          lines=[DocumentLine(account="627", debit=fee, label=label), DocumentLine(account=_clearing(), credit=fee, label=label)],
          key=IdempotencyKey("stripe_fee", key, "charged"))  # fmt: skip


def post_payout(*, structure: Structure, amount: Decimal, date: datetime.date, payout_id: str) -> None:
    """Stripe paid the balance out to the structure's bank account."""
    label = f"Virement Stripe {payout_id}"
    _post(structure, journal="ST", date=date, piece_ref=payout_id[:30], piece_date=date, label=label,
          lines=[DocumentLine(account="512", debit=amount, label=label), DocumentLine(account=_clearing(), credit=amount, label=label)],
          key=IdempotencyKey("payout", payout_id, "paid"))  # fmt: skip


# --- Prepaid seasons (basket subscriptions paid upfront) -----------------------------------------
# The season is an order: its payment posts as any payment, its deposit invoice (VE) puts the excl.
# VAT on 4191 under the advance's auxiliary code (`post_invoice`); each basket delivered releases it.


def post_prepaid_delivery(
    *,
    structure: Structure,
    customer: tuple[str, str],
    amount_excl: Decimal,
    revenue_account: str,
    date: datetime.date,
    reference: str,
    key: str,
) -> None:
    """Each delivery of a prepaid season turns its share of the advance into revenue."""
    code, name = customer
    label = f"Livraison {reference} - {name}"
    _post(structure, journal="OD", date=date, piece_ref=reference, piece_date=date, label=label,
          lines=[DocumentLine(account="4191", debit=amount_excl, auxiliary_code=code, auxiliary_name=name, label=label),
                 DocumentLine(account=revenue_account, credit=amount_excl, label=label)],
          key=IdempotencyKey("delivery", key, "released"))  # fmt: skip
