"""Payments: card through Stripe Connect (confirmed only by webhook), and the offline means."""

import datetime
from decimal import Decimal
from enum import StrEnum

import stripe
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from hub.formatting import euros
from hub.models import Site, Structure
from hub.money import from_cents, line_total, split_incl
from marketplace import events, notify, perms, postings, stripe_gateway
from marketplace.actions import checkout, settlement, stripe_events
from marketplace.actions.checkout import confirm_locked_order, confirm_order
from marketplace.actions.invoicing import issue_order_invoices
from marketplace.enums import FulfilmentStatus, OrderEmailKind, PaymentMethod, PaymentState, PaymentStatus
from marketplace.exceptions import BackdatedInvoice, PaymentError
from marketplace.models import DepositSlip, Order, OrderLine, OrderShare, Payment, SellerSettings, StripeEvent


def _mark_paid_if_settled(order: Order, *, by=None, at=None, shares=None) -> None:
    if order.payment_status == PaymentStatus.UNPAID and settlement.is_settled(order, shares=shares):
        order.set_payment(PaymentStatus.PAID, by=by, at=at)
        order.save(update_fields=["payment_status", "paid_at"])
        if order.advance_reference:
            issue_deposit_invoices(order=order, at=at)
        notify.order_email(order.pk, OrderEmailKind.PAID)
        close_if_done(order, at=at)


def issue_deposit_invoices(*, order: Order, at=None) -> None:
    """A paid advance order gets its deposit invoice, dated the day of the payment when that keeps the
    seller's series in date order (ADR 0009), else today: numbers never go back in time."""
    try:
        with transaction.atomic():  # a savepoint: a refused back-dated number leaves nothing behind
            issue_order_invoices(order=order, at=at)
    except BackdatedInvoice:
        issue_order_invoices(order=order)


def close_if_done(order: Order, *, at=None) -> None:
    if order.fulfilment_status == FulfilmentStatus.FULFILLED and order.payment_status == PaymentStatus.PAID:
        order.set_fulfilment(FulfilmentStatus.CLOSED, at=at)
        order.save(update_fields=["fulfilment_status", "closed_at"])


# --- Card -----------------------------------------------------------------------------------


def start_card_payment(*, order: Order) -> str:
    """Create (or find again) the order's PaymentIntent; returns its client secret for Stripe.js.

    No row lock is held while Stripe answers: the order is checked and read in a short transaction,
    Stripe is called outside it (its idempotency key `pi-<reference>` returns the same intent to a
    concurrent or retried call), and the intent's id is stored by a conditional update.
    """
    order, seller, fee = _prepare_card_payment(order_id=order.pk)
    if order.stripe_payment_intent_id:
        # A retry after a declined card reuses the same PaymentIntent (one order, one charge).
        intent = stripe_gateway.retrieve_payment_intent(order.stripe_payment_intent_id)
        if intent.status in {"requires_payment_method", "requires_confirmation", "requires_action"}:
            return intent.client_secret
        if intent.status in {"processing", "succeeded"}:
            raise PaymentError(_("Le paiement de cette commande est déjà en cours de confirmation."))
    # What is still due: the whole order, unless part of it was paid otherwise (a credit kept).
    due = sum((share.due for share in order.shares.all()), Decimal("0"))
    intent = stripe_gateway.create_payment_intent(
        reference=order.reference, amount=due, email=order.billing_email, seller=seller, fee=fee
    )
    if order.stripe_payment_intent_id != intent.id:
        _store_payment_intent(order=order, intent_id=intent.id)
    return intent.client_secret


@transaction.atomic
def _prepare_card_payment(*, order_id: int) -> tuple[Order, Structure | None, Decimal]:
    """Check that the order waits for a card payment and read what Stripe needs (lock, read, release)."""
    order = Order.objects.select_for_update(of=("self",)).get(pk=order_id)
    if order.payment_method != PaymentMethod.CARD:
        raise PaymentError(_("Cette commande ne se paie pas par carte."))
    if order.payment_status != PaymentStatus.UNPAID or order.fulfilment_status == FulfilmentStatus.CANCELLED:
        raise PaymentError(_("Cette commande n'attend plus de paiement."))
    sellers = list(Structure.objects.filter(pk__in=order.shares.values("seller_id")))
    seller = sellers[0] if len(sellers) == 1 else None
    fee = Decimal("0")
    if seller is not None:
        settings = SellerSettings.objects.filter(structure=seller).first()
        if settings and settings.platform_fee_percent:
            fee = stripe_gateway.platform_fee(order.total_incl, settings.platform_fee_percent)
    return order, seller, fee


@transaction.atomic
def _store_payment_intent(*, order: Order, intent_id: str) -> None:
    """Store the intent's id only if the order still waits for it as it was read (a conditional update)."""
    stored = (
        Order.objects.filter(
            pk=order.pk, stripe_payment_intent_id=order.stripe_payment_intent_id, payment_status=PaymentStatus.UNPAID
        )
        .exclude(fulfilment_status=FulfilmentStatus.CANCELLED)
        .update(stripe_payment_intent_id=intent_id)
    )
    if not stored and not Order.objects.filter(pk=order.pk, stripe_payment_intent_id=intent_id).exists():
        # Paid, cancelled or given another intent while Stripe answered: this one is not used.
        raise PaymentError(_("Cette commande n'attend plus de paiement."))
    order.stripe_payment_intent_id = intent_id


def record_stripe_event(*, event_id: str, event_type: str, payload: dict) -> tuple[StripeEvent, bool]:
    """Store a verified webhook event once; returns (event, created).

    One statement, `INSERT … ON CONFLICT (event_id) DO NOTHING RETURNING id`, in autocommit: a retried
    or concurrent delivery of the same event inserts nothing and is told so, with no transaction, no
    savepoint and no read first (what `get_or_create` would cost on every webhook)."""
    received_at = timezone.now()
    meta = StripeEvent._meta
    connection = transaction.get_connection()
    columns = ("event_id", "type", "payload", "received_at")
    values = [meta.get_field(name).get_db_prep_save(value, connection)
              for name, value in zip(columns, (event_id, event_type, payload, received_at), strict=True)]  # fmt: skip
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(meta.get_field(c).column) for c in columns)}) "
            f"VALUES (%s, %s, %s, %s) ON CONFLICT ({quote(meta.get_field('event_id').column)}) DO NOTHING "
            f"RETURNING {quote(meta.pk.column)}",
            values,
        )
        row = cursor.fetchone()
    if row is None:  # stored already: the first delivery queued it (and the sweep re-queues it if lost)
        return StripeEvent.objects.get(event_id=event_id), False
    event = StripeEvent(pk=row[0], event_id=event_id, type=event_type, payload=payload, received_at=received_at)
    notify.process_stripe_event(event.pk)
    return event, True


def sweep_stripe_events(*, older_than: datetime.timedelta = datetime.timedelta(minutes=1)) -> int:
    """Queue again every stored event still unprocessed after `older_than` (lost while the broker was
    down, or whose task failed for good). Processing is idempotent, so a double queueing is harmless."""
    stale = StripeEvent.objects.filter(processed_at__isnull=True, received_at__lte=timezone.now() - older_than)
    pks = list(stale.order_by("pk").values_list("pk", flat=True))
    for pk in pks:
        notify.process_stripe_event_now(pk)
    return len(pks)


@transaction.atomic
def process_stripe_event(*, event_pk: int) -> None:
    """Apply one stored Stripe event, once: the event row is locked and marked processed."""
    event = StripeEvent.objects.select_for_update(of=("self",)).get(pk=event_pk)
    if event.processed_at is not None:
        return
    data = event.payload.get("data", {}).get("object", {})
    created = event.payload.get("created")
    if event.type == "payment_intent.succeeded":
        _card_payment_succeeded(data, created=created)
    elif event.type == "payment_intent.payment_failed" and stripe_events.has_recorded_sepa_payment(data.get("id")):
        stripe_events.late_sepa_failure(intent_id=data["id"], message=_failure_message(data), created=created)
    elif event.type == "payment_intent.payment_failed":
        _card_payment_failed(data)
    elif event.type == "charge.failed" and stripe_events.has_recorded_sepa_payment(data.get("payment_intent")):
        stripe_events.late_sepa_failure(intent_id=data["payment_intent"], message=data.get("failure_message") or "")
    elif event.type == "charge.succeeded":
        _stripe_fee(data)
    elif event.type == "charge.refunded":
        stripe_events.dashboard_refund(charge=data, created=created)
    elif event.type in stripe_events.DISPUTE_EVENTS:
        stripe_events.dispute_event(event_type=event.type, dispute=data, created=created)
    elif event.type == "payout.paid":
        _payout_paid(data, account=event.payload.get("account"))
    elif event.type == "payout.failed":
        stripe_events.payout_failed(payout=data, account=event.payload.get("account"))
    event.processed_at = timezone.now()
    event.save(update_fields=["processed_at"])


def _failure_message(intent: dict) -> str:
    return ((intent.get("last_payment_error") or {}).get("message") or "")[:300]


def _order_for_intent(intent: dict) -> Order | None:
    reference = (intent.get("metadata") or {}).get("order")
    order = Order.objects.select_for_update(of=("self",)).filter(stripe_payment_intent_id=intent["id"]).first()
    if order is None and reference:
        order = Order.objects.select_for_update(of=("self",)).filter(reference=reference).first()
    return order


def _charge_id(intent: dict) -> str:
    charge = intent.get("latest_charge")
    if isinstance(charge, dict):
        return charge.get("id", "")
    if charge:
        return charge
    charges = (intent.get("charges") or {}).get("data") or []
    return charges[0]["id"] if charges else ""


def _event_moment(created: int | None) -> datetime.datetime:
    """When Stripe says it happened (the event's `created`), never after now; now without it."""
    now = timezone.now()
    if not created:
        return now
    return min(datetime.datetime.fromtimestamp(created, tz=datetime.UTC), now)


def _card_payment_succeeded(intent: dict, *, created: int | None = None) -> None:
    """The payment is received when Stripe says it succeeded, not when its event is processed: a SEPA
    debit confirmed on the 30th and processed on the 1st (a retry, a sweep) is November's money."""
    order = _order_for_intent(intent)
    if order is None or Payment.objects.filter(stripe_payment_intent_id=intent["id"]).exists():
        return  # unknown to us, or already recorded: accept as processed
    amount = from_cents(intent.get("amount_received") or intent["amount"])
    shares = list(order.shares.select_related("seller"))  # read once, under the order's lock
    single_seller = len(shares) == 1
    receiver = shares[0].seller if single_seller else Structure.objects.collective()
    charge_id = _charge_id(intent)
    payment = Payment.objects.create(
        order=order,
        method=stripe_events.payment_method_of(intent),
        state=PaymentState.SUCCEEDED,
        amount=amount,
        received_by=receiver,
        stripe_payment_intent_id=intent["id"],
        stripe_charge_id=charge_id,
        succeeded_at=_event_moment(created),
    )
    allocation = settlement.record_receipt(payment=payment, shares=shares)
    postings.post_payment(payment, allocation=allocation)
    stripe_events.book_platform_commission(payment=payment, intent=intent)
    if order.fulfilment_status == FulfilmentStatus.CANCELLED:
        return  # paid after its hold expired: staff refund it from the back-office
    if not single_seller:
        # Each seller's share is passed on by a transfer after commit: no row lock is held while
        # Stripe answers (`marketplace.actions.transfers`, swept by beat if a worker dies).
        notify.transfer_order_shares(order.pk)
    _mark_paid_if_settled(order, shares=shares)
    confirm_locked_order(order=order)  # under the lock taken above


def _card_payment_failed(intent: dict) -> None:
    order = _order_for_intent(intent)
    if order is None or order.payment_status != PaymentStatus.UNPAID:
        return  # a late failure after a success changes nothing
    if order.payment_method != PaymentMethod.CARD:
        return  # the customer switched to another means (`switch_payment_method`): the old intent is over
    error = intent.get("last_payment_error") or {}
    Payment.objects.create(
        order=order,
        method=PaymentMethod.CARD,
        state=PaymentState.FAILED,
        amount=from_cents(intent["amount"]),
        received_by=Structure.objects.collective(),
        failure_message=(error.get("message") or "")[:300],
    )
    events.send_on_commit(events.order_payment_failed, order_id=order.pk)
    notify.order_email(order.pk, OrderEmailKind.PAYMENT_FAILED)


def _stripe_fee(charge: dict) -> None:
    """The platform (the Collectif) bears Stripe's fee on each charge (DOMAIN.md rule 12)."""
    transaction_ = charge.get("balance_transaction")
    fee = transaction_.get("fee", 0) if isinstance(transaction_, dict) else 0
    if fee:
        reference = (charge.get("metadata") or {}).get("order") or charge["id"]
        day = timezone.localdate(datetime.datetime.fromtimestamp(charge["created"], tz=datetime.UTC))
        postings.post_stripe_fee(reference=reference, fee=from_cents(fee), date=day, key=charge["id"])


def _payout_paid(payout: dict, *, account: str | None) -> None:
    """Stripe paid a balance out to a bank account: the clearing account empties into 512."""
    structure = (
        Structure.objects.filter(stripe_account_id=account).first() if account else Structure.objects.collective()
    )
    if structure is None or stripe_events.payout_has_failed(payout["id"]):
        return  # a payout the bank returned (its failure came first) never reached the bank account
    day = timezone.localdate(datetime.datetime.fromtimestamp(payout["arrival_date"], tz=datetime.UTC))
    postings.post_payout(structure=structure, amount=from_cents(payout["amount"]), date=day, payout_id=payout["id"])


class Progress(StrEnum):
    """Where an order's payment stands for its customer (the « Merci » page's live status)."""

    PAID = "paid"  # final
    CANCELLED = "cancelled"  # final
    PAY_LATER = "pay_later"  # final for the page: paid at the pickup point or on the invoice
    CONFIRMING = "confirming"  # Stripe accepted the card; its webhook has not marked the order paid yet
    FAILED = "failed"  # final for the page: retry, or switch to another means
    AWAITING_CARD = "awaiting_card"  # final for the page: nobody paid yet (an abandoned payment page)


FINAL_PROGRESS = {Progress.PAID, Progress.CANCELLED, Progress.PAY_LATER, Progress.FAILED, Progress.AWAITING_CARD}
STRIPE_ACCEPTED = {"succeeded", "processing", "requires_capture"}


def payment_progress(order: Order, *, intent_id: str = "", redirect_status: str = "", failures_seen: int | None = None):
    """(progress, failed card attempts) for the customer's page.

    Never « paid » from the browser (DOMAIN.md rule 7): Stripe's return to the page (`payment_intent`
    and `redirect_status` in its URL) only says « being confirmed » until the webhook marks the order
    paid, unless a failure arrived since the page was shown (`failures_seen`). A stored success not
    processed yet (the broker was slow) says the same.
    """
    if order.payment_status != PaymentStatus.UNPAID:
        return Progress.PAID, 0
    if order.fulfilment_status == FulfilmentStatus.CANCELLED:
        return Progress.CANCELLED, 0
    if order.payment_method != PaymentMethod.CARD:
        return Progress.PAY_LATER, 0
    failures = card_attempt_failures(order)
    returned_paid = (
        bool(intent_id)
        and intent_id == order.stripe_payment_intent_id
        and redirect_status in STRIPE_ACCEPTED
        and (failures_seen is None or failures <= failures_seen)
    )
    if returned_paid or (
        order.stripe_payment_intent_id
        and StripeEvent.objects.filter(
            processed_at__isnull=True,
            type="payment_intent.succeeded",
            payload__data__object__id=order.stripe_payment_intent_id,
        ).exists()
    ):
        return Progress.CONFIRMING, failures
    return (Progress.FAILED if failures else Progress.AWAITING_CARD), failures


def card_attempt_failures(order: Order) -> int:
    """How many card attempts of this order failed (one failed payment row per failure webhook)."""
    return order.payments.filter(method=PaymentMethod.CARD, state=PaymentState.FAILED).count()


def switch_payment_method(*, order: Order, method: str, by) -> Order:
    """After a failed or abandoned card payment, the customer pays by another means the order's
    sellers accept (cash, cheque, transfer…): the order becomes a pay-later order, confirmed at once.

    The PaymentIntent is cancelled at Stripe first, with no row lock held while Stripe answers
    (check in a short transaction, call, then record in another); a payment Stripe already took or
    is processing cannot be replaced. Idempotent: asking again for the same means changes nothing.
    A late webhook of the cancelled intent finds a non-card order: a failure is ignored, a success
    (should Stripe ever report one) is recorded as the payment it is.
    """
    intent_id, done = _check_switch(order_id=order.pk, method=method, by=by)
    if done:
        return Order.objects.get(pk=order.pk)
    if intent_id:
        _cancel_intent(intent_id)
    return _record_switch(order_id=order.pk, method=method, by=by, intent_id=intent_id)


def _switch_refusal(order: Order, method: str) -> str:
    """Why this order may not switch to `method` now ("" when it may)."""
    if order.fulfilment_status == FulfilmentStatus.CANCELLED or order.payment_status != PaymentStatus.UNPAID:
        return _("Cette commande n'attend plus de paiement.")
    if order.payment_method != PaymentMethod.CARD:
        return _("Le moyen de paiement de cette commande est déjà choisi.")
    if order.fulfilment_status != FulfilmentStatus.PLACED:
        return _("Cette commande n'attend plus de paiement.")
    if method not in PaymentMethod.pay_later() or method not in checkout.order_payment_methods(order):
        return _("Ce moyen de paiement n'est pas possible pour cette commande.")
    if (
        order.stripe_payment_intent_id
        and StripeEvent.objects.filter(
            processed_at__isnull=True,
            type="payment_intent.succeeded",
            payload__data__object__id=order.stripe_payment_intent_id,
        ).exists()
    ):
        return _("Votre paiement par carte est en cours de confirmation : il ne peut plus être remplacé.")
    return ""


@transaction.atomic
def _check_switch(*, order_id: int, method: str, by) -> tuple[str, bool]:
    """(the intent to cancel, whether the order already uses `method`), or PaymentError."""
    order = Order.objects.select_for_update(of=("self",)).get(pk=order_id)
    if not Order.objects.visible_to_customer(by).filter(pk=order_id).exists():
        raise PaymentError(_("Cette commande n'est pas la vôtre."))
    if order.payment_method == method and method in PaymentMethod.pay_later():
        return order.stripe_payment_intent_id, True
    refusal = _switch_refusal(order, method)
    if refusal:
        raise PaymentError(refusal)
    return order.stripe_payment_intent_id, False


def _cancel_intent(intent_id: str) -> None:
    """Cancel at Stripe (no lock held); an intent cancelled already is fine, one paid or processing is not."""
    try:
        stripe_gateway.cancel_payment_intent(intent_id)
        return
    except stripe.InvalidRequestError:
        pass  # cancelled already, or past cancelling: Stripe says which below
    except stripe.StripeError as error:
        raise PaymentError(_("Le changement de moyen de paiement est momentanément impossible. Réessayez.")) from error
    try:
        status = stripe_gateway.retrieve_payment_intent(intent_id).status
    except stripe.StripeError as error:
        raise PaymentError(_("Le changement de moyen de paiement est momentanément impossible. Réessayez.")) from error
    if status != "canceled":
        raise PaymentError(_("Votre paiement par carte est en cours de confirmation : il ne peut plus être remplacé."))


@transaction.atomic
def _record_switch(*, order_id: int, method: str, by, intent_id: str) -> Order:
    order = Order.objects.select_for_update(of=("self",)).get(pk=order_id)
    if order.payment_method == method:
        return order  # a concurrent request did it
    refusal = _switch_refusal(order, method)
    if not refusal and order.stripe_payment_intent_id != intent_id:
        refusal = _("Cette commande n'attend plus de paiement.")  # a new card attempt started meanwhile
    if refusal:
        raise PaymentError(refusal)
    previous = order.payment_method
    order.payment_method = method
    order.save(update_fields=["payment_method"])
    order.transitions.create(
        field="payment_method", from_status=previous, to_status=method, by=by, note=_("Paiement par carte abandonné")
    )
    return confirm_locked_order(order=order, by=by)


# --- Offline means --------------------------------------------------------------------------


@transaction.atomic
def record_offline_payment(
    *,
    order: Order,
    structure: Structure,
    method: str,
    amount: Decimal,
    by,
    site: Site | None = None,
    cheque_number: str = "",
    cheque_bank: str = "",
    cheque_drawer: str = "",
    at=None,
) -> Payment:
    """Staff record cash, a cheque, a transfer, CESU or the Département's APA/PCH aid received for one
    structure's share of an order.

    `at` is when the money was received, if it is recorded later (a transfer seen on the statement).
    """
    at = at or timezone.now()
    order = Order.objects.select_for_update(of=("self",)).get(pk=order.pk)
    if not perms.can_handle_orders(by, structure):
        raise PaymentError(_("Vous n'encaissez pas pour cette structure."))
    offline = {
        PaymentMethod.CASH,
        PaymentMethod.CHEQUE,
        PaymentMethod.TRANSFER,
        PaymentMethod.CESU,
        PaymentMethod.APA_PCH,
    }
    if method not in offline:
        raise PaymentError(_("Ce moyen de paiement s'enregistre automatiquement."))
    if order.fulfilment_status == FulfilmentStatus.CANCELLED:
        raise PaymentError(_("Cette commande est annulée."))
    share = order.shares.filter(seller=structure).first()
    if share is None:
        raise PaymentError(_("Cette structure ne vend rien dans cette commande."))
    if amount <= 0:
        raise PaymentError(_("Le montant doit être positif."))
    if amount > share.due:
        raise PaymentError(
            _("Le montant dépasse ce qui reste dû à %(structure)s : %(rest)s.")
            % {"structure": structure.name, "rest": euros(max(share.due, Decimal("0")))}
        )
    if method == PaymentMethod.CHEQUE and not cheque_number.strip():
        raise PaymentError(_("Indiquez le numéro du chèque."))
    payment = Payment.objects.create(
        order=order,
        method=method,
        state=PaymentState.SUCCEEDED,
        amount=amount,
        received_by=structure,
        site=site,
        cheque_number=cheque_number.strip(),
        cheque_bank=cheque_bank.strip(),
        cheque_drawer=cheque_drawer.strip(),
        recorded_by=by,
        created_at=at,
        succeeded_at=at,
    )
    settlement.record_receipt(payment=payment)
    postings.post_payment(payment)
    _mark_paid_if_settled(order, by=by, at=at)
    return payment


def _settle_share(*, order: Order, structure: Structure, method: str, amount: Decimal, at, too_much):
    """Under the order's lock: a payment with no money of ours to collect (a credit note used, the URSSAF's
    advance) settles the structure's share, within what it is still owed (`too_much(share)`: the refusal's
    message). Returns (locked order, payment)."""
    order = Order.objects.select_for_update(of=("self",)).get(pk=order.pk)
    share = order.shares.filter(seller=structure).first()
    if share is None or order.fulfilment_status == FulfilmentStatus.CANCELLED:
        raise PaymentError(_("Cette commande n'attend plus de paiement de cette structure."))
    if amount <= 0 or amount > share.due:
        raise PaymentError(too_much(share))
    payment = Payment.objects.create(
        order=order, method=method, state=PaymentState.SUCCEEDED, amount=amount, received_by=structure,
        created_at=at, succeeded_at=at,
    )  # fmt: skip
    settlement.record_receipt(payment=payment)
    return order, payment


@transaction.atomic
def apply_customer_credit(*, order: Order, structure: Structure, amount: Decimal, source: str, at=None) -> Payment:
    """A credit the customer holds with a seller (a credit note `source` kept rather than refunded) pays
    part of an order: a payment with no bank movement; in the books, its 411 credit moves onto the order
    (OD: D 411 under the credit note / C 411 under the order)."""
    at = at or timezone.now()
    order, payment = _settle_share(
        order=order, structure=structure, method=PaymentMethod.CREDIT, amount=amount, at=at,
        too_much=lambda _share: _("Un avoir ne paie que ce qui reste dû, et un montant positif."),
    )  # fmt: skip
    postings.post_credit_applied(payment, source=source)
    _mark_paid_if_settled(order, at=at)
    if order.payment_status == PaymentStatus.PAID:
        confirm_order(order=order, at=at)  # wholly paid by the credit: confirmed as a card order would be
    return payment


@transaction.atomic
def mark_collected(*, order: Order, by, at=None) -> Order:
    """The customer took their goods: `by` hands over the part of each seller they handle, never
    another seller's (ADR 0012). The order is fulfilled once every seller's part is, closed if paid."""
    order = Order.objects.select_for_update(of=("self",)).get(pk=order.pk)
    if order.fulfilment_status != FulfilmentStatus.CONFIRMED:
        raise PaymentError(_("Seule une commande confirmée peut être remise."))
    sellers = set(order.lines.values_list("seller_id", flat=True))
    parts = sellers & perms.structures_handling_orders(by)
    if not parts:
        raise PaymentError(_("Vous ne remettez aucun article de cette commande."))
    done = order.handed_over_seller_ids()
    if parts <= done:
        raise PaymentError(_("Votre part de cette commande est déjà remise."))
    at = at or timezone.now()
    OrderShare.objects.filter(order=order, seller_id__in=parts - done).update(handed_over_at=at, handed_over_by=by)
    if sellers <= parts | done:
        order.set_fulfilment(FulfilmentStatus.FULFILLED, by=by, at=at)
        order.save(update_fields=["fulfilment_status", "fulfilled_at"])
        close_if_done(order, at=at)
    return order


@transaction.atomic
def create_deposit_slip(*, structure: Structure, payments: list[Payment], by, at=None) -> DepositSlip:
    """Group a structure's cheques not yet deposited into a numbered bordereau de remise (`at`: when it
    was taken to the bank, if recorded later)."""
    if not perms.can_handle_takings(by, structure):
        raise PaymentError(_("Vous ne remettez pas les chèques de cette structure."))
    # Lock the structure's row: slip numbers are allocated one at a time.
    Structure.objects.select_for_update(of=("self",)).get(pk=structure.pk)
    ids = [payment.pk for payment in payments]
    cheques = list(
        Payment.objects.select_for_update(of=("self",)).filter(
            pk__in=ids,
            method=PaymentMethod.CHEQUE,
            state=PaymentState.SUCCEEDED,
            received_by=structure,
            deposit_slip__isnull=True,
        )
    )
    if not cheques or len(cheques) != len(set(ids)):
        raise PaymentError(_("Choisissez des chèques de cette structure qui ne sont pas encore remis."))
    last = DepositSlip.objects.filter(structure=structure).order_by("-number").values_list("number", flat=True).first()
    slip = DepositSlip.objects.create(
        structure=structure,
        number=(last or 0) + 1,
        created_by=by,
        created_at=at or timezone.now(),
        total=sum((cheque.amount for cheque in cheques), Decimal("0")),
    )
    Payment.objects.filter(pk__in=[c.pk for c in cheques]).update(deposit_slip=slip)
    postings.post_deposit_slip(slip)
    return slip


@transaction.atomic
def record_final_quantity(*, line, quantity: Decimal, by, issue: bool = True):
    """Weighing (or hours done): the line is re-priced at the final quantity, then invoiced (rule 4).

    `issue=False` lets a caller finalise several lines and issue one invoice for them all (the
    monthly statement of an organisation on account); `by=None` is a scheduled task, not a person.
    """
    line = OrderLine.objects.select_for_update(of=("self",)).select_related("order", "seller").get(pk=line.pk)
    if by is not None and not perms.can_handle_orders(by, line.seller):
        raise PaymentError(_("Vous ne pesez pas pour cette structure."))
    if not line.quantity_measured_later:
        raise PaymentError(_("Cette ligne a un prix fixe : rien à peser."))
    if hasattr(line, "invoice_line"):
        raise PaymentError(_("Cette ligne est déjà facturée : corrigez par un avoir."))
    if line.order.fulfilment_status not in {FulfilmentStatus.CONFIRMED, FulfilmentStatus.FULFILLED}:
        raise PaymentError(_("Seule une commande confirmée se pèse."))
    if quantity <= 0:
        raise PaymentError(_("La quantité définitive doit être positive."))
    line.final_quantity = quantity
    line.total_incl = line_total(line.unit_price, quantity)
    line.total_excl, line.total_vat = split_incl(line.total_incl, line.vat_rate)
    line.save(update_fields=["final_quantity", "total_incl", "total_excl", "total_vat"])
    order = Order.objects.select_for_update(of=("self",)).get(pk=line.order_id)
    totals = order.lines.aggregate(excl=Sum("total_excl"), vat=Sum("total_vat"), incl=Sum("total_incl"))
    order.total_excl, order.total_vat, order.total_incl = totals["excl"], totals["vat"], totals["incl"]
    order.save(update_fields=["total_excl", "total_vat", "total_incl"])
    settlement.refresh_owed(order=order)
    if issue:
        issue_order_invoices(order=order)
    return line


# --- The URSSAF's immediate advance (called by sap.advance) ---------------------------------------


@transaction.atomic
def record_urssaf_payment(*, order: Order, structure: Structure, amount: Decimal, at=None) -> Payment:
    """The client validated a payment request (or was deemed to): the URSSAF will pay the structure's share,
    which is settled now (OD: D 4371 / C 411); its transfer is posted when it arrives (sap.advance)."""
    at = at or timezone.now()
    order, payment = _settle_share(
        order=order, structure=structure, method=PaymentMethod.URSSAF, amount=amount, at=at,
        too_much=lambda share: _("Le montant dépasse ce qui reste dû à %(structure)s : %(rest)s.")
        % {"structure": structure.name, "rest": euros(max(share.due, Decimal("0")))},
    )  # fmt: skip
    postings.post_payment(payment)
    _mark_paid_if_settled(order, at=at)
    return payment


@transaction.atomic
def reverse_urssaf_payment(*, payment: Payment, note: str, at=None) -> Payment:
    """A validated request the URSSAF cancelled (the client's debit failed for good): the payment is kept,
    marked rejected; the share owes it again; the client's receivable is back (OD: D 411 / C 4371)."""
    at = at or timezone.now()
    order = Order.objects.select_for_update(of=("self",)).get(pk=payment.order_id)
    payment = Payment.objects.select_related("order", "received_by").get(pk=payment.pk)
    if payment.method != PaymentMethod.URSSAF or payment.state != PaymentState.SUCCEEDED:
        return payment
    settlement.record_reversal(payment=payment)
    payment.state = PaymentState.REVERSED
    payment.reversed_at = at
    payment.failure_message = note[:300]
    payment.save(update_fields=["state", "reversed_at", "failure_message"])
    postings.post_urssaf_withdrawal(payment=payment, date=timezone.localdate(at))
    stripe_events._reopen(order, note=note)
    return payment
