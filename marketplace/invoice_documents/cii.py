"""Factur-X: the EN 16931 Cross-Industry-Invoice (D16B) XML of an issued invoice (DOMAIN.md rule 10).

VAT categories (UNTDID 5305, BT-118 and BT-151), from the seller's regime and each line's rate:
- a rate above 0 is "S" (standard or reduced rate: 20, 10, 5.5 %), the seller's VAT number given;
- 0 % from a structure liable to VAT or exempt is "E" (exempt: art. 261 CGI, or the franchise of
  art. 293 B), with the printed mention as reason (BT-120) and its VATEX code (BT-121) when the
  mention names an article the code list knows. A seller without a VAT number is identified by
  its SIREN as tax registration (BT-32, scheme "FC"), which EN 16931 accepts instead (BR-E-02);
- 0 % from a structure not liable to VAT is "O" (not subject to VAT, VATEX-EU-O): then no VAT
  number may appear, the seller's nor the buyer's (BR-O-02), and no other category (BR-O-11).
French domestic sales have no zero rate ("Z"), and the hub makes no reverse-charge ("AE"),
intra-EU ("K") or export ("G") sale.
"""

import datetime
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import facturx
from lxml import etree

from hub import money
from hub.enums import VatRegime
from hub.models import Structure
from marketplace.invoice_documents.content import (
    LATE_PAYMENT_PENALTY,
    NO_DISCOUNT,
    RECOVERY_FEE,
    InvoiceDocument,
    VatGroup,
    build_document,
)
from marketplace.models import Invoice, InvoiceLine
from services.enums import Unit

FACTURX_FLAVOR = "factur-x"
FACTURX_LEVEL = "en16931"
GUIDELINE_EN16931 = "urn:cen.eu:en16931:2017"
TYPE_INVOICE = "380"
TYPE_CREDIT_NOTE = "381"
TYPE_PREPAYMENT_INVOICE = "386"  # UNTDID 1001: a deposit invoice (facture d'acompte)
# ISO 6523 ICD: 0002 is the SIRENE register (SIREN, the legal ID the French CTC asks for), 0009 the SIRET.
SCHEME_SIREN = "0002"
SCHEME_SIRET = "0009"
# UNTDID 1153: the seller's VAT number (BT-31) and, without one, its tax registration (BT-32), the SIREN.
SCHEME_VAT_NUMBER = "VA"
SCHEME_TAX_REGISTRATION = "FC"
CATEGORY_STANDARD = "S"
CATEGORY_EXEMPT = "E"
CATEGORY_NOT_SUBJECT = "O"
VATEX_NOT_SUBJECT = "VATEX-EU-O"
VATEX_FRANCHISE = "VATEX-FR-FRANCHISE"
# The French codes of the CEF VATEX list for art. 261 CGI, by paragraph (261-4: training, 261-7: associations).
VATEX_CGI_261 = {"1", "2", "3", "4", "5", "7", "8"}
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
_ART_293_B = re.compile(r"\b293\s*B\b")
_ART_261 = re.compile(r"\b261[\s-]+(?P<paragraph>\d+)\b")


@dataclass(frozen=True)
class VatBreakdown:
    """One VAT breakdown (BG-23): a rate's group of lines with its EN 16931 category and exemption reason."""

    group: VatGroup
    category: str
    exemption_reason: str = ""
    exemption_code: str = ""


def vat_category(seller: Structure, rate: Decimal) -> str:
    """The EN 16931 VAT category of a line sold by `seller` at `rate` (see the module docstring)."""
    if rate > 0:
        return CATEGORY_STANDARD
    return CATEGORY_NOT_SUBJECT if seller.vat_regime == VatRegime.NOT_LIABLE else CATEGORY_EXEMPT


def exemption_code(mention: str) -> str:
    """The VATEX code of the CGI article an exemption mention cites, or "" when none fits."""
    if _ART_293_B.search(mention):
        return VATEX_FRANCHISE
    match = _ART_261.search(mention)
    if match and match["paragraph"] in VATEX_CGI_261:
        return f"VATEX-FR-CGI261-{match['paragraph']}"
    return ""


def vat_breakdowns(document: InvoiceDocument) -> list[VatBreakdown]:
    """The VAT breakdowns of the document, one per rate as printed, each with its category and reason."""
    breakdowns = []
    for group in document.vat_groups:
        category = vat_category(document.seller, group.rate)
        if category == CATEGORY_STANDARD:
            breakdowns.append(VatBreakdown(group=group, category=category))
            continue
        reason = " ; ".join(group.mentions) or "TVA non applicable"
        if category == CATEGORY_NOT_SUBJECT:
            code = VATEX_NOT_SUBJECT
        else:
            # One code for the whole breakdown: mentions citing different articles keep their text only.
            codes = {exemption_code(mention) for mention in group.mentions}
            code = codes.pop() if len(codes) == 1 else ""
        breakdowns.append(VatBreakdown(group=group, category=category, exemption_reason=reason, exemption_code=code))
    return breakdowns


def facturx_xml(invoice: Invoice, *, document: InvoiceDocument | None = None) -> bytes:
    """The EN 16931 Cross-Industry-Invoice XML of an issued invoice, checked against the Factur-X XSD."""
    document = document or build_document(invoice)
    _check_totals(document)
    breakdowns = vat_breakdowns(document)
    _check_vat(document, breakdowns)
    # Not subject to VAT: no VAT number may appear on the invoice, the seller's nor the buyer's (BR-O-02).
    shows_vat_numbers = all(breakdown.category != CATEGORY_NOT_SUBJECT for breakdown in breakdowns)
    root = etree.Element(_q("rsm", "CrossIndustryInvoice"), nsmap=NS)

    context = _sub(root, "rsm", "ExchangedDocumentContext")
    _sub(_sub(context, "ram", "GuidelineSpecifiedDocumentContextParameter"), "ram", "ID", GUIDELINE_EN16931)

    exchanged = _sub(root, "rsm", "ExchangedDocument")
    _sub(exchanged, "ram", "ID", invoice.number)
    type_code = TYPE_CREDIT_NOTE if invoice.is_credit_note else TYPE_INVOICE
    _sub(exchanged, "ram", "TypeCode", TYPE_PREPAYMENT_INVOICE if invoice.is_deposit else type_code)
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
        _line_item(transaction, position, doc_line.line, category=vat_category(document.seller, doc_line.line.vat_rate))

    agreement = _sub(transaction, "ram", "ApplicableHeaderTradeAgreement")
    if invoice.purchase_order_number:
        _sub(agreement, "ram", "BuyerReference", invoice.purchase_order_number)
    _seller_party(agreement, document.seller, shows_vat_number=shows_vat_numbers)
    _buyer_party(agreement, document, shows_vat_number=shows_vat_numbers)
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
    for breakdown in breakdowns:
        tax = _sub(settlement, "ram", "ApplicableTradeTax")
        _sub(tax, "ram", "CalculatedAmount", _amount(breakdown.group.vat))
        _sub(tax, "ram", "TypeCode", "VAT")
        if breakdown.exemption_reason:
            _sub(tax, "ram", "ExemptionReason", breakdown.exemption_reason)
        _sub(tax, "ram", "BasisAmount", _amount(breakdown.group.base))
        _sub(tax, "ram", "CategoryCode", breakdown.category)
        if breakdown.exemption_code:
            _sub(tax, "ram", "ExemptionReasonCode", breakdown.exemption_code)
        # An invoice not subject to VAT has no rate at all (BR-48, BR-O-05).
        if breakdown.category != CATEGORY_NOT_SUBJECT:
            _sub(tax, "ram", "RateApplicablePercent", _amount(breakdown.group.rate))
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


def _check_vat(document: InvoiceDocument, breakdowns: list[VatBreakdown]) -> None:
    """VAT charged needs the seller's VAT number (BR-S-02); a seller not liable charges none (BR-O-11)."""
    categories = {breakdown.category for breakdown in breakdowns}
    errors = []
    if CATEGORY_STANDARD in categories and not document.seller.vat_number:
        errors.append(f"TVA facturée sans numéro de TVA du vendeur {document.seller}")
    if CATEGORY_NOT_SUBJECT in categories and len(categories) > 1:
        errors.append(f"{document.seller}, non assujettie à la TVA, facture de la TVA")
    if errors:
        raise ValueError(f"Facture {document.invoice.number} incohérente : " + " ; ".join(errors))


def _line_item(parent, position: int, line: InvoiceLine, *, category: str) -> None:
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
    _sub(tax, "ram", "CategoryCode", category)
    if category != CATEGORY_NOT_SUBJECT:
        _sub(tax, "ram", "RateApplicablePercent", _amount(line.vat_rate))
    summation = _sub(settlement, "ram", "SpecifiedTradeSettlementLineMonetarySummation")
    _sub(summation, "ram", "LineTotalAmount", _amount(line.total_excl))


def _seller_party(parent, seller: Structure, *, shows_vat_number: bool) -> None:
    party = _sub(parent, "ram", "SellerTradeParty")
    _sub(party, "ram", "GlobalID", seller.siret, schemeID=SCHEME_SIRET)
    _sub(party, "ram", "Name", seller.name)
    _sub(_sub(party, "ram", "SpecifiedLegalOrganization"), "ram", "ID", seller.siren, schemeID=SCHEME_SIREN)
    _address(party, seller.address_lines)
    registration = _sub(party, "ram", "SpecifiedTaxRegistration")
    if seller.vat_number and shows_vat_number:
        _sub(registration, "ram", "ID", seller.vat_number, schemeID=SCHEME_VAT_NUMBER)
    else:
        # Without a VAT number to give, the SIREN is the seller's tax registration identifier (BT-32).
        _sub(registration, "ram", "ID", seller.siren, schemeID=SCHEME_TAX_REGISTRATION)


def _buyer_party(parent, document: InvoiceDocument, *, shows_vat_number: bool) -> None:
    party = _sub(parent, "ram", "BuyerTradeParty")
    if document.buyer_siret:
        _sub(party, "ram", "GlobalID", document.buyer_siret, schemeID=SCHEME_SIRET)
    _sub(party, "ram", "Name", document.invoice.buyer_name)
    if document.buyer_siren:
        _sub(_sub(party, "ram", "SpecifiedLegalOrganization"), "ram", "ID", document.buyer_siren, schemeID=SCHEME_SIREN)
    _address(party, document.buyer_address_lines)
    if document.buyer_vat_number and shows_vat_number:
        _sub(
            _sub(party, "ram", "SpecifiedTaxRegistration"),
            "ram",
            "ID",
            document.buyer_vat_number,
            schemeID=SCHEME_VAT_NUMBER,
        )


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
