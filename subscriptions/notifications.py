"""E-mails to residents about their basket subscriptions, in French, each sent once (called by tasks).

A (subscription, kind, key) row is written in the same transaction as the e-mail is sent, so a
retried task never sends twice; the waiting list's "place freed" e-mail is guarded by the entry's
conditional status change instead.
"""

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import translation

from subscriptions.enums import SubscriptionEmail
from subscriptions.models import Subscription, SubscriptionNotification, WaitingListEntry


def _url(name: str, *args) -> str:
    try:
        return settings.SITE_URL + reverse(name, args=args)
    except NoReverseMatch:  # the pages are not mounted (yet)
        return settings.SITE_URL


def _send(template: str, context: dict, email: str) -> None:
    with translation.override("fr"):
        context = {**context, "site_name": settings.SITE_NAME}
        subject = render_to_string(f"subscriptions/email/{template}_subject.txt", context).strip()
        body = render_to_string(f"subscriptions/email/{template}_body.txt", context)
    send_mail(f"[{settings.SITE_NAME}] {subject}", body, None, [email])


def send_subscription_email(*, subscription_id: int, kind: str, key: str = "", extra: dict | None = None) -> bool:
    """Send one e-mail about a subscription unless already sent. Returns whether it was sent."""
    kind = SubscriptionEmail(kind)  # an unknown kind raises ValueError
    subscription = Subscription.objects.select_related("plan__offering__structure", "customer", "pickup_point").get(
        pk=subscription_id
    )
    context = {
        "subscription": subscription,
        "key": key,
        "subscriptions_url": _url("subscriptions:mine"),
        **(extra or {}),
    }
    if kind == SubscriptionEmail.PAYMENT_NEEDED:  # the key is the order's reference: its pay page completes it
        context["pay_url"] = _url("marketplace:order_pay", key)
    try:
        with transaction.atomic():
            SubscriptionNotification.objects.create(subscription=subscription, kind=kind, key=key)
            _send(kind.value, context, subscription.customer.email)
    except IntegrityError:
        return False
    return True


def send_place_freed(*, entry_id: int) -> bool:
    """Tell the first person on a waiting list that a place is free (the entry was marked notified once)."""
    entry = WaitingListEntry.objects.select_related("customer", "plan__offering", "pickup_point").get(pk=entry_id)
    context = {
        "entry": entry,
        "plans_url": _url("subscriptions:plans"),
        "held_until": entry.held_until,
    }
    _send("place_freed", context, entry.customer.email)
    return True
