"""Every Stripe event that moves money, posted signed through the real webhook endpoint: disputes,
refunds made in Stripe's dashboard, failed payouts, the platform commission, events not handled.

One-seller orders are paid as Stripe describes them (`pay_by_card` without Stripe configured), and
the later events are built by hand with the field names of Stripe's API (2024-06-20): the local
Stripe server has no disputes nor dashboard. Mixed orders and SEPA debits run against it
(`stripe_env`). Each test asserts the shares, the statuses and the exact entry lines, then
delivers the same events again: nothing changes.
"""

import json
import time
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse

from accounting.models import Entry, EntryLine
from hub.enums import StaffRole
from hub.models import Structure
from marketplace.enums import DisputeStatus, InvoiceKind, PaymentMethod, PaymentState, PaymentStatus
from marketplace.models import OrderShare, Payment, Refund, StripeDispute, StripeEvent
from marketplace.postings import customer_account
from tests.accounts.factories import UserFactory
from tests.hub.factories import CollectiveFactory, StructureRoleFactory, staff_of
from tests.marketplace.factories import OrderFactory
from tests.marketplace.stripe_helpers import WEBHOOK_SECRET, post_event

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def webhook(settings, client, django_capture_on_commit_callbacks):
    """Post a hand-built event, signed, to the webhook; its task runs on commit (eagerly)."""
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET

    def post(event_type: str, obj: dict, event_id: str, **extra) -> None:
        payload = json.dumps(
            {
                "id": event_id,
                "object": "event",
                "type": event_type,
                "api_version": "2024-06-20",
                "created": int(time.time()),
                "data": {"object": obj},
                **extra,
            }
        )
        with django_capture_on_commit_callbacks(execute=True):
            assert post_event(client, payload).status_code == 200

    return post


@pytest.fixture
def collective(db):
    return CollectiveFactory()


def entry_lines(structure: Structure, kind: str, source_id: str, event: str) -> list[tuple]:
    """(journal, account, debit, credit) of the one entry posted under this idempotency key."""
    return list(
        EntryLine.objects.filter(
            entry__structure=structure, entry__source_kind=kind, entry__source_id=source_id, entry__event=event
        )
        .order_by("position")
        .values_list("entry__journal__code", "account__code", "debit", "credit")
    )


def shares(order) -> dict[str, tuple]:
    """{seller: (owed, received, refunded, disputed)}."""
    return {
        share.seller.name: (share.owed, share.received, share.refunded, share.disputed)
        for share in OrderShare.objects.filter(order=order).select_related("seller")
    }


def books_state() -> tuple:
    return (
        Entry.objects.count(),
        list(OrderShare.objects.order_by("pk").values_list("received", "refunded", "disputed")),
        Refund.objects.count(),
    )


def dispute(order, *, status: str, transactions: list[dict], dispute_id: str = "dp_1", amount: int | None = None):
    """A Stripe `dispute` object for the order's charge."""
    payment = order.payments.get(state=PaymentState.SUCCEEDED)
    return {
        "id": dispute_id,
        "object": "dispute",
        "amount": amount if amount is not None else int(payment.amount * 100),
        "currency": "eur",
        "charge": payment.stripe_charge_id,
        "payment_intent": payment.stripe_payment_intent_id,
        "reason": "fraudulent",
        "status": status,
        "is_charge_refundable": False,
        "created": int(time.time()),
        "balance_transactions": transactions,
    }


def withdrawal(amount: int, fee: int = 1500) -> dict:
    return {"id": "txn_dp_out", "object": "balance_transaction", "amount": -amount, "fee": fee,
            "net": -amount - fee, "currency": "eur", "type": "adjustment", "reporting_category": "dispute"}  # fmt: skip


def reinstatement(amount: int) -> dict:
    return {"id": "txn_dp_back", "object": "balance_transaction", "amount": amount, "fee": 0, "net": amount,
            "currency": "eur", "type": "adjustment", "reporting_category": "dispute_reversal"}  # fmt: skip


# --- Disputes -------------------------------------------------------------------------------------


@pytest.fixture
def disputed_service(resident, laundry, collection, collective):
    """A 6,00 € laundry service (VAT 20 % on receipts: 1,00 €) paid by card, one seller."""
    return OrderFactory(customer=resident, items=[(collection, "1")], card=True, paid=True)


def test_dispute_funds_withdrawn_reopen_the_receivable_then_a_win_closes_it(
    webhook, disputed_service, laundry, collective
):
    order = disputed_service
    assert order.payment_status == PaymentStatus.PAID
    source = f"{order.pk}-{laundry.pk}"
    assert entry_lines(laundry, "order", source, "vat-on-receipts-1") == [
        ("OD", "44587", D("1.00"), D("0")),
        ("OD", "445711", D("0"), D("1.00")),
    ]

    opened = dispute(order, status="needs_response", transactions=[withdrawal(600)])
    webhook("charge.dispute.created", opened, "evt_dp_created")

    order.refresh_from_db()
    assert order.payment_status == PaymentStatus.UNPAID
    assert order.paid_at is None
    assert shares(order) == {laundry.name: (D("6.00"), D("6.00"), D("0.00"), D("6.00"))}
    record = StripeDispute.objects.get(dispute_id="dp_1")
    assert (record.order, record.amount, record.fee, record.status) == (order, D("6.00"), D("15.00"), "open")
    # Stripe debits the platform for a dispute on a destination charge: the seller owes it back.
    assert entry_lines(collective, "dispute", "dp_1", "withdrawn") == [
        ("ST", f"467{laundry.pk:03d}", D("6.00"), D("0")),
        ("ST", "512800", D("0"), D("6.00")),
    ]
    assert entry_lines(laundry, "dispute", "dp_1", "withdrawn") == [
        ("OD", "411", D("6.00"), D("0")),
        ("OD", f"467{collective.pk:03d}", D("0"), D("6.00")),
    ]
    assert entry_lines(laundry, "order", source, "vat-on-receipts-2") == [  # not received: not due
        ("OD", "445711", D("1.00"), D("0")),
        ("OD", "44587", D("0"), D("1.00")),
    ]
    assert entry_lines(collective, "dispute", "dp_1", "fee") == [
        ("ST", "627", D("15.00"), D("0")),
        ("ST", "512800", D("0"), D("15.00")),
    ]
    assert order.transitions.filter(field="payment_status").values_list("from_status", "to_status").last() == (
        "paid",
        "unpaid",
    )

    # Stripe sends funds_withdrawn too, and retries: nothing more.
    before = books_state()
    webhook("charge.dispute.created", opened, "evt_dp_created")
    webhook("charge.dispute.funds_withdrawn", opened, "evt_dp_withdrawn")
    assert books_state() == before

    won = dispute(order, status="won", transactions=[withdrawal(600), reinstatement(600)])
    webhook("charge.dispute.funds_reinstated", won, "evt_dp_reinstated")
    webhook("charge.dispute.closed", won, "evt_dp_closed")

    order.refresh_from_db()
    assert order.payment_status == PaymentStatus.PAID
    assert shares(order) == {laundry.name: (D("6.00"), D("6.00"), D("0.00"), D("0.00"))}
    record.refresh_from_db()
    assert record.status == DisputeStatus.WON
    assert entry_lines(laundry, "dispute", "dp_1", "reinstated") == [
        ("OD", "411", D("0"), D("6.00")),
        ("OD", f"467{collective.pk:03d}", D("6.00"), D("0")),
    ]
    assert entry_lines(collective, "dispute", "dp_1", "reinstated") == [
        ("ST", f"467{laundry.pk:03d}", D("0"), D("6.00")),
        ("ST", "512800", D("6.00"), D("0")),
    ]
    assert entry_lines(laundry, "order", source, "vat-on-receipts-3") == [
        ("OD", "44587", D("1.00"), D("0")),
        ("OD", "445711", D("0"), D("1.00")),
    ]
    assert entry_lines(collective, "dispute", "dp_1", "fee-returned") == []  # Stripe kept its fee
    code, _name = customer_account(order=order)
    balance = EntryLine.objects.filter(entry__structure=laundry, account__code="411", auxiliary_code=code)
    assert sum(line.debit - line.credit for line in balance) == D("0.00")

    before = books_state()
    webhook("charge.dispute.closed", won, "evt_dp_closed_again")
    webhook("charge.dispute.funds_reinstated", won, "evt_dp_reinstated")
    assert books_state() == before


def test_a_lost_dispute_writes_the_receivable_off(webhook, disputed_service, laundry, collective):
    order = disputed_service
    webhook("charge.dispute.created", dispute(order, status="needs_response", transactions=[withdrawal(600)]), "e1")
    lost = dispute(order, status="lost", transactions=[withdrawal(600)])
    webhook("charge.dispute.closed", lost, "e2")

    order.refresh_from_db()
    assert order.payment_status == PaymentStatus.UNPAID  # the customer never paid, in the end
    assert shares(order) == {laundry.name: (D("6.00"), D("6.00"), D("0.00"), D("6.00"))}
    assert StripeDispute.objects.get(dispute_id="dp_1").status == DisputeStatus.LOST
    # Services' VAT was never due on money not kept: it leaves 44587 with the debt.
    assert entry_lines(laundry, "dispute", "dp_1", f"lost-{laundry.pk}") == [
        ("OD", "654", D("5.00"), D("0")),
        ("OD", "44587", D("1.00"), D("0")),
        ("OD", "411", D("0"), D("6.00")),
    ]
    debt = EntryLine.objects.filter(entry__structure=laundry, account__code=f"467{collective.pk:03d}")
    assert sum(line.credit - line.debit for line in debt) == D("6.00")  # the seller bears the loss
    code, _name = customer_account(order=order)
    for account in ("411", "44587"):
        lines = EntryLine.objects.filter(entry__structure=laundry, account__code=account)
        if account == "411":
            lines = lines.filter(auxiliary_code=code)
        assert sum(line.debit - line.credit for line in lines) == D("0.00"), account

    before = books_state()
    webhook("charge.dispute.closed", lost, "e3")
    webhook("charge.dispute.funds_reinstated", lost, "e4")  # a late reinstatement of a lost one: ignored
    assert books_state() == before


def test_an_inquiry_moves_no_money_until_it_becomes_a_dispute(webhook, disputed_service, laundry):
    order = disputed_service
    before = books_state()
    webhook("charge.dispute.created", dispute(order, status="warning_needs_response", transactions=[]), "e1")
    order.refresh_from_db()
    assert order.payment_status == PaymentStatus.PAID
    assert books_state() == before
    webhook("charge.dispute.closed", dispute(order, status="warning_closed", transactions=[]), "e2")
    assert StripeDispute.objects.get(dispute_id="dp_1").status == DisputeStatus.CLOSED
    assert books_state() == before


def test_staff_see_the_dispute_on_the_order(client, webhook, disputed_service, laundry):
    order = disputed_service
    webhook("charge.dispute.created", dispute(order, status="needs_response", transactions=[withdrawal(600)]), "e1")
    staff = staff_of(laundry)
    client.force_login(staff)
    page = client.get(reverse("marketplace:handover", args=[order.reference])).content.decode()
    assert "<strong>Litige</strong> Litige en cours — 6,00" in page
    assert "À payer" in page


def test_dispute_on_a_mixed_order_keeps_467_the_mirror_in_both_books(
    webhook, stripe_env, resident, garden, grocer, basket, candle
):
    collective = CollectiveFactory()
    order = OrderFactory(customer=resident, items=[(basket, "1"), (candle, "1")], card=True, paid=True)
    assert order.payment_status == PaymentStatus.PAID
    opened = dispute(order, status="needs_response", transactions=[withdrawal(2690)])
    webhook("charge.dispute.created", opened, "evt_mixed_dp")

    order.refresh_from_db()
    assert order.payment_status == PaymentStatus.UNPAID
    assert shares(order) == {
        garden.name: (D("17.00"), D("17.00"), D("0.00"), D("17.00")),
        grocer.name: (D("9.90"), D("9.90"), D("0.00"), D("9.90")),
    }
    assert entry_lines(collective, "dispute", "dp_1", "withdrawn") == [
        ("ST", f"467{garden.pk:03d}", D("17.00"), D("0")),
        ("ST", f"467{grocer.pk:03d}", D("9.90"), D("0")),
        ("ST", "512800", D("0"), D("26.90")),
    ]
    assert entry_lines(garden, "dispute", "dp_1", "withdrawn") == [
        ("OD", "411", D("17.00"), D("0")),
        ("OD", f"467{collective.pk:03d}", D("0"), D("17.00")),
    ]
    assert entry_lines(grocer, "dispute", "dp_1", "withdrawn") == [
        ("OD", "411", D("9.90"), D("0")),
        ("OD", f"467{collective.pk:03d}", D("0"), D("9.90")),
    ]
    for seller in (garden, grocer):  # the Collectif's claim on each seller = each seller's debt to it
        claim = EntryLine.objects.filter(entry__structure=collective, account__code=f"467{seller.pk:03d}")
        debt = EntryLine.objects.filter(entry__structure=seller, account__code=f"467{collective.pk:03d}")
        assert sum(line.debit - line.credit for line in claim) == sum(line.credit - line.debit for line in debt)
        assert sum(line.debit - line.credit for line in claim) == order.shares.get(seller=seller).owed

    won = dispute(order, status="won", transactions=[withdrawal(2690), reinstatement(2690)])
    webhook("charge.dispute.closed", won, "evt_mixed_dp_won")
    order.refresh_from_db()
    assert order.payment_status == PaymentStatus.PAID
    for seller in (garden, grocer):
        claim = EntryLine.objects.filter(entry__structure=collective, account__code=f"467{seller.pk:03d}")
        assert sum(line.debit - line.credit for line in claim) == D("0.00")


# --- Refunds made in Stripe's dashboard ---------------------------------------------------------


def charge_refunded(order, refunds: list[dict]) -> dict:
    payment = order.payments.get()
    return {
        "id": payment.stripe_charge_id,
        "object": "charge",
        "amount": int(payment.amount * 100),
        "amount_refunded": sum(refund["amount"] for refund in refunds),
        "payment_intent": payment.stripe_payment_intent_id,
        "refunded": sum(refund["amount"] for refund in refunds) == int(payment.amount * 100),
        "refunds": {"object": "list", "data": refunds},
        "metadata": {"order": order.reference},
    }


def refund_object(refund_id: str, amount: int, **metadata) -> dict:
    return {"id": refund_id, "object": "refund", "amount": amount, "status": "succeeded", "metadata": metadata}


def test_a_whole_refund_in_the_dashboard_is_recorded_with_its_credit_note(
    webhook, disputed_service, laundry, collective
):
    order = disputed_service
    # Refunded with the transfer reversed: out of the seller's own Stripe balance.
    event = charge_refunded(order, [refund_object("re_dash_1", 600) | {"transfer_reversal": "trr_1"}])
    webhook("charge.refunded", event, "evt_refund_dash")

    order.refresh_from_db()
    assert (order.payment_status, order.amount_refunded) == (PaymentStatus.REFUNDED, D("6.00"))
    refund = Refund.objects.get(order=order)
    assert (refund.structure, refund.amount, refund.method, refund.stripe_refund_id, refund.created_by) == (
        laundry,
        D("6.00"),
        PaymentMethod.CARD,
        "re_dash_1",
        None,
    )
    assert refund.credit_note_needed is False
    assert shares(order) == {laundry.name: (D("0.00"), D("6.00"), D("6.00"), D("0.00"))}
    credit_note = order.invoices.get(kind=InvoiceKind.CREDIT_NOTE)
    assert credit_note.total_incl == D("6.00")
    assert entry_lines(laundry, "refund", str(refund.pk), "paid") == [
        ("ST", "411", D("6.00"), D("0")),
        ("ST", "512800", D("0"), D("6.00")),
    ]
    assert [m.subject for m in mail.outbox if order.reference in m.subject][-1].endswith(
        f"Remboursement de la commande {order.reference}"
    )

    before = books_state()
    webhook("charge.refunded", event, "evt_refund_dash")
    webhook("charge.refunded", event, "evt_refund_dash_replayed")
    assert books_state() == before


def test_a_part_refund_in_the_dashboard_asks_staff_for_the_credit_note(
    client, webhook, resident, grocer, candle, collective
):
    order = OrderFactory(customer=resident, items=[(candle, "2")], card=True, paid=True)
    StructureRoleFactory(structure=grocer, user=UserFactory(email="direction@comptoir.test"), role=StaffRole.MANAGER)
    mail.outbox.clear()
    webhook("charge.refunded", charge_refunded(order, [refund_object("re_dash_2", 500)]), "evt_part")

    order.refresh_from_db()
    assert (order.payment_status, order.amount_refunded) == (PaymentStatus.PARTIALLY_REFUNDED, D("5.00"))
    refund = Refund.objects.get(order=order)
    assert (refund.amount, refund.credit_note_needed) == (D("5.00"), True)
    assert not order.invoices.filter(kind=InvoiceKind.CREDIT_NOTE).exists()
    assert shares(order) == {grocer.name: (D("19.80"), D("19.80"), D("5.00"), D("0.00"))}
    # Transfer not reversed: the platform's balance paid it, the seller owes it back.
    assert entry_lines(collective, "refund", str(refund.pk), "paid") == [
        ("ST", f"467{grocer.pk:03d}", D("5.00"), D("0")),
        ("ST", "512800", D("0"), D("5.00")),
    ]
    assert entry_lines(grocer, "refund", str(refund.pk), "paid") == [
        ("OD", "411", D("5.00"), D("0")),
        ("OD", f"467{collective.pk:03d}", D("0"), D("5.00")),
    ]
    alert = next(m for m in mail.outbox if "Avoir à établir" in m.subject)
    assert "direction@comptoir.test" in alert.to
    client.force_login(staff_of(grocer))
    page = client.get(reverse("marketplace:handover", args=[order.reference])).content.decode()
    assert "Remboursé dans Stripe : 5,00" in page


def test_a_refund_made_by_the_platform_is_not_recorded_twice(webhook, disputed_service):
    order = disputed_service
    before = books_state()
    # `refund_order` tags its refunds (`metadata.refund`) and records them itself.
    webhook("charge.refunded", charge_refunded(order, [refund_object("re_ours", 600, refund="X-1")]), "e1")
    assert books_state() == before


# --- SEPA, commission, payouts, unknown events ---------------------------------------------------


def sepa_intent(order, *, fee: int | None = None) -> dict:
    cents = int(order.total_incl * 100)
    intent = {
        "id": f"pi_sepa_{order.reference}",
        "object": "payment_intent",
        "status": "succeeded",
        "amount": cents,
        "amount_received": cents,
        "currency": "eur",
        "payment_method_types": ["sepa_debit"],
        "latest_charge": f"py_sepa_{order.reference}",
        "metadata": {"order": order.reference},
    }
    if fee is not None:
        intent["application_fee_amount"] = fee
    return intent


def test_a_sepa_debit_is_recorded_as_sepa_then_a_late_failure_reverses_it(
    settings, webhook, resident, garden, basket, collective
):
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    order = OrderFactory(customer=resident, items=[(basket, "1")], card=True)
    intent = sepa_intent(order, fee=34)  # 2 % for the platform
    webhook("payment_intent.succeeded", intent, "evt_sepa_ok")
    order.refresh_from_db()
    payment = order.payments.get()
    assert (payment.method, payment.state, order.payment_status) == (
        PaymentMethod.SEPA,
        PaymentState.SUCCEEDED,
        PaymentStatus.PAID,
    )
    assert entry_lines(garden, "payment", str(payment.pk), "received") == [
        ("ST", "512810", D("17.00"), D("0")),
        ("ST", "411", D("0"), D("17.00")),
    ]

    mail.outbox.clear()
    failed = {
        **intent,
        "status": "requires_payment_method",
        "last_payment_error": {"code": "insufficient_funds", "message": "Provision insuffisante."},
    }
    webhook("payment_intent.payment_failed", failed, "evt_sepa_late_ko")

    payment.refresh_from_db()
    order.refresh_from_db()
    assert (payment.state, payment.failure_message) == (PaymentState.REVERSED, "Provision insuffisante.")
    assert payment.reversed_at is not None
    assert order.payment_status == PaymentStatus.UNPAID
    assert shares(order) == {garden.name: (D("17.00"), D("0.00"), D("0.00"), D("0.00"))}
    assert entry_lines(garden, "payment", str(payment.pk), "reversed") == [
        ("ST", "411", D("17.00"), D("0")),
        ("ST", "512810", D("0"), D("17.00")),
    ]
    # Stripe gives the application fee back: the commission is reversed in both books.
    for structure, lines in (
        (garden, [("ST", "6222", D("0"), D("0.34")), ("ST", "512810", D("0.34"), D("0"))]),
        (collective, [("ST", "512810", D("0"), D("0.34")), ("ST", "7067", D("0.34"), D("0"))]),
    ):
        commission = Entry.objects.get(structure=structure, source_id=str(payment.pk), event="platform-fee")
        assert entry_lines(structure, "entry", str(commission.pk), "reversal") == lines
    assert [m.to for m in mail.outbox] == [[order.billing_email]]

    before = books_state()
    webhook("payment_intent.payment_failed", failed, "evt_sepa_late_ko")
    charge = {"id": intent["latest_charge"], "object": "charge", "payment_intent": intent["id"], "status": "failed"}
    webhook("charge.failed", charge, "evt_sepa_charge_failed")
    assert books_state() == before
    assert Payment.objects.filter(order=order).count() == 1


def test_the_platform_commission_is_booked_in_both_books(webhook, resident, grocer, candle, collective):
    order = OrderFactory(customer=resident, items=[(candle, "2")], card=True)  # 19,80 €
    intent = {**sepa_intent(order, fee=40), "payment_method_types": ["card"]}
    webhook("payment_intent.succeeded", intent, "evt_fee")
    payment = Payment.objects.get(order=order)
    assert payment.method == PaymentMethod.CARD
    assert entry_lines(grocer, "payment", str(payment.pk), "platform-fee") == [
        ("ST", "6222", D("0.40"), D("0")),
        ("ST", "512800", D("0"), D("0.40")),
    ]
    assert entry_lines(collective, "payment", str(payment.pk), "platform-fee") == [
        ("ST", "512800", D("0.40"), D("0")),
        ("ST", "7067", D("0"), D("0.40")),
    ]
    before = books_state()
    webhook("payment_intent.succeeded", intent, "evt_fee_again")
    assert books_state() == before


def test_a_liable_collective_charges_vat_on_its_commission(webhook, resident, grocer, candle, collective):
    Structure.objects.filter(pk=collective.pk).update(vat_regime="liable", vat_number="FR12345678901")
    order = OrderFactory(customer=resident, items=[(candle, "2")], card=True)
    webhook("payment_intent.succeeded", {**sepa_intent(order, fee=40), "payment_method_types": ["card"]}, "e1")
    payment = Payment.objects.get(order=order)
    assert entry_lines(grocer, "payment", str(payment.pk), "platform-fee") == [
        ("ST", "6222", D("0.33"), D("0")),
        ("ST", "44566", D("0.07"), D("0")),
        ("ST", "512800", D("0"), D("0.40")),
    ]
    assert entry_lines(collective, "payment", str(payment.pk), "platform-fee") == [
        ("ST", "512800", D("0.40"), D("0")),
        ("ST", "7067", D("0"), D("0.33")),
        ("ST", "445711", D("0"), D("0.07")),
    ]


def payout(payout_id: str, amount: int) -> dict:
    return {"id": payout_id, "object": "payout", "amount": amount, "currency": "eur", "status": "failed",
            "arrival_date": int(time.time()), "created": int(time.time()), "failure_code": "account_closed",
            "failure_message": "Le compte bancaire est clos."}  # fmt: skip


def test_a_failed_payout_reverses_its_posting_and_tells_staff(webhook, grocer, collective):
    grocer.stripe_account_id = "acct_grocer"
    grocer.save(update_fields=["stripe_account_id"])
    StructureRoleFactory(structure=grocer, user=UserFactory(email="compta@comptoir.test"), role=StaffRole.ACCOUNTANT)
    webhook("payout.paid", {**payout("po_1", 5000), "status": "paid"}, "evt_po_paid", account="acct_grocer")
    assert entry_lines(grocer, "payout", "po_1", "paid") == [
        ("ST", "512", D("50.00"), D("0")),
        ("ST", "512800", D("0"), D("50.00")),
    ]
    paid_entry = Entry.objects.get(structure=grocer, source_kind="payout", source_id="po_1")
    mail.outbox.clear()
    webhook("payout.failed", payout("po_1", 5000), "evt_po_failed", account="acct_grocer")
    assert entry_lines(grocer, "entry", str(paid_entry.pk), "reversal") == [
        ("ST", "512", D("0"), D("50.00")),
        ("ST", "512800", D("50.00"), D("0")),
    ]
    alert = mail.outbox[-1]
    assert "Virement Stripe échoué : po_1" in alert.subject
    assert "compta@comptoir.test" in alert.to
    assert "Le compte bancaire est clos." in alert.body
    before = books_state()
    webhook("payout.failed", payout("po_1", 5000), "evt_po_failed")
    assert books_state() == before


def test_a_failed_payout_never_posted_posts_nothing_but_is_told(webhook, collective):
    admin = UserFactory(hub_admin=True, email="admin@pole.test")
    before = books_state()
    webhook("payout.failed", payout("po_2", 1234), "evt_po_2")
    assert books_state() == before
    assert admin.email in mail.outbox[-1].to
    assert StripeEvent.objects.get(event_id="evt_po_2").processed_at is not None


def test_events_not_handled_are_kept_and_listed(client, webhook, collective):
    webhook("customer.created", {"id": "cus_1", "object": "customer"}, "evt_unknown")
    webhook("payout.paid", payout("po_3", 100) | {"status": "paid"}, "evt_known")
    event = StripeEvent.objects.get(event_id="evt_unknown")
    assert event.processed_at is not None
    assert (event.is_handled, StripeEvent.objects.get(event_id="evt_known").is_handled) == (False, True)
    assert list(StripeEvent.objects.not_handled().values_list("event_id", flat=True)) == ["evt_unknown"]
    client.force_login(UserFactory(hub_admin=True))
    page = client.get(reverse("admin:marketplace_stripeevent_changelist"), {"pris_en_charge": "non"})
    assert page.status_code == 200
    content = page.content.decode()
    assert "evt_unknown" in content
    assert "evt_known" not in content


def test_a_late_sepa_failure_puts_the_basket_delivery_back_to_unpaid(webhook, stripe_env):
    """The real off-session SEPA debit of a basket delivery (local Stripe server), succeeded, then
    rejected by the bank days later: the delivery it paid awaits payment again and the resident is told."""
    import datetime

    from subscriptions.actions.payments import charge_due_deliveries, save_card, start_card_setup
    from subscriptions.enums import DeliveryStatus
    from tests.subscriptions.factories import SubscriptionFactory

    CollectiveFactory()
    subscription = SubscriptionFactory(sepa=True)
    garden = subscription.plan.offering.structure
    account = stripe_env.v1.accounts.create(params={"type": "express", "country": "FR"})
    Structure.objects.filter(pk=garden.pk).update(stripe_account_id=account.id)
    setup_id = start_card_setup(subscription=subscription).split("_secret_")[0]
    method = stripe_env.v1.payment_methods.create(
        params={
            "type": "sepa_debit",
            "sepa_debit": {"iban": "DE89370400440532013000"},
            "billing_details": {"name": "Jeanne Roche", "email": "j@exemple.test"},
        }  # fmt: skip
    )
    stripe_env.v1.setup_intents.confirm(setup_id, params={"payment_method": method.id})
    save_card(subscription=subscription, setup_intent_id=setup_id)
    charge_due_deliveries(today=datetime.date(2026, 3, 15))
    delivery = subscription.deliveries.get(date=datetime.date(2026, 3, 16))
    order = delivery.order_line.order
    order.refresh_from_db()
    for _ in range(40):  # the fake bank answers asynchronously
        intent = stripe_env.v1.payment_intents.retrieve(order.stripe_payment_intent_id)
        if intent.status == "succeeded":
            break
        time.sleep(0.1)
    # Stripe's PaymentIntent always carries `payment_method_types`; the local server leaves it out.
    intent = {**intent.to_dict(), "payment_method_types": ["sepa_debit"]}
    webhook("payment_intent.succeeded", intent, "evt_basket_sepa_ok")
    order.refresh_from_db()
    payment = order.payments.get()
    assert (payment.method, order.payment_status) == (PaymentMethod.SEPA, PaymentStatus.PAID)
    assert entry_lines(garden, "payment", str(payment.pk), "received")[0][:2] == ("ST", "512810")

    mail.outbox.clear()
    rejected = {**intent, "status": "requires_payment_method",
                "last_payment_error": {"code": "insufficient_funds", "message": "Provision insuffisante."}}  # fmt: skip
    webhook("payment_intent.payment_failed", rejected, "evt_basket_sepa_late_ko")

    delivery.refresh_from_db()
    order.refresh_from_db()
    payment.refresh_from_db()
    assert (delivery.status, order.payment_status, payment.state) == (
        DeliveryStatus.UNPAID,
        PaymentStatus.UNPAID,
        PaymentState.REVERSED,
    )
    amount = order.total_incl
    assert entry_lines(garden, "payment", str(payment.pk), "reversed") == [
        ("ST", "411", amount, D("0")),
        ("ST", "512810", D("0"), amount),
    ]
    assert shares(order) == {garden.name: (amount, D("0.00"), D("0.00"), D("0.00"))}
    assert sorted(m.to[0] for m in mail.outbox) == sorted([order.billing_email, subscription.customer.email])
    before = books_state()
    webhook("payment_intent.payment_failed", rejected, "evt_basket_sepa_late_ko_2")
    assert books_state() == before


def test_a_dashboard_refund_of_a_mixed_order_comes_out_of_the_collectifs_balance(
    webhook, stripe_env, resident, garden, grocer, basket, candle
):
    collective = CollectiveFactory()
    order = OrderFactory(customer=resident, items=[(basket, "1"), (candle, "1")], card=True, paid=True)
    webhook("charge.refunded", charge_refunded(order, [refund_object("re_dash_mixed", 2690)]), "evt_mixed_refund")

    order.refresh_from_db()
    assert (order.payment_status, order.amount_refunded) == (PaymentStatus.REFUNDED, D("26.90"))
    refunds = {refund.structure: refund for refund in Refund.objects.filter(order=order)}
    assert {structure: refund.amount for structure, refund in refunds.items()} == {
        garden: D("17.00"),
        grocer: D("9.90"),
    }
    assert shares(order) == {
        garden.name: (D("0.00"), D("17.00"), D("17.00"), D("0.00")),
        grocer.name: (D("0.00"), D("9.90"), D("9.90"), D("0.00")),
    }
    assert sorted(order.invoices.filter(kind=InvoiceKind.CREDIT_NOTE).values_list("total_incl", flat=True)) == [
        D("9.90"),
        D("17.00"),
    ]
    garden_refund = str(refunds[garden].pk)
    assert entry_lines(collective, "refund", garden_refund, "paid") == [
        ("ST", f"467{garden.pk:03d}", D("17.00"), D("0")),
        ("ST", "512800", D("0"), D("17.00")),
    ]
    assert entry_lines(garden, "refund", garden_refund, "paid") == [
        ("OD", "411", D("17.00"), D("0")),
        ("OD", f"467{collective.pk:03d}", D("0"), D("17.00")),
    ]
    before = books_state()
    webhook("charge.refunded", charge_refunded(order, [refund_object("re_dash_mixed", 2690)]), "evt_mixed_refund_2")
    assert books_state() == before


def test_a_dispute_on_a_partly_refunded_order_reopens_it_then_a_win_restores_it(
    webhook, resident, grocer, candle, collective
):
    order = OrderFactory(customer=resident, items=[(candle, "2")], card=True, paid=True)
    webhook("charge.refunded", charge_refunded(order, [refund_object("re_part", 500)]), "e0")
    order.refresh_from_db()
    assert order.payment_status == PaymentStatus.PARTIALLY_REFUNDED
    # A part refund not tied to lines leaves the share short until staff issue the credit note.
    webhook("charge.dispute.created", dispute(order, status="needs_response", transactions=[], amount=1480), "e1")
    order.refresh_from_db()
    assert order.payment_status == PaymentStatus.UNPAID
    assert shares(order) == {grocer.name: (D("19.80"), D("19.80"), D("5.00"), D("14.80"))}
    webhook("charge.dispute.closed", dispute(order, status="won", transactions=[], amount=1480), "e2")
    order.refresh_from_db()
    assert shares(order) == {grocer.name: (D("19.80"), D("19.80"), D("5.00"), D("0.00"))}
    assert StripeDispute.objects.get(dispute_id="dp_1").fee == D("0.00")
    # Still short of the refunded 5,00 € (no credit note yet): not « paid » again until it is issued.
    assert order.payment_status == PaymentStatus.UNPAID


def test_a_manager_issues_the_credit_note_of_a_part_dashboard_refund(
    client, webhook, resident, grocer, candle, collective
):
    order = OrderFactory(customer=resident, items=[(candle, "2")], card=True, paid=True)
    webhook("charge.refunded", charge_refunded(order, [refund_object("re_part", 500)]), "e0")
    refund = Refund.objects.get(order=order)
    line = order.lines.get()
    client.force_login(staff_of(grocer, role=StaffRole.MANAGER))
    url = reverse("marketplace:handover_credit_note", args=[order.reference, refund.pk])

    client.post(url, {f"credit-{line.pk}": "4,00"})  # not the refund's amount: refused
    refund.refresh_from_db()
    assert refund.credit_note_needed is True
    assert not order.invoices.filter(kind=InvoiceKind.CREDIT_NOTE).exists()

    response = client.post(url, {f"credit-{line.pk}": "5,00"})
    assert response.status_code == 302
    refund.refresh_from_db()
    line.refresh_from_db()
    credit_note = order.invoices.get(kind=InvoiceKind.CREDIT_NOTE)
    assert (refund.credit_note_needed, line.refunded_amount, credit_note.total_incl) == (False, D("5.00"), D("5.00"))
    assert (credit_note.total_excl, credit_note.total_vat) == (D("4.17"), D("0.83"))
    assert shares(order) == {grocer.name: (D("14.80"), D("19.80"), D("5.00"), D("0.00"))}
    page = client.get(reverse("marketplace:handover", args=[order.reference])).content.decode()
    assert "Avoir à établir" not in page


def test_a_payout_failure_delivered_before_its_success_posts_nothing(webhook, collective):
    before = books_state()
    webhook("payout.failed", payout("po_4", 900), "evt_po_4_failed")
    webhook("payout.paid", payout("po_4", 900) | {"status": "paid"}, "evt_po_4_paid")
    assert books_state() == before


def test_the_stripe_events_page_lists_what_needs_a_look(
    client, webhook, disputed_service, collective, django_assert_num_queries
):
    webhook("customer.created", {"id": "cus_1", "object": "customer"}, "evt_unknown_page")
    webhook("payout.failed", payout("po_5", 700), "evt_po_5")
    webhook("charge.dispute.created", dispute(disputed_service, status="needs_response", transactions=[]), "e1")
    url = reverse("marketplace:stripe_events")
    client.force_login(staff_of(disputed_service.lines.get().seller, role=StaffRole.MANAGER))
    assert client.get(url).status_code == 404  # a seller's manager: not the platform's books
    client.force_login(staff_of(collective, role=StaffRole.ACCOUNTANT))
    with django_assert_num_queries(8):  # session, user, roles, Collectif, four lists
        page = client.get(url).content.decode()
    assert "evt_unknown_page" in page
    assert "customer.created" in page
    assert "po_5" in page
    assert "Le compte bancaire est clos." in page
    assert disputed_service.reference in page
    assert "Litige en cours" in page
    assert "evt_po_5" not in page  # handled: not in the « non pris en charge » list


def test_the_books_home_links_the_stripe_events_page_only_for_who_may_open_it(client, collective, grocer):
    """No page shows a link its reader cannot open: the Collectif's accountant gets « Événements Stripe »
    on the books' home and may open it; another structure's accountant sees neither."""
    url = reverse("marketplace:stripe_events")
    for person, allowed in (
        (staff_of(collective, role=StaffRole.ACCOUNTANT), True),
        (staff_of(grocer, role=StaffRole.ACCOUNTANT), False),
    ):
        client.force_login(person)
        home = client.get(reverse("accounting:index")).content.decode()
        assert (f'href="{url}"' in home, client.get(url).status_code) == (allowed, 200 if allowed else 404)
