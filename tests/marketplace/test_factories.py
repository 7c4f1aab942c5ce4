"""OrderFactory and friends go through the real actions: what they build is what the hub would have made."""

from decimal import Decimal

import pytest
from django.db.models import Sum

from accounting.models import EntryLine
from marketplace.actions.settlement import owed_by_seller
from marketplace.enums import FulfilmentStatus, InvoiceKind, PaymentMethod, PaymentState, PaymentStatus
from marketplace.models import Invoice, Payment, StripeEvent, StripeTransfer
from tests.hub.factories import CollectiveFactory
from tests.marketplace.factories import CartFactory, OrderFactory, SolidarityStatusFactory

pytestmark = pytest.mark.django_db


def _balanced(order) -> bool:
    lines = EntryLine.objects.filter(
        entry__piece_ref__in=[order.reference, *order.invoices.values_list("number", flat=True)]
    )
    totals = lines.aggregate(debit=Sum("debit"), credit=Sum("credit"))
    return totals["debit"] == totals["credit"]


def test_default_order_is_one_seller_cash_confirmed_and_invoiced():
    order = OrderFactory()

    assert (order.payment_method, order.fulfilment_status, order.payment_status) == (
        PaymentMethod.CASH,
        FulfilmentStatus.CONFIRMED,
        PaymentStatus.UNPAID,
    )
    line = order.lines.get()
    assert (line.quantity, line.unit_price, order.total_incl) == (Decimal("1.000"), Decimal("10.00"), Decimal("10.00"))
    invoice = order.invoices.get()
    assert (invoice.structure, invoice.total_incl) == (line.seller, Decimal("10.00"))
    assert line.offering.stock == 4  # 5 in stock, one sold
    assert _balanced(order)


def test_two_sellers_paid_at_the_counter():
    order = OrderFactory(sellers=2, paid=True)

    assert order.payment_status == PaymentStatus.PAID
    assert len(owed_by_seller(order)) == 2
    assert {p.received_by_id: p.amount for p in order.payments.all()} == owed_by_seller(order)
    assert order.invoices.filter(kind=InvoiceKind.INVOICE).count() == 2
    assert _balanced(order)


@pytest.mark.parametrize("method", ["cheque", "transfer"])
def test_paid_by_cheque_or_by_an_organisation_transfer(method):
    extra = {"business": True} if method == "transfer" else {"payment_method": method}
    order = OrderFactory(paid=True, **extra)

    assert (order.payment_method, order.payment_status) == (method, PaymentStatus.PAID)
    assert order.payments.get().method == method
    assert (order.organisation is not None) is (method == "transfer")


def test_card_order_waits_then_is_paid_by_stripes_webhook():
    waiting = OrderFactory(card=True)
    assert (waiting.fulfilment_status, waiting.invoices.count()) == (FulfilmentStatus.PLACED, 0)

    order = OrderFactory(card=True, paid=True)

    assert (order.fulfilment_status, order.payment_status) == (FulfilmentStatus.CONFIRMED, PaymentStatus.PAID)
    payment = order.payments.get()
    assert (payment.method, payment.state, payment.amount) == (
        PaymentMethod.CARD,
        PaymentState.SUCCEEDED,
        Decimal("10.00"),
    )
    assert payment.stripe_payment_intent_id == order.stripe_payment_intent_id == f"pi_test_{order.reference}"
    assert StripeEvent.objects.get(event_id=f"evt_pi_test_{order.reference}").processed_at is not None
    assert order.invoices.count() == 1
    assert _balanced(order)


def test_mixed_card_order_needs_the_local_stripe():
    with pytest.raises(RuntimeError, match="stripe_env"):
        OrderFactory(card=True, sellers=2, paid=True)


def test_mixed_card_order_paid_through_the_local_stripe(stripe_env):
    order = OrderFactory(card=True, sellers=2, paid=True)

    assert order.payment_status == PaymentStatus.PAID
    assert order.payments.get().received_by == CollectiveFactory()
    assert StripeTransfer.objects.filter(order=order).count() == 2


def test_collected_cancelled_and_refunded():
    collected = OrderFactory(paid=True, collected=True)
    cancelled = OrderFactory(cancelled=True)
    refunded = OrderFactory(sellers=2, paid=True, refunded=True)

    assert collected.fulfilment_status == FulfilmentStatus.CLOSED
    assert cancelled.fulfilment_status == FulfilmentStatus.CANCELLED
    assert cancelled.lines.get().offering.stock == 5  # back in stock
    assert Invoice.objects.filter(order=cancelled, kind=InvoiceKind.CREDIT_NOTE).count() == 1
    assert (refunded.payment_status, refunded.amount_refunded) == (PaymentStatus.REFUNDED, refunded.total_incl)
    assert Invoice.objects.filter(order=refunded, kind=InvoiceKind.CREDIT_NOTE).count() == 2
    assert not Payment.objects.filter(order=cancelled).exists()


def test_solidarity_status_and_cart():
    status = SolidarityStatusFactory()
    cart = CartFactory(user=status.user, items=[(OrderFactory().lines.get().offering, "2")])

    assert status.is_valid() is True
    assert SolidarityStatusFactory(expired=True).is_valid() is False
    assert cart.items.get().quantity == Decimal("2.000")
