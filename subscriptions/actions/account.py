"""A person closes their account: their baskets stop and their places on waiting lists go."""

import datetime

from django.db import transaction
from django.utils import timezone

from hub.models import Site
from subscriptions.actions.changes import cancel_subscription
from subscriptions.actions.subscribing import offer_freed_place
from subscriptions.enums import PrepaidCreditChoice, WaitingStatus
from subscriptions.models import Subscription, WaitingListEntry


@transaction.atomic
def close_account_subscriptions(*, user, at: datetime.datetime) -> list[Subscription]:
    """Remove the person from every waiting list (a place being kept for them goes to the next one),
    then cancel each live subscription as a resignation (`cancel_subscription`: deliveries past
    their cut-off still happen, a prepaid season's remaining baskets are paid back)."""
    entries = list(WaitingListEntry.objects.select_related("plan").filter(customer=user).order_by("pk"))
    for entry in entries:
        held = entry.status == WaitingStatus.NOTIFIED and entry.held_until > at
        if held:
            # The same lock as subscribe(): the freed place is offered before anyone else counts it.
            Site.objects.select_for_update(of=("self",)).filter(pk=entry.pickup_point_id).first()
        entry.delete()
        if held:
            offer_freed_place(pickup_point_id=entry.pickup_point_id, weekday=entry.plan.weekday, at=at)
    return [
        cancel_subscription(
            subscription=subscription,
            by=user,
            at=at,
            today=timezone.localdate(at),
            prepaid_choice=PrepaidCreditChoice.REFUND,
        )
        for subscription in Subscription.objects.live().filter(customer=user).order_by("pk")
    ]
