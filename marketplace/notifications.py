"""E-mails to customers about their orders, in French, sent once each (OrderNotification).

The actions write them to the outbox through `marketplace.notify.order_email`; `hub.outbox` calls the
composers here (registered in `MarketplaceConfig.ready()`) when it sends them.
"""

import datetime

import weasyprint
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from hub.enums import StaffRole
from hub.models import StructureRole
from hub.outbox import Message
from marketplace import dunning_texts, receivables
from marketplace.enums import OrderEmailKind
from marketplace.models import Order, OrderNotification, ReminderSent
from marketplace.pickup import what_to_bring
from marketplace.postings import customer_account


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


def compose_reminder_email(reminder_id: int) -> Message | None:
    """A reminder of an unpaid invoice, with the customer's statement (PDF) attached. A resident gets the kind
    words whatever the level; a business, its level's text. Nothing when the customer has no address."""
    reminder = (
        ReminderSent.objects.select_related(
            "level", "invoice__structure", "invoice__organisation", "invoice__buyer_structure", "invoice__customer"
        )
        .filter(pk=reminder_id)
        .first()
    )
    if reminder is None or not reminder.to:
        return None
    invoice = reminder.invoice
    code, name = customer_account(invoice=invoice)
    item = receivables.OpenItem(
        invoice=invoice,
        customer_code=code,
        customer_name=name,
        total=invoice.total_incl,
        paid=invoice.total_incl - reminder.open_amount,
        open=reminder.open_amount,
        due_date=invoice.due_date or invoice.issue_date,
        days_past_due=reminder.days_overdue,
    )
    values = dunning_texts.placeholders(item)
    if invoice.buyer_is_business:
        subject, body = reminder.level.subject, reminder.level.body
    else:
        subject, body = dunning_texts.RESIDENT_SUBJECT, dunning_texts.RESIDENT_BODY
    today = timezone.localdate(reminder.sent_at)
    start = datetime.date(today.year - 1, 1, 1)  # last year and this one: every open invoice in general
    statement = receivables.customer_statement(invoice.structure, code, start=start, end=today)
    attachments = ()
    if statement is not None:
        pdf = weasyprint.HTML(string=receivables.statement_html(statement)).write_pdf()
        attachments = ((f"releve-{invoice.structure.slug}-{code}-{today:%Y%m%d}.pdf", pdf, "application/pdf"),)
    return Message(
        subject=dunning_texts.fill(subject, values),
        body=dunning_texts.fill(body, values),
        recipients=[reminder.to],
        attachments=attachments,
    )
