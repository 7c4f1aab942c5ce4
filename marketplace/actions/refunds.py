"""Cancellations and refunds; every issued invoice touched gets a credit note (never an edit)."""

import datetime
from collections import defaultdict
from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from hub.formatting import euros
from hub.models import Structure
from hub.money import quantize
from marketplace import events, notify, perms, postings, stripe_gateway
from marketplace.actions import settlement, third_party
from marketplace.actions.invoicing import issue_credit_note
from marketplace.enums import FulfilmentStatus, InvoiceKind, OrderEmailKind, PaymentMethod, PaymentStatus, RefundState
from marketplace.exceptions import RefundError
from marketplace.models import Invoice, InvoiceLine, Order, OrderLine, Refund, StripeEvent, StripeTransfer
from services.models import Offering


def _restock(order: Order) -> None:
    for line in order.lines.select_related("offering"):
        if line.offering.stock is not None:
            Offering.objects.filter(pk=line.offering_id).update(
                stock=F("stock") + line.quantity, updated_at=timezone.now()
            )


def _credit_whole_invoices(order: Order, *, at=None) -> list[Invoice]:
    credit_notes = []
    for invoice in order.invoices.issued().filter(kind=InvoiceKind.INVOICE).prefetch_related("lines"):
        already = {
            line.order_line_id: line.total_incl
            for line in InvoiceLine.objects.filter(
                invoice__credited_invoice=invoice, invoice__kind=InvoiceKind.CREDIT_NOTE
            )
        }
        amounts = {
            line.pk: line.total_incl - already.get(line.order_line_id, Decimal("0"))
            for line in invoice.lines.all()
            if line.total_incl - already.get(line.order_line_id, Decimal("0")) > 0
        }
        if amounts:
            credit_notes.append(issue_credit_note(invoice=invoice, amounts=amounts, at=at))
    return credit_notes


@transaction.atomic
def cancel_order(*, order: Order, by=None, reason: str = "", at=None) -> Order:
    """Cancel an unpaid order: stock goes back, issued invoices are credited, bookings are released."""
    order = Order.objects.select_for_update(of=("self",)).get(pk=order.pk)
    if order.fulfilment_status == FulfilmentStatus.CANCELLED:
        return order
    if order.payment_status != PaymentStatus.UNPAID:
        raise RefundError(_("Cette commande est payée : remboursez-la plutôt que de l'annuler."))
    if order.fulfilment_status not in {FulfilmentStatus.PLACED, FulfilmentStatus.CONFIRMED}:
        raise RefundError(_("Une commande déjà servie ne peut plus être annulée."))
    order.set_fulfilment(FulfilmentStatus.CANCELLED, by=by, note=reason, at=at)
    order.save(update_fields=["fulfilment_status", "cancelled_at"])
    _restock(order)
    settlement.refresh_owed(order=order)  # nothing is owed any more: the credit notes letter the 411 lines
    _credit_whole_invoices(order, at=at)
    third_party.credit_billed_shares(order=order, at=at)  # a prescriber billed its share already (ADR 0034)
    events.send_on_commit(events.order_cancelled, order_id=order.pk)
    notify.order_email(order.pk, OrderEmailKind.CANCELLED)
    return order


def expire_unpaid_card_orders(*, older_than: datetime.timedelta) -> int:
    """Cancel card orders left unpaid past the hold: their stock and places go back to others."""
    limit = timezone.now() - older_than
    count = 0
    # A payment Stripe told us about but that is not processed yet (the broker was down) is not lost:
    # its order waits for the sweep instead of being cancelled.
    pending = StripeEvent.objects.filter(processed_at__isnull=True).values_list("payload__data__object__id", flat=True)
    for order in (
        Order.objects.filter(
            payment_method=PaymentMethod.CARD,
            payment_status=PaymentStatus.UNPAID,
            fulfilment_status=FulfilmentStatus.PLACED,
            placed_at__lt=limit,
        )
        .exclude(stripe_payment_intent_id__in=[intent for intent in pending if intent])
        .only("pk")
    ):
        cancel_order(order=order, reason=_("Paiement par carte non abouti dans le délai."))
        count += 1
    return count


def refundable_amount(line: OrderLine) -> Decimal:
    invoiced = getattr(line, "invoice_line", None)
    base = invoiced.total_incl if invoiced is not None else line.total_incl
    return base - line.refunded_amount


@transaction.atomic
def refund_order(
    *,
    order: Order,
    by,
    amounts: dict[int, Decimal] | None = None,
    reason: str = "",
    granted_by_terms: bool = False,
    excl_amounts: dict[int, Decimal] | None = None,
) -> list[Refund]:
    """Refund a paid order, whole (amounts=None) or {order line id: amount incl. VAT}.

    Only a manager of every structure whose lines are refunded may do it, unless the seller's own
    terms grant the refund (`granted_by_terms`: a prepaid basket skipped before its cut-off, asked
    by the customer `by`). Card refunds go back through Stripe (reversing the matching transfers);
    offline ones are handed back by staff (by bank transfer). `excl_amounts` ({order line id: excl.
    VAT}) fixes the credit notes' split (see `issue_credit_note`).
    """
    order = Order.objects.select_for_update(of=("self",)).get(pk=order.pk)
    if order.payment_status not in {PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED}:
        raise RefundError(_("Seule une commande payée peut être remboursée."))
    lines = {
        line.pk: line
        for line in order.lines.select_for_update(of=("self",)).select_related("seller", "invoice_line__invoice")
    }
    if amounts is None:
        amounts = {pk: refundable_amount(line) for pk, line in lines.items() if refundable_amount(line) > 0}
    if not amounts:
        raise RefundError(_("Il n'y a plus rien à rembourser sur cette commande."))
    for line_id, amount in amounts.items():
        line = lines.get(line_id)
        if line is None:
            raise RefundError(_("Cette ligne n'appartient pas à la commande."))
        if amount != quantize(amount) or amount <= 0:
            raise RefundError(_("Un remboursement est un montant positif, au centime."))
        if amount > refundable_amount(line):
            raise RefundError(
                _("« %(name)s » : on ne peut rembourser que %(rest)s.")
                % {"name": line.name, "rest": euros(refundable_amount(line))}
            )
        if not granted_by_terms and not perms.can_refund(by, line.seller):
            raise RefundError(
                _("Seule la direction de %(structure)s peut rembourser ses ventes.") % {"structure": line.seller.name}
            )

    per_structure: dict[int, Decimal] = defaultdict(lambda: Decimal("0"))
    for line_id, amount in amounts.items():
        per_structure[lines[line_id].seller_id] += amount
    total = sum(amounts.values(), Decimal("0"))
    key = f"{order.reference}-{order.refunds.count() + 1}"

    card = order.payment_method == PaymentMethod.CARD
    if card and len({line.seller_id for line in lines.values()}) > 1:
        # A mixed order's refund reverses each seller's transfer: it must have been made.
        transferred = set(order.transfers.values_list("structure_id", flat=True))
        if missing := [lines_seller for lines_seller in sorted(per_structure) if lines_seller not in transferred]:
            raise RefundError(
                _("Le virement à %(structure)s n'est pas encore passé : réessayez dans une minute.")
                % {"structure": Structure.objects.get(pk=missing[0]).name}
            )

    # A card refund is only prepared here, under the order's lock: Stripe is called after commit
    # (`perform_refund`), then the money's movement is posted in a short transaction.
    refunds = [
        Refund.objects.create(
            order=order,
            structure_id=structure_id,
            amount=amount,
            method=order.payment_method,
            state=RefundState.PENDING if card else RefundState.SUCCEEDED,
            stripe_key=key if card else "",
            created_by=by,
            reason=reason[:200],
        )
        for structure_id, amount in sorted(per_structure.items())
    ]
    for refund in refunds:
        settlement.record_refund(refund=refund)
        if not card:
            postings.post_refund(refund)
    if card:
        notify.perform_refund(refunds[0].pk)
    by_invoice: dict[int, dict[int, Decimal]] = defaultdict(dict)
    excl_by_line: dict[int, Decimal] = {}
    for line_id, amount in amounts.items():
        line = lines[line_id]
        OrderLine.objects.filter(pk=line_id).update(refunded_amount=F("refunded_amount") + amount)
        invoice_line = getattr(line, "invoice_line", None)
        if invoice_line is not None:
            by_invoice[invoice_line.invoice_id][invoice_line.pk] = amount
            if excl_amounts and line_id in excl_amounts:
                excl_by_line[invoice_line.pk] = excl_amounts[line_id]
    settlement.refresh_owed(order=order)
    for invoice_id, invoice_amounts in sorted(by_invoice.items()):
        issue_credit_note(
            invoice=Invoice.objects.get(pk=invoice_id), amounts=invoice_amounts, excl_amounts=excl_by_line or None
        )
    if shared := {pk: amounts[pk] / lines[pk].total_incl for pk in amounts if lines[pk].third_party_billed_line_id}:
        third_party.credit_billed_shares(order=order, fractions=shared)  # the payer's part goes the same way

    order.amount_refunded += total
    order.set_payment(
        PaymentStatus.REFUNDED if order.amount_refunded >= order.total_incl else PaymentStatus.PARTIALLY_REFUNDED,
        by=by,
        note=reason,
    )
    order.save(update_fields=["amount_refunded", "payment_status"])
    events.send_on_commit(events.order_lines_refunded, order_id=order.pk, line_ids=sorted(amounts))
    notify.order_email(order.pk, OrderEmailKind.REFUNDED, key)
    return refunds


def perform_refund(*, refund_id: int) -> None:
    """The Stripe side of a prepared card refund, with no row lock held while Stripe answers.

    The refunds prepared together (one `stripe_key`) are one Stripe refund of their total; a
    single-seller order's refund reverses its destination transfer, a mixed order's reverses each
    seller's transfer by its share. Each step is recorded in a short transaction with a conditional
    update, and Stripe's idempotency keys make a retried task harmless. Never inside a transaction.
    """
    first = Refund.objects.select_related("order").filter(pk=refund_id).first()
    if first is None or not first.stripe_key:
        return
    order, key = first.order, first.stripe_key
    group = list(Refund.objects.filter(order=order, stripe_key=key).order_by("structure_id"))
    pending = [refund for refund in group if refund.state == RefundState.PENDING]
    if not pending:
        return
    single_seller = order.lines.values("seller_id").distinct().count() == 1
    stripe_refund_id = group[0].stripe_refund_id
    if not stripe_refund_id:
        total = sum((refund.amount for refund in group), Decimal("0"))
        result = stripe_gateway.refund(
            payment_intent_id=order.stripe_payment_intent_id, amount=total, key=key, reverse_transfer=single_seller
        )
        stripe_refund_id = result.id
        Refund.objects.filter(order=order, stripe_key=key, stripe_refund_id="").update(
            stripe_refund_id=stripe_refund_id
        )
    for refund in pending:
        if not single_seller:
            transfer = StripeTransfer.objects.get(order=order, structure_id=refund.structure_id)
            stripe_gateway.reverse_transfer(
                transfer_id=transfer.stripe_transfer_id, amount=refund.amount, key=f"{key}-{refund.structure_id}"
            )
        _record_refund_done(refund_id=refund.pk, reverse_transfer=not single_seller)


@transaction.atomic
def _record_refund_done(*, refund_id: int, reverse_transfer: bool) -> None:
    """Stripe gave the money back: the refund is succeeded and posted (once: a conditional update)."""
    done = Refund.objects.filter(pk=refund_id, state=RefundState.PENDING).update(state=RefundState.SUCCEEDED)
    if not done:
        return
    refund = Refund.objects.select_related("order", "structure").get(pk=refund_id)
    if reverse_transfer:
        StripeTransfer.objects.filter(order_id=refund.order_id, structure_id=refund.structure_id).update(
            amount_reversed=F("amount_reversed") + refund.amount
        )
    postings.post_refund(refund)


def sweep_pending_refunds(*, older_than: datetime.timedelta = datetime.timedelta(minutes=1)) -> int:
    """Queue again every card refund still pending after `older_than` (one per Stripe refund)."""
    pending = Refund.objects.filter(state=RefundState.PENDING, created_at__lte=timezone.now() - older_than)
    firsts: dict[str, int] = {}
    for key, pk in pending.order_by("pk").values_list("stripe_key", "pk"):
        firsts.setdefault(key, pk)
    for pk in firsts.values():
        notify.perform_refund_now(pk)
    return len(firsts)


def structures_of(order: Order) -> list[Structure]:
    return list(Structure.objects.filter(pk__in=order.lines.values("seller_id")))
