"""The FEC of every demo structure, exported from the seeded demo by `export_fec` and checked by the
project's validator (DGFiP's Test Compta Demat rules and ours) — the Collectif's included, whose books
hold Stripe's fees and withdrawals, the 467 entries of mixed card orders and the shared services."""

import datetime
from collections import defaultdict
from decimal import Decimal as D

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounting.fec import FEC_FIELDS, count_fec_lines
from accounting.fec_validator import validate_fec
from accounting.models import CutOff, Entry, EntryLine, FiscalYear
from hub.models import Structure
from marketplace.enums import PaymentMethod, PaymentStatus
from marketplace.models import InvoicePayment, Order, Payment, StripeDispute, StripeEvent, StripeTransfer

pytestmark = pytest.mark.django_db


def export(fiscal_year: FiscalYear, directory) -> list[dict]:
    """`export_fec` into `directory`; the file is validated, then read back as rows."""
    call_command(
        "export_fec",
        structure=fiscal_year.structure.slug,
        year=fiscal_year.start_date.year,
        output=str(directory),
        verbosity=0,
    )
    (path,) = directory.glob(f"{fiscal_year.structure.siren}FEC{fiscal_year.end_date:%Y%m%d}.txt")
    problems = validate_fec(path, start_date=fiscal_year.start_date)
    assert [str(problem) for problem in problems] == [], fiscal_year.structure.slug
    call_command("check_fec", str(path), start=f"{fiscal_year.start_date:%Y%m%d}", verbosity=0)  # exits 1 if not
    lines = path.read_text(encoding="utf-8").split("\n")
    assert tuple(lines[0].split("\t")) == FEC_FIELDS
    return [dict(zip(FEC_FIELDS, line.split("\t"), strict=True)) for line in lines[1:]]


def amount(value: str) -> D:
    return D(value.replace(",", "."))


def stripe_fee(charge: D) -> D:
    """1,5 % + 0,25 € of a European card charge, to the cent (what the demo's charges report)."""
    return (charge * D("0.015")).quantize(D("0.01")) + D("0.25")


def test_every_demo_structure_has_a_valid_non_empty_fec_for_each_of_its_years(demo_hub, tmp_path):
    years = FiscalYear.objects.filter(structure__in=demo_hub).select_related("structure").order_by("structure", "pk")
    assert len(demo_hub) == 8  # the outside association too: its purchases and bookkeeping invoice
    assert {year.structure.slug for year in years} == set(demo_hub.values_list("slug", flat=True))
    for fiscal_year in years:
        directory = tmp_path / f"{fiscal_year.structure.slug}-{fiscal_year.start_date.year}"
        directory.mkdir()
        rows = export(fiscal_year, directory)
        # Test Compta Demat refuses an empty file: every structure, the Collectif too, has entries.
        assert len(rows) == count_fec_lines(fiscal_year) > 0, fiscal_year.structure.slug
    # The demo's history is all in the past: nothing is dated after today.
    assert not Entry.objects.filter(structure__in=demo_hub, date__gt=timezone.localdate()).exists()


def test_the_collectifs_fec_holds_fees_withdrawals_467_and_shared_services(demo_hub, tmp_path):
    collectif = Structure.objects.collective()
    today = timezone.localdate()
    fiscal_year = FiscalYear.objects.filter(structure=collectif).covering(today).get()
    rows = export(fiscal_year, tmp_path)
    # The year opens with the 2025 closing's à-nouveaux and the reversal of its cut-off (the closing's
    # own rows, tested in test_closing.py): what follows is this year's activity.
    assert rows[0]["JournalCode"] == "AN"
    reversals = set(CutOff.objects.filter(structure=collectif).values_list("reversal__reference", flat=True))
    assert len(reversals) == 1
    rows = [row for row in rows if row["JournalCode"] != "AN" and row["EcritureNum"] not in reversals]
    by_account: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        by_account[row["CompteNum"]].append(row)
    assert set(by_account) == {"627", "512800", "512", "467002", "467003", "467006", "411", "7065"}

    # 627: Stripe's fee on each card charge of the marketplace's demo, past one-seller orders and today's
    # mixed ones (the prepaid seasons paid by card in the subscriptions' demo come without their fee).
    charges = Payment.objects.filter(
        method=PaymentMethod.CARD, state="succeeded", order__customer__isnull=False, order__advance_reference=""
    )
    # Plus the 15 € fee of the dispute Stripe opened on a past card order 9 days ago.
    charge_fees = [row for row in by_account["627"] if not row["EcritureLib"].startswith("Frais de litige")]
    assert sorted(amount(row["Debit"]) for row in charge_fees) == sorted(
        stripe_fee(payment.amount) for payment in charges
    ) == [D("0.53"), D("0.54"), D("0.66"), D("0.70"), D("1.00")]  # fmt: skip
    dispute_fees = [row for row in by_account["627"] if row not in charge_fees]
    assert [(row["EcritureDate"], amount(row["Debit"])) for row in dispute_fees] == [
        (f"{today - datetime.timedelta(days=9):%Y%m%d}", D("15.00"))
    ]
    assert {row["JournalCode"] for row in by_account["627"]} == {"ST"}

    # 512: Stripe took each past fee (the dispute's too) from the bank two days later (a negative payout);
    # today's fees are still owed, so the Stripe clearing account stands at minus today's fees (the
    # disputed amount, withdrawn then given back, nets to zero).
    withdrawals = sorted(
        (row["EcritureDate"], amount(row["Credit"])) for row in by_account["512"] if amount(row["Credit"])
    )
    fees = sorted((row["EcritureDate"], amount(row["Debit"])) for row in by_account["627"])
    past_fees = [(date, fee) for date, fee in fees if date < f"{today - datetime.timedelta(days=1):%Y%m%d}"]
    assert [fee for _date, fee in withdrawals] == [fee for _date, fee in past_fees] == [
        D("0.70"), D("0.54"), D("1.00"), D("15.00"),
    ]  # fmt: skip
    for (withdrawn, _amount), (charged, _fee) in zip(withdrawals, past_fees, strict=True):
        gap = datetime.datetime.strptime(withdrawn, "%Y%m%d") - datetime.datetime.strptime(charged, "%Y%m%d")  # noqa: DTZ007
        assert gap == datetime.timedelta(days=2)
    # The only money in: the first member's shared services, paid by transfer the day they were invoiced.
    paid = InvoicePayment.objects.select_related("invoice__buyer_structure").get(invoice__structure=collectif)
    receipts = [(row["JournalCode"], row["PieceRef"], amount(row["Debit"])) for row in by_account["512"] if amount(row["Debit"])]  # fmt: skip
    assert receipts == [("BQ", paid.invoice.number, D("600.00"))]
    assert (paid.invoice.buyer_structure.slug, paid.amount) == ("jardins-du-pole", D("600.00"))
    clearing = sum((amount(row["Debit"]) - amount(row["Credit"]) for row in by_account["512800"]), D("0"))
    assert clearing == -(D("0.66") + D("0.53"))

    # 467: each seller's share of a mixed card order, held at the charge and passed on by the transfer;
    # and the disputed one-seller order of the Comptoir, owed back by it at the withdrawal, then restored.
    disputed = StripeDispute.objects.get().amount
    for code, held in (("467002", D("17.00")), ("467003", D("14.00")), ("467006", D("15.00") + disputed)):
        credits = sum((amount(row["Credit"]) for row in by_account[code]), D("0"))
        debits = sum((amount(row["Debit"]) for row in by_account[code]), D("0"))
        assert (credits, debits) == (held, held), code

    # 706: last month's shared services, one invoice per member, 2 400 € in all, and the bookkeeping of
    # the outside association (90 €, a plan of its own); each buyer's AC entry.
    invoices = [row for row in by_account["7065"] if row["JournalCode"] == "VE"]
    assert len(invoices) == len(by_account["7065"]) == 7
    assert sum((amount(row["Credit"]) for row in invoices), D("0")) == D("2490.00")
    assert sorted(amount(row["Debit"]) for row in by_account["411"] if amount(row["Debit"])) == [
        D("90.00"), D("240.00"), D("240.00"), D("360.00"), D("480.00"), D("480.00"), D("600.00"),
    ]  # fmt: skip
    assert [amount(row["Credit"]) for row in by_account["411"] if amount(row["Credit"])] == [D("600.00")]
    purchases = EntryLine.objects.filter(entry__journal__code="AC", entry__piece_ref__startswith="COL-")
    assert sorted(purchases.filter(account__code="628").values_list("entry__structure__slug", "debit")) == [
        ("amis-du-lavoir", D("90.00")),
        ("atelier-formation", D("240.00")),
        ("blanchisserie-solidaire", D("480.00")),
        ("comptoir-equitable", D("360.00")),
        ("jardins-du-pole", D("600.00")),
        ("mobilite-solidaire", D("240.00")),
        ("pole-services", D("480.00")),
    ]
    assert purchases.filter(account__code="401").count() == 7


def test_todays_mixed_card_orders_were_settled_by_the_webhook_path(demo_hub):
    mixed = Order.objects.filter(transfers__isnull=False).distinct().order_by("placed_at")
    assert [order.total_incl for order in mixed] == [D("27.40"), D("18.60")]
    for order in mixed:
        assert order.payment_status == PaymentStatus.PAID
        (payment,) = order.payments.all()
        assert (payment.received_by, payment.amount) == (Structure.objects.collective(), order.total_incl)
        assert payment.stripe_payment_intent_id == f"pi_demo_{order.reference}"
        event = StripeEvent.objects.get(event_id=f"evt_demo_pi_demo_{order.reference}")
        assert (event.type, event.processed_at is not None) == ("payment_intent.succeeded", True)
        shares = {share.seller_id: (share.owed, share.received) for share in order.shares.all()}
        transfers = {t.structure_id: t.amount for t in StripeTransfer.objects.filter(order=order)}
        assert {seller: (amount, amount) for seller, amount in transfers.items()} == shares
        for seller, transferred in transfers.items():
            # The seller's books: D Stripe clearing / C 411, the day of the charge.
            lines = EntryLine.objects.filter(
                entry__structure_id=seller, entry__journal__code="ST", entry__piece_ref=order.reference
            ).values_list("account__code", "debit", "credit")
            assert sorted(lines) == [("411", D("0"), transferred), ("512800", transferred, D("0"))]


def test_the_creche_paid_its_laundry_in_two_transfers_and_its_vat_became_due_pro_rata(demo_hub):
    order = Order.objects.get(
        organisation__slug="creche-les-ptits-loups", lines__offering__slug="tenues-sportives-au-kilo"
    )
    (invoice,) = order.invoices.issued()
    first, second = order.payments.order_by("succeeded_at")
    assert (invoice.total_incl, invoice.total_vat) == (D("22.04"), D("3.67"))
    assert (first.amount, second.amount, first.method) == (D("11.02"), D("11.02"), PaymentMethod.TRANSFER)
    assert second.succeeded_at - first.succeeded_at == datetime.timedelta(days=8)
    assert order.payment_status == PaymentStatus.PAID
    moved = EntryLine.objects.filter(
        entry__journal__code="OD", entry__piece_ref=order.reference, account__code="445711"
    ).order_by("entry_id")
    assert [(line.entry.date, line.credit) for line in moved] == [
        (timezone.localdate(first.succeeded_at), D("1.84")),
        (timezone.localdate(second.succeeded_at), D("1.83")),
    ]
    on_receipts = EntryLine.objects.filter(
        entry__piece_ref__in=[order.reference, invoice.number], account__code="44587"
    )
    assert sum((line.credit - line.debit for line in on_receipts), D("0")) == 0


def test_the_demo_reconciles(demo_hub):
    """`reconcile_books` is clean on the freshly seeded demo: every check passes but Stripe's balance,
    « non vérifié » without Stripe."""
    from accounting.reconciliation import reconcile

    report = reconcile()
    assert [str(difference) for difference in report.differences] == []
    assert set(report.skipped) == {"stripe_balance"}
    assert report.clean


def test_a_card_order_of_the_demo_was_disputed_then_won(demo_hub):
    """Stripe's dispute events, stored and processed: funds withdrawn 9 days ago (the Collectif's 467 and
    the seller's 411 reopened, Stripe's 15 € fee on 627), the dispute won 2 days ago (the mirror)."""
    from marketplace.enums import DisputeStatus

    today = timezone.localdate()
    (dispute,) = StripeDispute.objects.all()
    order = dispute.order
    assert (dispute.status, dispute.amount, dispute.fee) == (DisputeStatus.WON, order.total_incl, D("15.00"))
    assert order.payment_status == PaymentStatus.PAID
    assert [(share.owed, share.received, share.disputed) for share in order.shares.all()] == [
        (order.total_incl, order.total_incl, D("0.00"))
    ]
    events = StripeEvent.objects.filter(event_id__startswith=f"evt_demo_{dispute.dispute_id}")
    assert sorted(events.filter(processed_at__isnull=False).values_list("type", flat=True)) == [
        "charge.dispute.closed",
        "charge.dispute.created",
        "charge.dispute.funds_reinstated",
    ]
    lines = EntryLine.objects.filter(entry__piece_ref=order.reference, entry__date__gt=order.placed_at.date())
    held = lines.filter(entry__structure=Structure.objects.collective(), account__code__startswith="467")
    assert sorted(held.values_list("entry__date", "debit", "credit")) == [
        (today - datetime.timedelta(days=9), order.total_incl, D("0.00")),
        (today - datetime.timedelta(days=2), D("0.00"), order.total_incl),
    ]
    seller = lines.filter(entry__structure=order.shares.get().seller, account__code="411")
    assert sorted(seller.values_list("entry__date", "debit", "credit")) == [
        (today - datetime.timedelta(days=9), order.total_incl, D("0.00")),
        (today - datetime.timedelta(days=2), D("0.00"), order.total_incl),
    ]
    fee = lines.filter(account__code="627", entry__date=today - datetime.timedelta(days=9))
    assert list(fee.values_list("debit", flat=True)) == [D("15.00")]


def test_a_basket_paid_by_sepa_was_rejected_after_its_success(demo_hub):
    """The SEPA resident's next basket: debited, confirmed by Stripe, then rejected by the bank — the
    payment reversed in the Jardins' books, the order and the delivery awaiting payment again."""
    from marketplace.enums import PaymentState
    from subscriptions.enums import DeliveryStatus, SubscriptionPaymentMode
    from subscriptions.models import Delivery

    (payment,) = Payment.objects.filter(method=PaymentMethod.SEPA)
    order = payment.order
    (delivery,) = Delivery.objects.filter(order_line__order=order)
    assert delivery.subscription.payment_mode == SubscriptionPaymentMode.SEPA
    assert (payment.state, payment.failure_message) == (PaymentState.REVERSED, "Provision insuffisante.")
    assert (order.payment_status, delivery.status) == (PaymentStatus.UNPAID, DeliveryStatus.UNPAID)
    assert delivery.date >= timezone.localdate()
    assert [(share.received, share.owed) for share in order.shares.all()] == [(D("0.00"), order.total_incl)]
    # Received when Stripe confirmed it, three days ago; reversed when the bank rejected it, minutes ago.
    events = StripeEvent.objects.filter(event_id__startswith=f"evt_demo_{order.stripe_payment_intent_id}")
    assert list(events.order_by("pk").values_list("type", flat=True)) == [
        "payment_intent.succeeded",
        "payment_intent.payment_failed",
    ]
    received, rejected = (
        timezone.localdate(datetime.datetime.fromtimestamp(event.payload["created"], tz=datetime.UTC))
        for event in events.order_by("pk")
    )
    assert received == timezone.localdate(timezone.now() - datetime.timedelta(days=3))
    assert timezone.localdate(payment.succeeded_at) == received
    lines = EntryLine.objects.filter(entry__piece_ref=order.reference).order_by("entry_id", "position")
    assert list(lines.values_list("entry__structure__slug", "entry__date", "account__code", "debit", "credit")) == [
        ("jardins-du-pole", received, "512810", order.total_incl, D("0.00")),
        ("jardins-du-pole", received, "411", D("0.00"), order.total_incl),
        ("jardins-du-pole", rejected, "411", order.total_incl, D("0.00")),
        ("jardins-du-pole", rejected, "512810", D("0.00"), order.total_incl),
    ]
