"""E-mails to customers about their orders, in French, sent once each (OrderNotification).

The actions queue them through `marketplace.notify.order_email` (by task name); the task calls
`send_order_email` here.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from hub.enums import StaffRole
from hub.models import StructureRole
from marketplace.enums import OrderEmailKind
from marketplace.models import Order, OrderNotification


def send_order_email(*, order_id: int, kind: str, key: str = "") -> bool:
    """Send one kind of e-mail about an order, unless it was already sent. Returns whether it was sent.

    `key` tells apart e-mails of one kind that may happen several times (the 2nd refund).
    """
    kind = OrderEmailKind(kind).value  # ValueError for an unknown kind
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


def send_staff_alert(*, structure_ids: list[int], subject: str, body: str, key: str = "") -> int:
    """E-mail the managers and accountants of the structures, and the hub admins; returns how many.

    `key` names the alert in logs; the actions that queue it run once per money step."""
    roles = StructureRole.objects.filter(
        structure_id__in=structure_ids, role__in=[StaffRole.MANAGER, StaffRole.ACCOUNTANT], user__is_active=True
    )
    emails = set(roles.values_list("user__email", flat=True))
    emails |= set(get_user_model().objects.filter(is_superuser=True, is_active=True).values_list("email", flat=True))
    recipients = sorted(email for email in emails if email)
    if recipients:
        send_mail(f"[{settings.SITE_NAME}] {subject}", body, None, recipients)
    return len(recipients)
