"""E-mails to customers about their orders, in French, sent once each (OrderNotification)."""

import threading
from contextlib import contextmanager

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from marketplace.models import Order, OrderNotification

KINDS = {"placed", "paid", "invoice_ready", "payment_failed", "cancelled", "refunded"}
_state = threading.local()


@contextmanager
def suppressed():
    """No e-mail for what happens inside (the demo's past orders were notified long ago)."""
    previous = getattr(_state, "suppressed", False)
    _state.suppressed = True
    try:
        yield
    finally:
        _state.suppressed = previous


def notify_on_commit(order_id: int, kind: str, key: str = "") -> None:
    """Queue an e-mail about an order once the transaction commits (never inside it)."""
    if getattr(_state, "suppressed", False):
        return
    from marketplace import tasks

    transaction.on_commit(lambda: tasks.send_order_email.delay(order_id, kind, key))


def send_order_email(*, order_id: int, kind: str, key: str = "") -> bool:
    """Send one kind of e-mail about an order, unless it was already sent. Returns whether it was sent.

    `key` tells apart e-mails of one kind that may happen several times (the 2nd refund).
    """
    if kind not in KINDS:
        raise ValueError(kind)
    order = Order.objects.select_related("customer", "organisation", "pickup_point").get(pk=order_id)
    try:
        with transaction.atomic():
            OrderNotification.objects.create(order=order, kind=f"{kind}:{key}" if key else kind)
            with translation.override("fr"):
                context = {
                    "order": order,
                    "lines": order.lines.all(),
                    "invoices": order.invoices.issued().select_related("structure"),
                    "order_url": settings.SITE_URL + reverse("marketplace:order", args=[order.reference]),
                    "site_name": settings.SITE_NAME,
                }
                subject = render_to_string(f"marketplace/email/{kind}_subject.txt", context).strip()
                body = render_to_string(f"marketplace/email/{kind}_body.txt", context)
            send_mail(f"[{settings.SITE_NAME}] {subject}", body, None, [order.billing_email])
    except IntegrityError:
        return False  # already sent
    return True
