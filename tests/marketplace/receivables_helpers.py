"""Open invoices built through the marketplace's own actions, for the receivables and dunning tests.

business_order(seller, price="120.00")   an organisation's order by transfer, invoiced today, due in 30 days
resident_order(seller)                   a resident's cash order, invoiced today, payable on receipt
pay_part(order, seller, "20.00")          a transfer received for the seller's share
"""

from decimal import Decimal

from hub.enums import StaffRole
from marketplace.actions.payments import record_offline_payment
from marketplace.enums import PaymentMethod
from marketplace.models import Invoice
from tests.hub.factories import OrganisationFactory, StructureFactory, staff_of
from tests.marketplace.factories import CustomerFactory, OrderFactory, SellerSettingsFactory
from tests.services.factories import OfferingFactory


def seller(**kwargs):
    structure = StructureFactory(**kwargs)
    SellerSettingsFactory(structure=structure, payment_terms_days=30)
    return structure


def business_order(structure, *, price: str = "120.00", organisation=None, customer=None, at=None):
    offering = OfferingFactory(structure=structure, price=Decimal(price))
    customer = customer or CustomerFactory()
    organisation = organisation or OrganisationFactory(members=[customer], email="compta@client.test")
    return OrderFactory(
        customer=customer,
        organisation=organisation,
        payment_method=PaymentMethod.TRANSFER,
        items=[(offering, Decimal("1"))],
        at=at,
    )


def resident_order(structure, *, price: str = "30.00", customer=None):
    offering = OfferingFactory(structure=structure, price=Decimal(price))
    return OrderFactory(customer=customer or CustomerFactory(), items=[(offering, Decimal("1"))])


def invoice_of(order, structure) -> Invoice:
    return Invoice.objects.issued().get(order=order, structure=structure, kind="invoice")


def pay_part(order, structure, amount: str, *, method=PaymentMethod.TRANSFER):
    return record_offline_payment(
        order=order,
        structure=structure,
        method=method,
        amount=Decimal(amount),
        by=staff_of(structure, role=StaffRole.MANAGER),
        site=order.pickup_point,
    )


def accountant_of(structure):
    return staff_of(structure, role=StaffRole.ACCOUNTANT)
