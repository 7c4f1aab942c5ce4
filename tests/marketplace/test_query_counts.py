"""Query counts of the marketplace's hot actions, pinned at what they are so that an N+1 fails the build.

Every order here has the same shape: two selling structures (a market garden at 5,5 % and a Scop
grocer at 20 %), two lines each, one of them tracked in stock, bought by a resident with no
history; every structure's books are complete and open for today. The counts cover the action
alone: the e-mails and domain events it leaves for after the commit never run inside the test's
transaction. They are the same on PostgreSQL and SQLite, with or without the demo seed.

One posting in a structure's books (`marketplace.postings._post`) costs 6 queries, all in
`post_document` inside the caller's transaction (no savepoint of its own): counter locked (with its
fiscal year, journal and books), idempotency key, accounts, counter moved, entry, lines. The fiscal
year is looked for only when the posting finds none; the books were set up with each structure.
Each seller's share is one row (`OrderShare`) that the settlement actions update with F()
expressions. Issuing an invoice: the series' counter locked (created first when the year's first
invoice is issued) and its last date read (none while no number was taken), the counter moved, the
draft numbered (its drafts() filter is the guard), then posted from the lines just created. "Is this
share paid yet" (`settle_if_paid`) reads twice: the invoices' lines with the share's figures, and
the structure's entry lines of the order; lettering locks the lines with their account, moves the
account's counter and letters (3).
"""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from accounting.actions import open_fiscal_year, setup_books
from accounting.models import EntryLine, FiscalYear
from hub.models import Structure
from marketplace.actions.checkout import place_order
from marketplace.actions.invoicing import issue_order_invoices
from marketplace.actions.payments import process_stripe_event, start_card_payment
from marketplace.actions.refunds import refund_order
from marketplace.actions.transfers import transfer_order_shares
from marketplace.enums import FulfilmentStatus, InvoiceKind, PaymentStatus
from marketplace.models import Invoice, StripeTransfer
from tests.accounts.factories import UserFactory
from tests.hub.factories import CollectiveFactory, SiteFactory, StructureFactory
from tests.marketplace.factories import CartFactory, OrderFactory, billing_for, card_payment_event, connect
from tests.services.factories import OfferingFactory

pytestmark = pytest.mark.django_db


def books_ready(*structures: Structure) -> None:
    """Complete books (a 467 for every other structure) with a fiscal year covering today."""
    today = timezone.localdate()
    for structure in structures:
        setup_books(structure=structure, on=today)
        while not FiscalYear.objects.filter(structure=structure).covering(today).exists():
            last = FiscalYear.objects.filter(structure=structure).order_by("-end_date").first()
            open_fiscal_year(structure=structure, year=(last.end_date + datetime.timedelta(days=1)).year)


@pytest.fixture
def two_sellers():
    """A market garden (5,5 %) and a fair-trade grocer (20 %), two offerings each, books ready."""
    garden = StructureFactory(liable=True, default_vat_rate=Decimal("5.50"))
    grocer = StructureFactory(liable=True, company=True)
    books_ready(garden, grocer, CollectiveFactory())
    return [
        (OfferingFactory(basket=True, structure=garden, price=Decimal("17.00")), "1"),
        (OfferingFactory(structure=garden, price=Decimal("4.90"), stock=40), "2"),
        (OfferingFactory(structure=grocer, price=Decimal("5.20"), stock=30), "2"),
        (OfferingFactory(structure=grocer, price=Decimal("9.90")), "1"),
    ]


def test_place_order_of_two_sellers(two_sellers, django_assert_num_queries):
    customer = UserFactory()
    cart = CartFactory(user=customer, items=two_sellers)
    pickup_point = SiteFactory(pickup_point=True)

    # 53 (80 before issue 10) = placing it (savepoint, cart locked, solidarity status, items, which of them
    # are booked on a slot (issue 11), sellers' settings, order, one conditional stock update per stocked
    # line, the lines, one share per seller, cart emptied), confirming it in the same transaction
    # (transition, save), then per seller its invoice (lines, number, one posting of 6) and "is this share
    # paid yet" (2); the invoices join the order's transaction, with no savepoint of their own; + 2 e-mails
    # written to the outbox in the same transaction (« commande enregistrée », « vos factures »; issue 11);
    # + the sellers' preparation times and the pickup point's opening slots, for the collection date (issue 12);
    # + does a prescriber's funding pay part of it (one read of the person's running fundings, ADR 0034).
    with django_assert_num_queries(53):
        order = place_order(
            user=customer, cart=cart, payment_method="cash", billing=billing_for(customer), pickup_point=pickup_point
        )

    assert (order.fulfilment_status, order.total_incl) == (FulfilmentStatus.CONFIRMED, Decimal("47.10"))
    assert order.invoices.count() == 2


def test_issue_order_invoices_of_two_sellers(two_sellers, django_assert_num_queries):
    order = OrderFactory(items=two_sellers, card=True)  # placed, waiting for its card payment: nothing invoiced

    # 33 (60 before issue 10) = savepoint, lines locked with their seller + per seller: invoice and
    # lines, number (counter created and locked, moved), numbered, posted (6), "is this share paid yet"
    # (2); + the « vos factures » e-mail written to the outbox (issue 11); + release. Each invoice is
    # issued inside this one savepoint.
    with django_assert_num_queries(34):
        invoices = issue_order_invoices(order=order)

    assert [invoice.total_incl for invoice in invoices] == [Decimal("26.80"), Decimal("20.30")]


def test_card_webhook_of_two_sellers(two_sellers, stripe_env, django_assert_num_queries):
    order = OrderFactory(items=two_sellers, card=True)
    connect(*{offering.structure for offering, _quantity in two_sellers})
    start_card_payment(order=order)
    order.refresh_from_db()
    intent = stripe_env.v1.payment_intents.confirm(
        order.stripe_payment_intent_id, params={"payment_method": "pm_card_visa"}
    )
    # The webhook stores the event once: one INSERT … ON CONFLICT DO NOTHING RETURNING, in autocommit
    # (6 before: a transaction around get_or_create's lookup and savepointed insert).
    with django_assert_num_queries(1):
        event = card_payment_event(order, intent.to_dict())

    # 53 (156 before issue 10, transfers included) = the event and the order locked, "already
    # recorded?", the shares (with their seller) and the Collectif read once, the payment stored and
    # allocated to both shares (1 insert, 2 F() updates), posted in the Collectif's books (6); the
    # order marked paid from the shares in hand and confirmed under the same lock; per seller its
    # invoice issued and posted, "is this share paid yet" (2), with no savepoint; the event marked
    # processed; + 2 e-mails written to the outbox (« paiement reçu », « vos factures »; issue 11). The
    # transfers are queued on commit: no Stripe call under the order's lock.
    with django_assert_num_queries(55):
        process_stripe_event(event_pk=event.pk)
    assert not StripeTransfer.objects.filter(order=order).exists()

    # 47 = the task queued on commit: what is left to transfer, the order's reference, the Collectif;
    # per seller, Stripe called outside any transaction, then a short one (a savepoint and its release
    # here): the order locked, "already recorded?", the transfer stored, posted in the Collectif's books
    # and the seller's (6 + 6), "is this share paid yet" (2) and its 411 lines lettered (3).
    with django_assert_num_queries(47):
        assert transfer_order_shares(order_id=order.pk) == 2

    order.refresh_from_db()
    assert (order.payment_status, order.fulfilment_status) == (PaymentStatus.PAID, FulfilmentStatus.CONFIRMED)
    assert StripeTransfer.objects.filter(order=order).count() == 2
    for seller in {offering.structure for offering, _quantity in two_sellers}:  # invoice and transfer lettered
        lines = EntryLine.objects.filter(entry__structure=seller, account__code="411")
        total = order.invoices.get(structure=seller).total_incl
        assert sorted((line.debit, line.credit, bool(line.lettering_code)) for line in lines) == [
            (Decimal("0"), total, True),
            (total, Decimal("0"), True),
        ]


def test_refund_order_of_two_sellers(two_sellers, django_assert_num_queries):
    order = OrderFactory(items=two_sellers, paid=True)
    admin = UserFactory(hub_admin=True)

    # 85 (127 before issue 10) = the order and its lines locked, then per seller a refund stored, its
    # share's F() update and its posting (6); the refunded amounts (one F() update per line), the
    # shares' owed refreshed; per invoice its credit note (lines, number, posted, no savepoint of its
    # own) and the share lettered; the payment status moved; + the « remboursement » e-mail written to
    # the outbox (issue 11).
    with django_assert_num_queries(86):
        refund_order(order=order, by=admin, reason="Commande perdue")

    order.refresh_from_db()
    assert (order.payment_status, order.amount_refunded) == (PaymentStatus.REFUNDED, Decimal("47.10"))
    assert Invoice.objects.filter(order=order, kind=InvoiceKind.CREDIT_NOTE).count() == 2
