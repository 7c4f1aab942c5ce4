from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from hub.enums import StaffRole
from marketplace.actions.checkout import Billing
from marketplace.actions.payments import mark_collected, record_offline_payment
from marketplace.enums import FulfilmentStatus, PaymentStatus
from marketplace.exceptions import PaymentError
from marketplace.models import DepositSlip, Payment
from tests.accounts.factories import UserFactory
from tests.hub.factories import SiteFactory, StructureRoleFactory, staff_of
from tests.marketplace.factories import OrderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def reception(garden, grocer):
    return staff_of(garden, grocer, role=StaffRole.STAFF)


def test_pickup_day_lists_orders_and_what_to_prepare(
    client, reception, resident, basket, coffee, django_assert_num_queries
):
    point = SiteFactory(pickup_point=True, name="Aaa — marché du samedi")
    items = [(basket, "1"), (coffee, "2")]
    orders = [OrderFactory(customer=resident, items=items, pickup_point=point) for _ in range(3)]
    client.force_login(reception)
    with django_assert_num_queries(6):  # session, user, roles, pickup points, orders (+ customer, organisation), lines
        response = client.get(reverse("marketplace:pickup_day"), {"point": point.slug})
    assert response.status_code == 200
    assert [o.reference for o in response.context["orders"]] == [o.reference for o in orders]
    assert dict(response.context["to_prepare"]) == {
        ("Comptoir coopératif", "Café équitable moulu (250 g)"): Decimal("6"),
        ("Jardins du Loing", "Panier moyen format"): Decimal("3"),
    }


def test_back_office_is_404_for_customers(client, resident):
    client.force_login(resident)
    for name in ("pickup_day", "cheques", "cash_up"):
        assert client.get(reverse(f"marketplace:{name}")).status_code == 404


def test_handover_cash_cheque_and_deposit_slip_through_the_pages(
    client, reception, resident, garden, grocer, basket, coffee, accueil
):
    order = OrderFactory(
        customer=resident, items=[(basket, "1"), (coffee, "2")], payment_method="cheque", pickup_point=accueil
    )
    client.force_login(reception)
    page = client.get(reverse("marketplace:handover", args=[order.reference]))
    assert [(s["structure"], s["rest"]) for s in page.context["shares"]] == [
        (garden, Decimal("17.00")),
        (grocer, Decimal("10.40")),
    ]
    url = reverse("marketplace:handover_payment", args=[order.reference])
    client.post(url, {"structure_id": garden.pk, f"s{garden.pk}-structure": garden.pk, f"s{garden.pk}-method": "cash",
                      f"s{garden.pk}-amount": "17.00"})  # fmt: skip
    client.post(url, {"structure_id": grocer.pk, f"s{grocer.pk}-structure": grocer.pk, f"s{grocer.pk}-method": "cheque",
                      f"s{grocer.pk}-amount": "10.40", f"s{grocer.pk}-cheque_number": "7788",
                      f"s{grocer.pk}-cheque_bank": "La Banque Postale", f"s{grocer.pk}-cheque_drawer": "C. Martin"})  # fmt: skip
    client.post(reverse("marketplace:handover_collect", args=[order.reference]))
    order.refresh_from_db()
    assert (order.payment_status, order.fulfilment_status) == (PaymentStatus.PAID, FulfilmentStatus.CLOSED)

    cheques = client.get(reverse("marketplace:cheques"))
    cheque = Payment.objects.get(order=order, method="cheque")
    assert [c for c in cheques.context["by_structure"][grocer] if c.order_id == order.pk] == [cheque]
    response = client.post(
        reverse("marketplace:deposit_slip_create"), {"structure_id": grocer.pk, "cheque": [cheque.pk]}
    )
    slip = DepositSlip.objects.filter(structure=grocer).latest("number")
    assert response["Location"] == reverse("marketplace:deposit_slip", args=[slip.pk])
    html = client.get(response["Location"]).content.decode()
    assert f"Bordereau de remise de chèques n° {slip.number}" in html
    assert list(slip.cheques.all()) == [cheque]
    assert "7788" in html
    assert "10,40\u00a0€" in html

    cash_up = client.get(
        reverse("marketplace:cash_up"), {"point": accueil.slug, "jour": timezone.localdate().isoformat()}
    )
    assert [(r["structure"], r["method"], r["total"]) for r in cash_up.context["rows"]] == [
        ("Comptoir coopératif", "Chèque au retrait", Decimal("10.40")),
        ("Jardins du Loing", "Espèces au retrait", Decimal("17.00")),
    ]
    assert cash_up.context["grand_total"] == Decimal("27.40")


def test_staff_cannot_cash_for_a_structure_they_do_not_belong_to(client, resident, garden, grocer, basket, coffee):
    garden_only = StructureRoleFactory(structure=garden, role=StaffRole.STAFF).user
    order = OrderFactory(customer=resident, items=[(basket, "1"), (coffee, "1")])
    client.force_login(garden_only)
    response = client.post(
        reverse("marketplace:handover_payment", args=[order.reference]),
        {
            "structure_id": grocer.pk,
            f"s{grocer.pk}-structure": grocer.pk,
            f"s{grocer.pk}-method": "cash",
            f"s{grocer.pk}-amount": "5.20",
        },
    )
    assert response.status_code == 404
    assert not Payment.objects.filter(order=order).exists()


def test_weighing_reprices_the_line_and_issues_its_invoice(client, laundry, flat_linen, asso_member, creche):
    laundry_staff = StructureRoleFactory(structure=laundry, role=StaffRole.STAFF).user
    order = OrderFactory(
        customer=asso_member, items=[(flat_linen, "10")], payment_method="transfer", organisation=creche
    )
    assert order.total_incl == Decimal("42.00")
    assert not order.invoices.exists()
    line = order.lines.get()
    client.force_login(laundry_staff)
    client.post(reverse("marketplace:handover_weigh", args=[order.reference, line.pk]), {"final_quantity": "12,5"})
    line.refresh_from_db()
    order.refresh_from_db()
    assert line.final_quantity == Decimal("12.5")
    assert (line.total_incl, line.total_excl, line.total_vat) == (Decimal("52.50"), Decimal("43.75"), Decimal("8.75"))
    assert order.total_incl == Decimal("52.50")
    invoice = order.invoices.get()
    assert invoice.total_incl == Decimal("52.50")
    assert invoice.lines.get().quantity == Decimal("12.5")
    # Weighing again is refused: the line is invoiced.
    client.post(reverse("marketplace:handover_weigh", args=[order.reference, line.pk]), {"final_quantity": "13"})
    line.refresh_from_db()
    assert line.final_quantity == Decimal("12.5")


def test_someone_unrelated_gets_404_on_handover(client, resident, basket):
    order = OrderFactory(customer=resident, items=[(basket, "1")])
    client.force_login(UserFactory())
    assert client.get(reverse("marketplace:handover", args=[order.reference])).status_code == 404


def test_staff_order_list_is_scoped_filterable_and_constant_in_queries(
    client, resident, laundry, duvet, tea, django_assert_num_queries
):
    staff = StructureRoleFactory(structure=laundry, role=StaffRole.STAFF).user
    mine = OrderFactory(customer=resident, items=[(duvet, "1")])
    other = OrderFactory(customer=resident, items=[(tea, "1")])
    client.force_login(staff)
    with django_assert_num_queries(5):  # session, user, roles, count, page
        response = client.get(reverse("marketplace:staff_orders"))
    references = [o.reference for o in response.context["page"]]
    assert references == [mine.reference]
    assert other.reference not in references
    assert all(o.lines.filter(seller=laundry).exists() for o in response.context["page"])
    for _ in range(5):
        OrderFactory(customer=resident, items=[(duvet, "1")])
    with django_assert_num_queries(5):
        client.get(reverse("marketplace:staff_orders"))
    response = client.get(reverse("marketplace:staff_orders"), {"q": mine.reference})
    assert [o.reference for o in response.context["page"]] == [mine.reference]


def test_manager_refunds_from_the_handover_page(client, resident, laundry, duvet):
    manager = StructureRoleFactory(structure=laundry, role=StaffRole.MANAGER).user
    order = OrderFactory(customer=resident, items=[(duvet, "2")])

    record_offline_payment(order=order, structure=laundry, method="cash", amount=Decimal("28.00"), by=manager)
    line = order.lines.get()
    client.force_login(manager)
    page = client.get(reverse("marketplace:handover", args=[order.reference]))
    assert [refundable.pk for refundable in page.context["refund_lines"]] == [line.pk]
    client.post(
        reverse("marketplace:handover_refund", args=[order.reference]),
        {f"refund-{line.pk}": "14,00", "reason": "Tache", "confirm": "1"},
    )
    order.refresh_from_db()
    assert (order.payment_status, order.amount_refunded) == (PaymentStatus.PARTIALLY_REFUNDED, Decimal("14.00"))
    assert order.invoices.filter(kind="credit_note").get().total_incl == Decimal("14.00")


@pytest.mark.parametrize("typed", ["quatorze", "nan", "sNaN", "Infinity", "1e999999", "-5", "1e9"])
def test_a_refund_amount_that_is_not_one_is_refused_and_changes_nothing(client, resident, laundry, duvet, typed):
    manager = StructureRoleFactory(structure=laundry, role=StaffRole.MANAGER).user
    order = OrderFactory(customer=resident, items=[(duvet, "2")])
    record_offline_payment(order=order, structure=laundry, method="cash", amount=Decimal("28.00"), by=manager)
    client.force_login(manager)

    response = client.post(
        reverse("marketplace:handover_refund", args=[order.reference]),
        {f"refund-{order.lines.get().pk}": typed, "reason": "Tache"},
        follow=True,
    )

    assert response.status_code == 200
    assert f"« {typed} » n'est pas un montant." in [str(message) for message in response.context["messages"]]
    order.refresh_from_db()
    assert (order.payment_status, order.amount_refunded, order.refunds.count()) == (PaymentStatus.PAID, 0, 0)
    assert not order.invoices.filter(kind="credit_note").exists()


def test_staff_without_the_manager_role_cannot_refund(client, reception, resident, garden, basket):
    order = OrderFactory(customer=resident, items=[(basket, "1")])
    record_offline_payment(order=order, structure=garden, method="cash", amount=Decimal("17.00"), by=reception)
    client.force_login(reception)
    assert client.get(reverse("marketplace:handover", args=[order.reference])).context["refund_lines"] == []
    client.post(reverse("marketplace:handover_refund", args=[order.reference]), {})
    order.refresh_from_db()
    assert (order.payment_status, order.amount_refunded) == (PaymentStatus.PAID, Decimal("0"))


# --- A mixed order: each seller's staff see and hand over their part only (ADR 0012) --------------

HOME = "12 route de Paley\n77710 Lorrez-le-Bocage-Préaux"


@pytest.fixture
def mixed(resident, basket, coffee, cleaning, accueil):
    """A paid order of a basket (Jardins, 17,00), two coffees (Comptoir, 10,40) and two hours of
    cleaning at home (Services à domicile, 48,00), collected at l'Accueil."""
    billing = Billing(name="Camille Martin", address=HOME, email="camille@exemple.test")
    items = [(basket, "1"), (coffee, "2"), (cleaning, "2")]
    return OrderFactory(customer=resident, items=items, pickup_point=accueil, billing=billing, paid=True)


def _page(client, user, name, *args, **query):
    client.force_login(user)
    return client.get(reverse(f"marketplace:{name}", args=args), query).content.decode().replace("\xa0", " ")


def test_a_seller_sees_only_its_lines_totals_and_shares_of_a_mixed_order(client, mixed, garden, grocer, accueil):
    garden_staff = staff_of(garden)

    page = _page(client, garden_staff, "handover", mixed.reference)
    orders = _page(client, garden_staff, "staff_orders")
    pickup = _page(client, garden_staff, "pickup_day", point=accueil.slug)

    assert ("Panier moyen format" in page, "17,00 €" in page, "camille@exemple.test" in page) == (True, True, True)
    for leak in ("Café équitable", "10,40", "Ménage à domicile", "48,00", "Comptoir coopératif", "Lorrez", "75,40"):
        assert (leak, leak in page) == (leak, False)
    assert "Total de votre part" in page
    assert ("17,00 €" in orders, "75,40" in orders) == (True, False)
    assert ("Panier moyen format" in pickup, "Café équitable" in pickup, "Ménage" in pickup) == (True, False, False)


def test_the_address_is_shown_to_the_seller_who_goes_to_the_customer(client, mixed, home_services):
    page = _page(client, staff_of(home_services), "handover", mixed.reference)

    assert "12 route de Paley<br>77710 Lorrez-le-Bocage-Préaux" in page
    assert ("Ménage à domicile" in page, "Panier moyen format" in page) == (True, False)


def test_a_hub_admin_sees_every_seller_of_a_mixed_order(client, mixed):
    page = _page(client, UserFactory(hub_admin=True), "handover", mixed.reference)

    for seen in ("Panier moyen format", "Café équitable", "Ménage à domicile", "Lorrez", "75,40 €"):
        assert (seen, seen in page) == (seen, True)


def test_each_seller_hands_over_its_part_and_the_order_closes_with_the_last(
    client, mixed, garden, grocer, home_services
):
    garden_staff, grocer_staff = staff_of(garden), staff_of(grocer)
    url = reverse("marketplace:handover_collect", args=[mixed.reference])

    client.force_login(garden_staff)
    response = client.post(url, follow=True)
    assert [str(m) for m in response.context["messages"]] == [
        f"Votre part de la commande {mixed.reference} est remise ; les autres structures remettent la leur."
    ]
    mixed.refresh_from_db()
    assert (mixed.fulfilment_status, mixed.handed_over_seller_ids()) == (FulfilmentStatus.CONFIRMED, {garden.pk})

    # Again: the Jardins' part is done and the others' are not theirs to hand over.
    before = list(mixed.shares.order_by("pk").values_list("handed_over_at", "handed_over_by"))
    response = client.post(url, follow=True)
    assert [str(m) for m in response.context["messages"]] == ["Votre part de cette commande est déjà remise."]
    mixed.refresh_from_db()
    assert mixed.fulfilment_status == FulfilmentStatus.CONFIRMED
    assert list(mixed.shares.order_by("pk").values_list("handed_over_at", "handed_over_by")) == before

    client.force_login(grocer_staff)
    client.post(url)
    mixed.refresh_from_db()
    assert mixed.fulfilment_status == FulfilmentStatus.CONFIRMED
    client.force_login(staff_of(home_services))
    client.post(url)
    mixed.refresh_from_db()
    assert mixed.fulfilment_status == FulfilmentStatus.CLOSED
    assert mixed.handed_over_seller_ids() == {garden.pk, grocer.pk, home_services.pk}


def test_someone_handling_no_seller_of_the_order_cannot_hand_it_over(mixed, laundry):
    before = mixed.transitions.count()

    with pytest.raises(PaymentError, match="Vous ne remettez aucun article de cette commande."):
        mark_collected(order=mixed, by=staff_of(laundry))

    mixed.refresh_from_db()
    assert (mixed.fulfilment_status, mixed.transitions.count()) == (FulfilmentStatus.CONFIRMED, before)
    assert mixed.handed_over_seller_ids() == set()


def test_the_pickup_day_drops_an_order_once_my_part_is_handed_over(client, mixed, garden, grocer, accueil):
    mark_collected(order=mixed, by=staff_of(garden))

    garden_view = _page(client, staff_of(garden), "pickup_day", point=accueil.slug)
    grocer_view = _page(client, staff_of(grocer), "pickup_day", point=accueil.slug)

    assert (mixed.reference in garden_view, mixed.reference in grocer_view) == (False, True)


def test_refunding_everything_left_refunds_only_the_managers_own_lines_of_a_mixed_order(client, mixed, grocer):
    """« Laissez les montants vides pour rembourser tout ce qui reste »: for a manager of one seller of a
    mixed order, what is left on that seller's lines; the other sellers' lines are not theirs to refund."""
    manager = StructureRoleFactory(structure=grocer, manager=True).user
    client.force_login(manager)

    done = client.post(
        reverse("marketplace:handover_refund", args=[mixed.reference]),
        {"reason": "Rupture", "confirm": "1"},
        follow=True,
    )

    assert [str(m) for m in done.context["messages"]] == ["Remboursement enregistré ; l'avoir est émis."]
    refunds = list(mixed.refunds.values_list("structure_id", "amount"))
    assert refunds == [(grocer.pk, Decimal("10.40"))]
    mixed.refresh_from_db()
    assert mixed.payment_status == PaymentStatus.PARTIALLY_REFUNDED

    again = client.post(reverse("marketplace:handover_refund", args=[mixed.reference]), {}, follow=True)
    assert [str(m) for m in again.context["messages"]] == ["Il ne reste rien à rembourser sur vos articles."]
    assert mixed.refunds.count() == 1


def test_pickup_day_lists_orders_by_the_collection_date_each_customer_was_given(client, reception, resident, basket):
    point = SiteFactory(pickup_point=True, name="Aaa — marché du samedi")
    friday = timezone.make_aware(timezone.datetime(2026, 12, 11, 17, 0))
    tuesday = timezone.make_aware(timezone.datetime(2026, 12, 8, 17, 0))
    later, unknown, sooner = (
        OrderFactory(customer=resident, items=[(basket, "1")], pickup_point=point) for _ in range(3)
    )
    later.pickup_starts_at, later.pickup_ends_at = friday, friday + timezone.timedelta(hours=1, minutes=30)
    sooner.pickup_starts_at, sooner.pickup_ends_at = tuesday, tuesday + timezone.timedelta(hours=1)
    for order in (later, sooner):
        order.save(update_fields=["pickup_starts_at", "pickup_ends_at"])
    client.force_login(reception)

    response = client.get(reverse("marketplace:pickup_day"), {"point": point.slug})

    # Soonest first; an order placed before collection dates were given (none on record) comes last.
    assert [o.reference for o in response.context["orders"]] == [sooner.reference, later.reference, unknown.reference]
    html = response.content.decode()
    assert "Mardi 8 décembre 2026 à 17:00" in html
    assert "Vendredi 11 décembre 2026 à 17:00" in html
    assert "Non fixé" in html
