from decimal import Decimal

import pytest

from hub.enums import StaffRole
from marketplace.actions.payments import create_deposit_slip, mark_collected, record_offline_payment
from marketplace.actions.refunds import cancel_order, refund_order
from marketplace.enums import FulfilmentStatus, InvoiceKind, PaymentStatus
from marketplace.exceptions import ImmutableInvoice, PaymentError, RefundError
from marketplace.models import DepositSlip, Invoice, Payment
from tests.hub.factories import StructureRoleFactory, staff_of
from tests.marketplace.factories import OrderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def reception(garden, grocer):
    """A permanent staff member who hands orders over for both structures."""
    return staff_of(garden, grocer, role=StaffRole.STAFF)


def test_handover_with_cash_and_a_cheque_then_a_deposit_slip(
    resident, garden, grocer, basket, coffee, accueil, reception
):
    order = OrderFactory(
        customer=resident, items=[(basket, "1"), (coffee, "2")], payment_method="cheque", pickup_point=accueil
    )
    record_offline_payment(
        order=order, structure=garden, method="cash", amount=Decimal("17.00"), by=reception, site=accueil
    )
    order.refresh_from_db()
    assert order.payment_status == PaymentStatus.UNPAID  # the grocer's share is still due
    cheque = record_offline_payment(
        order=order,
        structure=grocer,
        method="cheque",
        amount=Decimal("10.40"),
        by=reception,
        site=accueil,
        cheque_number="0001234",
        cheque_bank="Crédit Agricole",
        cheque_drawer="Camille Martin",
    )
    order.refresh_from_db()
    assert order.payment_status == PaymentStatus.PAID
    mark_collected(order=order, by=reception)
    order.refresh_from_db()
    assert order.fulfilment_status == FulfilmentStatus.CLOSED  # collected and paid
    # The reception hands over both sellers' parts at once (ADR 0012), then the order is fulfilled and closed.
    assert list(order.transitions.order_by("pk").values_list("field", "to_status")) == [
        ("fulfilment_status", "confirmed"),
        ("payment_status", "paid"),
        ("fulfilment_status", "fulfilled"),
        ("fulfilment_status", "closed"),
    ]
    assert sorted(order.shares.values_list("seller_id", "handed_over_by")) == sorted(
        [(garden.pk, reception.pk), (grocer.pk, reception.pk)]
    )

    slip = create_deposit_slip(structure=grocer, payments=[cheque], by=reception)
    assert (slip.number, slip.total) == (1, Decimal("10.40"))
    cheque.refresh_from_db()
    assert cheque.deposit_slip == slip
    # A cheque goes on one slip only.
    with pytest.raises(PaymentError):
        create_deposit_slip(structure=grocer, payments=[cheque], by=reception)
    assert DepositSlip.objects.filter(structure=grocer).count() == 1


def test_overpayment_and_foreign_structure_are_refused(resident, garden, grocer, basket, reception):
    order = OrderFactory(customer=resident, items=[(basket, "1")])
    with pytest.raises(PaymentError) as excinfo:
        record_offline_payment(order=order, structure=garden, method="cash", amount=Decimal("17.01"), by=reception)
    assert excinfo.value.message == "Le montant dépasse ce qui reste dû à Jardins du Loing : 17,00\u00a0€."
    with pytest.raises(PaymentError):
        record_offline_payment(order=order, structure=grocer, method="cash", amount=Decimal("1"), by=reception)
    assert not Payment.objects.filter(order=order).exists()


def test_someone_without_a_role_cannot_cash(resident, garden, basket):
    order = OrderFactory(customer=resident, items=[(basket, "1")])
    with pytest.raises(PaymentError) as excinfo:
        record_offline_payment(order=order, structure=garden, method="cash", amount=Decimal("17"), by=resident)
    assert excinfo.value.message == "Vous n'encaissez pas pour cette structure."
    assert not Payment.objects.filter(order=order).exists()


def test_cheque_needs_a_number(resident, garden, basket, reception):
    order = OrderFactory(customer=resident, items=[(basket, "1")], payment_method="cheque")
    with pytest.raises(PaymentError):
        record_offline_payment(order=order, structure=garden, method="cheque", amount=Decimal("17"), by=reception)
    assert not Payment.objects.filter(order=order).exists()


def test_cancel_unpaid_order_restocks_and_credits_invoices(resident, coffee, reception):
    order = OrderFactory(customer=resident, items=[(coffee, "3")])
    invoice = order.invoices.get()
    cancel_order(order=order, by=reception, reason="Client absent")
    order.refresh_from_db()
    assert order.fulfilment_status == FulfilmentStatus.CANCELLED
    coffee.refresh_from_db()
    assert coffee.stock == 40
    credit_note = Invoice.objects.get(credited_invoice=invoice)
    assert credit_note.kind == InvoiceKind.CREDIT_NOTE
    assert credit_note.total_incl == invoice.total_incl == Decimal("15.60")
    year = invoice.issue_date.year
    assert (invoice.number, credit_note.number) == (f"CCO-{year}-00001", f"CCO-{year}-00002")


def test_partial_refund_by_a_manager_issues_a_credit_note(resident, garden, grocer, basket, coffee, reception):
    order = OrderFactory(customer=resident, items=[(basket, "1"), (coffee, "2")])
    record_offline_payment(order=order, structure=garden, method="cash", amount=Decimal("17.00"), by=reception)
    record_offline_payment(order=order, structure=grocer, method="cash", amount=Decimal("10.40"), by=reception)
    coffee_line = order.lines.get(name="Café équitable moulu (250 g)")
    # Staff without the manager role may not refund.
    with pytest.raises(RefundError):
        refund_order(order=order, by=reception, amounts={coffee_line.pk: Decimal("5.20")})
    manager = StructureRoleFactory(structure=grocer, manager=True).user
    refund_order(order=order, by=manager, amounts={coffee_line.pk: Decimal("5.20")}, reason="Paquet abîmé")
    order.refresh_from_db()
    assert order.payment_status == PaymentStatus.PARTIALLY_REFUNDED
    assert order.amount_refunded == Decimal("5.20")
    credit = Invoice.objects.get(kind=InvoiceKind.CREDIT_NOTE, order=order)
    assert credit.structure == grocer
    assert (credit.total_excl, credit.total_vat, credit.total_incl) == (
        Decimal("4.93"),
        Decimal("0.27"),
        Decimal("5.20"),
    )
    # More than what is left is refused, and nothing changes.
    with pytest.raises(RefundError) as excinfo:
        refund_order(order=order, by=manager, amounts={coffee_line.pk: Decimal("5.21")})
    assert excinfo.value.message == "« Café équitable moulu (250 g) » : on ne peut rembourser que 5,20\u00a0€."
    order.refresh_from_db()
    assert order.amount_refunded == Decimal("5.20")
    # A manager of the grocer cannot refund the garden's basket.
    basket_line = order.lines.get(name="Panier moyen format")
    with pytest.raises(RefundError):
        refund_order(order=order, by=manager, amounts={basket_line.pk: Decimal("17.00")})


def test_issued_invoices_are_immutable(resident, basket):
    order = OrderFactory(customer=resident, items=[(basket, "1")])
    invoice = order.invoices.get()
    invoice.buyer_name = "Quelqu'un d'autre"
    with pytest.raises(ImmutableInvoice):
        invoice.save()
    with pytest.raises(ImmutableInvoice):
        invoice.delete()
    invoice.refresh_from_db()
    assert invoice.buyer_name == order.billing_name
