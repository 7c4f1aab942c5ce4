import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings

from hub import outbox, rendering

logger = logging.getLogger(__name__)


@shared_task(name="hub.ping")
def ping() -> str:
    """Round-trip check of the broker and the workers (used by the integration tests)."""
    return "pong"


@shared_task(name="hub.send_outbound_email")
def send_outbound_email(email_id: int) -> str | None:
    """Send one e-mail of the outbox (idempotent: a row sent or being sent is left alone)."""
    return outbox.send_outbound_email(email_id=email_id)


@shared_task(name="hub.sweep_outbox")
def sweep_outbox() -> int:
    """Beat, every minute: the pending e-mails whose next attempt is due are queued again."""
    return outbox.sweep_outbox()


@shared_task(
    name="hub.render_html_pdf",
    soft_time_limit=settings.INVOICE_PDF_TIME_LIMIT,
    time_limit=settings.INVOICE_PDF_TIME_LIMIT + 10,
)
def render_html_pdf(html_name: str) -> bool:
    """Render a stored HTML document to PDF (pick lists, quotes). Past the time limit nothing is stored,
    the error is logged, and the next demand queues it again."""
    try:
        return rendering.render_html_pdf(html_name=html_name)
    except SoftTimeLimitExceeded:
        logger.error("PDF %s not rendered within %s s", html_name, settings.INVOICE_PDF_TIME_LIMIT)
        return False


@shared_task(name="hub.sweep_rendered_documents")
def sweep_rendered_documents() -> int:
    """Beat, daily: rendered pick lists and quotes older than RENDERED_PDF_KEEP_DAYS are deleted."""
    return rendering.sweep_rendered()
