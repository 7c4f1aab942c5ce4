"""Parallel checkouts and invoice issuing on PostgreSQL: the database keeps stock and numbering right."""

import datetime

import pytest
from django.utils import timezone

from accounts.models import User
from hub.enums import StaffRole
from hub.models import StructureRole
from marketplace.actions.checkout import Billing, place_order
from marketplace.actions.invoicing import allocate_number
from marketplace.actions.refunds import refund_order
from marketplace.enums import InvoiceKind
from marketplace.exceptions import MarketplaceError
from marketplace.models import Invoice, Order, Refund
from services.models import Offering
from tests.accounts.factories import UserFactory
from tests.concurrency import run_in_threads
from tests.marketplace.factories import CartFactory, OrderFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_parallel_buyers_of_the_last_units(candle, accueil):
    Offering.objects.filter(pk=candle.pk).update(stock=3)
    buyers = [UserFactory() for _ in range(8)]
    carts = [CartFactory(user=buyer, items=[(candle, "1")]) for buyer in buyers]

    def buy(index: int):
        return place_order(
            user=User.objects.get(pk=buyers[index].pk),
            cart=carts[index],
            payment_method="cash",
            billing=Billing(name="Acheteur", address="1 rue\n77140 Nemours", email="a@exemple.test"),
            pickup_point=accueil,
        )

    results = run_in_threads(8, buy)
    orders = [r for r in results if isinstance(r, Order)]
    refused = [r for r in results if isinstance(r, MarketplaceError)]
    assert len(orders) == 3, results
    assert len(refused) == 5, results
    assert Offering.objects.get(pk=candle.pk).stock == 0
    assert Order.objects.filter(lines__offering=candle, customer__in=buyers).count() == 3


def test_parallel_invoice_numbers_have_no_gap_and_no_duplicate(laundry):
    structure = laundry

    def allocate(_index: int):
        from django.db import transaction

        numbers = []
        for _ in range(5):
            with transaction.atomic():
                numbers.append(allocate_number(structure=structure, issue_date=datetime.date(2031, 1, 2))[0])
        return numbers

    results = run_in_threads(8, allocate)
    numbers = sorted(n for result in results for n in result)
    assert numbers == list(range(1, 41)), results


def test_parallel_checkouts_issue_gapless_invoice_numbers(laundry, duvet, accueil):
    """Eight customers check out at once from the same structure: eight invoices, numbers 1 … 8."""
    buyers = [UserFactory() for _ in range(8)]
    carts = [CartFactory(user=buyer, items=[(duvet, "1")]) for buyer in buyers]
    year = timezone.localdate().year

    def buy(index: int):
        return place_order(
            user=User.objects.get(pk=buyers[index].pk),
            cart=carts[index],
            payment_method="cash",
            billing=Billing(name="Acheteur", address="1 rue\n77140 Nemours", email="a@exemple.test"),
            pickup_point=accueil,
        )

    results = run_in_threads(8, buy)
    assert all(isinstance(result, Order) for result in results), results
    sequences = sorted(Invoice.objects.filter(structure=laundry, year=year).values_list("sequence", flat=True))
    assert sequences == list(range(1, 9))


def test_ten_parallel_checkouts_of_one_cart_make_one_order(candle, accueil):
    """A double-click (or ten tabs) on « Commander » places the cart once: the cart's row lock decides."""
    buyer = UserFactory()
    cart = CartFactory(user=buyer, items=[(candle, "2")])
    stock = Offering.objects.get(pk=candle.pk).stock

    def buy(_index: int):
        return place_order(
            user=User.objects.get(pk=buyer.pk),
            cart=cart,
            payment_method="cash",
            billing=Billing(name="Acheteur", address="1 rue\n77140 Nemours", email="a@exemple.test"),
            pickup_point=accueil,
        )

    results = run_in_threads(10, buy)
    orders = [r for r in results if isinstance(r, Order)]
    assert len(orders) == 1, results
    assert all(isinstance(r, MarketplaceError) for r in results if not isinstance(r, Order)), results
    assert Order.objects.filter(customer=buyer).count() == 1
    assert Offering.objects.get(pk=candle.pk).stock == stock - 2


def test_five_parallel_refunds_of_one_order_refund_it_once(candle, grocer):
    """Five managers (or five clicks) refund the same paid order at once: one refund, one credit note."""
    order = OrderFactory(items=[(candle, "2")], paid=True)
    manager = UserFactory()
    StructureRole.objects.create(user=manager, structure=grocer, role=StaffRole.MANAGER)

    def refund(_index: int):
        return refund_order(order=Order.objects.get(pk=order.pk), by=User.objects.get(pk=manager.pk))

    results = run_in_threads(5, refund)
    done = [r for r in results if isinstance(r, list)]
    assert len(done) == 1, results
    assert all(isinstance(r, MarketplaceError) for r in results if not isinstance(r, list)), results
    assert Refund.objects.filter(order=order).count() == 1
    assert Invoice.objects.filter(order=order, kind=InvoiceKind.CREDIT_NOTE).count() == 1
    assert Refund.objects.get(order=order).amount == order.total_incl
