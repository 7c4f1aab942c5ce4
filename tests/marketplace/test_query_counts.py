"""Query counts of the marketplace's hot actions, pinned at what they are so that an N+1 fails the build.

Every order here has the same shape: two selling structures (a market garden at 5,5 % and a Scop
grocer at 20 %), two lines each, one of them tracked in stock, bought by a resident with no
history; every structure's books are complete and open for today. The counts cover the action
alone: the e-mails and domain events it leaves for after the commit never run inside the test's
transaction. They are the same on PostgreSQL and SQLite, with or without the demo seed.

One posting in a structure's books (`marketplace.postings._post`) costs 19 queries: `setup_books`
again (10, in a savepoint), "is there a fiscal year covering the day" (1), then `post_document`
(8, in a savepoint: counter locked, idempotency key, accounts, counter moved, entry, lines).
"""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from accounting.actions import open_fiscal_year, setup_books
from accounting.models import FiscalYear
from hub.models import Structure
from marketplace.actions.checkout import place_order
from marketplace.actions.invoicing import issue_order_invoices
from marketplace.actions.payments import process_stripe_event, start_card_payment
from marketplace.actions.refunds import refund_order
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

    # 87 = 10 to place it (savepoint, cart locked, solidarity status, items with offerings, sellers'
    # settings, order, one conditional stock update per stocked line, the lines, cart emptied)
    # + 4 to confirm it (savepoint, order locked, transition logged, order saved)
    # + 4 to invoice it (savepoint, lines locked, sellers, customer)
    # + 2 × 33 per seller: invoice and its lines (2), number under a lock (4), issued and read back
    #   with its lines and structure (4), posted (19), "is this share paid yet" (order, invoices,
    #   their lines, 411 lines: 4)
    # + 3 savepoints released.
    with django_assert_num_queries(87):
        order = place_order(
            user=customer, cart=cart, payment_method="cash", billing=billing_for(customer), pickup_point=pickup_point
        )

    assert (order.fulfilment_status, order.total_incl) == (FulfilmentStatus.CONFIRMED, Decimal("47.10"))
    assert order.invoices.count() == 2


def test_issue_order_invoices_of_two_sellers(two_sellers, django_assert_num_queries):
    order = OrderFactory(items=two_sellers, card=True)  # placed, waiting for its card payment: nothing invoiced

    # 70 = 3 (savepoint, lines locked, sellers; the customer is already loaded) + 2 × 33 per seller,
    # as in place_order (invoice and lines, number, read back, posted, "is this share paid yet") + 1 release.
    with django_assert_num_queries(70):
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
    # The webhook stores the event once: savepoint, lookup by its id, savepoint, insert, two releases.
    with django_assert_num_queries(6):
        event = card_payment_event(order, intent.to_dict())

    # 215 = 7 to record the payment (savepoint, event locked, order locked by its PaymentIntent,
    # "already recorded?", shares, the Collectif, the payment)
    # + 22 to post it in the Collectif's books (lines twice, sellers, one posting) + 1 for the sellers
    # + 2 × 44 per seller: the transfer (a Stripe call, no query) stored (4), then posted in the
    #   Collectif's books and in the seller's (structure, 2 postings, "any invoice to settle?")
    # + 3 to mark it paid (sum of payments, transition, order) + 4 to confirm it (as in place_order)
    # + 4 to start invoicing (savepoint, lines locked, sellers, customer)
    # + 2 × 41 per seller: as in place_order (33), plus the 411 lines of the now paid share lettered (8)
    # + 4 (releases, the event marked processed).
    with django_assert_num_queries(215):
        process_stripe_event(event_pk=event.pk)

    order.refresh_from_db()
    assert (order.payment_status, order.fulfilment_status) == (PaymentStatus.PAID, FulfilmentStatus.CONFIRMED)
    assert StripeTransfer.objects.filter(order=order).count() == 2


def test_refund_order_of_two_sellers(two_sellers, django_assert_num_queries):
    order = OrderFactory(items=two_sellers, paid=True)
    admin = UserFactory(hub_admin=True)

    # 153 = 4 (savepoint, order locked, its lines locked with sellers and invoice lines, refunds so far)
    # + 2 refunds, then 2 × 20 to post each (structure, one posting)
    # + 4 refunded amounts, one F() update per line
    # + 2 × 50 per invoice: the invoice, then its credit note: savepoint, its lines, one query per
    #   line for its order line (2), structure, order and customer (3), note and lines (2), number
    #   (4), read back (4), posted (19), the share's 411 lines settled and lettered (12), release
    # + 3 to move the payment status (transition, order, release).
    with django_assert_num_queries(153):
        refund_order(order=order, by=admin, reason="Commande perdue")

    order.refresh_from_db()
    assert (order.payment_status, order.amount_refunded) == (PaymentStatus.REFUNDED, Decimal("47.10"))
    assert Invoice.objects.filter(order=order, kind=InvoiceKind.CREDIT_NOTE).count() == 2
