"""What each customer owes a structure, invoice by invoice: the aged balance and the customer statement.

No second truth (docs/adr/0022-receivables-and-dunning.md): what a structure received for an order is
its settlement share (`OrderShare.paid`: received, less refunded and disputed); an invoice's open amount
is its total, less its credit notes, less that money spread over the order's invoices of the structure
oldest first. An order paid beyond what was invoiced (a weighed line not yet invoiced), and a credit
note kept by the customer, are the customer's credit. An invoice without an order (the Collectif's
shared-services invoices, late-payment penalties) is open for its total less its credit notes and its
payments (`InvoicePayment`, not cancelled). The aged total agrees with the structure's 411 (a
reconciliation check, `receivables_match_ledger`).

A customer is its 411 sub-account (`postings.customer_account`): `C<user>`, `O<organisation>` or
`S<structure>`. Four queries for the aged balance whatever the number of invoices.
"""

import datetime
import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import F, Q, Sum
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounting.models import EntryLine
from hub.models import Organisation, Structure
from hub.money import quantize
from marketplace.enums import InvoiceKind, PaymentMethod, PaymentState, RefundState
from marketplace.models import Invoice, InvoicePayment, OrderShare, PaymentAllocation, Refund
from marketplace.postings import customer_account

ZERO = Decimal("0.00")
EPOCH = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
CUSTOMER_CODE_RE = re.compile(r"^(?P<kind>[CSO])(?P<id>\d{1,9})$")
# (key, label, lowest day past due, highest) — the day after the due date is day 1.
BUCKETS = (
    ("not_due", gettext_lazy("Non échu"), None, 0),
    ("d1_30", gettext_lazy("1 à 30 jours"), 1, 30),
    ("d31_60", gettext_lazy("31 à 60 jours"), 31, 60),
    ("d61_90", gettext_lazy("61 à 90 jours"), 61, 90),
    ("over_90", gettext_lazy("Plus de 90 jours"), 91, None),
)
BUCKET_KEYS = tuple(key for key, *_rest in BUCKETS)
# Movements of the same moment: the invoice before what pays it, a payment before its cancellation.
KIND_ORDER = {"invoice": 0, "credit_note": 1, "payment": 2, "reversal": 3, "refund": 4}


def bucket_of(days_past_due: int) -> str:
    for key, _label, low, high in BUCKETS:
        if (low is None or days_past_due >= low) and (high is None or days_past_due <= high):
            return key
    raise AssertionError(days_past_due)  # pragma: no cover — the buckets cover every integer


@dataclass
class OpenItem:
    """One invoice with something still to pay."""

    invoice: Invoice
    customer_code: str
    customer_name: str
    total: Decimal  # incl. VAT, less its credit notes
    paid: Decimal  # the order's money this invoice took
    open: Decimal
    due_date: datetime.date
    days_past_due: int

    @property
    def bucket(self) -> str:
        return bucket_of(self.days_past_due)

    @property
    def is_overdue(self) -> bool:
        return self.days_past_due > 0

    @property
    def is_business(self) -> bool:
        return self.invoice.buyer_is_business


@dataclass
class CustomerBalance:
    code: str
    name: str
    is_business: bool = False
    items: list[OpenItem] = field(default_factory=list)
    buckets: dict[str, Decimal] = field(default_factory=lambda: dict.fromkeys(BUCKET_KEYS, ZERO))
    credit: Decimal = ZERO  # money received beyond the invoices, credit notes kept (≤ 0 in general)

    @property
    def total(self) -> Decimal:
        return sum(self.buckets.values(), ZERO) + self.credit

    @property
    def bucket_list(self) -> list[Decimal]:
        return [self.buckets[key] for key in BUCKET_KEYS]


@dataclass
class AgedBalance:
    structure: Structure
    on: datetime.date
    customers: list[CustomerBalance]

    @property
    def buckets(self) -> dict[str, Decimal]:
        totals = dict.fromkeys(BUCKET_KEYS, ZERO)
        for customer in self.customers:
            for key, amount in customer.buckets.items():
                totals[key] += amount
        return totals

    @property
    def bucket_list(self) -> list[Decimal]:
        buckets = self.buckets
        return [buckets[key] for key in BUCKET_KEYS]

    @property
    def credit(self) -> Decimal:
        return sum((customer.credit for customer in self.customers), ZERO)

    @property
    def total(self) -> Decimal:
        return sum((customer.total for customer in self.customers), ZERO)

    @property
    def items(self) -> list[OpenItem]:
        return [item for customer in self.customers for item in customer.items]

    def customer(self, code: str) -> CustomerBalance | None:
        return next((customer for customer in self.customers if customer.code == code), None)


def _issued_documents(structure: Structure, *, on: datetime.date):
    return (
        Invoice.objects.issued()
        .filter(structure=structure, issue_date__lte=on)
        .select_related("buyer_structure", "organisation")
        .only(
            "kind",
            "number",
            "issue_date",
            "due_date",
            "total_incl",
            "order_id",
            "credited_invoice_id",
            "customer_id",
            "buyer_name",
            "buyer_is_business",
            "buyer_structure__name",
            "organisation__name",
        )  # fmt: skip
        .order_by("issue_date", "pk")
    )


def aged_balance(structure: Structure, *, on: datetime.date | None = None) -> AgedBalance:
    """The structure's open invoices per customer, bucketed by days past due on `on` (today).

    Reads today's settlement figures: `on` moves the ageing, not the payments (no back-dated view)."""
    on = on or timezone.localdate()
    documents = list(_issued_documents(structure, on=on))
    invoices = [doc for doc in documents if doc.kind != InvoiceKind.CREDIT_NOTE]
    credited: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for doc in documents:
        if doc.kind == InvoiceKind.CREDIT_NOTE:
            credited[doc.credited_invoice_id] += doc.total_incl
    order_ids = {doc.order_id for doc in documents if doc.order_id}
    paid_by_order = {
        order_id: received - refunded - disputed
        for order_id, received, refunded, disputed in OrderShare.objects.filter(
            seller=structure, order_id__in=order_ids
        ).values_list("order_id", "received", "refunded", "disputed")
    }
    paid_by_invoice = dict(
        InvoicePayment.objects.filter(invoice__structure=structure, cancelled_at__isnull=True)
        .values("invoice_id")
        .annotate(total=Sum("amount"))
        .values_list("invoice_id", "total")
    )
    customers: dict[str, CustomerBalance] = {}

    def customer_of(doc: Invoice) -> CustomerBalance:
        code, name = customer_account(invoice=doc)
        if code not in customers:
            customers[code] = CustomerBalance(code=code, name=name)
        customers[code].is_business |= doc.buyer_is_business
        return customers[code]

    groups: dict[object, list[Invoice]] = defaultdict(list)
    for doc in invoices:
        groups[doc.order_id or f"invoice-{doc.pk}"].append(doc)
    # Credit notes of an order whose invoices are all credited still belong to its group.
    for doc in documents:
        if doc.kind == InvoiceKind.CREDIT_NOTE and doc.order_id and doc.order_id not in groups:
            groups[doc.order_id] = []
    for group_key, group in groups.items():
        if isinstance(group_key, int):
            rest = paid_by_order.get(group_key, ZERO)
        else:  # an invoice without an order: its own payments
            rest = paid_by_invoice.get(group[0].pk, ZERO)
        customer = None
        for doc in group:  # oldest first
            customer = customer_of(doc)
            total = doc.total_incl - credited.get(doc.pk, ZERO)
            applied = min(max(total, ZERO), max(rest, ZERO))
            rest -= applied
            open_amount = total - applied
            if open_amount > 0:
                due = doc.due_date or doc.issue_date
                item = OpenItem(
                    invoice=doc,
                    customer_code=customer.code,
                    customer_name=customer.name,
                    total=total,
                    paid=applied,
                    open=open_amount,
                    due_date=due,
                    days_past_due=(on - due).days,
                )
                customer.items.append(item)
                customer.buckets[item.bucket] += open_amount
            elif open_amount < 0:
                customer.credit += open_amount
        if customer is None:  # only credit notes left: take the customer from one of them
            doc = next(d for d in documents if d.order_id == group_key)
            customer = customer_of(doc)
            rest += sum((d.total_incl for d in documents if d.order_id == group_key and d.kind == InvoiceKind.CREDIT_NOTE), ZERO)  # fmt: skip
        if rest:
            customer.credit -= rest
    # A credit note kept and used on another order (`PaymentMethod.CREDIT`) moved no money: its credit is spent.
    for order_id, amount in PaymentAllocation.objects.filter(
        share__seller=structure,
        share__order_id__in=order_ids,
        payment__method=PaymentMethod.CREDIT,
        payment__state=PaymentState.SUCCEEDED,
    ).values_list("share__order_id", "amount"):
        doc = next(d for d in documents if d.order_id == order_id)
        customer_of(doc).credit += amount
    rows = [customer for customer in customers.values() if customer.items or customer.credit]
    rows.sort(key=lambda customer: (-customer.total, customer.name.lower(), customer.code))
    return AgedBalance(structure=structure, on=on, customers=rows)


def open_items(structure: Structure, *, on: datetime.date | None = None) -> list[OpenItem]:
    return aged_balance(structure, on=on).items


# --- Customer statement ------------------------------------------------------------------------


def parse_customer_code(code: str) -> tuple[str, int] | None:
    match = CUSTOMER_CODE_RE.match(code or "")
    return (match["kind"], int(match["id"])) if match else None


def _invoice_filter(kind: str, pk: int) -> Q:
    if kind == "S":
        return Q(buyer_structure_id=pk)
    if kind == "O":
        return Q(organisation_id=pk, buyer_structure__isnull=True)
    return Q(customer_id=pk, organisation__isnull=True, buyer_structure__isnull=True)


def _order_filter(kind: str, pk: int, prefix: str) -> Q | None:
    if kind == "O":
        return Q(**{f"{prefix}organisation_id": pk})
    if kind == "C":
        return Q(**{f"{prefix}customer_id": pk, f"{prefix}organisation__isnull": True})
    return None  # a member structure buys nothing through orders


@dataclass(frozen=True)
class StatementLine:
    date: datetime.date
    kind: str  # invoice, credit_note, payment, reversal, refund
    label: str
    reference: str
    debit: Decimal
    credit: Decimal
    due_date: datetime.date | None = None
    balance: Decimal = ZERO
    at: datetime.datetime | None = None  # when it happened, to order the movements of one day


@dataclass
class CustomerStatement:
    structure: Structure
    code: str
    name: str
    address: str
    is_business: bool
    start: datetime.date
    end: datetime.date
    opening_balance: Decimal = ZERO
    lines: list[StatementLine] = field(default_factory=list)
    open_items: list[OpenItem] = field(default_factory=list)

    @property
    def closing_balance(self) -> Decimal:
        return self.lines[-1].balance if self.lines else self.opening_balance

    @property
    def total_debit(self) -> Decimal:
        return sum((line.debit for line in self.lines), ZERO)

    @property
    def total_credit(self) -> Decimal:
        return sum((line.credit for line in self.lines), ZERO)


def _local(moment: datetime.datetime) -> datetime.date:
    return timezone.localdate(moment)


def customer_statement(
    structure: Structure, code: str, *, start: datetime.date, end: datetime.date, on: datetime.date | None = None
) -> CustomerStatement | None:
    """A customer's account with the structure from `start` to `end`: the balance brought forward, then
    its invoices, credit notes, payments (money received by the structure for its orders, or for an invoice
    without an order), rejected or cancelled payments and refunds in date order with the running balance; None for an unknown customer.
    Its open invoices (as of `on`, today) close it. A credit note used on another order is not a payment."""
    parsed = parse_customer_code(code)
    if parsed is None:
        return None
    kind, pk = parsed
    documents = list(
        Invoice.objects.issued()
        .filter(_invoice_filter(kind, pk), structure=structure, issue_date__lte=end)
        .select_related("buyer_structure", "organisation")
        .order_by("issue_date", "pk")
    )
    order_q = _order_filter(kind, pk, "share__order__")
    if not documents and order_q is None:
        return None
    movements: list[StatementLine] = []
    orderless = [doc.pk for doc in documents if doc.order_id is None and doc.kind != InvoiceKind.CREDIT_NOTE]
    for payment in (
        InvoicePayment.objects.filter(invoice_id__in=orderless).select_related("invoice") if orderless else ()
    ):
        if payment.received_on <= end:
            movements.append(
                StatementLine(
                    date=payment.received_on,
                    kind="payment",
                    label=_("Paiement reçu (%(means)s)") % {"means": payment.get_method_display().lower()},
                    reference=payment.invoice.number,
                    debit=ZERO,
                    credit=payment.amount,
                    at=max(payment.created_at, payment.invoice.issued_at),  # never before its invoice
                )
            )
        if payment.cancelled_at and _local(payment.cancelled_at) <= end:
            movements.append(
                StatementLine(
                    date=_local(payment.cancelled_at),
                    kind="reversal",
                    label=_("Paiement annulé"),
                    reference=payment.invoice.number,
                    debit=payment.amount,
                    credit=ZERO,
                    at=max(payment.cancelled_at, payment.invoice.issued_at),
                )
            )
    for doc in documents:
        credit_note = doc.kind == InvoiceKind.CREDIT_NOTE
        movements.append(
            StatementLine(
                date=doc.issue_date,
                kind="credit_note" if credit_note else "invoice",
                label=str(doc.get_kind_display()),
                reference=doc.number,
                debit=ZERO if credit_note else doc.total_incl,
                credit=doc.total_incl if credit_note else ZERO,
                due_date=None if credit_note else doc.due_date,
                at=doc.issued_at,
            )
        )
    if order_q is not None:
        allocations = (
            PaymentAllocation.objects.filter(order_q, share__seller=structure)
            .filter(payment__state__in=[PaymentState.SUCCEEDED, PaymentState.REVERSED])
            .exclude(payment__method=PaymentMethod.CREDIT)
            .select_related("payment", "share__order")
        )
        for allocation in allocations:
            payment = allocation.payment
            if payment.succeeded_at and _local(payment.succeeded_at) <= end:
                movements.append(
                    StatementLine(
                        date=_local(payment.succeeded_at),
                        kind="payment",
                        label=_("Paiement reçu (%(means)s)") % {"means": payment.get_method_display().lower()},
                        reference=allocation.share.order.reference,
                        debit=ZERO,
                        credit=allocation.amount,
                        at=payment.succeeded_at,
                    )
                )
            if payment.reversed_at and _local(payment.reversed_at) <= end:
                movements.append(
                    StatementLine(
                        date=_local(payment.reversed_at),
                        kind="reversal",
                        label=_("Paiement rejeté par la banque"),
                        reference=allocation.share.order.reference,
                        debit=allocation.amount,
                        credit=ZERO,
                        at=payment.reversed_at,
                    )
                )
        refunds = Refund.objects.filter(
            _order_filter(kind, pk, "order__"), structure=structure, state=RefundState.SUCCEEDED
        ).select_related("order")
        for refund in refunds:
            if _local(refund.created_at) <= end:
                movements.append(
                    StatementLine(
                        date=_local(refund.created_at),
                        kind="refund",
                        label=_("Remboursement (%(means)s)") % {"means": refund.get_method_display().lower()},
                        reference=refund.order.reference,
                        debit=refund.amount,
                        credit=ZERO,
                        at=refund.created_at,
                    )
                )
    if documents:
        name_code, name = customer_account(invoice=documents[-1])
        address, is_business = documents[-1].buyer_address, documents[-1].buyer_is_business
    elif movements:
        name, address, is_business = _name_from_orders(kind, pk), "", kind == "O"
    else:
        return None
    statement = CustomerStatement(
        structure=structure, code=code, name=name, address=address, is_business=is_business, start=start, end=end
    )
    movements.sort(key=lambda line: (line.date, line.at or EPOCH, KIND_ORDER[line.kind], line.reference))
    balance = ZERO
    for line in movements:
        balance += line.debit - line.credit
        if line.date < start:
            statement.opening_balance = balance
            continue
        statement.lines.append(
            StatementLine(
                date=line.date,
                kind=line.kind,
                label=line.label,
                reference=line.reference,
                debit=line.debit,
                credit=line.credit,
                due_date=line.due_date,
                balance=balance,
                at=line.at,
            )
        )
    aged = aged_balance(structure, on=on)
    customer = aged.customer(code)
    statement.open_items = customer.items if customer else []
    return statement


def _name_from_orders(kind: str, pk: int) -> str:
    if kind == "O":
        return Organisation.objects.filter(pk=pk).values_list("name", flat=True).first() or ""
    user = get_user_model().objects.filter(pk=pk).first()
    return user.get_full_name() if user else ""


def statement_html(statement: CustomerStatement, *, printed_at: datetime.datetime | None = None) -> str:
    """The statement as a printable document, also rendered to PDF (hub.rendering) and attached to reminders."""
    context = {"statement": statement, "printed_at": printed_at or timezone.now(), "for_pdf": True}
    return render_to_string("marketplace/receivables/statement_pdf.html", context)


def ledger_receivable(structure: Structure) -> Decimal:
    """The structure's 411 balance (debit − credit) in its books, all years: what the aged total must equal."""
    total = EntryLine.objects.filter(entry__structure=structure, account__code="411").aggregate(
        total=Sum(F("debit") - F("credit"))
    )["total"]
    return quantize(total) if total is not None else ZERO  # SQLite sums decimals as floats
