"""E-mails to customers about their orders, in French, sent once each (OrderNotification).

The actions write them to the outbox through `marketplace.notify.order_email`; `hub.outbox` calls the
composers here (registered in `MarketplaceConfig.ready()`) when it sends them.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from hub.enums import StaffRole
from hub.models import StructureRole
from hub.outbox import Message
from marketplace.enums import OrderEmailKind
from marketplace.models import Order, OrderNotification
from marketplace.pickup import what_to_bring


def compose_order_email(order_id: int, kind: str, key: str = "") -> Message | None:
    """One kind of e-mail about an order, or None if it was already sent (its OrderNotification row is
    written here, in the outbox's transaction: undone if sending fails).

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
                    "to_bring": what_to_bring(order),
                    "invoices": order.invoices.issued().select_related("structure"),
                    "order_url": settings.SITE_URL + reverse("marketplace:order", args=[order.reference]),
                    "site_name": settings.SITE_NAME,
                }
                subject = render_to_string(f"marketplace/email/{kind}_subject.txt", context).strip()
                body = render_to_string(f"marketplace/email/{kind}_body.txt", context)
    except IntegrityError:
        return None  # already sent
    return Message(subject=f"[{settings.SITE_NAME}] {subject}", body=body, recipients=[order.billing_email])


def compose_staff_alert(structure_ids: list[int], subject: str, body: str, key: str = "") -> Message | None:
    """An e-mail to the managers and accountants of the structures, and the hub admins (None if nobody).

    `key` names the alert; the actions that queue it run once per money step."""
    roles = StructureRole.objects.filter(
        structure_id__in=structure_ids, role__in=[StaffRole.MANAGER, StaffRole.ACCOUNTANT], user__is_active=True
    )
    emails = set(roles.values_list("user__email", flat=True))
    emails |= set(get_user_model().objects.filter(is_superuser=True, is_active=True).values_list("email", flat=True))
    recipients = sorted(email for email in emails if email)
    if not recipients:
        return None
    return Message(subject=f"[{settings.SITE_NAME}] {subject}", body=body, recipients=recipients)
