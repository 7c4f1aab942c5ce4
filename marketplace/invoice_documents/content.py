"""What an invoice or credit note shows, computed once for the PDF and the Factur-X XML: lines,
VAT summary, buyer identity, payment and SAP mentions (DOMAIN.md rule 9)."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from hub import money
from hub.enums import SapInterventionMode
from hub.models import Structure
from marketplace.enums import PaymentMethod, PaymentStatus
from marketplace.interventions import interventions_of
from marketplace.models import Invoice, InvoiceLine, Order
from services.enums import Unit

# B2B payment mentions (C. com. L441-9 and L441-10).
NO_DISCOUNT = "Pas d'escompte pour paiement anticipé."
LATE_PAYMENT_PENALTY = (
    "Pénalités de retard : taux d'intérêt égal à trois fois le taux d'intérêt légal, "
    "exigibles dès le lendemain de l'échéance."
)
RECOVERY_FEE = "Indemnité forfaitaire pour frais de recouvrement : 40\u00a0€."
SAP_TAX_CREDIT_RATE = Decimal("0.5")


@dataclass
class VatGroup:
    """The lines of one VAT rate (and, at 0 %, their exemption mentions): one row of the VAT summary."""

    rate: Decimal
    base: Decimal = Decimal("0.00")
    vat: Decimal = Decimal("0.00")
    mentions: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class DocumentIntervention:
    """One worker's visit printed under an SAP line (the law asks for name and identifier, date and hours)."""

    day: datetime.date
    hours_text: str
    worker_name: str
    worker_identifier: str


@dataclass
class DocumentLine:
    line: InvoiceLine
    unit_label: str
    quantity_text: str
    unit_price_text: str
    hours_text: str
    interventions: list[DocumentIntervention] = field(default_factory=list)


@dataclass
class InvoiceDocument:
    invoice: Invoice
    seller: Structure
    title: str
    lines: list[DocumentLine]
    vat_groups: list[VatGroup]
    exemption_mentions: list[str]
    buyer_address_lines: list[str]
    buyer_siren: str
    buyer_vat_number: str
    buyer_siret: str
    paid_at: datetime.datetime | None
    delivery_date: datetime.date | None
    # SAP-eligible amount of the lines; the part the client pays personally (nothing when paid in
    # CESU préfinancés, REFERENCE.md §3.2); the 50 % credit stated on that part only.
    sap_eligible_amount: Decimal
    sap_paid_in_cesu: bool
    # Paid through the URSSAF's immediate advance: half advanced by the URSSAF, half debited from the client.
    sap_immediate_advance: bool
    sap_personal_amount: Decimal
    sap_tax_credit: Decimal

    @property
    def is_sap(self) -> bool:
        return is_sap(self.invoice)

    @property
    def sap_intervention_mode(self) -> str:
        mode = self.seller.sap_intervention_mode
        return str(SapInterventionMode(mode).label) if mode in SapInterventionMode.values else ""

    @property
    def no_discount(self) -> str:
        return NO_DISCOUNT

    @property
    def late_payment_penalty(self) -> str:
        return LATE_PAYMENT_PENALTY

    @property
    def recovery_fee(self) -> str:
        return RECOVERY_FEE

    @property
    def line_total(self) -> Decimal:
        return sum((line.line.total_excl for line in self.lines), Decimal("0.00"))

    @property
    def prepaid_amount(self) -> Decimal:
        return self.invoice.total_incl if self.paid_at and not self.invoice.is_credit_note else Decimal("0.00")


def build_document(invoice: Invoice) -> InvoiceDocument:
    seller = invoice.structure
    lines = list(invoice.lines.all())
    groups: dict[Decimal, VatGroup] = {}
    for line in lines:
        group = groups.setdefault(line.vat_rate, VatGroup(rate=line.vat_rate))
        group.base += line.total_excl
        group.vat += line.total_vat
        if line.vat_rate == 0:
            mention = line.vat_exemption_mention or seller.vat_exemption_mention
            if mention and mention not in group.mentions:
                group.mentions.append(mention)
    vat_groups = [groups[rate] for rate in sorted(groups)]
    exemption_mentions = [mention for group in vat_groups for mention in group.mentions]

    buyer_structure = invoice.buyer_structure
    buyer_siren = invoice.buyer_siren or (buyer_structure.siren if buyer_structure else "")
    buyer_vat_number = invoice.buyer_vat_number or (buyer_structure.vat_number if buyer_structure else "")

    sap_eligible = sum((line.total_incl for line in lines if line.sap_eligible), Decimal("0.00"))
    paid_in_cesu = _paid_in_cesu(invoice)
    personal = Decimal("0.00") if paid_in_cesu else sap_eligible
    interventions = {}
    if is_sap(invoice) and not invoice.is_credit_note:
        interventions = interventions_of(
            line.order_line_id for line in lines if line.sap_eligible and line.order_line_id
        )
    return InvoiceDocument(
        invoice=invoice,
        seller=seller,
        title="Avoir" if invoice.is_credit_note else "Facture d'acompte" if invoice.is_deposit else "Facture",
        lines=[_document_line(line, interventions.get(line.order_line_id, [])) for line in lines],
        vat_groups=vat_groups,
        exemption_mentions=exemption_mentions,
        buyer_address_lines=[part.strip() for part in invoice.buyer_address.splitlines() if part.strip()],
        buyer_siren=buyer_siren,
        buyer_vat_number=buyer_vat_number,
        buyer_siret=buyer_structure.siret if buyer_structure else "",
        paid_at=_paid_at(invoice),
        delivery_date=timezone.localdate(invoice.order.fulfilled_at)
        if invoice.order and invoice.order.fulfilled_at
        else None,
        sap_eligible_amount=sap_eligible,
        sap_paid_in_cesu=paid_in_cesu,
        sap_immediate_advance=_paid_by_advance(invoice),
        sap_personal_amount=personal,
        sap_tax_credit=money.quantize(personal * SAP_TAX_CREDIT_RATE),
    )


def is_sap(invoice: Invoice) -> bool:
    """An invoice of services à la personne by a declared seller: it carries the SAP mentions."""
    return invoice.sap and bool(invoice.structure.sap_declaration_number)


def _order_of(invoice: Invoice) -> Order | None:
    if invoice.order is not None:
        return invoice.order
    return invoice.credited_invoice.order if invoice.credited_invoice is not None else None


def _paid_in_cesu(invoice: Invoice) -> bool:
    """Paid in CESU préfinancés (financed by an employer or a fund): no tax credit is promised on it."""
    order = _order_of(invoice)
    return order is not None and order.payment_method == PaymentMethod.CESU


def _paid_by_advance(invoice: Invoice) -> bool:
    order = _order_of(invoice)
    return order is not None and order.payment_method == PaymentMethod.URSSAF


def _paid_at(invoice: Invoice) -> datetime.datetime | None:
    order = invoice.order
    if order is None or order.payment_status == PaymentStatus.UNPAID:
        return None
    return order.paid_at


def _document_line(line: InvoiceLine, interventions: list) -> DocumentLine:
    unit_label = str(Unit(line.unit).label) if line.unit in Unit.values else line.unit
    hours_text = ""
    if line.unit == Unit.HOUR:
        hours_text = f"{format_quantity(line.quantity)}\u00a0h × {format_unit_price(line.unit_price_incl)} de l'heure"
    return DocumentLine(
        line=line,
        unit_label=unit_label,
        quantity_text=format_quantity(line.quantity),
        unit_price_text=format_unit_price(line.unit_price_excl),
        hours_text=hours_text,
        interventions=[
            DocumentIntervention(
                day=item.day,
                hours_text=f"{format_quantity(item.hours)}\u00a0h",
                worker_name=item.worker_name,
                worker_identifier=item.worker_identifier,
            )
            for item in interventions
        ],
    )


def format_quantity(quantity: Decimal) -> str:
    """2.000 → « 2 », 1.250 → « 1,25 »."""
    text = f"{quantity.normalize():f}"
    return text.replace(".", ",")


def format_unit_price(amount: Decimal) -> str:
    """A unit price, to the cent like every amount printed (hub.formatting.unit_price says why)."""
    return money.format_eur(amount)
