"""Factur-X: the EN 16931 Cross-Industry-Invoice (D16B) XML of an issued invoice (DOMAIN.md rule 10)."""

import datetime
import re
from decimal import ROUND_HALF_UP, Decimal

import facturx
from lxml import etree

from hub import money
from hub.models import Structure
from marketplace.invoice_documents.content import (
    LATE_PAYMENT_PENALTY,
    NO_DISCOUNT,
    RECOVERY_FEE,
    InvoiceDocument,
    build_document,
)
from marketplace.models import Invoice, InvoiceLine
from services.enums import Unit

FACTURX_FLAVOR = "factur-x"
FACTURX_LEVEL = "en16931"
GUIDELINE_EN16931 = "urn:cen.eu:en16931:2017"
TYPE_INVOICE = "380"
TYPE_CREDIT_NOTE = "381"
# ISO 6523 ICD: 0002 is the SIRENE register (SIREN, the legal ID the French CTC asks for), 0009 the SIRET.
SCHEME_SIREN = "0002"
SCHEME_SIRET = "0009"
SEPA_CREDIT_TRANSFER = "58"
# UN/ECE Recommendation 20 codes of our units; "one" (C62) for units that have no code of their own.
UNECE_UNIT_CODES = {
    Unit.ITEM: "C62",
    Unit.KG: "KGM",
    Unit.HOUR: "HUR",
    Unit.DAY: "DAY",
    Unit.KM: "KMT",
    Unit.SESSION: "C62",
    Unit.DELIVERY: "C62",
}

NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "qdt": "urn:un:unece:uncefact:data:standard:QualifiedDataType:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
}
_POSTCODE_CITY = re.compile(r"^(?P<postcode>\d{5})\s+(?P<city>.+)$")


def facturx_xml(invoice: Invoice, *, document: InvoiceDocument | None = None) -> bytes:
    """The EN 16931 Cross-Industry-Invoice XML of an issued invoice, checked against the Factur-X XSD."""
    document = document or build_document(invoice)
    _check_totals(document)
    root = etree.Element(_q("rsm", "CrossIndustryInvoice"), nsmap=NS)

    context = _sub(root, "rsm", "ExchangedDocumentContext")
    _sub(_sub(context, "ram", "GuidelineSpecifiedDocumentContextParameter"), "ram", "ID", GUIDELINE_EN16931)

    exchanged = _sub(root, "rsm", "ExchangedDocument")
    _sub(exchanged, "ram", "ID", invoice.number)
    _sub(exchanged, "ram", "TypeCode", TYPE_CREDIT_NOTE if invoice.is_credit_note else TYPE_INVOICE)
    _date(_sub(exchanged, "ram", "IssueDateTime"), invoice.issue_date)
    notes = [(NO_DISCOUNT, "AAB"), (LATE_PAYMENT_PENALTY, "PMD"), (RECOVERY_FEE, "PMT")]
    if document.seller.is_company:
        notes.append((_company_note(document.seller), "ABL"))
    for content, subject in notes:
        note = _sub(exchanged, "ram", "IncludedNote")
        _sub(note, "ram", "Content", content)
        _sub(note, "ram", "SubjectCode", subject)

    transaction = _sub(root, "rsm", "SupplyChainTradeTransaction")
    for position, doc_line in enumerate(document.lines, start=1):
        _line_item(transaction, position, doc_line.line)

    agreement = _sub(transaction, "ram", "ApplicableHeaderTradeAgreement")
    if invoice.purchase_order_number:
        _sub(agreement, "ram", "BuyerReference", invoice.purchase_order_number)
    _seller_party(agreement, document.seller)
    _buyer_party(agreement, document)
    if invoice.purchase_order_number:
        _sub(
            _sub(agreement, "ram", "BuyerOrderReferencedDocument"),
            "ram",
            "IssuerAssignedID",
            invoice.purchase_order_number,
        )

    delivery = _sub(transaction, "ram", "ApplicableHeaderTradeDelivery")
    if document.delivery_date:
        event = _sub(delivery, "ram", "ActualDeliverySupplyChainEvent")
        _date(_sub(event, "ram", "OccurrenceDateTime"), document.delivery_date)

    settlement = _sub(transaction, "ram", "ApplicableHeaderTradeSettlement")
    _sub(settlement, "ram", "InvoiceCurrencyCode", "EUR")
    if not invoice.is_credit_note and document.seller.iban:
        means = _sub(settlement, "ram", "SpecifiedTradeSettlementPaymentMeans")
        _sub(means, "ram", "TypeCode", SEPA_CREDIT_TRANSFER)
        _sub(_sub(means, "ram", "PayeePartyCreditorFinancialAccount"), "ram", "IBANID", document.seller.iban)
        if document.seller.bic:
            _sub(_sub(means, "ram", "PayeeSpecifiedCreditorFinancialInstitution"), "ram", "BICID", document.seller.bic)
    for group in document.vat_groups:
        tax = _sub(settlement, "ram", "ApplicableTradeTax")
        _sub(tax, "ram", "CalculatedAmount", _amount(group.vat))
        _sub(tax, "ram", "TypeCode", "VAT")
        if group.is_exempt:
            _sub(tax, "ram", "ExemptionReason", " ; ".join(group.mentions) or "Exonération de TVA")
        _sub(tax, "ram", "BasisAmount", _amount(group.base))
        _sub(tax, "ram", "CategoryCode", group.category)
        _sub(tax, "ram", "RateApplicablePercent", _amount(group.rate))
    if invoice.period_start and invoice.period_end:
        period = _sub(settlement, "ram", "BillingSpecifiedPeriod")
        _date(_sub(period, "ram", "StartDateTime"), invoice.period_start)
        _date(_sub(period, "ram", "EndDateTime"), invoice.period_end)
    terms = _sub(settlement, "ram", "SpecifiedTradePaymentTerms")
    _sub(terms, "ram", "Description", _payment_terms(document))
    if invoice.due_date:
        _date(_sub(terms, "ram", "DueDateDateTime"), invoice.due_date)

    summation = _sub(settlement, "ram", "SpecifiedTradeSettlementHeaderMonetarySummation")
    grand_total = invoice.total_excl + invoice.total_vat
    _sub(summation, "ram", "LineTotalAmount", _amount(document.line_total))
    _sub(summation, "ram", "TaxBasisTotalAmount", _amount(invoice.total_excl))
    _sub(summation, "ram", "TaxTotalAmount", _amount(invoice.total_vat), currencyID="EUR")
    _sub(summation, "ram", "GrandTotalAmount", _amount(grand_total))
    if document.prepaid_amount:
        _sub(summation, "ram", "TotalPrepaidAmount", _amount(document.prepaid_amount))
    _sub(summation, "ram", "DuePayableAmount", _amount(grand_total - document.prepaid_amount))

    credited = invoice.credited_invoice
    if credited is not None:
        referenced = _sub(settlement, "ram", "InvoiceReferencedDocument")
        _sub(referenced, "ram", "IssuerAssignedID", credited.number)
        formatted = _sub(referenced, "ram", "FormattedIssueDateTime")
        _sub(formatted, "qdt", "DateTimeString", credited.issue_date.strftime("%Y%m%d"), format="102")

    xml = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    facturx.xml_check_xsd(xml, flavor=FACTURX_FLAVOR, level=FACTURX_LEVEL)
    return xml


def _check_totals(document: InvoiceDocument) -> None:
    """EN 16931 totals must add up (BR-CO-10, 13, 14, 15); a stored invoice that does not is a bug."""
    invoice = document.invoice
    errors = []
    if document.line_total != invoice.total_excl:
        errors.append(f"somme des lignes {document.line_total} ≠ total HT {invoice.total_excl}")
    vat_sum = sum((group.vat for group in document.vat_groups), Decimal("0.00"))
    if vat_sum != invoice.total_vat:
        errors.append(f"TVA par taux {vat_sum} ≠ TVA {invoice.total_vat}")
    if invoice.total_excl + invoice.total_vat != invoice.total_incl:
        errors.append(f"HT + TVA ≠ TTC {invoice.total_incl}")
    if errors:
        raise ValueError(f"Facture {invoice.number} incohérente : " + " ; ".join(errors))


def _line_item(parent, position: int, line: InvoiceLine) -> None:
    item = _sub(parent, "ram", "IncludedSupplyChainTradeLineItem")
    _sub(_sub(item, "ram", "AssociatedDocumentLineDocument"), "ram", "LineID", str(position))
    _sub(_sub(item, "ram", "SpecifiedTradeProduct"), "ram", "Name", line.description)
    agreement = _sub(item, "ram", "SpecifiedLineTradeAgreement")
    _sub(_sub(agreement, "ram", "GrossPriceProductTradePrice"), "ram", "ChargeAmount", _price(line.unit_price_excl))
    _sub(_sub(agreement, "ram", "NetPriceProductTradePrice"), "ram", "ChargeAmount", _price(line.unit_price_excl))
    delivery = _sub(item, "ram", "SpecifiedLineTradeDelivery")
    _sub(delivery, "ram", "BilledQuantity", f"{line.quantity:f}", unitCode=UNECE_UNIT_CODES.get(line.unit, "C62"))
    settlement = _sub(item, "ram", "SpecifiedLineTradeSettlement")
    tax = _sub(settlement, "ram", "ApplicableTradeTax")
    _sub(tax, "ram", "TypeCode", "VAT")
    # The exemption reason (BT-120) belongs to the VAT breakdown only: EN 16931 has none per line.
    _sub(tax, "ram", "CategoryCode", "E" if line.vat_rate == 0 else "S")
    _sub(tax, "ram", "RateApplicablePercent", _amount(line.vat_rate))
    summation = _sub(settlement, "ram", "SpecifiedTradeSettlementLineMonetarySummation")
    _sub(summation, "ram", "LineTotalAmount", _amount(line.total_excl))


def _seller_party(parent, seller: Structure) -> None:
    party = _sub(parent, "ram", "SellerTradeParty")
    _sub(party, "ram", "GlobalID", seller.siret, schemeID=SCHEME_SIRET)
    _sub(party, "ram", "Name", seller.name)
    _sub(_sub(party, "ram", "SpecifiedLegalOrganization"), "ram", "ID", seller.siren, schemeID=SCHEME_SIREN)
    _address(party, seller.address_lines)
    if seller.vat_number:
        _sub(_sub(party, "ram", "SpecifiedTaxRegistration"), "ram", "ID", seller.vat_number, schemeID="VA")


def _buyer_party(parent, document: InvoiceDocument) -> None:
    party = _sub(parent, "ram", "BuyerTradeParty")
    if document.buyer_siret:
        _sub(party, "ram", "GlobalID", document.buyer_siret, schemeID=SCHEME_SIRET)
    _sub(party, "ram", "Name", document.invoice.buyer_name)
    if document.buyer_siren:
        _sub(_sub(party, "ram", "SpecifiedLegalOrganization"), "ram", "ID", document.buyer_siren, schemeID=SCHEME_SIREN)
    _address(party, document.buyer_address_lines)
    if document.buyer_vat_number:
        _sub(_sub(party, "ram", "SpecifiedTaxRegistration"), "ram", "ID", document.buyer_vat_number, schemeID="VA")


def _address(party, lines: list[str]) -> None:
    """A French postal address from printed lines: the last « 12345 Commune » line gives postcode and city."""
    lines = list(lines)
    postcode = city = ""
    for index in range(len(lines) - 1, -1, -1):
        match = _POSTCODE_CITY.match(lines[index])
        if match:
            postcode, city = match["postcode"], match["city"]
            del lines[index]
            break
    address = _sub(party, "ram", "PostalTradeAddress")
    if postcode:
        _sub(address, "ram", "PostcodeCode", postcode)
    street = lines[:2] + ([", ".join(lines[2:])] if lines[2:] else [])
    for name, text in zip(("LineOne", "LineTwo", "LineThree"), street, strict=False):
        _sub(address, "ram", name, text)
    if city:
        _sub(address, "ram", "CityName", city)
    _sub(address, "ram", "CountryID", "FR")


def _payment_terms(document: InvoiceDocument) -> str:
    invoice = document.invoice
    if invoice.is_credit_note:
        return f"Avoir sur la facture N° {invoice.credited_invoice.number}."
    if document.paid_at:
        return f"Payée le {document.paid_at:%d/%m/%Y}."
    terms = f"Paiement au plus tard le {invoice.due_date:%d/%m/%Y}"
    if document.seller.iban:
        terms += " par virement"
    return terms + ". " + NO_DISCOUNT


def _company_note(seller: Structure) -> str:
    parts = [seller.legal_form, f"au capital de {money.format_eur(seller.share_capital)}"]
    if seller.registration_number:
        parts.append(seller.registration_number)
    return ", ".join(parts)


def _q(prefix: str, name: str) -> str:
    return f"{{{NS[prefix]}}}{name}"


def _sub(parent, prefix: str, name: str, text: str | None = None, **attributes):
    element = etree.SubElement(parent, _q(prefix, name), **attributes)
    if text is not None:
        element.text = text
    return element


def _date(parent, value: datetime.date) -> None:
    _sub(parent, "udt", "DateTimeString", value.strftime("%Y%m%d"), format="102")


def _amount(value: Decimal) -> str:
    return f"{money.quantize(value):f}"


def _price(value: Decimal) -> str:
    return f"{value.quantize(money.TEN_THOUSANDTH, rounding=ROUND_HALF_UP):f}"
