"""Invoice and credit-note PDFs with every mandatory mention (DOMAIN.md rule 9), and Factur-X for
organisations (rule 10): a PDF/A-3 carrying an EN 16931 Cross-Industry-Invoice XML.

A PDF is rendered once, by the Celery task `marketplace.render_invoice_pdf` (time-limited: a web
worker never renders), queued when the invoice is issued or on first demand, then stored in
`Invoice.pdf` — the one field an issued invoice may still change — in the private storage, which
only the permission-checked view serves (ADR 0013, private documents). Everything printed comes
from the invoice's own snapshot (buyer, lines, totals) and from its seller's legal identity.
"""

from pathlib import Path

import facturx
import weasyprint
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models.fields.files import FieldFile
from django.template.loader import render_to_string

from marketplace.invoice_documents.cii import FACTURX_FLAVOR, FACTURX_LEVEL, facturx_xml
from marketplace.invoice_documents.content import build_document
from marketplace.models import Invoice

CSS_PATH = Path(__file__).resolve().parent.parent / "static" / "marketplace" / "invoice.css"
TEMPLATE = "marketplace/invoice_document.html"


def stored_pdf(invoice: Invoice) -> FieldFile | None:
    """The invoice's stored PDF, or None when it is not rendered yet (or its file went missing)."""
    if invoice.pdf and invoice.pdf.storage.exists(invoice.pdf.name):
        return invoice.pdf
    return None


def store_pdf(*, invoice_id: int) -> bool:
    """Render and store an issued invoice's PDF unless it is stored already; True when it rendered.

    Idempotent: renders run outside any lock (they take seconds), and the first to finish stores
    its file under the invoice's number; a late one finds it stored and keeps nothing.
    """
    invoice = Invoice.objects.issued().select_related("structure", "order").get(pk=invoice_id)
    if stored_pdf(invoice):
        return False
    content = render_pdf(invoice)
    with transaction.atomic():
        locked = Invoice.objects.select_for_update(of=("self",)).get(pk=invoice_id)
        if stored_pdf(locked):
            return False
        name = f"{locked.pdf.field.upload_to}{locked.number}.pdf"
        if locked.pdf.storage.exists(name):  # left by a render whose transaction rolled back
            locked.pdf.storage.delete(name)
        locked.pdf.save(f"{locked.number}.pdf", ContentFile(content), save=False)
        locked.save(update_fields=["pdf"])
    return True


def pdf_bytes(invoice: Invoice) -> bytes:
    """The invoice's PDF: the stored file, rendered and stored first if need be (tests, shell)."""
    if not invoice.is_issued:
        raise ValueError("Un brouillon de facture n'a pas de PDF : il faut d'abord l'émettre.")
    if stored_pdf(invoice) is None:
        store_pdf(invoice_id=invoice.pk)
        invoice.refresh_from_db(fields=["pdf"])
    with invoice.pdf.open("rb") as stored:
        return stored.read()


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
