"""Invoices per selling structure, numbered gapless per structure and year (DOMAIN.md rules 8–9)."""

import datetime
from collections import defaultdict
from decimal import Decimal

from django.db import models, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounting.chart import ADVANCE_ACCOUNT
from hub import money
from hub.models import Structure
from marketplace import notify, postings
from marketplace.actions import settlement
from marketplace.enums import InvoiceKind, OperationCategory, OrderEmailKind
from marketplace.exceptions import BackdatedInvoice, ImmutableInvoice
from marketplace.models import Invoice, InvoiceLine, InvoiceSequence, Order, OrderLine, SellerSettings


def allocate_number(*, structure: Structure, issue_date: datetime.date) -> tuple[int, str]:
    """The next number of a structure's series for an invoice dated `issue_date`, under a row lock.

    No gap, no duplicate, and numbers follow dates: an issue date earlier than the series' last
    invoice is refused, so sorting a series by number sorts it by date (DOMAIN.md rule 8, ADR 0009).
    """
    year = issue_date.year
    locked = InvoiceSequence.objects.select_for_update(of=("self",)).filter(structure=structure, year=year)
    sequence = locked.first()
    if sequence is None:
        # Create the year's counter if missing without racing: a concurrent creator is simply ignored.
        InvoiceSequence.objects.bulk_create([InvoiceSequence(structure=structure, year=year)], ignore_conflicts=True)
        sequence = locked.get()
    # Under the lock every issuer of the series waits here, so the last invoice read is the last one;
    # numbers already follow dates, so it holds the series' latest date (one step back on the
    # (structure, year, sequence) index, however long the series). A series with no number taken
    # yet has no last invoice.
    last_date = (
        Invoice.objects.filter(structure=structure, year=year, sequence__isnull=False)
        .order_by("-sequence")
        .values_list("issue_date", flat=True)
        .first()
        if sequence.last_number
        else None
    )
    if last_date is not None and issue_date < last_date:
        raise BackdatedInvoice(series=f"{structure.invoice_prefix}-{year}", issue_date=issue_date, last_date=last_date)
    InvoiceSequence.objects.filter(pk=sequence.pk).update(last_number=F("last_number") + 1)
    number = sequence.last_number + 1  # read under the row lock: nobody moved it since
    return number, f"{structure.invoice_prefix}-{year}-{number:05d}"


def category_of(lines) -> str:
    kinds = {line.is_goods for line in lines}
    if kinds == {True}:
        return OperationCategory.GOODS
    if kinds == {False}:
        return OperationCategory.SERVICES
    return OperationCategory.MIXED


def _due_date(*, structure: Structure, issue_date: datetime.date, business: bool) -> datetime.date:
    if not business:
        return issue_date  # payable on receipt
    settings = SellerSettings.objects.filter(structure=structure).first()
    days = settings.payment_terms_days if settings else 30
    return issue_date + datetime.timedelta(days=days)


def _in_transaction() -> None:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("Appel réservé à une transaction ouverte par l'appelant.")


@transaction.atomic
def issue(invoice: Invoice, *, at: datetime.datetime | None = None, lines: list[InvoiceLine] | None = None) -> Invoice:
    """Give a draft its number and its date, the day the number is taken: from now on it is immutable.

    `at` is the clock, for the demo and tests that replay a past in order; it never back-dates: an
    invoice dated before the series' last one is refused (`BackdatedInvoice`) and nothing is written.
    `lines`, when the caller has just created them, spares the posting reading them again.
    """
    return issue_in_transaction(invoice, at=at, lines=lines)


def issue_in_transaction(
    invoice: Invoice, *, at: datetime.datetime | None = None, lines: list[InvoiceLine] | None = None
) -> Invoice:
    """`issue` for a caller inside its own transaction that lets a refusal roll it all back: no savepoint
    (two queries) of its own. A caller that goes on after a refusal calls `issue`."""
    _in_transaction()
    at = at or timezone.now()
    issue_date = timezone.localdate(at)
    sequence, number = allocate_number(structure=invoice.structure, issue_date=issue_date)
    fields = {
        "number": number,
        "year": issue_date.year,
        "sequence": sequence,
        "issue_date": issue_date,
        "issued_at": at,
        "due_date": invoice.due_date
        or _due_date(structure=invoice.structure, issue_date=issue_date, business=invoice.buyer_is_business),
    }
    # The drafts() filter is the guard here (only a draft gets its number), so the queryset's own
    # "does this touch an issued invoice" read is skipped; the PostgreSQL trigger still stands.
    issued = models.QuerySet.update(Invoice.objects.drafts().filter(pk=invoice.pk), **fields)
    if not issued:  # already issued: refusing rolls the number back, the series keeps no gap
        raise ImmutableInvoice(Invoice.objects.filter(pk=invoice.pk).values_list("number", flat=True).get())
    # What was written is known: set it rather than read the row back (which would also drop the
    # invoice's cached structure, order and lines, read again by its posting).
    for name, value in fields.items():
        setattr(invoice, name, value)
    postings.post_invoice(invoice, lines=lines)
    notify.render_invoice_pdf(invoice.pk)
    return invoice


def description_of(line: OrderLine) -> str:
    """The line's name; a line partly paid by a third party says who pays what on top (ADR 0034)."""
    if line.third_party_id is None:
        return line.name
    mention = _("après prise en charge de %(amount)s par unité par %(payer)s") % {
        "amount": money.format_eur(line.third_party_unit_price),
        "payer": line.third_party.name,
    }
    return f"{line.name} — {mention}"[:200]


def _invoice_line_values(line: OrderLine) -> dict:
    quantity = line.billed_quantity
    total_incl = money.line_total(line.unit_price, quantity)
    total_excl, total_vat = money.split_incl(total_incl, line.vat_rate)
    return {
        "order_line": line,
        "description": description_of(line),
        "quantity": quantity,
        "unit": line.unit,
        "unit_price_incl": line.unit_price,
        "unit_price_excl": money.unit_price_excl(line.unit_price, line.vat_rate),
        "vat_rate": line.vat_rate,
        "vat_exemption_mention": line.vat_exemption_mention,
        "revenue_account": line.revenue_account,
        "is_goods": line.is_goods,
        "sap_eligible": line.sap_eligible,
        "total_excl": total_excl,
        "total_vat": total_vat,
        "total_incl": total_incl,
    }


@transaction.atomic
def issue_order_invoices(*, order: Order, at: datetime.datetime | None = None) -> list[Invoice]:
    """One invoice per selling structure for the order lines ready to invoice and not yet invoiced.

    Idempotent: an order line is invoiced once (a one-to-one link), so calling it again issues
    only what became ready since (e.g. a weighed line). An advance order (`advance_reference`, a
    prepaid season) gets a deposit invoice instead, only once it is paid: its excl. VAT goes to 4191.
    """
    return issue_order_invoices_in_transaction(order=order, at=at)


def issue_order_invoices_in_transaction(*, order: Order, at: datetime.datetime | None = None) -> list[Invoice]:
    """`issue_order_invoices` for a caller inside its own transaction that lets a refusal roll it all back
    (confirming an order, paying it): no savepoint of its own."""
    _in_transaction()
    advance = bool(order.advance_reference)
    if advance and not settlement.is_settled(order):
        return []
    lines = [
        line
        for line in order.lines.select_for_update(of=("self",))
        .select_related("seller", "third_party")
        .filter(invoice_line__isnull=True)
        .order_by("pk")
        # A line wholly paid by a third party has nothing to invoice to the customer: the payer's order does.
        if line.is_ready_to_invoice
        and line.billed_quantity > 0
        and (line.unit_price > 0 or line.third_party_id is None)
    ]
    by_seller: dict[int, list[OrderLine]] = defaultdict(list)
    for line in lines:
        by_seller[line.seller_id].append(line)
    invoices = []
    sellers = {line.seller_id: line.seller for line in lines}
    for seller_id, seller_lines in sorted(by_seller.items()):
        values = [_invoice_line_values(line) for line in seller_lines]
        if advance:
            for value in values:
                value["revenue_account"] = ADVANCE_ACCOUNT
        invoice = Invoice.objects.create(
            kind=InvoiceKind.DEPOSIT if advance else InvoiceKind.INVOICE,
            structure=sellers[seller_id],
            order=order,
            category=category_of(seller_lines),
            buyer_name=order.billing_name,
            buyer_address=order.billing_address,
            buyer_siren=order.billing_siren,
            buyer_vat_number=order.billing_vat_number,
            buyer_is_business=order.is_b2b,
            customer_id=order.customer_id,
            organisation_id=order.organisation_id,
            purchase_order_number=order.purchase_order_number,
            total_excl=sum((v["total_excl"] for v in values), Decimal("0")),
            total_vat=sum((v["total_vat"] for v in values), Decimal("0")),
            total_incl=sum((v["total_incl"] for v in values), Decimal("0")),
            sap=any(v["sap_eligible"] for v in values),
        )
        created = InvoiceLine.objects.bulk_create(
            [InvoiceLine(invoice=invoice, invoiced_line=v["order_line"], **v) for v in values]
        )
        invoices.append(issue_in_transaction(invoice, at=at, lines=created))
    if invoices:
        notify.order_email(order.pk, OrderEmailKind.INVOICE_READY, invoices[0].number)
    return invoices


@transaction.atomic
def issue_credit_note(
    *,
    invoice: Invoice,
    amounts: dict[int, Decimal],
    at: datetime.datetime | None = None,
    excl_amounts: dict[int, Decimal] | None = None,
) -> Invoice:
    """A credit note for some lines of an issued invoice: {invoice line id: amount incl. VAT credited}.

    `excl_amounts` ({invoice line id: excl. VAT}) gives the split when it must follow an earlier one (a
    deposit consumed basket by basket, so that its last credit takes exactly what is left)."""
    lines = {line.pk: line for line in invoice.lines.all()}
    values = []
    for line_id, amount_incl in amounts.items():
        line = lines[line_id]
        total_excl, total_vat = money.split_incl(amount_incl, line.vat_rate)
        if excl_amounts and line_id in excl_amounts:
            total_excl, total_vat = excl_amounts[line_id], money.quantize(amount_incl) - excl_amounts[line_id]
        ratio_quantity = (
            (line.quantity * amount_incl / line.total_incl).quantize(Decimal("0.001")) if line.total_incl else 0
        )
        values.append(
            {
                "order_line": line.order_line,
                "description": line.description,
                "quantity": ratio_quantity,
                "unit": line.unit,
                "unit_price_incl": line.unit_price_incl,
                "unit_price_excl": line.unit_price_excl,
                "vat_rate": line.vat_rate,
                "vat_exemption_mention": line.vat_exemption_mention,
                "revenue_account": line.revenue_account,
                "is_goods": line.is_goods,
                "sap_eligible": line.sap_eligible,
                "total_excl": total_excl,
                "total_vat": total_vat,
                "total_incl": money.quantize(amount_incl),
            }
        )
    credit_note = Invoice.objects.create(
        kind=InvoiceKind.CREDIT_NOTE,
        structure=invoice.structure,
        order=invoice.order,
        credited_invoice=invoice,
        category=invoice.category,
        buyer_name=invoice.buyer_name,
        buyer_address=invoice.buyer_address,
        buyer_siren=invoice.buyer_siren,
        buyer_vat_number=invoice.buyer_vat_number,
        buyer_is_business=invoice.buyer_is_business,
        buyer_structure=invoice.buyer_structure,
        customer=invoice.customer,
        organisation=invoice.organisation,
        purchase_order_number=invoice.purchase_order_number,
        total_excl=sum((v["total_excl"] for v in values), Decimal("0")),
        total_vat=sum((v["total_vat"] for v in values), Decimal("0")),
        total_incl=sum((v["total_incl"] for v in values), Decimal("0")),
        sap=invoice.sap,
    )
    created = InvoiceLine.objects.bulk_create([InvoiceLine(invoice=credit_note, **v) for v in values])
    return issue_in_transaction(credit_note, at=at, lines=created)
