"""Sales reach the books of the structure that earned them (DOMAIN.md rule 12), exactly."""

import datetime
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.utils import timezone

from accounting.models import Entry, EntryLine
from accounting.selectors import open_books_lines
from hub.models import Structure
from marketplace.actions.payments import create_deposit_slip, record_offline_payment
from marketplace.actions.refunds import cancel_order, refund_order
from marketplace.actions.shared_services import issue_shared_services_invoices
from marketplace.models import Payment, StripeTransfer
from marketplace.postings import customer_account, post_payout, post_stripe_fee
from tests.accounts.factories import UserFactory
from tests.hub.factories import CollectiveFactory
from tests.marketplace.factories import OrderFactory, SharedServicesPlanFactory

pytestmark = pytest.mark.django_db
D = Decimal


def lines_of(structure: Structure | str, **filters) -> list[tuple]:
    """(journal, account, debit, credit) of a structure's entry lines (given by itself or by its slug)."""
    of_structure = (
        {"entry__structure": structure} if isinstance(structure, Structure) else {"entry__structure__slug": structure}
    )
    return list(
        EntryLine.objects.filter(**of_structure, **filters)
        .order_by("entry__id", "position")
        .values_list("entry__journal__code", "account__code", "debit", "credit")
    )


@pytest.fixture
def admin():
    return UserFactory(hub_admin=True)


def test_cash_sale_of_goods(admin, resident, garden, basket):
    order = OrderFactory(customer=resident, items=[(basket, "1")])
    invoice = order.invoices.get()
    assert lines_of(garden, entry__piece_ref=invoice.number) == [
        ("VE", "411", D("17.00"), D("0")),
        ("VE", "701", D("0"), D("16.11")),
        ("VE", "445713", D("0"), D("0.89")),  # goods: VAT due at delivery
    ]
    record_offline_payment(order=order, structure=invoice.structure, method="cash", amount=D("17.00"), by=admin)
    assert lines_of(garden, entry__piece_ref=order.reference) == [
        ("CA", "530", D("17.00"), D("0")),
        ("CA", "411", D("0"), D("17.00")),
    ]
    code, name = customer_account(order=order)
    customer_lines = EntryLine.objects.filter(
        entry__structure=invoice.structure, account__code="411", auxiliary_code=code
    )
    assert customer_lines.count() == 2
    assert {line.auxiliary_name for line in customer_lines} == {"Camille Martin"}
    assert len({line.lettering_code for line in customer_lines}) == 1
    assert customer_lines.first().lettering_code != ""


def test_services_vat_waits_for_payment_then_becomes_due(admin, asso_member, creche, laundry, collection):
    order = OrderFactory(
        customer=asso_member, items=[(collection, "2")], payment_method="transfer", organisation=creche
    )
    invoice = order.invoices.get()
    assert lines_of(laundry, entry__piece_ref=invoice.number) == [
        ("VE", "411", D("12.00"), D("0")),
        ("VE", "7061", D("0"), D("10.00")),
        ("VE", "44587", D("0"), D("2.00")),  # services: VAT on receipts
    ]
    code, name = customer_account(order=order)
    assert (code, name) == (f"O{creche.pk:05d}", "Crèche associative Les P'tits Loups")
    record_offline_payment(order=order, structure=invoice.structure, method="transfer", amount=D("12.00"), by=admin)
    assert lines_of(laundry, entry__piece_ref=order.reference) == [
        ("BQ", "512", D("12.00"), D("0")),
        ("BQ", "411", D("0"), D("12.00")),
        ("OD", "44587", D("2.00"), D("0")),
        ("OD", "445711", D("0"), D("2.00")),
    ]


def test_cheques_then_deposit_slip(admin, resident, grocer, tea):
    order = OrderFactory(customer=resident, items=[(tea, "1")], payment_method="cheque")
    cheque = record_offline_payment(
        order=order, structure=grocer, method="cheque", amount=D("4.60"), by=admin, cheque_number="42"
    )
    assert lines_of(grocer, entry__piece_ref=order.reference) == [
        ("BQ", "5112", D("4.60"), D("0")),
        ("BQ", "411", D("0"), D("4.60")),
    ]
    slip = create_deposit_slip(structure=grocer, payments=[cheque], by=admin)
    assert lines_of(grocer, entry__piece_ref=f"REM-{slip.number}") == [
        ("BQ", "512", D("4.60"), D("0")),
        ("BQ", "5112", D("0"), D("4.60")),
    ]


def test_refund_posts_the_credit_note_the_money_out_and_moves_vat_back(admin, asso_member, creche, laundry, collection):
    order = OrderFactory(
        customer=asso_member, items=[(collection, "2")], payment_method="transfer", organisation=creche
    )
    record_offline_payment(order=order, structure=laundry, method="transfer", amount=D("12.00"), by=admin)
    line = order.lines.get()
    refund_order(order=order, by=admin, amounts={line.pk: D("6.00")}, reason="Une collecte annulée")
    credit_note = order.invoices.get(kind="credit_note")
    assert lines_of(laundry, entry__piece_ref=credit_note.number) == [
        ("VE", "411", D("0"), D("6.00")),
        ("VE", "7061", D("5.00"), D("0")),
        ("VE", "44587", D("1.00"), D("0")),
    ]
    assert lines_of(laundry, entry__piece_ref=order.reference)[4:] == [
        ("BQ", "411", D("6.00"), D("0")),  # paid back by bank transfer
        ("BQ", "512", D("0"), D("6.00")),
        ("OD", "445711", D("1.00"), D("0")),  # the refunded VAT is no longer due
        ("OD", "44587", D("0"), D("1.00")),
    ]
    vat_on_receipts = EntryLine.objects.filter(
        entry__structure=laundry,
        account__code="44587",
        entry__piece_ref__in=[order.reference, credit_note.number, order.invoices.get(kind="invoice").number],
    )
    totals = vat_on_receipts.aggregate(d=Sum("debit"), c=Sum("credit"))
    assert totals["d"] == totals["c"]


def test_cancelled_order_is_credited_and_lettered(admin, resident, garden, basket):
    order = OrderFactory(customer=resident, items=[(basket, "1")])
    cancel_order(order=order, by=admin)
    code, _name = customer_account(order=order)
    lines = EntryLine.objects.filter(entry__structure=garden, account__code="411", auxiliary_code=code)
    assert sorted((line.debit, line.credit) for line in lines) == [(D("0"), D("17.00")), (D("17.00"), D("0"))]
    assert len({line.lettering_code for line in lines}) == 1
    assert lines[0].lettering_code != ""


def test_shared_services_in_both_books(garden, laundry):
    collective = CollectiveFactory()  # not liable to VAT: no VAT line
    SharedServicesPlanFactory(shares={garden: "60", laundry: "40"})  # of 1 000,00 € a month
    issue_shared_services_invoices(year=2026, month=10)
    invoice = collective.invoices.get(buyer_structure=garden, period_start=datetime.date(2026, 10, 1))
    assert lines_of(collective, entry__piece_ref=invoice.number) == [
        ("VE", "411", D("600.00"), D("0")),
        ("VE", "7065", D("0"), D("600.00")),
    ]
    assert lines_of(garden, entry__piece_ref=invoice.number) == [
        ("AC", "628", D("600.00"), D("0")),
        ("AC", "401", D("0"), D("600.00")),
    ]


def test_stripe_fees_and_payouts(garden):
    collective = CollectiveFactory()
    day = timezone.localdate()
    post_stripe_fee(reference="CMD-TEST", fee=D("0.55"), date=day, key="ch_fixture_1")
    post_stripe_fee(reference="CMD-TEST", fee=D("0.55"), date=day, key="ch_fixture_1")  # replayed
    assert lines_of(collective, entry__piece_ref="CMD-TEST") == [
        ("ST", "627", D("0.55"), D("0")),
        ("ST", "512800", D("0"), D("0.55")),
    ]
    post_payout(structure=garden, amount=D("120.00"), date=day, payout_id="po_fixture_1")
    assert lines_of(garden, entry__piece_ref="po_fixture_1") == [
        ("ST", "512", D("120.00"), D("0")),
        ("ST", "512800", D("0"), D("120.00")),
    ]


def test_every_demo_entry_balances_and_every_411_equals_what_is_unpaid(demo_hub):
    for entry in Entry.objects.prefetch_related("lines"):
        assert sum(line.debit for line in entry.lines.all()) == sum(line.credit for line in entry.lines.all()), entry
    for structure in Structure.objects.sellers():
        # What 411 holds today: a closed year's balance is carried forward by the next year's à-nouveaux.
        ledger = (
            open_books_lines()
            .filter(entry__structure=structure, account__code="411")
            .aggregate(d=Sum("debit"), c=Sum("credit"))
        )
        balance = (ledger["d"] or 0) - (ledger["c"] or 0)
        invoiced = sum(
            (-i.total_incl if i.kind == "credit_note" else i.total_incl)  # invoices and deposit invoices
            for i in structure.invoices.issued().filter(buyer_structure__isnull=True)
        )
        # A credit kept and used on a later order is no money received: it moved from 411 to 411.
        received = (
            Payment.objects.filter(received_by=structure, state="succeeded")
            .exclude(method="credit")
            .aggregate(t=Sum("amount"))["t"]
            or 0
        )
        # A mixed card order is received by the Collectif, then passed on to each seller by a transfer.
        received += StripeTransfer.objects.filter(structure=structure).aggregate(t=Sum("amount"))["t"] or 0
        refunded = structure_refunds(structure)
        assert balance == invoiced - received + refunded, structure.slug
    assert StripeTransfer.objects.filter(order__customer__email__endswith="@demo.pole.test").count() == 4


def structure_refunds(structure):
    from marketplace.models import Refund

    return Refund.objects.filter(structure=structure).aggregate(t=Sum("amount"))["t"] or 0


def test_fee_and_payout_events_from_stripe_are_posted_once(garden):
    """localstripe reports no fees and no payouts: these are Stripe's own event payloads, as fixtures."""
    from marketplace.actions.payments import process_stripe_event
    from marketplace.models import StripeEvent

    collective = CollectiveFactory()
    garden.stripe_account_id = "acct_fixture_jardins"
    garden.save()
    now = int(timezone.now().timestamp())
    charge = {"id": "ch_fixture_2", "object": "charge", "created": now, "metadata": {"order": "CMD-FEES"},
              "balance_transaction": {"id": "txn_1", "fee": 73, "amount": 2500}}  # fmt: skip
    payout = {"id": "po_fixture_2", "object": "payout", "amount": 98765, "arrival_date": now}
    events = [
        StripeEvent.objects.create(event_id="evt_fee", type="charge.succeeded", payload={"data": {"object": charge}}),
        StripeEvent.objects.create(event_id="evt_payout", type="payout.paid",
                                   payload={"account": "acct_fixture_jardins", "data": {"object": payout}}),
    ]  # fmt: skip
    for event in events + events:
        process_stripe_event(event_pk=event.pk)
    assert lines_of(collective, entry__piece_ref="CMD-FEES") == [
        ("ST", "627", D("0.73"), D("0")),
        ("ST", "512800", D("0"), D("0.73")),
    ]
    assert lines_of(garden, entry__piece_ref="po_fixture_2") == [
        ("ST", "512", D("987.65"), D("0")),
        ("ST", "512800", D("0"), D("987.65")),
    ]


def test_a_negative_payout_is_stripe_taking_from_the_bank(db):
    """In the SEPA area Stripe covers a negative balance (the platform's fees) by a negative payout: money
    leaves the bank for the Stripe balance. Posted once, the other way round from a payout."""
    from marketplace.actions.payments import process_stripe_event
    from marketplace.models import StripeEvent

    collective = CollectiveFactory()
    now = int(timezone.now().timestamp())
    payout = {"id": "po_fixture_debit", "object": "payout", "amount": -343, "arrival_date": now, "automatic": True}
    event = StripeEvent.objects.create(event_id="evt_debit", type="payout.paid", payload={"data": {"object": payout}})
    for _ in range(2):
        process_stripe_event(event_pk=event.pk)
    assert lines_of(collective, entry__piece_ref="po_fixture_debit") == [
        ("ST", "512800", D("3.43"), D("0")),
        ("ST", "512", D("0"), D("3.43")),
    ]


def test_a_prepaid_basket_delivered_releases_its_share(garden):
    """A basket of a season paid upfront: its share of the advance moves from 4191 to revenue, once."""
    from marketplace.postings import post_prepaid_delivery

    day = timezone.localdate()
    for _ in range(2):  # idempotent
        post_prepaid_delivery(structure=garden, customer=("ABO-000001", "Jeanne Roche"), amount_excl=D("16.11"),
                              revenue_account="701", date=day, reference="ABO-1-L1", key="abo-1-1")  # fmt: skip
    assert lines_of(garden, entry__piece_ref="ABO-1-L1") == [
        ("OD", "4191", D("16.11"), D("0")),
        ("OD", "701", D("0"), D("16.11")),
    ]
