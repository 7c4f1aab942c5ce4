"""Parallel checkouts and invoice issuing on PostgreSQL: the database keeps stock and numbering right."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import User
from hub.models import Structure
from marketplace.actions.cart import add_to_cart
from marketplace.actions.checkout import Billing, place_order
from marketplace.actions.invoicing import allocate_number
from marketplace.exceptions import MarketplaceError
from marketplace.models import Cart, Order
from services.models import Offering
from tests.accounts.factories import UserFactory
from tests.concurrency import run_in_threads

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_parallel_buyers_of_the_last_units(demo_hub):
    candle = Offering.objects.get(slug="bougie-a-la-cire-vegetale")
    Offering.objects.filter(pk=candle.pk).update(stock=3)
    buyers = [UserFactory() for _ in range(8)]
    carts = []
    for buyer in buyers:
        cart = Cart.objects.create(user=buyer)
        add_to_cart(cart=cart, offering=candle, quantity=Decimal("1"))
        carts.append(cart)
    site = Structure.objects.get(slug="collectif-du-pole").sites.get(slug="pole-accueil")

    def buy(index: int):
        return place_order(
            user=User.objects.get(pk=buyers[index].pk),
            cart=carts[index],
            payment_method="cash",
            billing=Billing(name="Acheteur", address="1 rue\n23400 Bourganeuf", email="a@exemple.test"),
            pickup_point=site,
        )

    results = run_in_threads(8, buy)
    orders = [r for r in results if isinstance(r, Order)]
    refused = [r for r in results if isinstance(r, MarketplaceError)]
    assert len(orders) == 3, results
    assert len(refused) == 5, results
    assert Offering.objects.get(pk=candle.pk).stock == 0
    assert Order.objects.filter(lines__offering=candle, customer__in=buyers).count() == 3


def test_parallel_invoice_numbers_have_no_gap_and_no_duplicate(demo_hub):
    structure = Structure.objects.get(slug="blanchisserie-solidaire")

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


def test_parallel_checkouts_issue_gapless_invoice_numbers(demo_hub):
    """Eight customers check out at once from the same structure: eight invoices, numbers n+1 … n+8."""
    from marketplace.models import Invoice

    laundry = Structure.objects.get(slug="blanchisserie-solidaire")
    duvet = Offering.objects.get(slug="couette-ou-couverture")
    site = Structure.objects.get(slug="collectif-du-pole").sites.get(slug="pole-accueil")
    buyers = [UserFactory() for _ in range(8)]
    carts = []
    for buyer in buyers:
        cart = Cart.objects.create(user=buyer)
        add_to_cart(cart=cart, offering=duvet, quantity=Decimal("1"))
        carts.append(cart)
    year = timezone.localdate().year
    before = Invoice.objects.issued().filter(structure=laundry, year=year).count()

    def buy(index: int):
        return place_order(
            user=User.objects.get(pk=buyers[index].pk),
            cart=carts[index],
            payment_method="cash",
            billing=Billing(name="Acheteur", address="1 rue\n23400 Bourganeuf", email="a@exemple.test"),
            pickup_point=site,
        )

    results = run_in_threads(8, buy)
    assert all(isinstance(result, Order) for result in results), results
    sequences = sorted(Invoice.objects.filter(structure=laundry, year=year).values_list("sequence", flat=True))
    assert sequences == list(range(1, len(sequences) + 1))
    assert len(sequences) == before + 8
