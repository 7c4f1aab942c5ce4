"""Third-party payment (ADR 0034): a prescriber's funding takes its share off what a supported person buys,
within a monthly cap and the organisation's budget; the share is billed to the organisation monthly, on
account, by each selling structure, and the rest to the person."""

import datetime
from decimal import Decimal as D

import pytest
from dateutil.relativedelta import relativedelta
from django.utils import timezone

from hub.enums import StaffRole
from marketplace.actions.checkout import place_order_for_items
from marketplace.actions.refunds import cancel_order, refund_order
from marketplace.actions.settlement import owed_by_seller
from marketplace.actions.third_party import bill_third_party_shares
from marketplace.enums import FulfilmentStatus, PaymentMethod, PaymentStatus
from marketplace.models import Invoice, Order, OrderLine
from prescribers import fundings
from prescribers.exceptions import SupportError
from prescribers.models import Budget, FundedLine, Funding
from tests.hub.factories import SiteFactory, StructureFactory, staff_of
from tests.marketplace.factories import billing_for, pay
from tests.prescribers.factories import SupportFactory, social_worker_of
from tests.services.factories import OfferingFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
THIS_MONTH = TODAY.replace(day=1)


@pytest.fixture
def garden():
    return StructureFactory(name="Jardins d'essai", invoice_prefix="JEX", liable=True, default_vat_rate=D("5.50"))


@pytest.fixture
def grocer():
    return StructureFactory(name="Épicerie d'essai", invoice_prefix="EPX", liable=True)


@pytest.fixture
def basket(garden):
    return OfferingFactory(basket=True, structure=garden, name="Panier moyen", price=D("17.00"))


@pytest.fixture
def coffee(grocer):
    return OfferingFactory(structure=grocer, name="Café", price=D("5.20"))


@pytest.fixture
def point():
    return SiteFactory(pickup_point=True, name="Point d'essai")


@pytest.fixture
def support():
    support = SupportFactory(consented=True)
    Budget.objects.create(
        organisation=support.organisation, year=TODAY.year, amount=D("500.00"), set_by=support.opened_by
    )
    return support


def _fund(support, *, share=50, cap=None, kinds=("basket",)):
    return fundings.set_funding(
        support=support, by=support.opened_by, share_percent=share, kinds=list(kinds), monthly_cap=cap,
        ends_on=support.ends_on,
    )  # fmt: skip


def _order(person, items, *, point, at=None, method=PaymentMethod.CASH):
    return place_order_for_items(
        user=person, items=items, payment_method=method, billing=billing_for(person), pickup_point=point, at=at
    )


def test_a_fixed_share_is_taken_off_each_unit_and_the_person_is_invoiced_the_rest(support, basket, point):
    funding = _fund(support, share=50)

    order = _order(support.person, [(basket, D("1"))], point=point)

    line = order.lines.get()
    assert (line.unit_price, line.total_incl, line.third_party, line.third_party_unit_price) == (
        D("8.50"), D("8.50"), support.organisation, D("8.50"),
    )  # fmt: skip
    assert order.total_incl == D("8.50")
    invoice = order.invoices.get()
    assert (invoice.customer, invoice.organisation, invoice.total_incl) == (support.person, None, D("8.50"))
    assert invoice.lines.get().description == (
        f"Panier moyen — après prise en charge de 8,50\u00a0€ par unité par {support.organisation.name}"
    )
    assert list(
        FundedLine.objects.filter(funding__support=support).values_list("funding", "order_line", "month", "amount")
    ) == [(funding.pk, line.pk, THIS_MONTH, D("8.50"))]
    assert fundings.consumed(organisation_id=support.organisation_id, year=TODAY.year) == D("8.50")


def test_shares_round_per_unit_so_both_parts_add_up_to_the_price(support, basket, point):
    _fund(support, share=33)

    line = _order(support.person, [(basket, D("3"))], point=point).lines.get()

    # 33 % of 17,00 = 5,61 a basket: the person pays 11,39 a basket.
    assert (line.unit_price, line.third_party_unit_price, line.total_incl) == (D("11.39"), D("5.61"), D("34.17"))
    assert line.total_incl + line.third_party_total == D("51.00")


def test_an_amount_per_month_covers_up_to_its_cap_then_nothing_until_next_month(support, basket, point):
    _fund(support, share=100, cap=D("20.00"))
    now = timezone.now()

    first = _order(support.person, [(basket, D("1"))], point=point, at=now).lines.get()
    second = _order(support.person, [(basket, D("1"))], point=point, at=now).lines.get()
    third = _order(support.person, [(basket, D("1"))], point=point, at=now).lines.get()

    assert [(line.unit_price, line.third_party_unit_price) for line in (first, second, third)] == [
        (D("0.00"), D("17.00")),
        (D("14.00"), D("3.00")),
        (D("17.00"), D("0.00")),
    ]
    assert third.third_party is None
    # Wholly covered: nothing for the person to pay, the order is paid and confirmed.
    assert (first.order.payment_status, first.order.fulfilment_status) == (
        PaymentStatus.PAID,
        FulfilmentStatus.CONFIRMED,
    )
    assert first.order.invoices.count() == 0  # the organisation is invoiced it all, monthly


def test_the_cap_starts_again_next_month(support, basket, point):
    _fund(support, share=100, cap=D("10.00"))
    line = _order(support.person, [(basket, D("1"))], point=point).lines.get()
    assert line.third_party_unit_price == D("10.00")
    assert _order(support.person, [(basket, D("1"))], point=point).lines.get().third_party is None

    # What was taken last month does not count against this month's cap.
    FundedLine.objects.filter(order_line=line).update(month=THIS_MONTH - relativedelta(months=1))
    assert _order(support.person, [(basket, D("1"))], point=point).lines.get().third_party_unit_price == D("10.00")


def test_the_budget_bounds_what_the_organisation_pays(support, basket, point):
    Budget.objects.filter(organisation=support.organisation).update(amount=D("12.00"))
    _fund(support, share=50)

    lines = [_order(support.person, [(basket, D("1"))], point=point).lines.get() for _ in range(3)]

    assert [line.third_party_unit_price for line in lines] == [D("8.50"), D("3.50"), D("0.00")]
    assert fundings.consumed(organisation_id=support.organisation_id, year=TODAY.year) == D("12.00")


def test_nothing_is_taken_without_a_budget_for_the_year(support, basket, point):
    Budget.objects.filter(organisation=support.organisation).delete()
    _fund(support, share=50)

    assert _order(support.person, [(basket, D("1"))], point=point).total_incl == D("17.00")
    assert not FundedLine.objects.filter(organisation=support.organisation).exists()


def test_only_the_funded_kinds_and_a_standing_consent_are_covered(support, basket, coffee, point):
    _fund(support, share=50)

    order = _order(support.person, [(basket, D("1")), (coffee, D("2"))], point=point)

    assert list(order.lines.order_by("pk").values_list("unit_price", "third_party_unit_price")) == [
        (D("8.50"), D("8.50")),
        (D("5.20"), D("0.00")),
    ]
    assert order.invoices.count() == 2  # each seller invoices the person its own lines

    support.consent_withdrawn_at = support.closed_at = timezone.now()
    support.save()
    assert _order(support.person, [(basket, D("1"))], point=point).total_incl == D("17.00")


def test_an_ended_funding_takes_nothing(support, basket, point):
    funding = _fund(support, share=50)
    fundings.end_funding(funding=funding, by=support.opened_by)

    assert _order(support.person, [(basket, D("1"))], point=point).total_incl == D("17.00")


def test_another_persons_orders_are_not_covered(support, basket, point):
    _fund(support, share=50)
    other = SupportFactory(consented=True).person

    assert _order(other, [(basket, D("1"))], point=point).total_incl == D("17.00")


def test_the_shares_are_billed_to_the_organisation_once_a_month_per_seller(support, basket, coffee, point):
    _fund(support, share=50, kinds=("basket",))
    second = SupportFactory(consented=True, organisation=support.organisation)
    fundings.set_funding(
        support=second, by=second.opened_by, share_percent=100, kinds=["basket"], monthly_cap=D("5.00"),
        ends_on=second.ends_on,
    )  # fmt: skip
    first_order = _order(support.person, [(basket, D("2"))], point=point)
    second_order = _order(second.person, [(basket, D("1"))], point=point)
    cancelled = _order(support.person, [(basket, D("1"))], point=point)
    Order.objects.filter(pk=cancelled.pk).update(
        fulfilment_status=FulfilmentStatus.CANCELLED, cancelled_at=timezone.now()
    )
    invoices_before = Invoice.objects.count()

    orders = bill_third_party_shares(year=TODAY.year, month=TODAY.month)

    assert len(orders) == 1
    billed = orders[0]
    assert (billed.organisation, billed.payment_method, billed.fulfilment_status) == (
        support.organisation, PaymentMethod.TRANSFER, FulfilmentStatus.CONFIRMED,
    )  # fmt: skip
    invoice = billed.invoices.get()
    assert (invoice.structure, invoice.organisation, invoice.buyer_is_business, invoice.total_incl) == (
        basket.structure, support.organisation, True, D("22.00"),
    )  # fmt: skip
    assert invoice.due_date == invoice.issue_date + datetime.timedelta(days=30)
    names = list(invoice.lines.order_by("pk").values_list("description", "quantity", "unit_price_incl", "total_incl"))
    assert names == [
        (
            f"Panier moyen — prise en charge, commande {first_order.reference} "
            f"({support.person.first_name[:1]}. {support.person.last_name})",
            D("2.000"), D("8.50"), D("17.00"),
        ),
        (
            f"Panier moyen — prise en charge, commande {second_order.reference} "
            f"({second.person.first_name[:1]}. {second.person.last_name})",
            D("1.000"), D("5.00"), D("5.00"),
        ),
    ]  # fmt: skip
    assert list(billed.lines.values_list("labour_hours_per_unit", flat=True)) == [D("0"), D("0")]
    covered = OrderLine.objects.filter(order__in=[first_order, second_order]).order_by("order__placed_at", "pk")
    assert [line.third_party_billed_line.order_id for line in covered] == [billed.pk, billed.pk]
    assert cancelled.lines.get().third_party_billed_line is None
    # The cancelled order's share is not consumed; the budget counts what was billed.
    assert fundings.consumed(organisation_id=support.organisation_id, year=TODAY.year) == D("22.00")
    # Run again (a retried task, next month's run): nothing billed twice.
    assert bill_third_party_shares(year=TODAY.year, month=TODAY.month) == []
    assert Invoice.objects.count() == invoices_before + 1


def test_shares_of_orders_placed_after_the_month_wait_for_their_month(support, basket, point):
    _fund(support, share=50)
    _order(support.person, [(basket, D("1"))], point=point)
    last_month = THIS_MONTH - datetime.timedelta(days=1)

    assert bill_third_party_shares(year=last_month.year, month=last_month.month) == []
    assert OrderLine.objects.filter(third_party__isnull=False, third_party_billed_line__isnull=True).count() == 1


def test_a_funding_is_refused_outside_its_bounds_and_nothing_changes(support):
    running = _fund(support, share=50)
    outsider = social_worker_of(SupportFactory().organisation)
    cases = [
        ({"by": outsider}, "Seul·e un·e travailleur·se social·e de l'organisation, sur un accompagnement en cours."),
        ({"share_percent": 0}, "La part prise en charge est comprise entre 1 et 100 %."),
        ({"share_percent": 101}, "La part prise en charge est comprise entre 1 et 100 %."),
        ({"kinds": []}, "Choisissez au moins une activité prise en charge."),
        ({"kinds": ["home_service"]}, "Choisissez au moins une activité prise en charge."),
        ({"monthly_cap": D("0")}, "Le plafond mensuel est compris entre 0,01 et 10 000 €."),
        ({"monthly_cap": D("10000.01")}, "Le plafond mensuel est compris entre 0,01 et 10 000 €."),
        ({"ends_on": support.ends_on + datetime.timedelta(days=1)}, None),
        ({"ends_on": TODAY - datetime.timedelta(days=1)}, None),
    ]
    for change, message in cases:
        arguments = {"support": support, "by": support.opened_by, "share_percent": 40, "kinds": ["basket"],
                     "monthly_cap": None, "ends_on": support.ends_on, **change}  # fmt: skip
        with pytest.raises(SupportError) as raised:
            fundings.set_funding(**arguments)
        if message:
            assert raised.value.message == message
        else:
            assert raised.value.message.startswith("La fin de la prise en charge est comprise entre aujourd'hui")
    assert list(Funding.objects.filter(support=support).values_list("pk", "share_percent", "ended_at")) == [
        (running.pk, 50, None)
    ]


def test_a_new_funding_replaces_the_running_one(support):
    first = _fund(support, share=50)
    second = _fund(support, share=30, cap=D("15.00"), kinds=("basket", "mobility"))

    first.refresh_from_db()
    assert first.ended_at is not None
    assert (second.share_percent, second.monthly_cap, second.kinds, second.ended_at) == (
        30, D("15.00"), ["basket", "mobility"], None,
    )  # fmt: skip
    assert fundings.describe(second) == "30 % de paniers de légumes, mobilité, 15,00\u00a0€ par mois au plus"


def test_only_a_head_of_service_sets_the_budget_and_never_below_what_is_spent(support, basket, point):
    head = social_worker_of(support.organisation, head=True)
    _fund(support, share=50)
    _order(support.person, [(basket, D("2"))], point=point)

    with pytest.raises(SupportError) as raised:
        fundings.set_budget(organisation=support.organisation, year=TODAY.year, amount=D("1000"), by=support.opened_by)
    assert raised.value.message == "Seul·e un·e responsable de l'organisation fixe son budget."
    with pytest.raises(SupportError) as raised:
        fundings.set_budget(organisation=support.organisation, year=TODAY.year, amount=D("16.99"), by=head)
    assert (
        raised.value.message == "Le budget ne peut pas être inférieur à ce qui est déjà pris en charge (17,00\u00a0€)."
    )
    with pytest.raises(SupportError):
        fundings.set_budget(organisation=support.organisation, year=TODAY.year + 2, amount=D("10"), by=head)
    assert Budget.objects.get(organisation=support.organisation).amount == D("500.00")

    fundings.set_budget(organisation=support.organisation, year=TODAY.year, amount=D("750.00"), by=head)
    view = fundings.budget_view(organisation=support.organisation, year=TODAY.year, user=head)
    assert (view.amount, view.consumed, view.left, view.billed, view.pending, view.can_edit) == (
        D("750.00"), D("17.00"), D("733.00"), D("0.00"), D("17.00"), True,
    )  # fmt: skip
    assert view.months == [(THIS_MONTH, D("17.00"))]
    assert view.people == [(support, D("17.00"))]


def test_a_line_wholly_refunded_to_the_person_before_billing_is_not_billed_to_the_payer(support, basket, point):
    _fund(support, share=50)
    order = pay(_order(support.person, [(basket, D("1"))], point=point))
    manager = staff_of(basket.structure, role=StaffRole.MANAGER)
    kept = _order(support.person, [(basket, D("1"))], point=point)

    refund_order(order=order, by=manager)

    billed = bill_third_party_shares(year=TODAY.year, month=TODAY.month)
    assert [line.covered_line.order for line in billed[0].lines.all()] == [kept]
    assert fundings.consumed(organisation_id=support.organisation_id, year=TODAY.year) == D("8.50")


def test_once_billed_a_cancelled_order_s_share_is_credited_to_the_payer(support, basket, point):
    _fund(support, share=50)
    order = _order(support.person, [(basket, D("2"))], point=point)
    kept = _order(support.person, [(basket, D("1"))], point=point)
    payer_order = bill_third_party_shares(year=TODAY.year, month=TODAY.month)[0]
    invoice = payer_order.invoices.get()
    assert invoice.total_incl == D("25.50")

    cancel_order(order=order, by=support.person)

    credit_note = Invoice.objects.get(credited_invoice=invoice)
    assert (credit_note.kind, credit_note.organisation, credit_note.total_incl) == (
        "credit_note",
        support.organisation,
        D("17.00"),
    )
    billed = order.lines.get().third_party_billed_line
    assert billed.refunded_amount == D("17.00")
    assert owed_by_seller(payer_order) == {basket.structure_id: D("8.50")}
    assert kept.lines.get().third_party_billed_line.refunded_amount == D("0.00")
    assert fundings.consumed(organisation_id=support.organisation_id, year=TODAY.year) == D("25.50") - D("17.00")


def test_once_billed_a_refunded_line_s_share_is_credited_in_proportion(support, basket, point):
    _fund(support, share=50)
    order = pay(_order(support.person, [(basket, D("2"))], point=point))
    invoice = bill_third_party_shares(year=TODAY.year, month=TODAY.month)[0].invoices.get()
    manager = staff_of(basket.structure, role=StaffRole.MANAGER)
    line = order.lines.get()

    refund_order(order=order, by=manager, amounts={line.pk: D("8.50")})  # one of the two baskets

    credit_note = Invoice.objects.get(credited_invoice=invoice)
    assert credit_note.total_incl == D("8.50")
