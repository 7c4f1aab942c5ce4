"""Invoice PDFs for the pages and the API: who may download which, and the file once it is rendered.

A web request never renders: it serves the stored file, or queues the render and says it is on its
way (eagerly, without a broker, the render runs at once and the file is there).
"""

import logging

from django.db.models.fields.files import FieldFile

from marketplace import invoice_documents, notify
from marketplace.models import Invoice
from marketplace.perms import can_view_invoice

logger = logging.getLogger(__name__)


def viewable_invoice(user, number: str) -> Invoice | None:
    """The issued invoice (or credit note) numbered `number` if this person may see it, else None."""
    invoice = (
        Invoice.objects.issued()
        .select_related("structure", "organisation", "buyer_structure", "order")
        .filter(number=number)
        .first()
    )
    if invoice is None or not can_view_invoice(user, invoice):
        return None
    return invoice


def pdf_or_queue(invoice: Invoice) -> FieldFile | None:
    """The invoice's stored PDF, or None once its render is queued (it is then being prepared)."""
    stored = invoice_documents.stored_pdf(invoice)
    if stored is not None:
        return stored
    try:
        notify.render_invoice_pdf_now(invoice.pk)
    except Exception:
        # The broker is down, or (eagerly) the render failed: the person is told it is being
        # prepared and the next visit tries again; never an error page for a document.
        logger.exception("Could not queue the PDF of invoice %s", invoice.number)
        return None
    invoice.refresh_from_db(fields=["pdf"])
    return invoice_documents.stored_pdf(invoice)
