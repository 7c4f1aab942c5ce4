"""PDFs rendered from HTML by a Celery task with a time limit, never in a web request (issue 11).

A view renders its template to HTML (milliseconds), then asks `pdf_or_queue(html, folder=…)`: the PDF
is kept in the private storage under the HTML's SHA-256, so the same document is rendered once and a
changed one (a pick list after a new subscription) is a new file. When the PDF is not there yet, the
HTML is stored beside it and `hub.render_html_pdf` is queued (once per document while it runs); the
view answers « Document en préparation » (202) and the page reloads itself. Eagerly (`make run`, the
tests), the task runs at once and the PDF is served in the same request.

Invoices have their own, lasting, file (`marketplace.invoice_documents`); this is for documents
computed from live data: pick lists, quotes. Their files are swept after `RENDERED_PDF_KEEP_DAYS`
(quotes after a year: `RENDERED_PDF_KEEP_DAYS_BY_FOLDER`).
"""

import datetime
import hashlib
import logging

import weasyprint
from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.utils import timezone

from hub import notify
from hub.storage import private_storage

logger = logging.getLogger(__name__)

RENDER_HTML_PDF = "hub.render_html_pdf"
ROOT = "rendered"


def _names(html: str, folder: str) -> tuple[str, str]:
    digest = hashlib.sha256(html.encode()).hexdigest()
    return f"{ROOT}/{folder}/{digest}.html", f"{ROOT}/{folder}/{digest}.pdf"


def pdf_or_queue(html: str, *, folder: str) -> str | None:
    """The private storage's name of this HTML's PDF, or None once its render is queued (or running)."""
    storage = private_storage()
    html_name, pdf_name = _names(html, folder)
    if storage.exists(pdf_name):
        return pdf_name
    if not storage.exists(html_name):
        storage.save(html_name, ContentFile(html.encode()))
    if cache.add(f"hub:render-html-pdf:{pdf_name}", True, timeout=settings.INVOICE_PDF_TIME_LIMIT + 10):
        try:
            notify.enqueue(RENDER_HTML_PDF, html_name)
        except Exception:  # noqa: BLE001 — a broker down: the page says « en préparation » and retries
            cache.delete(f"hub:render-html-pdf:{pdf_name}")
            logger.warning("Render of %s not queued (broker unreachable)", pdf_name)
            return None
    return pdf_name if storage.exists(pdf_name) else None


def render_html_pdf(*, html_name: str) -> bool:
    """Render a stored HTML document to its PDF beside it (idempotent); True when it rendered."""
    storage = private_storage()
    pdf_name = html_name.removesuffix(".html") + ".pdf"
    if storage.exists(pdf_name) or not storage.exists(html_name):
        return False
    with storage.open(html_name, "rb") as source:
        html = source.read().decode()
    content = weasyprint.HTML(string=html).write_pdf()
    if not storage.exists(pdf_name):  # a concurrent render may have stored it meanwhile
        storage.save(pdf_name, ContentFile(content))
    storage.delete(html_name)
    return True


def sweep_rendered(*, older_than: datetime.timedelta | None = None) -> int:
    """Delete rendered documents older than `RENDERED_PDF_KEEP_DAYS` (beat, daily); returns how many.

    Folders of `RENDERED_PDF_KEEP_DAYS_BY_FOLDER` keep theirs longer (SAP quotes: a year).
    """
    storage = private_storage()
    now = timezone.now()
    kept_longer = settings.RENDERED_PDF_KEEP_DAYS_BY_FOLDER
    removed = 0
    if not storage.exists(ROOT):
        return 0
    for folder in storage.listdir(ROOT)[0]:
        days = kept_longer.get(folder, settings.RENDERED_PDF_KEEP_DAYS)
        limit = now - (older_than or datetime.timedelta(days=days))
        for name in storage.listdir(f"{ROOT}/{folder}")[1]:
            path = f"{ROOT}/{folder}/{name}"
            if storage.get_modified_time(path) < limit:
                storage.delete(path)
                removed += 1
    return removed
