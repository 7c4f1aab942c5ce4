"""E-mails to residents about their basket subscriptions, in French, each sent once: the actions write
them to the outbox through `subscriptions.notify`; `hub.outbox` calls the composers here (registered
in `SubscriptionsConfig.ready()`) when it sends them.

A (subscription, kind, key) row is written in the outbox's transaction as the e-mail is sent, so a
second one of the same key is skipped; the waiting list's "place freed" e-mail is guarded by the
entry's conditional status change instead.
"""

from django.conf import settings
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import translation

from hub.outbox import Message
from subscriptions.enums import SubscriptionEmail
from subscriptions.models import Subscription, SubscriptionNotification, WaitingListEntry


def _url(name: str, *args) -> str:
    try:
        return settings.SITE_URL + reverse(name, args=args)
    except NoReverseMatch:  # the pages are not mounted (yet)
        return settings.SITE_URL


def _message(template: str, context: dict, email: str) -> Message:
    with translation.override("fr"):
        context = {**context, "site_name": settings.SITE_NAME}
        subject = render_to_string(f"subscriptions/email/{template}_subject.txt", context).strip()
        body = render_to_string(f"subscriptions/email/{template}_body.txt", context)
    return Message(subject=f"[{settings.SITE_NAME}] {subject}", body=body, recipients=[email])


def compose_subscription_email(subscription_id: int, kind: str, key: str = "") -> Message | None:
    """One e-mail about a subscription, or None if it was already sent."""
    kind = SubscriptionEmail(kind)  # an unknown kind raises ValueError
    subscription = Subscription.objects.select_related("plan__offering__structure", "customer", "pickup_point").get(
        pk=subscription_id
    )
    context = {
        "subscription": subscription,
        "key": key,
        "subscriptions_url": _url("subscriptions:mine"),
    }
    if kind == SubscriptionEmail.PAYMENT_NEEDED:  # the key is the order's reference: its pay page completes it
        context["pay_url"] = _url("marketplace:order_pay", key)
    try:
        with transaction.atomic():
            SubscriptionNotification.objects.create(subscription=subscription, kind=kind, key=key)
    except IntegrityError:
        return None
    return _message(kind.value, context, subscription.customer.email)


def compose_place_freed(entry_id: int) -> Message:
    """Tell the first person on a waiting list that a place is free (the entry was marked notified once)."""
    entry = WaitingListEntry.objects.select_related("customer", "plan__offering", "pickup_point").get(pk=entry_id)
    context = {
        "entry": entry,
        "plans_url": _url("subscriptions:plans"),
        "held_until": entry.held_until,
    }
    return _message("place_freed", context, entry.customer.email)
