"""Invoice and credit-note PDFs with every mandatory mention (DOMAIN.md rule 9), and Factur-X for
organisations (rule 10): a PDF/A-3 carrying an EN 16931 Cross-Industry-Invoice XML.

A PDF is rendered on first demand, never at seed time, then cached in `Invoice.pdf` — the one
field an issued invoice may still change. Everything printed comes from the invoice's own
snapshot (buyer, lines, totals) and from its seller's legal identity.
"""

from pathlib import Path

import facturx
import weasyprint
from django.core.files.base import ContentFile
from django.template.loader import render_to_string

from marketplace.invoice_documents.cii import FACTURX_FLAVOR, FACTURX_LEVEL, facturx_xml
from marketplace.invoice_documents.content import build_document
from marketplace.models import Invoice

CSS_PATH = Path(__file__).resolve().parent.parent / "static" / "marketplace" / "invoice.css"
TEMPLATE = "marketplace/invoice_document.html"


def pdf_bytes(invoice: Invoice) -> bytes:
    """The invoice's PDF: the cached file if it exists, else rendered now and stored on the invoice."""
    if not invoice.is_issued:
        raise ValueError("Un brouillon de facture n'a pas de PDF : il faut d'abord l'émettre.")
    if invoice.pdf and invoice.pdf.storage.exists(invoice.pdf.name):
        with invoice.pdf.open("rb") as stored:
            return stored.read()
    content = render_pdf(invoice)
    invoice.pdf.save(f"{invoice.number}.pdf", ContentFile(content), save=False)
    invoice.save(update_fields=["pdf"])
    return content


def render_pdf(invoice: Invoice) -> bytes:
    """Render (without caching) the PDF/A-3 of an issued invoice; Factur-X when sold to an organisation."""
    document = build_document(invoice)
    html = render_to_string(TEMPLATE, {"doc": document, "invoice": invoice})
    pdf = weasyprint.HTML(string=html, base_url=str(CSS_PATH.parent)).write_pdf(
        stylesheets=[weasyprint.CSS(filename=str(CSS_PATH))],
        pdf_variant="pdf/a-3b",
    )
    if not invoice.buyer_is_business:
        return pdf
    xml = facturx_xml(invoice, document=document)
    return facturx.generate_from_binary(
        pdf,
        xml,
        flavor=FACTURX_FLAVOR,
        level=FACTURX_LEVEL,
        check_xsd=True,
        lang="fr-FR",
        pdf_metadata={
            "author": invoice.structure.name,
            "keywords": f"{document.title}, Factur-X",
            "title": f"{invoice.structure.name} : {document.title} {invoice.number}",
            "subject": f"{document.title} {invoice.number} du {invoice.issue_date:%d/%m/%Y}, {invoice.buyer_name}",
        },
    )
