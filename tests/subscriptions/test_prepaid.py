"""Prepaid seasons through an order, a payment and a deposit invoice (DOMAIN.md rule 12).

The season of these tests: four Mondays from 16 March to 6 April 2026 at 12,00 € (5,5 %): 48,00 €,
of which 2,50 € VAT and 45,50 € on 4191; each basket releases 11,38 € and the last 11,36 €.
"""

import datetime
from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.utils import timezone

from accounting.models import Entry, EntryLine
from accounting.reconciliation import reconcile
from marketplace.actions.payments import process_stripe_event
from marketplace.enums import FulfilmentStatus, InvoiceKind, PaymentMethod, PaymentStatus, RefundState
from marketplace.invoice_documents.content import build_document
from marketplace.models import Invoice, Refund, StripeEvent
from subscriptions.actions.changes import cancel_subscription, pause_subscription, resume_subscription, skip_delivery
from subscriptions.actions.prepaid import mark_delivered, place_new_season_orders, record_prepaid_season_payment
from subscriptions.enums import DeliveryStatus, PrepaidCreditChoice
from subscriptions.exceptions import PastCutOff
from subscriptions.models import SeasonAdvance
from tests.bookings.factories import CollectiveFactory
from tests.hub.factories import staff_of
from tests.marketplace.factories import pay_by_card
from tests.marketplace.stripe_helpers import WEBHOOK_SECRET
from tests.subscriptions.factories import TODAY, SubscriptionFactory

D = datetime.date
Z = Decimal("0")
SEASON_END = D(2026, 4, 6)

pytestmark = pytest.mark.django_db


@pytest.fixture
def stripe_env(settings, localstripe):
    """The marketplace's `stripe_env` (this package cannot see it), with the hub's Collectif."""
    CollectiveFactory()
    settings.STRIPE_SECRET_KEY = localstripe.secret_key
    settings.STRIPE_PUBLISHABLE_KEY = localstripe.publishable_key
    settings.STRIPE_API_BASE = localstripe.url
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    return localstripe.client()


def _unpaid(**kwargs):
    return SubscriptionFactory(payment_mode="prepaid", plan__season_end=SEASON_END, **kwargs)


def _paid(**kwargs):
    return SubscriptionFactory(prepaid=True, plan__season_end=SEASON_END, **kwargs)


def _ledger(subscription, account: str) -> list[tuple]:
    """(journal, debit, credit, auxiliary code) of the seller's lines on `account`, in order."""
    return list(
        EntryLine.objects.filter(entry__structure=subscription.plan.offering.structure, account__code=account)
        .order_by("entry__id", "position")
        .values_list("entry__journal__code", "debit", "credit", "auxiliary_code")
    )


def _balance_4191(subscription) -> Decimal:
    return sum((credit - debit for _j, debit, credit, _a in _ledger(subscription, "4191")), Z)


def _advances_clean() -> list:
    return reconcile(codes=["advances"]).differences


def test_subscribing_to_a_prepaid_season_places_its_order():
    subscription = _unpaid()

    advance = SeasonAdvance.objects.get(subscription=subscription)
    order = advance.order
    line = order.lines.get()
    assert (advance.baskets, advance.amount_incl, advance.amount_excl) == (4, Decimal("48.00"), Decimal("45.50"))
    assert (line.quantity, line.unit_price, line.total_incl, line.total_vat) == (
        Decimal("4"), Decimal("12.00"), Decimal("48.00"), Decimal("2.50"),
    )  # fmt: skip
    assert (order.payment_method, order.fulfilment_status, order.payment_status, order.advance_reference) == (
        PaymentMethod.CHEQUE, FulfilmentStatus.CONFIRMED, PaymentStatus.UNPAID, subscription.reference,
    )  # fmt: skip
    # Nothing is invoiced or booked before the season is paid.
    assert (order.invoices.count(), _ledger(subscription, "4191"), _ledger(subscription, "411")) == (0, [], [])


def test_the_season_paid_by_cheque_issues_a_deposit_invoice():
    subscription = _paid()
    customer = f"C{subscription.customer_id:06d}"

    invoice = Invoice.objects.get(order__season_advance__subscription=subscription)
    assert (invoice.kind, invoice.get_kind_display(), invoice.total_excl, invoice.total_vat, invoice.total_incl) == (
        InvoiceKind.DEPOSIT, "Facture d'acompte", Decimal("45.50"), Decimal("2.50"), Decimal("48.00"),
    )  # fmt: skip
    assert invoice.number.startswith(f"{subscription.plan.offering.structure.invoice_prefix}-")
    assert _ledger(subscription, "411") == [
        ("BQ", Z, Decimal("48.00"), customer),  # the cheque received
        ("VE", Decimal("48.00"), Z, customer),  # the deposit invoice
    ]
    assert _ledger(subscription, "4191") == [("VE", Z, Decimal("45.50"), subscription.reference)]
    assert _ledger(subscription, "445713") == [("VE", Z, Decimal("2.50"), "")]
    assert _ledger(subscription, "5112") == [("BQ", Decimal("48.00"), Z, "")]
    # The customer's 411 lines of the season are lettered together.
    letters = set(
        EntryLine.objects.filter(account__code="411", auxiliary_code=customer).values_list("lettering_code", flat=True)
    )
    assert len(letters) == 1
    assert "" not in letters
    assert _advances_clean() == []


def test_recording_the_season_payment_twice_posts_once():
    subscription = _paid()
    entries = Entry.objects.count()

    advance = record_prepaid_season_payment(
        subscription=subscription, method="cheque", by=staff_of(subscription.plan.offering.structure)
    )

    assert (Entry.objects.count(), advance.order.invoices.count(), advance.order.payments.count()) == (entries, 1, 1)


def test_the_season_paid_by_card_issues_its_deposit_invoice_once():
    subscription = SubscriptionFactory(
        payment_mode="prepaid", plan__season_end=SEASON_END, season_payment_method=PaymentMethod.CARD
    )
    order = SeasonAdvance.objects.get(subscription=subscription).order
    assert (order.fulfilment_status, order.invoices.count()) == (FulfilmentStatus.PLACED, 0)

    pay_by_card(order)
    entries = Entry.objects.count()
    for event in StripeEvent.objects.all():  # a redelivered webhook changes nothing
        StripeEvent.objects.filter(pk=event.pk).update(processed_at=None)
        process_stripe_event(event_pk=event.pk)

    order.refresh_from_db()
    assert (order.payment_status, order.fulfilment_status) == (PaymentStatus.PAID, FulfilmentStatus.CONFIRMED)
    assert list(order.invoices.values_list("kind", "total_incl")) == [(InvoiceKind.DEPOSIT, Decimal("48.00"))]
    assert Entry.objects.count() == entries
    assert _ledger(subscription, "4191") == [("VE", Z, Decimal("45.50"), subscription.reference)]
    assert _advances_clean() == []


def test_cancelling_a_season_paid_by_card_refunds_through_stripe(stripe_env, django_capture_on_commit_callbacks):
    subscription = SubscriptionFactory(
        payment_mode="prepaid", plan__season_end=SEASON_END, season_payment_method=PaymentMethod.CARD
    )
    order = SeasonAdvance.objects.get(subscription=subscription).order
    pay_by_card(order)  # a real PaymentIntent on the local Stripe server, confirmed, then its webhook

    with django_capture_on_commit_callbacks(execute=True):  # Stripe is called once the refund is committed
        cancel_subscription(subscription=subscription, by=subscription.customer, today=TODAY)

    refund = Refund.objects.get(order=order)
    assert refund.state == RefundState.SUCCEEDED
    intent = stripe_env.v1.payment_intents.retrieve(order.stripe_payment_intent_id)
    stripe_refund = stripe_env.v1.refunds.retrieve(refund.stripe_refund_id)
    assert (refund.amount, refund.method, stripe_refund.amount, stripe_refund.payment_intent) == (
        Decimal("48.00"), PaymentMethod.CARD, 4800, intent.id,
    )  # fmt: skip
    clearing = [row for row in _ledger(subscription, "512800") if row[0] == "ST"]
    assert clearing == [("ST", Decimal("48.00"), Z, ""), ("ST", Z, Decimal("48.00"), "")]
    assert (_balance_4191(subscription), _advances_clean()) == (Z, [])


def test_each_delivered_basket_releases_its_share_the_last_the_remainder():
    subscription = _paid(with_deliveries=True)
    deliveries = list(subscription.deliveries.order_by("date"))

    for delivery in deliveries:
        mark_delivered(delivery=delivery)
        mark_delivered(delivery=delivery)  # a second click posts nothing
        if delivery is deliveries[0]:
            assert _advances_clean() == []

    released = [row for row in _ledger(subscription, "4191") if row[0] == "OD"]
    assert released == [("OD", Decimal("11.38"), Z, subscription.reference)] * 3 + [
        ("OD", Decimal("11.36"), Z, subscription.reference)
    ]
    assert _ledger(subscription, subscription.plan.offering.revenue_account) == [
        ("OD", Z, Decimal(amount), "") for amount in ["11.38", "11.38", "11.38", "11.36"]
    ]
    assert (_balance_4191(subscription), _advances_clean()) == (Z, [])


def test_a_skipped_basket_is_credited_and_kept_for_next_season_by_default():
    subscription = _paid()
    customer = f"C{subscription.customer_id:06d}"
    delivery = subscription.deliveries.get(date=D(2026, 3, 23))

    skip_delivery(delivery=delivery, by=subscription.customer, today=TODAY)

    credit_note = Invoice.objects.get(kind=InvoiceKind.CREDIT_NOTE, order__season_advance__subscription=subscription)
    assert (credit_note.total_excl, credit_note.total_vat, credit_note.total_incl) == (
        Decimal("11.38"), Decimal("0.62"), Decimal("12.00"),
    )  # fmt: skip
    assert _ledger(subscription, "4191")[-1] == ("VE", Decimal("11.38"), Z, subscription.reference)
    assert _ledger(subscription, "445713")[-1] == ("VE", Decimal("0.62"), Z, "")
    assert _ledger(subscription, "411")[-1] == ("VE", Z, Decimal("12.00"), customer)  # the resident's credit
    advance = SeasonAdvance.objects.get(subscription=subscription)
    assert (advance.credited, advance.credit_kept, Refund.objects.filter(order=advance.order).count()) == (
        1, Decimal("12.00"), 0,
    )  # fmt: skip
    assert (_balance_4191(subscription), _advances_clean()) == (Decimal("34.12"), [])


def test_a_skipped_basket_refunded_by_bank_transfer():
    subscription = _paid()
    customer = f"C{subscription.customer_id:06d}"
    delivery = subscription.deliveries.get(date=D(2026, 3, 23))

    skip_delivery(delivery=delivery, by=subscription.customer, today=TODAY, prepaid_choice=PrepaidCreditChoice.REFUND)

    advance = SeasonAdvance.objects.get(subscription=subscription)
    refund = Refund.objects.get(order=advance.order)
    assert (refund.amount, refund.method) == (Decimal("12.00"), PaymentMethod.CHEQUE)
    assert _ledger(subscription, "512") == [("BQ", Z, Decimal("12.00"), "")]
    assert sorted(_ledger(subscription, "411")[-2:]) == sorted(
        [("BQ", Decimal("12.00"), Z, customer), ("VE", Z, Decimal("12.00"), customer)]
    )
    assert (advance.credited, advance.credit_kept) == (1, Z)
    assert (_balance_4191(subscription), _advances_clean()) == (Decimal("34.12"), [])


def test_a_skip_refused_after_the_cut_off_changes_nothing():
    subscription = _paid()
    delivery = subscription.deliveries.get(date=D(2026, 3, 16))
    before = (Entry.objects.count(), Invoice.objects.count(), Refund.objects.count())

    with pytest.raises(PastCutOff):
        skip_delivery(delivery=delivery, by=subscription.customer, today=D(2026, 3, 15))

    delivery.refresh_from_db()
    advance = SeasonAdvance.objects.get(subscription=subscription)
    assert (Entry.objects.count(), Invoice.objects.count(), Refund.objects.count()) == before
    assert (delivery.status, advance.credited, advance.credit_kept) == (DeliveryStatus.PLANNED, 0, Z)


def test_cancelling_refunds_the_baskets_not_delivered_by_default():
    subscription = _paid()
    first = subscription.deliveries.get(date=D(2026, 3, 16))
    mark_delivered(delivery=first)

    # On 15 March the 16 March distribution is past its cut-off: it is still handed over.
    cancel_subscription(subscription=subscription, by=subscription.customer, today=D(2026, 3, 15))

    advance = SeasonAdvance.objects.get(subscription=subscription)
    refund = Refund.objects.get(order=advance.order)
    # 3 baskets of the 4: 45,50 − 11,38 = 34,12 € excl., 48,00 − 12,00 = 36,00 € incl.
    assert (advance.delivered, advance.credited, refund.amount) == (1, 3, Decimal("36.00"))
    assert _ledger(subscription, "445713")[-1] == ("VE", Decimal("1.88"), Z, "")
    advance.order.refresh_from_db()
    assert advance.order.payment_status == PaymentStatus.PARTIALLY_REFUNDED
    assert (_balance_4191(subscription), _advances_clean()) == (Z, [])


def test_cancelling_before_any_delivery_can_keep_the_credit():
    subscription = _paid()
    skip_delivery(delivery=subscription.deliveries.get(date=D(2026, 3, 23)), today=TODAY)

    cancel_subscription(subscription=subscription, today=TODAY, prepaid_choice=PrepaidCreditChoice.CREDIT)

    advance = SeasonAdvance.objects.get(subscription=subscription)
    credit_notes = Invoice.objects.filter(kind=InvoiceKind.CREDIT_NOTE, order=advance.order).order_by("sequence")
    assert list(credit_notes.values_list("total_excl", "total_incl")) == [
        (Decimal("11.38"), Decimal("12.00")),
        (Decimal("34.12"), Decimal("36.00")),
    ]
    assert (advance.credited, advance.credit_kept, Refund.objects.filter(order=advance.order).count()) == (
        4, Decimal("48.00"), 0,
    )  # fmt: skip
    assert (_balance_4191(subscription), _advances_clean()) == (Z, [])


def test_the_reconciliation_finds_a_basket_released_without_its_entry():
    subscription = _paid()
    SeasonAdvance.objects.filter(subscription=subscription).update(delivered=1)  # planted: no posting

    differences = _advances_clean()

    assert [(d.check, d.reference, d.expected, d.actual) for d in differences] == [
        ("advances", subscription.reference, Decimal("34.12"), Decimal("45.50"))
    ]


def test_a_credit_kept_pays_part_of_the_next_season_without_a_bank_movement():
    first = _paid()
    customer = f"C{first.customer_id:06d}"
    skip_delivery(delivery=first.deliveries.get(date=D(2026, 3, 23)), today=TODAY)  # 12,00 € kept
    garden = first.plan.offering.structure

    # The same resident takes the next season of the same garden.
    second = SubscriptionFactory(
        user=first.customer,
        payment_mode="prepaid",
        plan__offering__structure=garden,
        plan__season_end=SEASON_END,
        prepaid_by="cheque",
    )

    advance = SeasonAdvance.objects.get(subscription=second)
    payments = list(advance.order.payments.order_by("pk").values_list("method", "amount"))
    assert payments == [(PaymentMethod.CREDIT, Decimal("12.00")), (PaymentMethod.CHEQUE, Decimal("36.00"))]
    assert advance.credit_used == Decimal("12.00")
    # Only the cheque of the rest reaches the bank side: the credit moves from 411 to 411.
    assert _ledger(first, "5112") == [("BQ", Decimal("48.00"), Z, ""), ("BQ", Decimal("36.00"), Z, "")]
    assert _ledger(first, "512") == []
    credit_moved = [row for row in _ledger(first, "411") if row[0] == "OD"]
    assert credit_moved == [("OD", Decimal("12.00"), Z, customer), ("OD", Z, Decimal("12.00"), customer)]
    assert list(advance.order.invoices.values_list("kind", "total_incl")) == [(InvoiceKind.DEPOSIT, Decimal("48.00"))]
    assert _ledger(second, "4191")[-1] == ("VE", Z, Decimal("45.50"), second.reference)
    assert _advances_clean() == []


def test_the_demo_prepaid_seasons_went_through_the_flow(demo_hub):
    """About the demo seed itself: its prepaid seasons are ordered, paid, invoiced, partly delivered,
    one skip refunded and one cancellation kept as credit; 4191 reconciles and the series is in date order."""
    advances = list(SeasonAdvance.objects.select_related("order", "subscription"))
    methods = {payment.method for advance in advances for payment in advance.order.payments.all()}

    assert len(advances) >= 10
    assert {advance.order.payment_status for advance in advances} <= {"paid", "partially_refunded"}
    assert methods == {PaymentMethod.CARD, PaymentMethod.CHEQUE}
    assert Invoice.objects.filter(kind=InvoiceKind.DEPOSIT).count() == len(advances)
    assert sum(advance.delivered for advance in advances) > 0
    assert Refund.objects.filter(order__season_advance__isnull=False).count() == 1
    assert [advance.credit_kept > 0 for advance in advances].count(True) == 1
    assert _advances_clean() == []
    garden = advances[0].subscription.plan.offering.structure
    dates = list(
        Invoice.objects.issued()
        .filter(structure=garden)
        .order_by("year", "sequence")
        .values_list("issue_date", flat=True)
    )
    assert dates == sorted(dates)


def test_the_deposit_invoice_document_says_facture_d_acompte():
    subscription = _paid()
    invoice = Invoice.objects.get(order__season_advance__subscription=subscription)

    document = build_document(invoice)
    html = render_to_string("marketplace/invoice_document.html", {"doc": document, "invoice": invoice})

    assert document.title == "Facture d'acompte"
    assert f"Facture d&#x27;acompte N° {invoice.number}" in html or f"Facture d'acompte N° {invoice.number}" in html
    assert "Acompte reçu avant livraison" in html


def test_the_deposit_invoice_takes_the_payment_date_only_when_the_series_allows_it():
    first = _unpaid()
    garden = first.plan.offering.structure
    second = _unpaid(plan__offering__structure=garden)
    staff = staff_of(garden)
    now = timezone.now()
    yesterday, two_days_ago = now - datetime.timedelta(days=1), now - datetime.timedelta(days=2)

    # A cheque received yesterday and recorded today: the series is empty, the invoice is dated yesterday.
    record_prepaid_season_payment(subscription=first, method="cheque", by=staff, at=yesterday)
    # One received two days ago, recorded after it: dating it then would go back in the series.
    record_prepaid_season_payment(subscription=second, method="cheque", by=staff, at=two_days_ago)

    issued = list(
        Invoice.objects.filter(structure=garden)
        .order_by("sequence")
        .values_list("order__advance_reference", "issue_date")
    )
    assert issued == [
        (first.reference, timezone.localdate(yesterday)),
        (second.reference, timezone.localdate(now)),
    ]
    received = SeasonAdvance.objects.get(subscription=second).order.payments.get().succeeded_at
    assert received == two_days_ago
    assert _advances_clean() == []


def test_a_pause_credits_the_prepaid_baskets_it_skips_and_a_resume_does_not_plan_them_again():
    subscription = _paid()

    pause_subscription(subscription=subscription, until=D(2026, 3, 29), today=TODAY)  # 16 and 23 March
    resume_subscription(subscription=subscription, today=TODAY)

    advance = SeasonAdvance.objects.get(subscription=subscription)
    credit_note = Invoice.objects.get(kind=InvoiceKind.CREDIT_NOTE, order=advance.order)
    assert (credit_note.total_excl, credit_note.total_incl) == (Decimal("22.76"), Decimal("24.00"))
    assert (advance.credited, advance.credit_kept) == (2, Decimal("24.00"))
    statuses = list(subscription.deliveries.order_by("date").values_list("status", flat=True))
    assert statuses[:2] == [DeliveryStatus.SKIPPED, DeliveryStatus.SKIPPED]
    assert (_balance_4191(subscription), _advances_clean()) == (Decimal("22.74"), [])


def test_handing_over_a_prepaid_basket_costs_a_pinned_number_of_queries(django_assert_num_queries):
    subscription = _paid()
    first, second = list(subscription.deliveries.order_by("date"))[:2]
    mark_delivered(delivery=first)

    # Delivery lock, subscription, advance lock (order joined), the line's account, the fiscal year, the
    # posting (counter, entry check, accounts, counter update, entry, lines), the counter, the status
    # log and the delivery; plus the two savepoints and their releases.
    with django_assert_num_queries(15):
        mark_delivered(delivery=second)


def test_a_new_season_of_the_plan_is_ordered_once_and_paid_first_by_the_credit_kept():
    subscription = _paid()
    skip_delivery(delivery=subscription.deliveries.get(date=D(2026, 3, 23)), today=TODAY)  # 12,00 € kept
    plan = subscription.plan
    # The garden opens its summer season: four Mondays from 6 July to 27 July 2026.
    plan.season_start, plan.season_end = D(2026, 7, 6), D(2026, 7, 27)
    plan.save(update_fields=["season_start", "season_end"])

    placed = [place_new_season_orders(today=D(2026, 6, 29)), place_new_season_orders(today=D(2026, 6, 29))]

    summer = SeasonAdvance.objects.get(subscription=subscription, season_end=D(2026, 7, 27))
    assert placed == [1, 0]
    assert (summer.season_start, summer.baskets, summer.amount_incl, summer.credit_used) == (
        D(2026, 7, 6), 4, Decimal("48.00"), Decimal("12.00"),
    )  # fmt: skip
    payments = list(summer.order.payments.values_list("method", "amount"))
    assert (payments, summer.order.payment_status) == ([(PaymentMethod.CREDIT, Decimal("12.00"))], PaymentStatus.UNPAID)
    assert summer.order.invoices.count() == 0  # invoiced once the rest is paid
    assert _advances_clean() == []
