from decimal import Decimal

import pytest

from hub.enums import StaffRole
from hub.models import Structure
from marketplace.actions.payments import create_deposit_slip, mark_collected, record_offline_payment
from marketplace.actions.refunds import cancel_order, refund_order
from marketplace.enums import FulfilmentStatus, InvoiceKind, PaymentStatus
from marketplace.exceptions import PaymentError, RefundError
from marketplace.models import DepositSlip, Invoice, Payment
from tests.hub.factories import StructureRoleFactory
from tests.marketplace.factories import offering, order_for, pickup_point, resident

pytestmark = pytest.mark.django_db


@pytest.fixture
def jardins():
    return Structure.objects.get(slug="jardins-du-pole")


@pytest.fixture
def comptoir():
    return Structure.objects.get(slug="comptoir-equitable")


@pytest.fixture
def reception(jardins, comptoir):
    """A permanent staff member who hands orders over for both structures."""
    user = StructureRoleFactory(structure=jardins, role=StaffRole.STAFF).user
    StructureRoleFactory(user=user, structure=comptoir, role=StaffRole.STAFF)
    return user


def test_handover_with_cash_and_a_cheque_then_a_deposit_slip(demo_hub, jardins, comptoir, reception):
    order = order_for(resident(), {"panier-moyen-format": "1", "cafe-equitable-moulu-250-g": "2"}, method="cheque")
    site = pickup_point()
    record_offline_payment(
        order=order, structure=jardins, method="cash", amount=Decimal("17.00"), by=reception, site=site
    )
    order.refresh_from_db()
    assert order.payment_status == PaymentStatus.UNPAID  # the Comptoir's share is still due
    cheque = record_offline_payment(
        order=order,
        structure=comptoir,
        method="cheque",
        amount=Decimal("10.40"),
        by=reception,
        site=site,
        cheque_number="0001234",
        cheque_bank="Crédit Agricole",
        cheque_drawer="Camille Martin",
    )
    order.refresh_from_db()
    assert order.payment_status == PaymentStatus.PAID
    mark_collected(order=order, by=reception)
    order.refresh_from_db()
    assert order.fulfilment_status == FulfilmentStatus.CLOSED  # collected and paid
    assert list(order.transitions.values_list("to_status", flat=True)) == ["confirmed", "paid", "fulfilled", "closed"]

    previous = DepositSlip.objects.filter(structure=comptoir).count()  # the demo's own slips
    slip = create_deposit_slip(structure=comptoir, payments=[cheque], by=reception)
    assert (slip.number, slip.total) == (previous + 1, Decimal("10.40"))
    cheque.refresh_from_db()
    assert cheque.deposit_slip == slip
    # A cheque goes on one slip only.
    with pytest.raises(PaymentError):
        create_deposit_slip(structure=comptoir, payments=[cheque], by=reception)
    assert DepositSlip.objects.filter(structure=comptoir).count() == previous + 1


def test_overpayment_and_foreign_structure_are_refused(demo_hub, jardins, reception):
    order = order_for(resident(), {"panier-moyen-format": "1"}, method="cash")
    with pytest.raises(PaymentError) as excinfo:
        record_offline_payment(order=order, structure=jardins, method="cash", amount=Decimal("17.01"), by=reception)
    assert excinfo.value.message == "Le montant dépasse ce qui reste dû à Jardins du Pôle : 17.00 €."
    comptoir = Structure.objects.get(slug="comptoir-equitable")
    with pytest.raises(PaymentError):
        record_offline_payment(order=order, structure=comptoir, method="cash", amount=Decimal("1"), by=reception)
    assert not Payment.objects.filter(order=order).exists()


def test_someone_without_a_role_cannot_cash(demo_hub, jardins):
    order = order_for(resident(), {"panier-moyen-format": "1"}, method="cash")
    with pytest.raises(PaymentError) as excinfo:
        record_offline_payment(order=order, structure=jardins, method="cash", amount=Decimal("17"), by=resident())
    assert excinfo.value.message == "Vous n'encaissez pas pour cette structure."
    assert not Payment.objects.filter(order=order).exists()


def test_cheque_needs_a_number(demo_hub, jardins, reception):
    order = order_for(resident(), {"panier-moyen-format": "1"}, method="cheque")
    with pytest.raises(PaymentError):
        record_offline_payment(order=order, structure=jardins, method="cheque", amount=Decimal("17"), by=reception)
    assert not Payment.objects.filter(order=order).exists()


def test_cancel_unpaid_order_restocks_and_credits_invoices(demo_hub, reception):
    stock = offering("cafe-equitable-moulu-250-g").stock
    order = order_for(resident(), {"cafe-equitable-moulu-250-g": "3"}, method="cash")
    invoice = order.invoices.get()
    cancel_order(order=order, by=reception, reason="Client absent")
    order.refresh_from_db()
    assert order.fulfilment_status == FulfilmentStatus.CANCELLED
    assert offering("cafe-equitable-moulu-250-g").stock == stock
    credit_note = Invoice.objects.get(credited_invoice=invoice)
    assert credit_note.kind == InvoiceKind.CREDIT_NOTE
    assert credit_note.total_incl == invoice.total_incl == Decimal("15.60")
    year = invoice.issue_date.year
    assert int(credit_note.number.rsplit("-", 1)[1]) == int(invoice.number.rsplit("-", 1)[1]) + 1
    assert credit_note.number.startswith(f"CEQ-{year}-")


def test_partial_refund_by_a_manager_issues_a_credit_note(demo_hub, jardins, comptoir, reception):
    order = order_for(resident(), {"panier-moyen-format": "1", "cafe-equitable-moulu-250-g": "2"}, method="cash")
    record_offline_payment(order=order, structure=jardins, method="cash", amount=Decimal("17.00"), by=reception)
    record_offline_payment(order=order, structure=comptoir, method="cash", amount=Decimal("10.40"), by=reception)
    coffee = order.lines.get(name="Café équitable moulu (250 g)")
    # Staff without the manager role may not refund.
    with pytest.raises(RefundError):
        refund_order(order=order, by=reception, amounts={coffee.pk: Decimal("5.20")})
    manager = StructureRoleFactory(structure=comptoir, role=StaffRole.MANAGER).user
    refund_order(order=order, by=manager, amounts={coffee.pk: Decimal("5.20")}, reason="Paquet abîmé")
    order.refresh_from_db()
    assert order.payment_status == PaymentStatus.PARTIALLY_REFUNDED
    assert order.amount_refunded == Decimal("5.20")
    credit = Invoice.objects.get(kind=InvoiceKind.CREDIT_NOTE, order=order)
    assert credit.structure == comptoir
    assert (credit.total_excl, credit.total_vat, credit.total_incl) == (
        Decimal("4.93"),
        Decimal("0.27"),
        Decimal("5.20"),
    )
    # More than what is left is refused, and nothing changes.
    with pytest.raises(RefundError) as excinfo:
        refund_order(order=order, by=manager, amounts={coffee.pk: Decimal("5.21")})
    assert excinfo.value.message == "« Café équitable moulu (250 g) » : on ne peut rembourser que 5.20 €."
    order.refresh_from_db()
    assert order.amount_refunded == Decimal("5.20")
    # A manager of the Comptoir cannot refund the Jardins' basket.
    basket = order.lines.get(name="Panier moyen format")
    with pytest.raises(RefundError):
        refund_order(order=order, by=manager, amounts={basket.pk: Decimal("17.00")})


def test_issued_invoices_are_immutable(demo_hub):
    from marketplace.exceptions import ImmutableInvoice

    order = order_for(resident(), {"panier-moyen-format": "1"}, method="cash")
    invoice = order.invoices.get()
    invoice.buyer_name = "Quelqu'un d'autre"
    with pytest.raises(ImmutableInvoice):
        invoice.save()
    with pytest.raises(ImmutableInvoice):
        invoice.delete()
    invoice.refresh_from_db()
    assert invoice.buyer_name == order.billing_name
