"""Orders and invoices built row by row, then issued for real (numbers, dates, entries), for the documents' tests.

A document test needs an invoice issued on a given day for lines it chooses, delivered days
before: the checkout would invoice at the moment of ordering instead. So the order and invoice
rows are written here, their totals computed by `hub.money` exactly as the checkout computes them,
and only the issuing goes through `invoicing.issue`. Sellers are built by the tests themselves.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

import factory

from hub import money
from hub.models import Structure
from marketplace.actions import invoicing
from marketplace.enums import FulfilmentStatus, InvoiceKind, PaymentMethod, PaymentStatus
from marketplace.models import Invoice, InvoiceLine, Order, OrderLine
from services.enums import OfferingKind, RevenueAccount, Unit
from tests.accounts.factories import UserFactory
from tests.hub.factories import CollectiveFactory, OrganisationFactory
from tests.services.factories import OfferingFactory

# Issue (and payment) moment of every test invoice: today, 11:00 in Paris. Not a fixed past day: the
# demo hub's series already hold invoices up to today, and a series refuses an earlier date (ADR 0009).
ISSUED_AT = datetime.datetime.now(ZoneInfo("Europe/Paris")).replace(hour=11, minute=0, second=0, microsecond=0)
DUE_30_DAYS = ISSUED_AT + datetime.timedelta(days=30)
DELIVERED_AT = ISSUED_AT - datetime.timedelta(days=4)


@dataclass(frozen=True)
class Line:
    """One line to invoice: what the order line snapshots, prices incl. VAT (DOMAIN.md rule 2)."""

    description: str
    quantity: Decimal
    unit_price_incl: Decimal
    vat_rate: Decimal = Decimal("0.00")
    unit: str = Unit.ITEM
    vat_exemption_mention: str = ""
    is_goods: bool = True
    sap_eligible: bool = False
    revenue_account: str = RevenueAccount.GOODS

    def amounts(self) -> dict:
        total_incl = money.line_total(self.unit_price_incl, self.quantity)
        total_excl, total_vat = money.split_incl(total_incl, self.vat_rate)
        return {"total_excl": total_excl, "total_vat": total_vat, "total_incl": total_incl}


class OrderRowFactory(factory.django.DjangoModelFactory):
    """An order row, confirmed; its lines and totals are written by `order_with_lines`."""

    class Meta:
        model = Order

    reference = factory.Sequence(lambda n: f"CMD-TEST-{n:05d}")
    customer = factory.SubFactory(UserFactory)
    payment_method = PaymentMethod.CARD
    fulfilment_status = FulfilmentStatus.CONFIRMED
    confirmed_at = ISSUED_AT
    billing_name = "Camille Martin"
    billing_address = "4 impasse des Tilleuls\n77140 Nemours"
    billing_email = "camille@exemple.test"
    total_excl = Decimal("0.00")
    total_vat = Decimal("0.00")
    total_incl = Decimal("0.00")

    class Params:
        paid = factory.Trait(payment_status=PaymentStatus.PAID, paid_at=ISSUED_AT)
        # Delivered four days before the invoice is issued.
        fulfilled = factory.Trait(fulfilment_status=FulfilmentStatus.FULFILLED, fulfilled_at=DELIVERED_AT)
        business = factory.Trait(
            organisation=factory.SubFactory(
                OrganisationFactory,
                name="Crèche associative Les P'tits Loups",
                siren="778899005",
                address_line1="5 rue des Écoles",
            ),
            payment_method=PaymentMethod.TRANSFER,
            billing_name="Crèche associative Les P'tits Loups",
            billing_address="5 rue des Écoles\n77140 Nemours",
            billing_email="creche@ptits-loups.test",
            billing_siren="778899005",
        )


def order_with_lines(seller: Structure, lines: list[Line], **order_fields) -> Order:
    """An order of one seller's lines, with its offerings, snapshots and totals."""
    amounts = [line.amounts() for line in lines]
    order = OrderRowFactory(
        total_excl=sum((a["total_excl"] for a in amounts), Decimal("0.00")),
        total_vat=sum((a["total_vat"] for a in amounts), Decimal("0.00")),
        total_incl=sum((a["total_incl"] for a in amounts), Decimal("0.00")),
        **order_fields,
    )
    for line, amount in zip(lines, amounts, strict=True):
        offering = OfferingFactory(
            structure=seller,
            name=line.description,
            kind=OfferingKind.HOME_SERVICE if line.sap_eligible else OfferingKind.GOODS,
            unit=line.unit,
            price=line.unit_price_incl,
            vat_rate=line.vat_rate,
            vat_exemption_mention=line.vat_exemption_mention,
            revenue_account=line.revenue_account,
            sap_eligible=line.sap_eligible,
        )
        OrderLine.objects.create(
            order=order,
            offering=offering,
            seller=seller,
            name=line.description,
            unit=line.unit,
            quantity=line.quantity,
            unit_price=line.unit_price_incl,
            vat_rate=line.vat_rate,
            vat_exemption_mention=line.vat_exemption_mention,
            revenue_account=line.revenue_account,
            is_goods=line.is_goods,
            sap_eligible=line.sap_eligible,
            **amount,
        )
    return order


def draft_invoice(seller: Structure, lines: list[Line], *, order: Order | None = None, **invoice_fields) -> Invoice:
    """A draft invoice of `lines` by `seller`; its buyer comes from the order unless given."""
    amounts = [line.amounts() for line in lines]
    buyer = {}
    if order is not None:
        buyer = {
            "buyer_name": order.billing_name,
            "buyer_address": order.billing_address,
            "buyer_siren": order.billing_siren,
            "buyer_vat_number": order.billing_vat_number,
            "buyer_is_business": order.is_b2b,
            "customer": order.customer,
            "organisation": order.organisation,
            "purchase_order_number": order.purchase_order_number,
        }
    invoice = Invoice.objects.create(
        structure=seller,
        order=order,
        category=invoicing.category_of(lines),
        total_excl=sum((a["total_excl"] for a in amounts), Decimal("0.00")),
        total_vat=sum((a["total_vat"] for a in amounts), Decimal("0.00")),
        total_incl=sum((a["total_incl"] for a in amounts), Decimal("0.00")),
        sap=any(line.sap_eligible for line in lines),
        **{**buyer, **invoice_fields},
    )
    order_lines = list(order.lines.order_by("pk")) if order is not None else [None] * len(lines)
    for line, amount, order_line in zip(lines, amounts, order_lines, strict=True):
        InvoiceLine.objects.create(
            invoice=invoice,
            order_line=order_line,
            invoiced_line=order_line if invoice.kind == InvoiceKind.INVOICE else None,
            description=line.description,
            quantity=line.quantity,
            unit=line.unit,
            unit_price_incl=line.unit_price_incl,
            unit_price_excl=money.unit_price_excl(line.unit_price_incl, line.vat_rate),
            vat_rate=line.vat_rate,
            vat_exemption_mention=line.vat_exemption_mention,
            revenue_account=line.revenue_account,
            is_goods=line.is_goods,
            sap_eligible=line.sap_eligible,
            **amount,
        )
    return invoice


def issued_invoice(seller: Structure, lines: list[Line], *, order_fields=None, **invoice_fields) -> Invoice:
    """An order of `lines` and its invoice, issued through the real action on ISSUED_AT."""
    order = order_with_lines(seller, lines, **(order_fields or {}))
    invoice = draft_invoice(seller, lines, order=order, **invoice_fields)
    return invoicing.issue(invoice, at=ISSUED_AT)


def shared_services_invoice(member: Structure, lines: list[Line], **invoice_fields) -> Invoice:
    """The Collectif's monthly shared-services invoice to a member structure (no order)."""
    collective = CollectiveFactory()
    invoice = draft_invoice(
        collective,
        lines,
        buyer_structure=member,
        buyer_name=member.name,
        buyer_address="\n".join(member.address_lines),
        buyer_siren=member.siren,
        buyer_vat_number=member.vat_number,
        buyer_is_business=True,
        **invoice_fields,
    )
    return invoicing.issue(invoice, at=ISSUED_AT)
