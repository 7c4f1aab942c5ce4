from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from hub.enums import StaffRole
from hub.models import Structure
from marketplace.enums import FulfilmentStatus, PaymentStatus
from marketplace.models import DepositSlip, Payment
from tests.accounts.factories import UserFactory
from tests.hub.factories import SiteFactory, StructureRoleFactory
from tests.marketplace.factories import asso_member, creche, order_for, resident

pytestmark = pytest.mark.django_db


@pytest.fixture
def reception(demo_hub):
    user = StructureRoleFactory(structure=Structure.objects.get(slug="jardins-du-pole"), role=StaffRole.STAFF).user
    StructureRoleFactory(user=user, structure=Structure.objects.get(slug="comptoir-equitable"), role=StaffRole.STAFF)
    return user


def test_pickup_day_lists_orders_and_what_to_prepare(client, reception, django_assert_num_queries):
    point = SiteFactory(pickup_point=True, name="Aaa — marché du samedi")
    items = {"panier-moyen-format": "1", "cafe-equitable-moulu-250-g": "2"}
    orders = [order_for(resident(), items, pickup_point=point) for _ in range(3)]
    client.force_login(reception)
    with django_assert_num_queries(6):  # session, user, roles, pickup points, orders (+ customer, organisation), lines
        response = client.get(reverse("marketplace:pickup_day"), {"point": point.slug})
    assert response.status_code == 200
    assert [o.reference for o in response.context["orders"]] == [o.reference for o in orders]
    assert dict(response.context["to_prepare"]) == {
        ("Comptoir équitable", "Café équitable moulu (250 g)"): Decimal("6"),
        ("Jardins du Pôle", "Panier moyen format"): Decimal("3"),
    }


def test_back_office_is_404_for_customers(client, demo_hub):
    client.force_login(resident())
    for name in ("pickup_day", "cheques", "cash_up"):
        assert client.get(reverse(f"marketplace:{name}")).status_code == 404


def test_handover_cash_cheque_and_deposit_slip_through_the_pages(client, reception):
    order = order_for(resident(), {"panier-moyen-format": "1", "cafe-equitable-moulu-250-g": "2"}, method="cheque")
    jardins = Structure.objects.get(slug="jardins-du-pole")
    comptoir = Structure.objects.get(slug="comptoir-equitable")
    client.force_login(reception)
    page = client.get(reverse("marketplace:handover", args=[order.reference]))
    assert [(s["structure"].slug, s["rest"]) for s in page.context["shares"]] == [
        ("jardins-du-pole", Decimal("17.00")),
        ("comptoir-equitable", Decimal("10.40")),
    ]
    url = reverse("marketplace:handover_payment", args=[order.reference])
    client.post(url, {"structure_id": jardins.pk, f"s{jardins.pk}-structure": jardins.pk, f"s{jardins.pk}-method": "cash",
                      f"s{jardins.pk}-amount": "17.00"})  # fmt: skip
    client.post(url, {"structure_id": comptoir.pk, f"s{comptoir.pk}-structure": comptoir.pk, f"s{comptoir.pk}-method": "cheque",
                      f"s{comptoir.pk}-amount": "10.40", f"s{comptoir.pk}-cheque_number": "7788",
                      f"s{comptoir.pk}-cheque_bank": "La Banque Postale", f"s{comptoir.pk}-cheque_drawer": "C. Martin"})  # fmt: skip
    client.post(reverse("marketplace:handover_collect", args=[order.reference]))
    order.refresh_from_db()
    assert (order.payment_status, order.fulfilment_status) == (PaymentStatus.PAID, FulfilmentStatus.CLOSED)

    cheques = client.get(reverse("marketplace:cheques"))
    cheque = Payment.objects.get(order=order, method="cheque")
    assert [c for c in cheques.context["by_structure"][comptoir] if c.order_id == order.pk] == [cheque]
    response = client.post(
        reverse("marketplace:deposit_slip_create"), {"structure_id": comptoir.pk, "cheque": [cheque.pk]}
    )
    slip = DepositSlip.objects.filter(structure=comptoir).latest("number")
    assert response["Location"] == reverse("marketplace:deposit_slip", args=[slip.pk])
    html = client.get(response["Location"]).content.decode()
    assert f"Bordereau de remise de chèques n° {slip.number}" in html
    assert list(slip.cheques.all()) == [cheque]
    assert "7788" in html
    assert "10,40\u00a0€" in html

    cash_up = client.get(
        reverse("marketplace:cash_up"), {"point": "pole-accueil", "jour": timezone.localdate().isoformat()}
    )
    assert [(r["structure"], r["method"], r["total"]) for r in cash_up.context["rows"]] == [
        ("Comptoir équitable", "Chèque au retrait", Decimal("10.40")),
        ("Jardins du Pôle", "Espèces au retrait", Decimal("17.00")),
    ]
    assert cash_up.context["grand_total"] == Decimal("27.40")


def test_staff_cannot_cash_for_a_structure_they_do_not_belong_to(client, demo_hub):
    jardins_only = StructureRoleFactory(
        structure=Structure.objects.get(slug="jardins-du-pole"), role=StaffRole.STAFF
    ).user
    order = order_for(resident(), {"panier-moyen-format": "1", "cafe-equitable-moulu-250-g": "1"}, method="cash")
    comptoir = Structure.objects.get(slug="comptoir-equitable")
    client.force_login(jardins_only)
    response = client.post(
        reverse("marketplace:handover_payment", args=[order.reference]),
        {
            "structure_id": comptoir.pk,
            f"s{comptoir.pk}-structure": comptoir.pk,
            f"s{comptoir.pk}-method": "cash",
            f"s{comptoir.pk}-amount": "5.20",
        },
    )
    assert response.status_code == 404
    assert not Payment.objects.filter(order=order).exists()


def test_weighing_reprices_the_line_and_issues_its_invoice(client, demo_hub):
    laundry_staff = StructureRoleFactory(
        structure=Structure.objects.get(slug="blanchisserie-solidaire"), role=StaffRole.STAFF
    ).user
    order = order_for(asso_member(), {"linge-plat-au-kilo": "10"}, method="transfer", organisation=creche())
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


def test_someone_unrelated_gets_404_on_handover(client, demo_hub):
    order = order_for(resident(), {"panier-moyen-format": "1"}, method="cash")
    client.force_login(UserFactory())
    assert client.get(reverse("marketplace:handover", args=[order.reference])).status_code == 404


def test_staff_order_list_is_scoped_filterable_and_constant_in_queries(client, demo_hub, django_assert_num_queries):
    laundry = Structure.objects.get(slug="blanchisserie-solidaire")
    staff = StructureRoleFactory(structure=laundry, role=StaffRole.STAFF).user
    mine = order_for(resident(), {"couette-ou-couverture": "1"}, method="cash")
    other = order_for(resident(), {"the-vert-bio-100-g": "1"}, method="cash")
    client.force_login(staff)
    with django_assert_num_queries(5):  # session, user, roles, count, page
        response = client.get(reverse("marketplace:staff_orders"))
    references = [o.reference for o in response.context["page"]]
    assert mine.reference in references
    assert other.reference not in references
    assert all(o.lines.filter(seller=laundry).exists() for o in response.context["page"])
    for _ in range(5):
        order_for(resident(), {"couette-ou-couverture": "1"}, method="cash")
    with django_assert_num_queries(5):
        client.get(reverse("marketplace:staff_orders"))
    response = client.get(reverse("marketplace:staff_orders"), {"q": mine.reference})
    assert [o.reference for o in response.context["page"]] == [mine.reference]


def test_manager_refunds_from_the_handover_page(client, demo_hub):
    laundry = Structure.objects.get(slug="blanchisserie-solidaire")
    manager = StructureRoleFactory(structure=laundry, role=StaffRole.MANAGER).user
    order = order_for(resident(), {"couette-ou-couverture": "2"}, method="cash")
    from marketplace.actions.payments import record_offline_payment

    record_offline_payment(order=order, structure=laundry, method="cash", amount=Decimal("28.00"), by=manager)
    line = order.lines.get()
    client.force_login(manager)
    page = client.get(reverse("marketplace:handover", args=[order.reference]))
    assert [refundable.pk for refundable in page.context["refund_lines"]] == [line.pk]
    client.post(
        reverse("marketplace:handover_refund", args=[order.reference]),
        {f"refund-{line.pk}": "14,00", "reason": "Tache"},
    )
    order.refresh_from_db()
    assert (order.payment_status, order.amount_refunded) == (PaymentStatus.PARTIALLY_REFUNDED, Decimal("14.00"))
    assert order.invoices.filter(kind="credit_note").get().total_incl == Decimal("14.00")


def test_staff_without_the_manager_role_cannot_refund(client, reception):
    order = order_for(resident(), {"panier-moyen-format": "1"}, method="cash")
    from marketplace.actions.payments import record_offline_payment

    record_offline_payment(order=order, structure=Structure.objects.get(slug="jardins-du-pole"), method="cash",
                           amount=Decimal("17.00"), by=reception)  # fmt: skip
    client.force_login(reception)
    assert client.get(reverse("marketplace:handover", args=[order.reference])).context["refund_lines"] == []
    client.post(reverse("marketplace:handover_refund", args=[order.reference]), {})
    order.refresh_from_db()
    assert (order.payment_status, order.amount_refunded) == (PaymentStatus.PAID, Decimal("0"))
