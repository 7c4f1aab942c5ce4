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
- an invoice without an order paid (BQ): D 512 / C 411 in the seller's books, and D 401 / C 512 in a
  member's; its services' VAT moves from 44587 as for an order; once paid, lettered on both sides.
- Stripe fees (Collectif, ST): D 627 / C clearing; payouts (ST): D 512 / C clearing (a negative payout,
  Stripe's withdrawal from the bank to cover a negative balance: D clearing / C 512).
- money Stripe takes back (dispute, dashboard refund, late SEPA failure): D 411 / C clearing, or via
  467 for a mixed card order; a dispute lost D 654 / C 411; the platform commission the seller
  D 6222 / C clearing, the Collectif D clearing / C 7067 (docs/adr/0010-stripe-money-events.md).
  SEPA debits have their own clearing account (512810 by default).
"""

import dataclasses
import datetime
from collections import defaultdict
from decimal import Decimal

from django.db.models import Q, Subquery
from django.utils import timezone

from accounting import actions as books
from accounting.chart import (
    ADVANCE_ACCOUNT,
    BAD_DEBT_ACCOUNT,
    COMMISSION_EXPENSE_ACCOUNT,
    DEDUCTIBLE_VAT_ACCOUNT,
    PLATFORM_COMMISSION_ACCOUNT,
    URSSAF_ADVANCE_ACCOUNT,
    VAT_ACCOUNTS,
    VAT_ON_RECEIPTS_ACCOUNT,
    counterpart_account,
    stripe_clearing_account,
    stripe_sepa_clearing_account,
)
from accounting.documents import Document, DocumentLine, IdempotencyKey
from accounting.exceptions import NoFiscalYear
from accounting.models import Entry, EntryLine, FiscalYear
from hub.models import Structure
from hub.money import quantize, split_incl
from marketplace.enums import InvoiceKind, PaymentMethod
from marketplace.models import (
    DepositSlip,
    Invoice,
    InvoiceLine,
    InvoicePayment,
    Order,
    OrderShare,
    Payment,
    Refund,
    StripeTransfer,
)

ZERO = Decimal("0.00")
RECEIPT_ACCOUNTS = {
    PaymentMethod.CARD: ("ST", None),  # the Stripe clearing account, from the settings
    PaymentMethod.CASH: ("CA", "530"),
    PaymentMethod.CHEQUE: ("BQ", "5112"),
    PaymentMethod.TRANSFER: ("BQ", "512"),
    PaymentMethod.CESU: ("BQ", "5118"),
    PaymentMethod.SEPA: ("ST", None),  # collected by Stripe: its own clearing account
    PaymentMethod.APA_PCH: ("BQ", "512"),  # the Département's transfer
    PaymentMethod.URSSAF: ("OD", URSSAF_ADVANCE_ACCOUNT[0]),  # the URSSAF owes it until its transfer
}
SHARE_FIGURES = ("owed", "received", "refunded", "disputed")
REFUND_ACCOUNTS = {
    PaymentMethod.CARD: ("ST", None),
    PaymentMethod.CASH: ("CA", "530"),
    PaymentMethod.SEPA: ("ST", None),
}  # anything else is paid back by bank transfer (BQ, 512)


def _clearing(method: str = PaymentMethod.CARD) -> str:
    """Stripe's clearing account for card money, or its SEPA one for direct debits."""
    return (stripe_sepa_clearing_account() if method == PaymentMethod.SEPA else stripe_clearing_account())[0]


def _post(structure: Structure, **kwargs) -> Entry:
    """Post, opening the structure's next fiscal year if the sale needs it (its books were set up when
    the structure was created). The year is looked for only when the posting finds none: the hot
    path costs no query of its own (`post_document` refuses before writing anything)."""
    lines = tuple(line for line in kwargs.pop("lines") if line.debit or line.credit)
    document = Document(structure=structure, lines=lines, **kwargs)
    try:
        return books.post_document(document)
    except NoFiscalYear:
        _ensure_fiscal_year(structure, document.date)
        return books.post_document(document)


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


def post_invoice(invoice: Invoice, *, lines=None) -> None:
    """VE: the sale in the seller's books (and the purchase in a member's, for shared services).

    `lines`: the invoice's lines when the caller holds them (just created), else they are read."""
    code, name = customer_account(invoice=invoice)
    credit_note = invoice.kind == InvoiceKind.CREDIT_NOTE
    revenue: dict[str, Decimal] = defaultdict(lambda: ZERO)
    vat: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for line in invoice.lines.all() if lines is None else lines:
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


def supplier_code(structure: Structure) -> str:
    """A member structure's 401 sub-account for the structure (the Collectif) that invoices it."""
    return f"S{structure.pk:05d}"


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
                auxiliary_code=supplier_code(supplier),
                auxiliary_name=supplier.name,
                label=label,
                **payable,
            ),
        ],
        key=IdempotencyKey("invoice", str(invoice.pk), "received"),
    )


# --- Invoices without an order paid by transfer or cheque ---------------------------------------


def post_invoice_payment(payment: InvoicePayment, *, number: int, paid_before: Decimal) -> Entry:
    """BQ: D 512 / C 411 in the seller's books, D 401 / C 512 in a member buyer's; the services' VAT due
    on what is now received (44587 → 4457x, CGI 269-2-c); the 411 (and 401) lines lettered once the
    invoice is paid. `number`: the payment's rank among the invoice's (its idempotency key);
    `paid_before`: what earlier payments, not cancelled, paid. Returns the seller's entry."""
    invoice = payment.invoice
    date = payment.received_on
    code, name = customer_account(invoice=invoice)
    label = f"Règlement {invoice.number} - {invoice.buyer_name}"
    key = IdempotencyKey("invoice", str(invoice.pk), f"payment-{number}")
    entry = _post(invoice.structure, journal="BQ", date=date, piece_ref=invoice.number, piece_date=date,
                  label=label, key=key,
                  lines=[DocumentLine(account="512", debit=payment.amount, label=label),
                         DocumentLine(account="411", credit=payment.amount, auxiliary_code=code, auxiliary_name=name,
                                      label=label)])  # fmt: skip
    if invoice.buyer_structure_id is not None:
        seller = invoice.structure
        label = f"Règlement {invoice.number} - {seller.name}"
        _post(invoice.buyer_structure, journal="BQ", date=date, piece_ref=invoice.number, piece_date=date,
              label=label, key=key,
              lines=[DocumentLine(account="401", debit=payment.amount, auxiliary_code=supplier_code(seller),
                                  auxiliary_name=seller.name, label=label),
                     DocumentLine(account="512", credit=payment.amount, label=label)])  # fmt: skip
    settle_invoice(invoice, paid=paid_before + payment.amount, on=date, event=f"payment-{number}")
    return entry


def reverse_invoice_payment(payment: InvoicePayment, *, on: datetime.date, paid_after: Decimal) -> None:
    """A payment recorded by mistake: the invoice's lettering is undone, its entries (both books) reversed
    and each lettered with its reversal, and the VAT moved on it moved back. `paid_after`: what the
    invoice's other payments paid."""
    invoice = payment.invoice
    label = f"Annulation règlement {invoice.number}"
    entries = Entry.objects.filter(source_kind="invoice", source_id=str(invoice.pk), event=payment.entry.event)
    for entry in entries.order_by("pk"):
        account = "411" if entry.structure_id == invoice.structure_id else "401"
        _unletter(entry.structure_id, account, invoice)
        reversal = books.reverse_entry(entry=entry, date=on, label=label)
        pair = EntryLine.objects.filter(entry__in=[entry, reversal], account__code=account)
        books.letter_lines(lines=list(pair), on=on)
    settle_invoice(invoice, paid=paid_after, on=on, event=f"cancel-{payment.pk}")


def _unletter(structure_id: int, account: str, invoice: Invoice) -> None:
    """Undo the lettering that settled the invoice on one account of one structure's books (the code its
    own 411 line, or a member's 401 line, carries); payments cancelled earlier stay lettered with their
    reversals."""
    lettered = set(
        EntryLine.objects.filter(
            entry__structure_id=structure_id,
            account__code=account,
            entry__source_kind="invoice",
            entry__source_id=str(invoice.pk),
            entry__event__in=["issued", "received"],
        )
        .exclude(lettering_code="")
        .values_list("account_id", "lettering_code")
    )
    for account_id, code in lettered:
        EntryLine.objects.filter(account_id=account_id, lettering_code=code).update(
            lettering_code="", lettering_date=None
        )


def _invoice_pieces(invoice: Invoice) -> list[str]:
    return [invoice.number, *invoice.credit_notes.issued().values_list("number", flat=True)]


def _vat_due_lines(due: dict, moved: dict, ratio: Decimal, label: str) -> list[DocumentLine]:
    """Services' VAT made due (44587 → 4457x) up to `ratio` of what is due per account, less what moved."""
    lines = []
    for account in sorted(set(due) | set(moved)):
        delta = quantize(due[account] * ratio) - moved[account]
        if delta > 0:
            lines += [DocumentLine(account=VAT_ON_RECEIPTS_ACCOUNT, debit=delta, label=label),
                      DocumentLine(account=account, credit=delta, label=label)]  # fmt: skip
        elif delta < 0:
            lines += [DocumentLine(account=account, debit=-delta, label=label),
                      DocumentLine(account=VAT_ON_RECEIPTS_ACCOUNT, credit=-delta, label=label)]  # fmt: skip
    return lines


def settle_invoice(invoice: Invoice, *, paid: Decimal, on: datetime.date, event: str) -> None:
    """What an invoice without an order received (`paid`) makes its services' VAT due, pro rata of its total
    net of credit notes; once it is paid, its 411 lines (and a member's 401 lines) are lettered."""
    documents = [invoice, *invoice.credit_notes.issued().prefetch_related("lines")]
    net = ZERO
    due: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for document in documents:
        sign = -1 if document.kind == InvoiceKind.CREDIT_NOTE else 1
        net += sign * document.total_incl
        for line in document.lines.all():
            if line.total_vat and not line.is_goods:
                due[VAT_ACCOUNTS[f"{line.vat_rate:.2f}"]] += sign * line.total_vat
    ratio = min(max(paid, ZERO) / net, Decimal("1")) if net > 0 else Decimal("1")
    structure = invoice.structure
    moved: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for account, debit, credit in (
        EntryLine.objects.filter(
            entry__structure=structure,
            entry__source_kind="invoice",
            entry__source_id=str(invoice.pk),
            entry__event__startswith="vat-on-receipts",
        )
        .exclude(account__code=VAT_ON_RECEIPTS_ACCOUNT)
        .values_list("account__code", "debit", "credit")
    ):
        moved[account] += credit - debit
    label = f"TVA exigible sur encaissement {invoice.number}"
    lines = _vat_due_lines(due, moved, ratio, label)
    if lines:
        _post(structure, journal="OD", date=on, piece_ref=invoice.number, piece_date=on, label=label, lines=lines,
              key=IdempotencyKey("invoice", str(invoice.pk), f"vat-on-receipts-{event}"))  # fmt: skip
    if paid < net:
        return
    pieces = [document.number for document in documents]
    code, _name = customer_account(invoice=invoice)
    sides = [(structure.pk, "411", code)]
    if invoice.buyer_structure_id is not None:
        sides.append((invoice.buyer_structure_id, "401", supplier_code(structure)))
    for structure_id, account, auxiliary in sides:
        unlettered = list(
            EntryLine.objects.filter(
                entry__structure_id=structure_id,
                account__code=account,
                auxiliary_code=auxiliary,
                entry__piece_ref__in=pieces,
                lettering_code="",
            )
        )
        # Lettering pairs lines that cancel out: only once the invoice's lines balance in the books.
        if len(unlettered) >= 2 and sum((line.debit - line.credit for line in unlettered), ZERO) == 0:
            books.letter_lines(lines=unlettered, on=on)


# --- Payments -------------------------------------------------------------------------------


def post_payment(payment: Payment, *, allocation: dict[int, Decimal] | None = None) -> None:
    """Money received by a structure (or held by the Collectif for the sellers of a mixed card order)."""
    order = payment.order
    date = _local_date(payment.succeeded_at)
    label = f"Règlement {order.reference} - {order.billing_name}"
    journal, account = RECEIPT_ACCOUNTS[payment.method]
    account = account or _clearing(payment.method)
    receiver = payment.received_by
    if payment.method == PaymentMethod.URSSAF:
        books.ensure_account(structure=receiver, code=URSSAF_ADVANCE_ACCOUNT[0], label=URSSAF_ADVANCE_ACCOUNT[1])
    if allocation is None:
        allocation = dict(payment.allocations.values_list("share__seller_id", "amount"))
    if receiver.pk not in allocation:
        # A mixed card order: the platform holds each seller's share until it is transferred.
        lines = [DocumentLine(account=account, debit=payment.amount, label=label)]
        for seller_id in sorted(allocation):  # the 467 code needs only the seller's id
            lines.append(
                DocumentLine(
                    account=counterpart_account(Structure(pk=seller_id))[0], credit=allocation[seller_id], label=label
                )
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


def post_transfer(transfer: StripeTransfer, *, collective: Structure | None = None) -> None:
    """A seller's share of a mixed card order leaves the Collectif's Stripe balance for the seller's."""
    order = transfer.order
    date = _local_date(transfer.created_at)
    collective = collective or Structure.objects.collective()
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
    Once the share is settled, its 411 lines are lettered.

    Two reads whatever the order's size: the issued invoices' lines (with their invoice and the
    share's figures, which only move under the order's lock the caller holds), and the structure's
    entry lines of the order (VAT already moved, and its 411 lines)."""
    share_of = OrderShare.objects.filter(order=order, seller=structure)
    invoice_lines = list(
        InvoiceLine.objects.filter(invoice__order=order, invoice__structure=structure)
        .exclude(invoice__number="")
        .annotate(**{f"share_{name}": Subquery(share_of.values(name)[:1]) for name in SHARE_FIGURES})
        .values_list("invoice_id", "invoice__kind", "invoice__total_incl", "invoice__number", "total_vat", "is_goods",
                     "vat_rate", *(f"share_{name}" for name in SHARE_FIGURES))
    )  # fmt: skip
    if not invoice_lines or invoice_lines[0][-1] is None:
        return  # nothing invoiced yet, or the structure sells nothing in this order
    share = OrderShare(order=order, seller=structure, **dict(zip(SHARE_FIGURES, invoice_lines[0][7:], strict=True)))
    invoiced = ZERO
    numbers: dict[int, str] = {}
    due: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for invoice_id, kind, total_incl, number, total_vat, is_goods, vat_rate, *_share in invoice_lines:
        sign = -1 if kind == InvoiceKind.CREDIT_NOTE else 1
        if invoice_id not in numbers:
            numbers[invoice_id] = number
            invoiced += sign * total_incl
        if total_vat and not is_goods:
            due[VAT_ACCOUNTS[f"{vat_rate:.2f}"]] += sign * total_vat
    paid = max(share.paid, ZERO)
    ratio = min(paid / invoiced, Decimal("1")) if invoiced > 0 else Decimal("1")
    source_id = f"{order.pk}-{structure.pk}"
    code, _name = customer_account(order=order)
    pieces = [order.reference, *numbers.values()]
    entry_lines = list(
        EntryLine.objects.filter(entry__structure=structure)
        .filter(
            Q(entry__source_kind="order", entry__source_id=source_id)
            | Q(account__code="411", auxiliary_code=code, entry__piece_ref__in=pieces)
        )
        .select_related("account", "entry")
        .order_by("pk")
    )
    moved_lines = [
        line
        for line in entry_lines
        if (line.entry.source_kind, line.entry.source_id) == ("order", source_id)
        and line.account.code != VAT_ON_RECEIPTS_ACCOUNT
    ]
    moved: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for line in moved_lines:
        moved[line.account.code] += line.credit - line.debit
    label = f"TVA exigible sur encaissement {order.reference}"
    lines = _vat_due_lines(due, moved, ratio, label)
    if lines:
        done = len({line.entry_id for line in moved_lines})
        _post(structure, journal="OD", date=on, piece_ref=order.reference, piece_date=on, label=label, lines=lines,
              key=IdempotencyKey("order", source_id, f"vat-on-receipts-{done + 1}"))  # fmt: skip
    if not share.is_settled:
        return
    unlettered = [
        line
        for line in entry_lines
        if line.account.code == "411"
        and line.auxiliary_code == code
        and line.entry.piece_ref in pieces
        and not line.lettering_code
    ]
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
    account = account or _clearing(refund.method)
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
    """Stripe paid the balance out to the structure's bank account. A negative payout is the other way:
    Stripe took from the bank what a negative balance owed it (fees borne by the platform, refunds) —
    D clearing / C 512."""
    if amount < 0:
        label = f"Prélèvement Stripe {payout_id}"
        lines = [DocumentLine(account=_clearing(), debit=-amount, label=label),
                 DocumentLine(account="512", credit=-amount, label=label)]  # fmt: skip
    else:
        label = f"Virement Stripe {payout_id}"
        lines = [DocumentLine(account="512", debit=amount, label=label),
                 DocumentLine(account=_clearing(), credit=amount, label=label)]  # fmt: skip
    _post(structure, journal="ST", date=date, piece_ref=payout_id[:30], piece_date=date, label=label, lines=lines,
          key=IdempotencyKey("payout", payout_id, "paid"))  # fmt: skip


# --- The URSSAF's immediate advance (services à la personne) -------------------------------------


def post_urssaf_transfer(
    *, structure: Structure, amount: Decimal, date: datetime.date, reference: str, key: str
) -> None:
    """BQ: the URSSAF's transfer of a paid request (D 512 / C 4371), piece = the invoice number."""
    label = f"Virement URSSAF avance immédiate {reference}"
    _post(structure, journal="BQ", date=date, piece_ref=reference[:30], piece_date=date, label=label,
          lines=[DocumentLine(account="512", debit=amount, label=label),
                 DocumentLine(account=URSSAF_ADVANCE_ACCOUNT[0], credit=amount, label=label)],
          key=IdempotencyKey("urssaf_request", key, "paid"))  # fmt: skip


def post_urssaf_withdrawal(*, payment: Payment, date: datetime.date) -> None:
    """A request cancelled after the client validated it (the URSSAF will not pay): the client owes the
    invoice again (OD: D 411 / C 4371) and its services' VAT follows."""
    order = payment.order
    code, name = customer_account(order=order)
    label = f"Avance immédiate annulée {order.reference}"
    _post(payment.received_by, journal="OD", date=date, piece_ref=order.reference, piece_date=date, label=label,
          lines=[DocumentLine(account="411", debit=payment.amount, auxiliary_code=code, auxiliary_name=name, label=label),
                 DocumentLine(account=URSSAF_ADVANCE_ACCOUNT[0], credit=payment.amount, label=label)],
          key=IdempotencyKey("payment", str(payment.pk), "urssaf-cancelled"))  # fmt: skip
    settle_if_paid(order=order, structure=payment.received_by, on=date)


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


# --- Money Stripe takes back or gives back (disputes, dashboard refunds, late SEPA failures) -------


def _swapped(lines: list[DocumentLine], swap: bool) -> list[DocumentLine]:
    return [dataclasses.replace(line, debit=line.credit, credit=line.debit) for line in lines] if swap else lines


def post_withdrawal(
    *,
    payment: Payment,
    parts: dict[int, Decimal],
    date: datetime.date,
    label: str,
    key: tuple[str, str, str],
    restore: bool = False,
    platform_pays: bool = False,
) -> None:
    """Money Stripe took back from a payment (a dispute's funds withdrawn, a late SEPA failure, a refund
    made in Stripe's dashboard) reopens each seller's receivable; `restore` is the mirror (funds
    reinstated). `parts` is {seller id: amount}, as the settlement recorded it.

    From the seller's own Stripe balance (a one-seller payment, transfer reversed): D 411 / C clearing.
    From the Collectif's (a mixed card order, or `platform_pays`: Stripe debits the platform for the
    disputes and unreversed refunds of a destination charge): the Collectif pays for each seller
    (D 467-<seller> / C clearing) and each seller who got the money owes it back (OD: D 411 /
    C 467-Collectif), so 467 stays the mirror image in both books. Services' VAT follows what each
    seller keeps.
    """
    order = payment.order
    clearing = _clearing(payment.method)
    receiver = payment.received_by
    code, name = customer_account(order=order)
    idempotency = IdempotencyKey(*key)
    if receiver.pk in parts and not platform_pays:
        amount = parts[receiver.pk]
        lines = [DocumentLine(account="411", debit=amount, auxiliary_code=code, auxiliary_name=name, label=label),
                 DocumentLine(account=clearing, credit=amount, label=label)]  # fmt: skip
        _post(receiver, journal="ST", date=date, piece_ref=order.reference, piece_date=date, label=label,
              lines=_swapped(lines, restore), key=idempotency)  # fmt: skip
        settle_if_paid(order=order, structure=receiver, on=date)
        return
    if receiver.is_collective:
        collective = receiver
        transferred = set(StripeTransfer.objects.filter(order=order).values_list("structure_id", flat=True))
    else:  # a destination charge: Stripe moved the money to the seller at once
        collective = Structure.objects.collective()
        transferred = {receiver.pk}
    sellers = list(Structure.objects.filter(pk__in=parts).order_by("pk"))
    lines = [
        DocumentLine(account=counterpart_account(seller)[0], debit=parts[seller.pk], label=label) for seller in sellers
    ]
    lines.append(DocumentLine(account=clearing, credit=sum(parts.values(), ZERO), label=label))
    _post(collective, journal="ST", date=date, piece_ref=order.reference, piece_date=date, label=label,
          lines=_swapped(lines, restore), key=idempotency)  # fmt: skip
    for seller in sellers:
        if seller.pk not in transferred:
            continue  # never passed on: the Collectif's 467 credit of the charge is simply cancelled
        amount = parts[seller.pk]
        lines = [DocumentLine(account="411", debit=amount, auxiliary_code=code, auxiliary_name=name, label=label),
                 DocumentLine(account=counterpart_account(collective)[0], credit=amount, label=label)]  # fmt: skip
        _post(seller, journal="OD", date=date, piece_ref=order.reference, piece_date=date, label=label,
              lines=_swapped(lines, restore), key=idempotency)  # fmt: skip
        settle_if_paid(order=order, structure=seller, on=date)


def post_dispute_fee(*, dispute_id: str, reference: str, fee: Decimal, date: datetime.date, returned: bool) -> None:
    """Stripe's dispute fee is borne by the Collectif, like its other fees: D 627 / C clearing (the
    mirror when Stripe gives it back)."""
    label = f"{'Frais de litige remboursés' if returned else 'Frais de litige Stripe'} {reference}"
    lines = [
        DocumentLine(account="627", debit=fee, label=label),
        DocumentLine(account=_clearing(), credit=fee, label=label),
    ]
    _post(Structure.objects.collective(), journal="ST", date=date, piece_ref=reference, piece_date=date, label=label,
          lines=_swapped(lines, returned), key=IdempotencyKey("dispute", dispute_id, "fee-returned" if returned else "fee"))  # fmt: skip


def post_bad_debt(*, order: Order, structure: Structure, amount: Decimal, date: datetime.date, dispute_id: str) -> None:
    """A dispute lost: the customer's debt to the seller is written off (D 654 / C 411). VAT on services
    was never due on money not kept: its part still on 44587 leaves with the debt (D 44587). VAT on
    goods, due at delivery, stays: getting it back needs a credit note, the accountant's call."""
    invoices = list(order.invoices.issued().filter(structure=structure).prefetch_related("lines"))
    invoiced = ZERO
    services_vat = ZERO
    for invoice in invoices:
        sign = -1 if invoice.kind == InvoiceKind.CREDIT_NOTE else 1
        invoiced += sign * invoice.total_incl
        services_vat += sign * sum((line.total_vat for line in invoice.lines.all() if not line.is_goods), ZERO)
    pending = quantize(services_vat * amount / invoiced) if invoiced > 0 else ZERO
    code, name = customer_account(order=order)
    label = f"Créance irrécouvrable {order.reference} - litige perdu"
    _post(structure, journal="OD", date=date, piece_ref=order.reference, piece_date=date, label=label,
          lines=[DocumentLine(account=BAD_DEBT_ACCOUNT, debit=amount - pending, label=label),
                 DocumentLine(account=VAT_ON_RECEIPTS_ACCOUNT, debit=pending, label=label),
                 DocumentLine(account="411", credit=amount, auxiliary_code=code, auxiliary_name=name, label=label)],
          key=IdempotencyKey("dispute", dispute_id, f"lost-{structure.pk}"))  # fmt: skip


PLATFORM_COMMISSION_VAT_RATE = Decimal("20.00")


def post_platform_commission(*, payment: Payment, fee: Decimal) -> None:
    """The platform's commission (`application_fee_amount`) kept by Stripe from a seller's charge for the
    Collectif, in both books: the seller D 6222 / C clearing, the Collectif D clearing / C 7067. When the
    Collectif is liable, its VAT at 20 % is due at once (a service paid on the spot), and deductible
    (44566) by a liable seller."""
    collective = Structure.objects.collective()
    seller = payment.received_by
    order = payment.order
    clearing = _clearing(payment.method)
    excl, vat = split_incl(fee, PLATFORM_COMMISSION_VAT_RATE) if collective.is_vat_liable else (fee, ZERO)
    deductible = vat if seller.is_vat_liable else ZERO
    label = f"Commission plateforme {order.reference}"
    key = IdempotencyKey("payment", str(payment.pk), "platform-fee")
    date = _local_date(payment.succeeded_at)
    _post(seller, journal="ST", date=date, piece_ref=order.reference, piece_date=date, label=label, key=key,
          lines=[DocumentLine(account=COMMISSION_EXPENSE_ACCOUNT, debit=fee - deductible, label=label),
                 DocumentLine(account=DEDUCTIBLE_VAT_ACCOUNT, debit=deductible, label=label),
                 DocumentLine(account=clearing, credit=fee, label=label)])  # fmt: skip
    _post(collective, journal="ST", date=date, piece_ref=order.reference, piece_date=date, label=label, key=key,
          lines=[DocumentLine(account=clearing, debit=fee, label=label),
                 DocumentLine(account=PLATFORM_COMMISSION_ACCOUNT, credit=excl, label=label),
                 DocumentLine(account=VAT_ACCOUNTS[f"{PLATFORM_COMMISSION_VAT_RATE:.2f}"], credit=vat, label=label)])  # fmt: skip


def reverse_platform_commission(*, payment: Payment, date: datetime.date) -> None:
    """A payment that failed after all: Stripe gives the application fee back, so its entries (in
    both books) are reversed."""
    entries = Entry.objects.filter(source_kind="payment", source_id=str(payment.pk), event="platform-fee")
    for entry in entries.order_by("pk"):
        books.reverse_entry(entry=entry, date=date, label=f"Commission plateforme annulée {payment.order.reference}")


def reverse_payout(*, structure: Structure, payout_id: str, date: datetime.date) -> bool:
    """A payout the bank returned: its posting, if any, is reversed (extourne). Whether there was one."""
    entry = Entry.objects.filter(structure=structure, source_kind="payout", source_id=payout_id, event="paid").first()
    if entry is None:
        return False
    books.reverse_entry(entry=entry, date=date, label=f"Virement Stripe échoué {payout_id}")
    return True
