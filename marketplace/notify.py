"""Side effects the marketplace's actions queue after commit, by task name (hub.notify): the actions
never import `marketplace.tasks`, the tasks import the actions."""

from django.conf import settings
from django.core.cache import cache

from hub import notify
from marketplace.enums import OrderEmailKind

ORDER_EMAIL = "marketplace.order_email"  # outbox kinds (hub.outbox)
STAFF_ALERT = "marketplace.staff_alert"
PROCESS_STRIPE_EVENT = "marketplace.process_stripe_event"
TRANSFER_ORDER_SHARES = "marketplace.transfer_order_shares"
PERFORM_REFUND = "marketplace.perform_refund"
RENDER_INVOICE_PDF = "marketplace.render_invoice_pdf"


def order_email(order_id: int, kind: OrderEmailKind, key: str = "") -> None:
    """Write an e-mail about an order to the outbox, sent once the transaction commits (none while
    e-mails are suppressed).

    `key` tells apart e-mails of one kind that may happen several times (the 2nd refund).
    """
    notify.email_on_commit(ORDER_EMAIL, order_id, OrderEmailKind(kind).value, key, related=f"commande #{order_id}")


def process_stripe_event(event_pk: int) -> None:
    """Queue the processing of a stored Stripe event once the transaction commits."""
    notify.enqueue_on_commit(PROCESS_STRIPE_EVENT, event_pk)


def process_stripe_event_now(event_pk: int) -> None:
    """Queue the processing of a stored Stripe event now (the sweep, outside any transaction)."""
    notify.enqueue(PROCESS_STRIPE_EVENT, event_pk)


def transfer_order_shares(order_id: int) -> None:
    """Queue the transfers of a mixed card order's shares once the payment's transaction commits."""
    notify.enqueue_on_commit(TRANSFER_ORDER_SHARES, order_id)


def transfer_order_shares_now(order_id: int) -> None:
    """Queue the transfers of a mixed card order's shares now (the sweep, outside any transaction)."""
    notify.enqueue(TRANSFER_ORDER_SHARES, order_id)


def perform_refund(refund_id: int) -> None:
    """Queue the Stripe side of a prepared card refund once its transaction commits."""
    notify.enqueue_on_commit(PERFORM_REFUND, refund_id)


def perform_refund_now(refund_id: int) -> None:
    """Queue the Stripe side of a pending card refund now (the sweep, outside any transaction)."""
    notify.enqueue(PERFORM_REFUND, refund_id)


def staff_alert(*, structure_ids: list[int], subject: str, body: str, key: str) -> None:
    """Write to the outbox an e-mail to the managers and accountants of these structures (and the hub admins) once
    the transaction commits: money Stripe moved that someone must look at (a dispute, a failed payout)."""
    notify.email_on_commit(STAFF_ALERT, list(structure_ids), subject, body, key, related=key)


def render_invoice_pdf(invoice_id: int) -> None:
    """Queue the PDF of a just-issued invoice once the transaction commits, so that nobody waits for it
    (with INVOICE_PDF_RENDER_ON_ISSUE: on by default with a broker; eagerly, the first view renders)."""
    if settings.INVOICE_PDF_RENDER_ON_ISSUE:
        notify.enqueue_on_commit(RENDER_INVOICE_PDF, invoice_id)


def render_invoice_pdf_now(invoice_id: int) -> bool:
    """Queue the PDF of an invoice someone asks for, once while a render may be running (the cache keeps
    the key that long): refreshing the waiting page queues nothing more. True when queued."""
    key = f"marketplace:render-invoice-pdf:{invoice_id}"
    if not cache.add(key, True, timeout=settings.INVOICE_PDF_TIME_LIMIT + 10):
        return False
    notify.enqueue(RENDER_INVOICE_PDF, invoice_id)
    return True


REMINDER_EMAIL = "marketplace.reminder_email"


def reminder_email(reminder_id: int, *, related: str) -> int | None:
    """Write a reminder of an unpaid invoice to the outbox (composed with its statement PDF when it leaves)."""
    return notify.email_on_commit(REMINDER_EMAIL, reminder_id, related=related)
