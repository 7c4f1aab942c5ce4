"""The marketplace's reconciliation checks: clean on honest sales, and each finds a planted difference.

The test database holds the demo hub too: each test looks at the differences about its own pieces.
"""

import io
import urllib.error
import urllib.request
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounting import actions as books
from accounting.chart import counterpart_account, stripe_clearing_account, stripe_sepa_clearing_account
from accounting.documents import Document, DocumentLine, IdempotencyKey
from accounting.reconciliation import Difference, reconcile
from hub.enums import StaffRole
from hub.models import Structure
from marketplace import postings
from marketplace.actions import settlement
from marketplace.actions.payments import record_offline_payment
from marketplace.actions.refunds import refund_order
from marketplace.enums import PaymentMethod, PaymentState, RefundState
from marketplace.models import Invoice, Order, Payment
from tests.hub.factories import CollectiveFactory, staff_of
from tests.marketplace.factories import OrderFactory, pay_by_card

pytestmark = pytest.mark.django_db

D = Decimal
MARKETPLACE_CHECKS = ("invoices_posted", "shares_booked", "counterparts_settled")


def differences_about(*orders: Order, codes=MARKETPLACE_CHECKS) -> list[Difference]:
    """The differences naming these orders or their invoices."""
    references = set()
    for order in orders:
        references.add(order.reference)
        references.update(order.invoices.issued().values_list("number", flat=True))
    return [d for d in reconcile(codes=codes).differences if d.reference in references]


def _plant(structure, reference: str, lines, key: str) -> None:
    today = timezone.localdate()
    books.post_document(
        Document(structure=structure, journal="OD", date=today, piece_ref=reference, piece_date=today,
                 label="Écriture plantée", lines=tuple(lines), key=IdempotencyKey("test", key, "planted"))
    )  # fmt: skip


def _copy(invoice: Invoice, *, sequence: int) -> Invoice:
    """A copy of an issued invoice under another number, inserted behind the platform's back."""
    planted = Invoice.objects.get(pk=invoice.pk)
    planted.pk = None
    planted.sequence = sequence
    planted.number = f"{invoice.number[:-5]}{sequence}"
    Invoice.objects.bulk_create([planted])
    return planted


def test_honest_sales_reconcile(resident, garden, grocer, laundry, basket, candle, flat_linen):
    cash = OrderFactory(customer=resident, items=[(basket, "2"), (candle, "1"), (flat_linen, "1")], paid=True)
    card = OrderFactory(customer=resident, items=[(candle, "3")], card=True, paid=True)
    part = OrderFactory(
        customer=resident, items=[(basket, "1"), (flat_linen, "2")], payment_method=PaymentMethod.CHEQUE
    )
    reception = staff_of(garden, laundry)
    record_offline_payment(order=part, structure=garden, method=PaymentMethod.CHEQUE, amount=D("10.00"),
                           by=reception, cheque_number="0000042")  # fmt: skip
    refunded = OrderFactory(customer=resident, items=[(basket, "1"), (candle, "1")], paid=True)
    refund_order(order=refunded, by=staff_of(garden, grocer, role=StaffRole.MANAGER),
                 amounts={refunded.lines.get(offering=candle).pk: D("4.00")}, reason="Abîmée")  # fmt: skip

    assert cash.shares.count() == 3
    assert card.payment_status == "paid"
    assert Invoice.objects.filter(order__in=[cash, card, refunded]).issued().count() >= 4
    assert differences_about(cash, card, part, refunded) == []


def test_an_invoice_without_its_entry_is_found(resident, basket):
    order = OrderFactory(customer=resident, items=[(basket, "1")], paid=True)
    invoice = order.invoices.issued().get()
    # An invoice written behind the platform's back: a raw insert, never posted.
    planted = _copy(invoice, sequence=99998)

    found = [d for d in reconcile(codes=["invoices_posted"]).differences if d.reference == planted.number]
    assert found == [
        Difference(
            check="invoices_posted",
            structure="Jardins du Loing",
            reference=planted.number,
            expected=D("17.00"),
            actual=None,
            message=f"La facture {planted.number} de 17,00\u00a0€ n'a pas d'écriture au journal des ventes.",
        )
    ]


def test_an_invoice_posted_with_another_total_is_found(resident, garden, basket):
    order = OrderFactory(customer=resident, items=[(basket, "1")], paid=True)
    invoice = order.invoices.issued().get()
    planted = _copy(invoice, sequence=99999)
    today = timezone.localdate()
    books.post_document(
        Document(structure=garden, journal="VE", date=today, piece_ref=planted.number, piece_date=today,
                 label="Facture mal passée",
                 lines=(DocumentLine(account="411", debit=D("16.00"), auxiliary_code="C000001", auxiliary_name="X"),
                        DocumentLine(account="707", credit=D("16.00"))),
                 key=IdempotencyKey("invoice", str(planted.pk), "issued"))
    )  # fmt: skip

    (found,) = [d for d in reconcile(codes=["invoices_posted"]).differences if d.reference == planted.number]
    assert (found.expected, found.actual) == (D("17.00"), D("16.00"))
    assert found.message == (
        f"La facture {planted.number} est de 17,00\u00a0€ mais son écriture de vente porte 16,00\u00a0€."
    )


def test_a_payment_posted_with_a_wrong_amount_is_found(resident, garden, basket):
    order = OrderFactory(customer=resident, items=[(basket, "2")])  # 34,00 €, cash
    payment = Payment.objects.create(
        order=order, method=PaymentMethod.CASH, state=PaymentState.SUCCEEDED, amount=D("20.00"),
        received_by=garden, succeeded_at=timezone.now(),
    )  # fmt: skip
    settlement.record_receipt(payment=payment)  # the share says 20,00 €
    payment.amount = D("19.00")  # … the books are told 19,00 €
    postings.post_payment(payment, allocation={garden.pk: D("19.00")})

    assert differences_about(order) == [
        Difference(
            check="shares_booked",
            structure="Jardins du Loing",
            reference=order.reference,
            expected=D("20.00"),
            actual=D("19.00"),
            message=(
                f"Commande {order.reference} : la part de Jardins du Loing a reçu 20,00\u00a0€, "
                "les livres en comptent 19,00\u00a0€."
            ),
        )
    ]


def test_a_receipt_booked_without_a_share_is_found(resident, garden, grocer, basket):
    order = OrderFactory(customer=resident, items=[(basket, "1")], paid=True)
    # The grocer sells nothing in this order, yet its books say it received 5,00 € for it.
    _plant(grocer, order.reference, [DocumentLine(account="530", debit=D("5.00")),
           DocumentLine(account="411", credit=D("5.00"), auxiliary_code="C000001", auxiliary_name="X")], "extra")  # fmt: skip
    assert [(d.check, d.structure, d.expected, d.actual) for d in differences_about(order)] == [
        ("shares_booked", "Comptoir coopératif", D("0.00"), D("5.00"))
    ]


def test_mixed_card_order_reconciles_and_a_467_left_open_is_found(stripe_env, resident, garden, grocer, basket, candle):
    order = OrderFactory(customer=resident, items=[(basket, "1"), (candle, "1")], card=True)
    pay_by_card(order)
    assert order.transfers.count() == 2
    assert differences_about(order) == []

    collective = CollectiveFactory()
    account = counterpart_account(grocer)[0]
    _plant(collective, order.reference, [DocumentLine(account=stripe_clearing_account()[0], debit=D("2.00")),
           DocumentLine(account=account, credit=D("2.00"))], "467")  # fmt: skip

    found = sorted(differences_about(order), key=lambda d: d.check)
    assert [(d.check, d.structure, d.reference, d.expected, d.actual) for d in found] == [
        ("counterparts_settled", collective.name, order.reference, D("0.00"), D("2.00")),
        ("shares_booked", "Comptoir coopératif", order.reference, D("9.90"), D("11.90")),
    ]
    assert found[0].message == (
        f"Commande {order.reference} transférée : le compte {account} de Comptoir coopératif "
        "garde un solde de 2,00\u00a0€ au lieu d'être soldé."
    )


def test_mixed_card_order_refund_reconciles(
    stripe_env, resident, garden, grocer, basket, candle, django_capture_on_commit_callbacks
):
    order = OrderFactory(customer=resident, items=[(basket, "1"), (candle, "1")], card=True)
    pay_by_card(order)
    with django_capture_on_commit_callbacks() as callbacks:
        refund_order(order=order, by=staff_of(grocer, role=StaffRole.MANAGER),
                     amounts={order.lines.get(offering=candle).pk: D("9.90")})  # fmt: skip
    # Prepared, not yet made at Stripe: the share counts it, the books wait for Stripe's answer.
    refund = order.refunds.get()
    assert (refund.state, order.shares.get(seller=grocer).refunded) == (RefundState.PENDING, D("9.90"))
    assert differences_about(order) == []

    for callback in callbacks:  # Stripe is called after commit, then the refund is posted
        callback()

    refund.refresh_from_db()
    assert refund.state == RefundState.SUCCEEDED
    assert differences_about(order) == []


def test_stripe_balance_matches_the_connected_accounts(stripe_env, resident, garden, grocer, basket, candle):
    order = OrderFactory(customer=resident, items=[(basket, "1"), (candle, "2")], card=True)
    pay_by_card(order)
    garden.refresh_from_db()
    grocer.refresh_from_db()

    def ours():
        report = reconcile(codes=["stripe_balance"])
        return [d for d in report.differences if d.structure in {garden.name, grocer.name}]

    assert ours() == []
    # A payout booked that Stripe never made: the books say 12,00 € less than Stripe holds.
    postings.post_payout(structure=grocer, amount=D("12.00"), date=timezone.localdate(), payout_id="po_planted")
    clearing = f"{stripe_clearing_account()[0]} + {stripe_sepa_clearing_account()[0]}"
    assert ours() == [
        Difference(
            check="stripe_balance",
            structure="Comptoir coopératif",
            reference=f"{clearing} Stripe {grocer.stripe_account_id}",
            expected=D("19.80"),
            actual=D("7.80"),
            message=f"Le solde Stripe de Comptoir coopératif est de 19,80\u00a0€, ses comptes {clearing} portent 7,80\u00a0€.",
        )
    ]


def test_stripe_balance_is_not_verified_without_stripe(settings):
    settings.STRIPE_SECRET_KEY = ""
    report = reconcile(codes=["stripe_balance"])
    assert report.differences == []
    assert report.skipped == {"stripe_balance": "Stripe n'est pas configuré."}


def test_the_demo_reconciles_with_the_local_stripe_server(stripe_env, settings):
    """`make run`: the demo's history is seeded before the local Stripe server starts; `setup_demo_stripe`
    opens each account at what the books say Stripe holds, and the Stripe balances then reconcile."""
    collective = Structure.objects.collective()
    try:
        call_command("setup_demo_stripe", stdout=io.StringIO())
        sellers = set(Structure.objects.exclude(stripe_account_id="").values_list("name", flat=True))
        report = reconcile(codes=["stripe_balance"])
    finally:
        urllib.request.urlopen(  # noqa: S310 — the local server's own configuration route
            urllib.request.Request(f"{settings.STRIPE_API_BASE}/_config/webhooks/demo", method="DELETE"), timeout=10
        ).close()
    assert len(sellers) == 6
    assert report.skipped == {}
    # The platform's balance also holds the charges of the session's other tests (rolled back here).
    assert [d for d in report.differences if d.structure != collective.name] == []


def test_the_local_stripe_server_refuses_an_opening_balance_that_is_not_cents(stripe_env, settings):
    request = urllib.request.Request(
        f"{settings.STRIPE_API_BASE}/_config/balances", data=b"amount=12,50", method="POST"
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)  # noqa: S310 — a local address
    refused.value.close()
    assert refused.value.code == 400
