"""Invoice and credit-note PDFs: the mandatory mentions per regime (DOMAIN.md rule 9), Factur-X for
organisations (rule 10), and the cached file."""

import datetime
import io
import re
from decimal import Decimal

import facturx
import pypdf
import pytest
from lxml import etree

from marketplace import invoice_documents
from marketplace.actions import invoicing
from marketplace.models import Invoice
from services.enums import RevenueAccount, Unit
from tests.hub.factories import CollectiveFactory, StructureFactory
from tests.marketplace import en16931_schematron
from tests.marketplace.factories import SellerSettingsFactory
from tests.marketplace.invoice_factories import (
    DELIVERED_AT,
    DUE_30_DAYS,
    ISSUED_AT,
    Line,
    draft_invoice,
    issued_invoice,
    shared_services_invoice,
)

pytestmark = [
    pytest.mark.django_db,
    # WeasyPrint 70 opens its sRGB profile for PDF/A output and never closes it (harmless, but a warning).
    pytest.mark.filterwarnings(
        "ignore:unclosed file <_io.BufferedReader name='.*/weasyprint/pdf/sRGB2014.icc'>:ResourceWarning"
    ),
]

AI_MENTION = "TVA non applicable, art. 261-7-1° bis du CGI"
MOBILITY_MENTION = "TVA non applicable, art. 261-7-1°-b du CGI"
COLLECTIVE_MENTION = "Association non assujettie à la TVA (art. 261-7-1° du CGI)"
NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
    "qdt": "urn:un:unece:uncefact:data:standard:QualifiedDataType:100",
}


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """The private storage's root (invoice PDFs never go under MEDIA_ROOT)."""
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    return tmp_path


# The sellers' legal identities, printed on their invoices.
MARINIERS = {"address_line1": "12 rue des Mariniers", "postcode": "77140", "city": "Nemours"}


@pytest.fixture
def garden(db):
    return StructureFactory(
        name="Jardins du Loing", siret="52345671300016", liable=True, default_vat_rate=Decimal("5.50"), **MARINIERS
    )


@pytest.fixture
def laundry(db):
    return StructureFactory(name="Lavoir solidaire", siret="53456782100010", liable=True, **MARINIERS)


@pytest.fixture
def home_services(db):
    return StructureFactory(name="Services à domicile", siret="54567893000011", ai=True, **MARINIERS)


@pytest.fixture
def mobility(db):
    return StructureFactory(
        name="Mobilité rurale", siret="55678904800015", vat_exemption_mention=MOBILITY_MENTION, **MARINIERS
    )


@pytest.fixture
def scop(db):
    return StructureFactory(
        name="Comptoir coopératif",
        siret="56789015700017",
        company=True,
        liable=True,
        default_vat_rate=Decimal("5.50"),
        registration_number="RCS Melun 567 890 157",
        iban="FR7615589234000001234560626",
        **MARINIERS,
    )


def text_of(pdf: bytes) -> str:
    """The PDF's text on one line, every run of spaces (no-break ones included) made one space."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def embedded_xml(pdf: bytes) -> etree._Element:
    filename, xml = facturx.get_facturx_xml_from_pdf(pdf, check_xsd=False)
    assert filename == "factur-x.xml"
    assert facturx.xml_check_xsd(xml, flavor="factur-x", level="en16931") is True
    assert en16931_schematron.fatal_findings(xml) == []
    return etree.fromstring(xml)


def xpath(root, path: str) -> list[str]:
    return [node if isinstance(node, str) else node.text for node in root.xpath(path, namespaces=NS)]


def attachments(pdf: bytes) -> list[str]:
    return list(pypdf.PdfReader(io.BytesIO(pdf)).attachments)


def basket_invoice(garden, *, paid: bool):
    return issued_invoice(
        garden,
        [
            Line("Panier de légumes — grand", Decimal("2"), Decimal("18.00"), Decimal("5.50"), revenue_account="701"),
            Line("Œufs bio, boîte de 6", Decimal("3"), Decimal("3.20"), Decimal("5.50"), revenue_account="701"),
        ],
        order_fields={"paid": paid},
    )


def scop_b2b_invoice(scop):
    SellerSettingsFactory(structure=scop, payment_terms_days=30)
    return issued_invoice(
        scop,
        [
            Line("Café équitable du Pérou, 1 kg", Decimal("2"), Decimal("14.50"), Decimal("5.50")),
            Line("Panier garni artisanal", Decimal("1"), Decimal("36.00"), Decimal("20.00")),
            Line(
                "Livraison sur site",
                Decimal("1"),
                Decimal("6.00"),
                Decimal("20.00"),
                unit=Unit.DELIVERY,
                is_goods=False,
                revenue_account=RevenueAccount.SERVICES,
            ),
        ],
        order_fields={"business": True, "fulfilled": True, "purchase_order_number": "BC-2026-014"},
    )


def test_vat_liable_b2c_invoice_paid_by_card(garden):
    invoice = basket_invoice(garden, paid=True)

    pdf = invoice_documents.pdf_bytes(invoice)

    text = text_of(pdf)
    assert text.startswith("Jardins du Loing Association loi 1901 12 rue des Mariniers 77140 Nemours")
    assert "SIRET : 52345671300016" in text
    assert "N° TVA intracommunautaire : FR00523456713" in text
    assert "Client Camille Martin 4 impasse des Tilleuls 77140 Nemours" in text.replace("CLIENT", "Client")
    assert f"Facture N° {invoice.number}" in text
    assert f"Date {ISSUED_AT:%d/%m/%Y} Nature de l'opération" in text
    assert "Nature de l'opération Livraison de biens" in text
    # 36,00 € TTC at 5.5 %: VAT 1,88 €, excl. 34,12 €; unit price excl. VAT to the cent (17.0616 → 17,06 €).
    assert "Panier de légumes — grand 2 pièce 17,06 € 5,5 % 34,12 €" in text
    assert "Œufs bio, boîte de 6 3 pièce 3,03 € 5,5 % 9,10 €" in text
    assert "Taux de TVA Base HT Montant TVA 5,5 % 43,22 € 2,38 €" in text
    assert "Total HT 43,22 € TVA 2,38 € Total TTC 45,60 €" in text
    assert f"Payée le {ISSUED_AT:%d/%m/%Y} — montant réglé : 45,60 €." in text
    assert "Échéance" not in text
    assert "Indemnité forfaitaire" not in text
    assert "Crédit d'impôt" not in text
    assert attachments(pdf) == []


def test_b2c_invoice_not_yet_paid_shows_its_due_date(garden):
    invoice = basket_invoice(garden, paid=False)

    text = text_of(invoice_documents.pdf_bytes(invoice))

    assert f"À payer à réception, au plus tard le {ISSUED_AT:%d/%m/%Y}." in text
    assert "Payée" not in text


def test_sap_invoice_of_the_ai_shows_declaration_hours_and_tax_credit_apart(home_services):
    sap = {"vat_exemption_mention": AI_MENTION, "unit": Unit.HOUR, "is_goods": False, "sap_eligible": True}
    invoice = issued_invoice(
        home_services,
        [
            Line("Ménage à domicile", Decimal("3"), Decimal("24.00"), revenue_account="7062", **sap),
            Line("Petit jardinage", Decimal("2"), Decimal("26.00"), revenue_account="7062", **sap),
        ],
    )

    text = text_of(invoice_documents.pdf_bytes(invoice))

    assert text.startswith("Services à domicile Association loi 1901")
    assert "SIRET : 54567893000011 Déclaration SAP n° SAP545678930 du 01/03/2019" in text
    assert "N° TVA" not in text
    assert "Mode d'intervention Mise à disposition" in text  # an AI makes its workers available
    assert "Nature de l'opération Prestation de services" in text
    assert "Ménage à domicile 3 h × 24,00 € de l'heure 3 heure 24,00 € 0 % 72,00 €" in text
    assert "Petit jardinage 2 h × 26,00 € de l'heure 2 heure 26,00 € 0 % 52,00 €" in text
    assert text.count(AI_MENTION) == 1
    assert "Total HT 124,00 € TVA 0,00 € Total TTC 124,00 €" in text
    # The tax credit comes after the totals and the payment terms, never as the price.
    assert text.index("Crédit d'impôt de 50 %") > text.index("Total TTC 124,00 €")
    assert (
        "Crédit d'impôt de 50 % : montant éligible 124,00 €, soit 62,00 € de crédit d'impôt "
        "(art. 199 sexdecies du CGI)" in text
    )


def test_non_lucrative_structure_prints_its_exemption_mention(mobility):
    invoice = issued_invoice(
        mobility,
        [
            Line(
                "Location de scooter",
                Decimal("2"),
                Decimal("15.00"),
                unit=Unit.DAY,
                vat_exemption_mention=MOBILITY_MENTION,
                is_goods=False,
                revenue_account="7063",
            )
        ],
        order_fields={"paid": True},
    )

    text = text_of(invoice_documents.pdf_bytes(invoice))

    assert "Mobilité rurale Association loi 1901" in text
    assert "SIRET : 55678904800015" in text
    assert "Location de scooter 2 jour 15,00 € 0 % 30,00 €" in text
    assert text.count(MOBILITY_MENTION) == 1
    assert "N° TVA" not in text
    assert "Capital social" not in text


def test_b2b_invoice_of_the_scop_has_company_and_payment_mentions(scop):
    invoice = scop_b2b_invoice(scop)

    pdf = invoice_documents.pdf_bytes(invoice)

    text = text_of(pdf)
    assert text.startswith("Comptoir coopératif SARL Scop à capital variable 12 rue des Mariniers 77140 Nemours")
    assert "SIRET : 56789015700017 Capital social : 15 000,00 € RCS Melun 567 890 157" in text
    assert "N° TVA intracommunautaire : FR22567890157" in text
    assert "Crèche associative Les P'tits Loups 5 rue des Écoles 77140 Nemours SIREN : 778899005" in text
    assert f"Facture N° {invoice.number}" in text
    assert (
        f"Date {ISSUED_AT:%d/%m/%Y} Échéance {DUE_30_DAYS:%d/%m/%Y} Livraison ou exécution {DELIVERED_AT:%d/%m/%Y}"
    ) in text
    assert "Nature de l'opération Livraison de biens et prestation de services" in text
    assert "Bon de commande BC-2026-014" in text
    assert "Café équitable du Pérou, 1 kg 2 pièce 13,74 € 5,5 % 27,49 €" in text
    assert "Taux de TVA Base HT Montant TVA 5,5 % 27,49 € 1,51 € 20 % 35,00 € 7,00 €" in text
    assert "Total HT 62,49 € TVA 8,51 € Total TTC 71,00 €" in text
    assert f"À payer au plus tard le {DUE_30_DAYS:%d/%m/%Y}, par virement." in text
    assert f"IBAN : FR7615589234000001234560626 Référence à rappeler : {invoice.number}" in text
    assert "Pas d'escompte pour paiement anticipé." in text
    assert "taux d'intérêt égal à trois fois le taux d'intérêt légal" in text
    assert "Indemnité forfaitaire pour frais de recouvrement : 40 €." in text
    # The legal footer repeats the company's identity on every page.
    assert "SARL Scop à capital variable au capital de 15 000,00 € — 12 rue des Mariniers, 77140 Nemours" in text


def test_b2b_invoice_is_a_factur_x_en16931_pdf_a3(scop):
    invoice = scop_b2b_invoice(scop)

    pdf = invoice_documents.pdf_bytes(invoice)

    assert attachments(pdf) == ["factur-x.xml"]
    metadata = pypdf.PdfReader(io.BytesIO(pdf)).trailer["/Root"]["/Metadata"].get_object().get_data()
    assert re.search(rb"<pdfaid:part>3</pdfaid:part>", metadata)
    assert re.search(rb"<fx:ConformanceLevel>EN 16931</fx:ConformanceLevel>", metadata)
    root = embedded_xml(pdf)
    header = "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeSettlement"
    summation = f"{header}/ram:SpecifiedTradeSettlementHeaderMonetarySummation"
    seller = "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeAgreement/ram:SellerTradeParty"
    buyer = "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeAgreement/ram:BuyerTradeParty"
    assert xpath(root, "rsm:ExchangedDocumentContext//ram:ID") == ["urn:cen.eu:en16931:2017"]
    assert xpath(root, "rsm:ExchangedDocument/ram:ID") == [invoice.number]
    assert xpath(root, "rsm:ExchangedDocument/ram:TypeCode") == ["380"]
    assert xpath(root, "rsm:ExchangedDocument/ram:IssueDateTime/udt:DateTimeString") == [f"{ISSUED_AT:%Y%m%d}"]
    assert xpath(root, f"{seller}/ram:GlobalID[@schemeID='0009']") == ["56789015700017"]
    assert xpath(root, f"{seller}/ram:SpecifiedLegalOrganization/ram:ID[@schemeID='0002']") == ["567890157"]
    assert xpath(root, f"{seller}/ram:SpecifiedTaxRegistration/ram:ID[@schemeID='VA']") == ["FR22567890157"]
    assert xpath(root, f"{seller}/ram:PostalTradeAddress/ram:CountryID") == ["FR"]
    assert xpath(root, f"{buyer}/ram:SpecifiedLegalOrganization/ram:ID") == ["778899005"]
    assert xpath(root, f"{buyer}/ram:PostalTradeAddress/ram:PostcodeCode") == ["77140"]
    assert xpath(root, "//ram:ApplicableHeaderTradeAgreement/ram:BuyerReference") == ["BC-2026-014"]
    assert xpath(root, "//ram:ActualDeliverySupplyChainEvent/ram:OccurrenceDateTime/udt:DateTimeString") == [
        f"{DELIVERED_AT:%Y%m%d}"
    ]
    assert xpath(root, "//ram:BilledQuantity/@unitCode") == ["C62", "C62", "C62"]
    assert xpath(root, "//ram:SpecifiedTradeSettlementLineMonetarySummation/ram:LineTotalAmount") == [
        "27.49",
        "30.00",
        "5.00",
    ]
    assert xpath(root, f"{header}/ram:ApplicableTradeTax/ram:RateApplicablePercent") == ["5.50", "20.00"]
    assert xpath(root, f"{header}/ram:ApplicableTradeTax/ram:CalculatedAmount") == ["1.51", "7.00"]
    assert xpath(root, f"{header}/ram:SpecifiedTradePaymentTerms/ram:DueDateDateTime/udt:DateTimeString") == [
        f"{DUE_30_DAYS:%Y%m%d}"
    ]
    assert xpath(root, f"{summation}/ram:LineTotalAmount") == ["62.49"]
    assert xpath(root, f"{summation}/ram:TaxBasisTotalAmount") == ["62.49"]
    assert xpath(root, f"{summation}/ram:TaxTotalAmount[@currencyID='EUR']") == ["8.51"]
    assert xpath(root, f"{summation}/ram:GrandTotalAmount") == ["71.00"]
    assert xpath(root, f"{summation}/ram:DuePayableAmount") == ["71.00"]


def test_credit_note_is_titled_avoir_and_names_the_credited_invoice(scop):
    invoice = scop_b2b_invoice(scop)
    basket_line = invoice.lines.get(description="Panier garni artisanal")
    credit_note = invoicing.issue_credit_note(invoice=invoice, amounts={basket_line.pk: Decimal("36.00")}, at=ISSUED_AT)

    pdf = invoice_documents.pdf_bytes(credit_note)

    text = text_of(pdf)
    assert f"Avoir N° {credit_note.number}" in text
    assert f"Avoir sur la facture N° {invoice.number} du {ISSUED_AT:%d/%m/%Y}" in text
    assert "Facture N°" not in text
    assert "Panier garni artisanal 1 pièce 30,00 € 20 % 30,00 €" in text
    assert "Total HT 30,00 € TVA 6,00 € Total de l'avoir TTC 36,00 €" in text
    root = embedded_xml(pdf)
    header = "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeSettlement"
    assert xpath(root, "rsm:ExchangedDocument/ram:TypeCode") == ["381"]
    assert xpath(root, f"{header}/ram:InvoiceReferencedDocument/ram:IssuerAssignedID") == [invoice.number]
    assert xpath(root, f"{header}//ram:GrandTotalAmount") == ["36.00"]
    assert xpath(root, f"{header}//ram:TaxTotalAmount") == ["6.00"]


def test_shared_services_invoice_of_the_collectif_to_a_member(laundry):
    collective = CollectiveFactory()  # the hub's one Collectif, whoever set it up
    invoice = shared_services_invoice(
        laundry,
        [
            Line(
                "Services mutualisés : comptabilité, accueil",
                Decimal("1"),
                Decimal("450.00"),
                vat_exemption_mention=COLLECTIVE_MENTION,
                is_goods=False,
                revenue_account=RevenueAccount.SERVICES,
            )
        ],
        period_start=datetime.date(2026, 2, 1),
        period_end=datetime.date(2026, 2, 28),
    )

    pdf = invoice_documents.pdf_bytes(invoice)

    text = text_of(pdf)
    assert text.startswith(f"{collective.name} Association loi 1901")
    assert f"SIRET : {collective.siret}" in text
    assert (
        "Structure membre facturée Lavoir solidaire 12 rue des Mariniers 77140 Nemours "
        "SIRET : 53456782100010 N° TVA : FR50534567821"
    ) in text.replace("STRUCTURE MEMBRE FACTURÉE", "Structure membre facturée")
    assert "Période du 01/02/2026 au 28/02/2026" in text
    assert "Commande" not in text
    assert text.count(COLLECTIVE_MENTION) == 1
    assert "Indemnité forfaitaire pour frais de recouvrement : 40 €." in text
    root = embedded_xml(pdf)
    header = "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeSettlement"
    # The Collectif is not liable to VAT: category O, and no VAT number in the XML, not even the buyer's.
    assert xpath(root, f"{header}/ram:ApplicableTradeTax/ram:CategoryCode") == ["O"]
    assert xpath(root, f"{header}/ram:ApplicableTradeTax/ram:ExemptionReason") == [COLLECTIVE_MENTION]
    assert xpath(root, f"{header}/ram:ApplicableTradeTax/ram:ExemptionReasonCode") == ["VATEX-EU-O"]
    assert xpath(root, f"{header}/ram:BillingSpecifiedPeriod/ram:StartDateTime/udt:DateTimeString") == ["20260201"]
    assert xpath(root, "//ram:BuyerTradeParty/ram:GlobalID[@schemeID='0009']") == ["53456782100010"]
    assert xpath(root, "//ram:BuyerTradeParty/ram:SpecifiedTaxRegistration/ram:ID") == []
    assert xpath(root, "//ram:SellerTradeParty/ram:SpecifiedTaxRegistration/ram:ID[@schemeID='FC']") == [
        collective.siret[:9]
    ]
    assert xpath(root, f"{header}//ram:GrandTotalAmount") == ["450.00"]
    assert xpath(root, f"{header}//ram:TaxTotalAmount") == ["0.00"]


def test_pdf_is_rendered_once_then_served_from_the_stored_file(garden, monkeypatch, media_root):
    invoice = basket_invoice(garden, paid=True)
    first = invoice_documents.pdf_bytes(invoice)

    def must_not_render(invoice):
        raise AssertionError("the cached PDF should have been served")

    monkeypatch.setattr(invoice_documents, "render_pdf", must_not_render)
    again = invoice_documents.pdf_bytes(Invoice.objects.get(pk=invoice.pk))

    assert again == first
    stored = Invoice.objects.get(pk=invoice.pk)
    assert stored.pdf.name == f"invoices/{invoice.number}.pdf"
    assert (media_root / "invoices" / f"{invoice.number}.pdf").read_bytes() == first


def test_a_missing_stored_file_is_rendered_again(garden, media_root):
    invoice = basket_invoice(garden, paid=True)
    invoice_documents.pdf_bytes(invoice)
    (media_root / "invoices" / f"{invoice.number}.pdf").unlink()

    content = invoice_documents.pdf_bytes(Invoice.objects.get(pk=invoice.pk))

    assert content.startswith(b"%PDF-")
    assert (media_root / "invoices" / f"{invoice.number}.pdf").read_bytes() == content


def test_a_draft_has_no_pdf(garden, media_root):
    invoice = draft_invoice(
        garden,
        [Line("Panier de légumes — petit", Decimal("1"), Decimal("12.00"), Decimal("5.50"))],
        buyer_name="Camille Martin",
        buyer_address="4 impasse des Tilleuls\n77140 Nemours",
    )

    with pytest.raises(ValueError, match="brouillon"):
        invoice_documents.pdf_bytes(invoice)

    invoice.refresh_from_db()
    assert invoice.pdf.name == ""
    assert not (media_root / "invoices").exists()
