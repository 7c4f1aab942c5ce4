"""A refund from the back-office confirms first, saying the amount and how the money goes back; until
the manager confirms, nothing moves."""

from decimal import Decimal

import pytest
from django.urls import reverse

from hub.enums import StaffRole
from marketplace.actions.payments import record_offline_payment
from marketplace.enums import PaymentStatus
from tests.hub.factories import StructureRoleFactory
from tests.marketplace.factories import OrderFactory

pytestmark = pytest.mark.django_db


def _paid_in_cash(resident, laundry, duvet):
    manager = StructureRoleFactory(structure=laundry, role=StaffRole.MANAGER).user
    order = OrderFactory(customer=resident, items=[(duvet, "2")])
    record_offline_payment(order=order, structure=laundry, method="cash", amount=Decimal("28.00"), by=manager)
    return manager, order


def _nothing_refunded(order):
    order.refresh_from_db()
    return (
        order.payment_status,
        order.amount_refunded,
        order.refunds.count(),
        order.invoices.filter(kind="credit_note").count(),
    )


def test_the_first_post_shows_the_amount_and_the_means_and_refunds_nothing(client, resident, laundry, duvet):
    manager, order = _paid_in_cash(resident, laundry, duvet)
    line = order.lines.get()
    client.force_login(manager)

    response = client.post(
        reverse("marketplace:handover_refund", args=[order.reference]),
        {f"refund-{line.pk}": "14,00", "reason": "Tache"},
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="refund-total">14,00\u00a0€' in html
    assert "Payée en « espèces au retrait » : c'est à votre structure de rendre cette somme" in html
    assert f'name="refund-{line.pk}" value="14.00"' in html
    assert 'data-confirm="Rembourser 14,00\u00a0€ et émettre les avoirs ?"' in html
    assert 'class="button-danger">Oui, rembourser 14,00\u00a0€' in html
    assert _nothing_refunded(order) == (PaymentStatus.PAID, Decimal("0.00"), 0, 0)


def test_everything_left_is_spelled_out_before_confirming(client, resident, laundry, duvet):
    manager, order = _paid_in_cash(resident, laundry, duvet)
    client.force_login(manager)

    response = client.post(reverse("marketplace:handover_refund", args=[order.reference]), {"reason": ""})

    assert 'id="refund-total">28,00\u00a0€' in response.content.decode()
    assert _nothing_refunded(order) == (PaymentStatus.PAID, Decimal("0.00"), 0, 0)


def test_the_confirmed_post_refunds(client, resident, laundry, duvet):
    manager, order = _paid_in_cash(resident, laundry, duvet)
    line = order.lines.get()
    client.force_login(manager)

    done = client.post(
        reverse("marketplace:handover_refund", args=[order.reference]),
        {f"refund-{line.pk}": "14.00", "reason": "Tache", "confirm": "1"},
        follow=True,
    )

    assert [str(m) for m in done.context["messages"]] == ["Remboursement enregistré ; l'avoir est émis."]
    assert _nothing_refunded(order) == (PaymentStatus.PARTIALLY_REFUNDED, Decimal("14.00"), 1, 1)


def test_staff_who_may_not_refund_get_no_confirmation_and_nothing_moves(client, resident, laundry, duvet):
    _manager, order = _paid_in_cash(resident, laundry, duvet)
    staff = StructureRoleFactory(structure=laundry, role=StaffRole.STAFF).user
    client.force_login(staff)

    response = client.post(
        reverse("marketplace:handover_refund", args=[order.reference]),
        {f"refund-{order.lines.get().pk}": "14,00", "confirm": "1"},
        follow=True,
    )

    assert [str(m) for m in response.context["messages"]] == [
        "Seule la direction de la structure qui a vendu peut rembourser ses ventes."
    ]
    assert _nothing_refunded(order) == (PaymentStatus.PAID, Decimal("0.00"), 0, 0)
