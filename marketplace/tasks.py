"""Celery tasks: thin and idempotent, each calls one action. Their names are what
`marketplace.notify` and the beat schedule queue; the actions never import this module."""

import datetime
import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.utils import timezone

from marketplace import invoice_documents
from marketplace.actions import dunning, payments, refunds, shared_services, third_party, transfers

logger = logging.getLogger(__name__)


@shared_task(name="marketplace.process_stripe_event", autoretry_for=(Exception,), retry_backoff=True, max_retries=8)
def process_stripe_event(event_pk: int) -> None:
    payments.process_stripe_event(event_pk=event_pk)


@shared_task(name="marketplace.sweep_stripe_events")
def sweep_stripe_events() -> int:
    """Beat, every minute: stored events still unprocessed are queued again (nothing is lost)."""
    return payments.sweep_stripe_events()


@shared_task(name="marketplace.transfer_order_shares", autoretry_for=(Exception,), retry_backoff=True, max_retries=8)
def transfer_order_shares(order_id: int) -> int:
    return transfers.transfer_order_shares(order_id=order_id)


@shared_task(name="marketplace.sweep_stripe_transfers")
def sweep_stripe_transfers() -> int:
    """Beat, every minute: mixed card orders whose sellers' transfers are missing are queued again."""
    return transfers.sweep_stripe_transfers()


@shared_task(name="marketplace.perform_refund", autoretry_for=(Exception,), retry_backoff=True, max_retries=8)
def perform_refund(refund_id: int) -> None:
    refunds.perform_refund(refund_id=refund_id)


@shared_task(name="marketplace.sweep_pending_refunds")
def sweep_pending_refunds() -> int:
    """Beat, every minute: card refunds still pending at Stripe are queued again."""
    return refunds.sweep_pending_refunds()


@shared_task(name="marketplace.expire_unpaid_card_orders")
def expire_unpaid_card_orders() -> int:
    return refunds.expire_unpaid_card_orders(older_than=datetime.timedelta(minutes=settings.CARD_PAYMENT_HOLD_MINUTES))


@shared_task(name="marketplace.issue_shared_services_invoices")
def issue_shared_services_invoices(year: int | None = None, month: int | None = None) -> int:
    """On the 1st, bill last month's shared services (idempotent: once per member and month)."""
    if year is None or month is None:
        first = timezone.localdate().replace(day=1)
        last_month = first - datetime.timedelta(days=1)
        year, month = last_month.year, last_month.month
    return len(shared_services.issue_shared_services_invoices(year=year, month=month))


@shared_task(
    name="marketplace.render_invoice_pdf",
    soft_time_limit=settings.INVOICE_PDF_TIME_LIMIT,
    time_limit=settings.INVOICE_PDF_TIME_LIMIT + 10,
)
def render_invoice_pdf(invoice_id: int) -> bool:
    """Render and store an issued invoice's PDF (idempotent). A render past the time limit stops: nothing
    is stored, the error is logged, and the next demand queues it again."""
    try:
        return invoice_documents.store_pdf(invoice_id=invoice_id)
    except SoftTimeLimitExceeded:
        logger.error("PDF of invoice %s not rendered within %s s", invoice_id, settings.INVOICE_PDF_TIME_LIMIT)
        return False


@shared_task(name="marketplace.send_reminders")
def send_reminders() -> int:
    """Beat, daily: each overdue invoice's next reminder level, once (idempotent)."""
    return dunning.send_due_reminders()


@shared_task(name="marketplace.bill_third_party_shares")
def bill_third_party_shares(year: int | None = None, month: int | None = None) -> int:
    """On the 1st, bill each payer (a prescriber) the shares it took of last month's orders, on account.
    Idempotent; a missed month is caught up by the next run (ADR 0034)."""
    if year is None or month is None:
        last_month = timezone.localdate().replace(day=1) - datetime.timedelta(days=1)
        year, month = last_month.year, last_month.month
    return len(third_party.bill_third_party_shares(year=year, month=month))
