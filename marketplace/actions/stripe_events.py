"""The Stripe events that move money after a payment succeeded: disputes, refunds made in Stripe's
dashboard, late SEPA failures, failed payouts; and the platform commission of a payment.

Called by `payments.process_stripe_event` under the event's row lock, each handler locks the order,
records through the settlement (the one writer of the shares) and posts through `postings`, with
an idempotency key per money step: an event delivered twice, or out of order, changes nothing more.
Every other event type is stored and listed as not handled (`StripeEvent.is_handled`), never dropped.
"""

import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from hub.formatting import euros
from hub.models import Structure
from hub.money import from_cents, quantize
from marketplace import events, notify, perms, postings
from marketplace.actions import settlement
from marketplace.actions.invoicing import issue_credit_note
from marketplace.actions.refunds import refundable_amount
from marketplace.enums import DisputeStatus, OrderEmailKind, PaymentMethod, PaymentState, PaymentStatus
from marketplace.exceptions import RefundError
from marketplace.models import (
    Invoice,
    Order,
    OrderLine,
    Payment,
    Refund,
    StripeDispute,
    StripeEvent,
    StripeTransfer,
)
from marketplace.models.stripe import DISPUTE_EVENT_TYPES

ZERO = Decimal("0.00")
DISPUTE_EVENTS = DISPUTE_EVENT_TYPES
# Early-fraud warnings and inquiries: no money leaves the balance until they become a dispute.
INQUIRY_STATUSES = frozenset({"warning_needs_response", "warning_under_review", "warning_closed"})


def _day(timestamp: int | None) -> datetime.date:
    """The local day of a Stripe timestamp, never after today (the books refuse future dates)."""
    today = timezone.localdate()
    if not timestamp:
        return today
    return min(timezone.localdate(datetime.datetime.fromtimestamp(timestamp, tz=datetime.UTC)), today)


def _payment_for(*, intent_id: str | None, charge_id: str | None) -> Payment | None:
    query = Q()
    if intent_id:
        query |= Q(stripe_payment_intent_id=intent_id)
    if charge_id:
        query |= Q(stripe_charge_id=charge_id)
    if not query:
        return None
    return Payment.objects.filter(query).exclude(state=PaymentState.FAILED).first()


def _locked(payment: Payment) -> tuple[Order, Payment]:
    """The order's row lock (the settlement's rule), then the payment read again under it."""
    order = Order.objects.select_for_update(of=("self",)).get(pk=payment.order_id)
    payment = Payment.objects.select_related("order", "received_by").get(pk=payment.pk)
    return order, payment


def _reopen(order: Order, *, note: str) -> None:
    """Money went back out: the order is unpaid again until its shares are settled once more."""
    if order.payment_status in {PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED} and not (
        settlement.is_settled(order)
    ):
        order.set_payment(PaymentStatus.UNPAID, note=note)
        order.save(update_fields=["payment_status", "paid_at"])


def _restore(order: Order, *, note: str) -> None:
    """Money came back (a dispute won): paid again, « partly refunded » if it was."""
    if order.payment_status == PaymentStatus.UNPAID and settlement.is_settled(order):
        order.set_payment(PaymentStatus.PAID, note=note)
        if order.amount_refunded > 0:
            order.set_payment(PaymentStatus.PARTIALLY_REFUNDED, note=note)
        order.save(update_fields=["payment_status", "paid_at"])


def _reopened_sellers(payment: Payment, parts: dict[int, Decimal]) -> list[int]:
    """The sellers whose receivable a withdrawal reopens in their own books (see `post_withdrawal`)."""
    if payment.received_by_id in parts:
        return [payment.received_by_id]
    transferred = set(StripeTransfer.objects.filter(order_id=payment.order_id).values_list("structure_id", flat=True))
    return sorted(seller_id for seller_id in parts if seller_id in transferred)


# --- At the payment: SEPA or card, and the platform's commission ---------------------------------


def payment_method_of(intent: dict) -> str:
    """`PaymentMethod.SEPA` for a PaymentIntent paid by SEPA Direct Debit, else `CARD`."""
    charge = intent.get("latest_charge")
    if not isinstance(charge, dict):  # expanded, or in the `charges` list of older API versions
        charge = next(iter((intent.get("charges") or {}).get("data") or []), None)
    if isinstance(charge, dict) and (charge.get("payment_method_details") or {}).get("type"):
        kind = charge["payment_method_details"]["type"]
    else:
        kinds = intent.get("payment_method_types") or ["card"]
        kind = kinds[0] if len(kinds) == 1 else "card"
    return PaymentMethod.SEPA if kind == "sepa_debit" else PaymentMethod.CARD


def book_platform_commission(*, payment: Payment, intent: dict) -> None:
    """A seller's charge carrying `application_fee_amount`: the commission reaches both books."""
    fee = intent.get("application_fee_amount")
    if fee and not payment.received_by.is_collective:
        postings.post_platform_commission(payment=payment, fee=from_cents(fee))


# --- Disputes -----------------------------------------------------------------------------------


def _fees(dispute: dict) -> tuple[Decimal, Decimal]:
    """(fee charged, fee given back) from the dispute's balance transactions."""
    charged = returned = ZERO
    for transaction_ in dispute.get("balance_transactions") or []:
        if not isinstance(transaction_, dict):
            continue
        fee = from_cents(transaction_.get("fee") or 0)
        if transaction_.get("amount", 0) < 0 and fee > 0:
            charged += fee
        elif transaction_.get("amount", 0) > 0 and fee < 0:
            returned -= fee
    return charged, returned


def dispute_event(*, event_type: str, dispute: dict, created: int | None = None) -> None:
    """`charge.dispute.*`: funds withdrawn reopen the receivable (and the Collectif bears the fee), funds
    reinstated or a dispute won close it again, a dispute lost writes it off. Each step once."""
    payment = _payment_for(intent_id=dispute.get("payment_intent"), charge_id=dispute.get("charge"))
    if payment is None:
        return  # not a payment of ours: the event stays listed
    order, payment = _locked(payment)
    record, _created = StripeDispute.objects.select_for_update(of=("self",)).get_or_create(
        dispute_id=dispute["id"],
        defaults={
            "order": order,
            "payment": payment,
            "amount": from_cents(dispute["amount"]),
            "reason": (dispute.get("reason") or "")[:60],
        },
    )
    day = _day(created)
    status = dispute.get("status", "")
    if event_type == "charge.dispute.funds_withdrawn" or (
        event_type == "charge.dispute.created" and status not in INQUIRY_STATUSES
    ):
        _withdraw(record, order=order, payment=payment, dispute=dispute, day=day)
    elif event_type == "charge.dispute.funds_reinstated" or (event_type == "charge.dispute.closed" and status == "won"):
        _reinstate(record, order=order, payment=payment, dispute=dispute, day=day)
    if event_type == "charge.dispute.closed":
        _close(record, order=order, payment=payment, dispute=dispute, day=day)


def _withdraw(record: StripeDispute, *, order: Order, payment: Payment, dispute: dict, day: datetime.date) -> None:
    if record.withdrawn_at is not None:
        return
    parts = settlement.record_dispute(payment=payment, amount=record.amount)
    label = f"Litige {order.reference} - fonds prélevés"
    # Stripe debits the platform for a dispute, whether the charge was on it or a destination charge.
    postings.post_withdrawal(
        payment=payment,
        parts=parts,
        date=day,
        label=label,
        key=("dispute", record.dispute_id, "withdrawn"),
        platform_pays=True,
    )
    fee, _returned = _fees(dispute)
    if fee:
        postings.post_dispute_fee(dispute_id=record.dispute_id, reference=order.reference, fee=fee, date=day,
                                  returned=False)  # fmt: skip
    record.parts = {str(seller_id): str(part) for seller_id, part in parts.items()}
    record.fee = fee
    record.withdrawn_at = timezone.now()
    record.save(update_fields=["parts", "fee", "withdrawn_at"])
    _reopen(order, note=_("Litige ouvert par le client (%(id)s).") % {"id": record.dispute_id})
    notify.staff_alert(
        structure_ids=sorted({*parts, Structure.objects.collective().pk}),  # the platform answers it
        subject=_("Litige sur la commande %(reference)s") % {"reference": order.reference},
        body=_(
            "Le client conteste le paiement de la commande %(reference)s : %(amount)s ont été repris "
            "par Stripe. Répondez au litige dans le tableau de bord Stripe."
        )
        % {"reference": order.reference, "amount": euros(record.amount)},
        key=f"dispute-{record.dispute_id}",
    )


def _parts(record: StripeDispute) -> dict[int, Decimal]:
    return {int(seller_id): Decimal(part) for seller_id, part in record.parts.items()}


def _reinstate(record: StripeDispute, *, order: Order, payment: Payment, dispute: dict, day: datetime.date) -> None:
    if record.withdrawn_at is None or record.reinstated_at is not None or record.status == DisputeStatus.LOST:
        return
    parts = _parts(record)
    settlement.record_dispute_outcome(payment=payment, parts=parts, won=True)
    label = f"Litige {order.reference} - fonds restitués"
    postings.post_withdrawal(
        payment=payment,
        parts=parts,
        date=day,
        label=label,
        key=("dispute", record.dispute_id, "reinstated"),
        restore=True,
        platform_pays=True,
    )
    _fee, returned = _fees(dispute)
    if returned:
        postings.post_dispute_fee(dispute_id=record.dispute_id, reference=order.reference, fee=returned, date=day,
                                  returned=True)  # fmt: skip
    record.reinstated_at = timezone.now()
    record.save(update_fields=["reinstated_at"])
    _restore(order, note=_("Litige clos en faveur du vendeur (%(id)s).") % {"id": record.dispute_id})


def _close(record: StripeDispute, *, order: Order, payment: Payment, dispute: dict, day: datetime.date) -> None:
    if not record.is_open:
        return
    status = dispute.get("status", "")
    if status == "lost":
        _withdraw(record, order=order, payment=payment, dispute=dispute, day=day)
        parts = _parts(record)
        settlement.record_dispute_outcome(payment=payment, parts=parts, won=False)
        sellers = {seller.pk: seller for seller in Structure.objects.filter(pk__in=parts)}
        for seller_id in _reopened_sellers(payment, parts):
            postings.post_bad_debt(
                order=order, structure=sellers[seller_id], amount=parts[seller_id], date=day,
                dispute_id=record.dispute_id,
            )  # fmt: skip
        record.status = DisputeStatus.LOST
    elif status == "won":
        record.status = DisputeStatus.WON
    else:
        record.status = DisputeStatus.CLOSED
    record.closed_at = timezone.now()
    record.save(update_fields=["status", "closed_at"])


# --- Refunds made in Stripe's dashboard ---------------------------------------------------------


def _unknown_refunds(charge: dict, order: Order) -> list[tuple[str, Decimal, bool]]:
    """(Stripe refund id, amount, transfer reversed) of each refund of the charge the platform has not
    recorded. A refund that reversed the transfer of a destination charge came out of the seller's
    balance; any other out of the platform's.

    With the charge's `refunds` list, by refund id (a refund the platform makes carries its own
    `metadata.refund` and is recorded by `refund_order`); without it (API versions after
    2022-11-15 leave it out), the part of `amount_refunded` not recorded yet, under no id.
    """
    recorded = Refund.objects.filter(order=order, method__in=[PaymentMethod.CARD, PaymentMethod.SEPA])
    known = set(recorded.exclude(stripe_refund_id="").values_list("stripe_refund_id", flat=True))
    listed = (charge.get("refunds") or {}).get("data")
    if listed is not None:
        return [
            (refund["id"], from_cents(refund["amount"]), bool(refund.get("transfer_reversal")))
            for refund in listed
            if refund["id"] not in known
            and refund.get("status") in {"succeeded", "pending"}
            and not (refund.get("metadata") or {}).get("refund")
        ]
    total = sum(recorded.values_list("amount", flat=True), ZERO)
    rest = from_cents(charge.get("amount_refunded") or 0) - total
    return [("", rest, False)] if rest > 0 else []


def dashboard_refund(*, charge: dict, created: int | None = None) -> None:
    """`charge.refunded` for a refund made outside the platform (Stripe's dashboard): recorded as a
    `Refund` per seller, through the settlement and the books. A whole refund credits every line at
    once (credit notes issued); a part refund cannot be tied to lines, so its credit note is left to
    staff (`Refund.credit_note_needed`, shown on the order's back-office page)."""
    payment = _payment_for(intent_id=charge.get("payment_intent"), charge_id=charge.get("id"))
    if payment is None:
        return
    order, payment = _locked(payment)
    unknown = _unknown_refunds(charge, order)
    if not unknown:
        return
    day = _day(created)
    total = sum((amount for _id, amount, _reversed in unknown), ZERO)
    whole = order.amount_refunded + total >= order.total_incl
    refunds = []
    for refund_id, amount, transfer_reversed in unknown:
        for seller_id, part in sorted(settlement.spread_over_payment(payment=payment, amount=amount).items()):
            refund = Refund.objects.create(
                order=order,
                structure_id=seller_id,
                amount=part,
                method=payment.method,
                stripe_refund_id=refund_id,
                created_by=None,
                reason=_("Remboursement fait dans le tableau de bord Stripe"),
                credit_note_needed=not whole,
            )
            settlement.record_refund(refund=refund)
            if payment.received_by_id == seller_id and transfer_reversed:
                postings.post_refund(refund)  # out of the seller's own balance
            else:
                label = f"Remboursement {order.reference} - {order.billing_name}"
                postings.post_withdrawal(payment=payment, parts={seller_id: part}, date=day, label=label,
                                         key=("refund", str(refund.pk), "paid"), platform_pays=True)  # fmt: skip
            refunds.append(refund)
    if whole:
        _credit_every_line(order)
    order.amount_refunded = F("amount_refunded") + total
    order.save(update_fields=["amount_refunded"])
    order.refresh_from_db(fields=["amount_refunded"])
    if order.payment_status in {PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED}:
        order.set_payment(
            PaymentStatus.REFUNDED if whole else PaymentStatus.PARTIALLY_REFUNDED,
            note=_("Remboursement fait dans le tableau de bord Stripe."),
        )
        order.save(update_fields=["payment_status"])
    key = f"dashboard-{refunds[0].pk}"
    notify.order_email(order.pk, OrderEmailKind.REFUNDED, key)
    if not whole:
        notify.staff_alert(
            structure_ids=sorted({refund.structure_id for refund in refunds}),
            subject=_("Avoir à établir pour la commande %(reference)s") % {"reference": order.reference},
            body=_(
                "Un remboursement de %(amount)s a été fait dans le tableau de bord Stripe pour la commande "
                "%(reference)s. Établissez l'avoir correspondant."
            )
            % {"amount": euros(total), "reference": order.reference},
            key=key,
        )


@transaction.atomic
def credit_dashboard_refund(*, refund: Refund, amounts: dict[int, Decimal], by) -> Invoice | None:
    """Staff tie a refund made in Stripe's dashboard to the lines it paid back ({order line id: amount
    incl. VAT}, adding up to the refund): the lines are credited and the credit note is issued."""
    order = Order.objects.select_for_update(of=("self",)).get(pk=refund.order_id)
    refund = Refund.objects.select_for_update(of=("self",)).select_related("structure").get(pk=refund.pk)
    if not refund.credit_note_needed:
        raise RefundError(_("L'avoir de ce remboursement est déjà établi."))
    if not perms.can_refund(by, refund.structure):
        raise RefundError(
            _("Seule la direction de %(structure)s peut établir cet avoir.") % {"structure": refund.structure.name}
        )
    lines = {
        line.pk: line
        for line in order.lines.select_for_update(of=("self",))
        .filter(seller=refund.structure)
        .select_related("invoice_line")
    }
    amounts = {line_id: amount for line_id, amount in amounts.items() if amount}
    for line_id, amount in amounts.items():
        line = lines.get(line_id)
        if line is None:
            raise RefundError(_("Cette ligne n'est pas une vente de cette structure dans la commande."))
        if amount < 0 or amount != quantize(amount) or amount > refundable_amount(line):
            raise RefundError(
                _("« %(name)s » : de 0 à %(rest)s, au centime.")
                % {"name": line.name, "rest": euros(refundable_amount(line))}
            )
    if sum(amounts.values(), ZERO) != refund.amount:
        raise RefundError(
            _("Les montants doivent faire exactement le remboursement : %(amount)s.") % {"amount": euros(refund.amount)}
        )
    by_invoice: dict[int, dict[int, Decimal]] = {}
    for line_id, amount in amounts.items():
        OrderLine.objects.filter(pk=line_id).update(refunded_amount=F("refunded_amount") + amount)
        invoice_line = getattr(lines[line_id], "invoice_line", None)
        if invoice_line is not None:
            by_invoice.setdefault(invoice_line.invoice_id, {})[invoice_line.pk] = amount
    settlement.refresh_owed(order=order)
    credit_notes = [
        issue_credit_note(invoice=Invoice.objects.get(pk=invoice_id), amounts=invoice_amounts)
        for invoice_id, invoice_amounts in sorted(by_invoice.items())
    ]
    Refund.objects.filter(pk=refund.pk).update(credit_note_needed=False)
    events.send_on_commit(events.order_lines_refunded, order_id=order.pk, line_ids=sorted(amounts))
    return credit_notes[0] if credit_notes else None


def _credit_every_line(order: Order) -> None:
    """A whole refund: every line is refunded and every issued invoice credited by a credit note."""
    lines = list(order.lines.select_for_update(of=("self",)).select_related("invoice_line"))
    by_invoice: dict[int, dict[int, Decimal]] = {}
    refunded = []
    for line in lines:
        amount = refundable_amount(line)
        if amount <= 0:
            continue
        OrderLine.objects.filter(pk=line.pk).update(refunded_amount=F("refunded_amount") + amount)
        refunded.append(line.pk)
        invoice_line = getattr(line, "invoice_line", None)
        if invoice_line is not None:
            by_invoice.setdefault(invoice_line.invoice_id, {})[invoice_line.pk] = amount
    settlement.refresh_owed(order=order)
    for invoice_id, amounts in sorted(by_invoice.items()):
        issue_credit_note(invoice=Invoice.objects.get(pk=invoice_id), amounts=amounts)
    if refunded:
        events.send_on_commit(events.order_lines_refunded, order_id=order.pk, line_ids=sorted(refunded))


# --- A SEPA debit rejected after it was recorded -------------------------------------------------


def has_recorded_sepa_payment(intent_id: str | None) -> bool:
    return bool(intent_id) and (
        Payment.objects.filter(
            stripe_payment_intent_id=intent_id, method=PaymentMethod.SEPA, state=PaymentState.SUCCEEDED
        ).exists()
    )


def late_sepa_failure(*, intent_id: str, message: str = "", created: int | None = None) -> None:
    """A SEPA debit the bank rejects days after it was recorded: the payment is reversed (kept, marked
    rejected), the shares lose what it brought, the entries are reversed, the order is unpaid again,
    and `order_payment_failed` makes its basket deliveries unpaid; the customer is e-mailed."""
    payment = Payment.objects.filter(stripe_payment_intent_id=intent_id, method=PaymentMethod.SEPA).first()
    if payment is None:
        return
    order, payment = _locked(payment)
    if payment.state != PaymentState.SUCCEEDED:
        return  # already reversed
    allocation = settlement.record_reversal(payment=payment)
    payment.state = PaymentState.REVERSED
    payment.reversed_at = timezone.now()
    payment.failure_message = message[:300]
    payment.save(update_fields=["state", "reversed_at", "failure_message"])
    label = f"Prélèvement SEPA rejeté {order.reference}"
    postings.post_withdrawal(
        payment=payment, parts=allocation, date=_day(created), label=label, key=("payment", str(payment.pk), "reversed")
    )
    postings.reverse_platform_commission(payment=payment, date=_day(created))
    _reopen(order, note=_("Prélèvement SEPA rejeté par la banque."))
    events.send_on_commit(events.order_payment_failed, order_id=order.pk)
    notify.order_email(order.pk, OrderEmailKind.PAYMENT_FAILED, f"reversed-{payment.pk}")


# --- Payouts ------------------------------------------------------------------------------------


def payout_has_failed(payout_id: str) -> bool:
    return StripeEvent.objects.filter(type="payout.failed", payload__data__object__id=payout_id).exists()


def payout_failed(*, payout: dict, account: str | None) -> None:
    """The bank returned a payout: its posting is reversed if it was posted (else nothing to post);
    the structure's managers and accountants are told, and the event stays listed."""
    structure = (
        Structure.objects.filter(stripe_account_id=account).first() if account else Structure.objects.collective()
    )
    if structure is None:
        return
    postings.reverse_payout(structure=structure, payout_id=payout["id"], date=_day(payout.get("created")))
    notify.staff_alert(
        structure_ids=[structure.pk],
        subject=_("Virement Stripe échoué : %(id)s") % {"id": payout["id"]},
        body=_(
            "Le virement Stripe %(id)s de %(amount)s vers le compte bancaire de %(structure)s a échoué "
            "(%(reason)s). Vérifiez les coordonnées bancaires dans Stripe."
        )
        % {
            "id": payout["id"],
            "amount": euros(from_cents(payout.get("amount") or 0)),
            "structure": structure.name,
            "reason": payout.get("failure_message") or payout.get("failure_code") or _("motif inconnu"),
        },
        key=f"payout-{payout['id']}",
    )
