"""Changes by the resident (or the seller's staff): skip a delivery, pause, resume, cancel, change of
pickup point.

Every change is refused once the cut-off of the delivery concerned has passed (the plan's
`cutoff_days` before distribution) and when it would exceed the season's absence quota.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hub.models import Site
from marketplace.enums import PaymentMethod
from subscriptions import notify
from subscriptions.actions.common import local_today, lock_subscription, long_date
from subscriptions.actions.deliveries import generate_for
from subscriptions.actions.prepaid import baskets_still_to_deliver, credit_baskets, paid_advance
from subscriptions.actions.subscribing import _places_taken, offer_freed_place
from subscriptions.enums import (
    DeliveryStatus,
    PrepaidCreditChoice,
    SubscriptionEmail,
    SubscriptionPaymentMode,
    SubscriptionStatus,
)
from subscriptions.exceptions import AbsenceQuotaExceeded, NotAllowed, PastCutOff, PickupPointFull, SubscriptionError
from subscriptions.models import DELIVERY_STATUS, Delivery, Subscription
from subscriptions.perms import can_manage_subscription


def _check_owner(subscription: Subscription, user) -> None:
    if user is not None and not can_manage_subscription(user, subscription):
        raise NotAllowed(_("Cet abonnement n'est pas le vôtre."))


def _check_cutoff(subscription: Subscription, day: datetime.date, today: datetime.date) -> None:
    cutoff = day - datetime.timedelta(days=subscription.plan.cutoff_days)
    if today > cutoff:
        raise PastCutOff(
            _(
                "Trop tard pour modifier la distribution du %(day)s : les changements étaient possibles "
                "jusqu'au %(cutoff)s (%(days)s jours avant)."
            )
            % {"day": long_date(day), "cutoff": long_date(cutoff), "days": subscription.plan.cutoff_days}
        )


def first_changeable_date(subscription: Subscription, *, today: datetime.date | None = None) -> datetime.date:
    """The first day whose distribution the resident may still change."""
    return local_today(today) + datetime.timedelta(days=subscription.plan.cutoff_days)


def _check_quota(subscription: Subscription, extra: int) -> None:
    plan = subscription.plan
    used = subscription.deliveries.absences().filter(date__range=(plan.season_start, plan.season_end)).count()
    if used + extra > plan.absence_quota:
        raise AbsenceQuotaExceeded(
            _(
                "Vous avez droit à %(quota)s absences par saison ; %(used)s sont déjà posées, "
                "celle-ci en demande %(extra)s de plus."
            )
            % {"quota": plan.absence_quota, "used": used, "extra": extra}
        )


def _is_prepaid(subscription: Subscription) -> bool:
    return subscription.payment_mode == SubscriptionPaymentMode.PREPAID


@transaction.atomic
def skip_delivery(
    *,
    delivery: Delivery,
    by=None,
    today: datetime.date | None = None,
    prepaid_choice: str = PrepaidCreditChoice.CREDIT,
) -> Delivery:
    """The resident will miss one delivery: allowed until its cut-off and within the absence quota.

    A basket of a paid season is credited, then kept for the next season (the default) or paid back
    (`prepaid_choice`)."""
    today = local_today(today)
    subscription = lock_subscription(delivery.subscription)
    _check_owner(subscription, by)
    delivery = Delivery.objects.select_for_update(of=("self",)).get(pk=delivery.pk)
    if delivery.status != DeliveryStatus.PLANNED:
        raise SubscriptionError(_("Cette livraison n'est plus prévue."))
    _check_cutoff(subscription, delivery.date, today)
    _check_quota(subscription, 1)
    DELIVERY_STATUS.move(delivery, DeliveryStatus.SKIPPED, by=by, note=_("Absence"))
    delivery.save(update_fields=DELIVERY_STATUS.fields_set(DeliveryStatus.SKIPPED))
    if _is_prepaid(subscription):
        credit_baskets(
            subscription=subscription,
            count=1,
            choice=prepaid_choice,
            by=by,
            reason=_("Absence du %(day)s") % {"day": f"{delivery.date:%d/%m/%Y}"},
        )
    return delivery


@transaction.atomic
def pause_subscription(
    *,
    subscription: Subscription,
    until: datetime.date,
    by=None,
    today: datetime.date | None = None,
    prepaid_choice: str = PrepaidCreditChoice.CREDIT,
) -> Subscription:
    """No basket from the next changeable distribution until `until` (included), within the absence quota.

    Distributions already past their cut-off still happen: the pause starts after them. The baskets
    of a paid season it skips are credited, as for a skip.
    """
    today = local_today(today)
    subscription = lock_subscription(subscription)
    _check_owner(subscription, by)
    if subscription.status == SubscriptionStatus.CANCELLED:
        raise SubscriptionError(_("Un abonnement résilié ne peut être mis en pause."))
    start = first_changeable_date(subscription, today=today)
    if until < start:
        _check_cutoff(subscription, until, today)
    missed = list(subscription.distribution_dates(start=start, end=until))
    already = set(subscription.deliveries.absences().filter(date__range=(start, until)).values_list("date", flat=True))
    _check_quota(subscription, len([day for day in missed if day not in already]))
    if subscription.status == SubscriptionStatus.ACTIVE:  # a paused one just moves its end date
        subscription.set_status(SubscriptionStatus.PAUSED, by=by, note=f"Pause jusqu'au {until:%d/%m/%Y}")
    subscription.paused_until = until
    subscription.save(update_fields=["status", "paused_until"])
    skipped = DELIVERY_STATUS.move_all(
        subscription.deliveries.filter(status=DeliveryStatus.PLANNED, date__range=(start, until)),
        DeliveryStatus.SKIPPED,
        by=by,
        note=_("Pause"),
    )
    if _is_prepaid(subscription) and skipped:
        credit_baskets(
            subscription=subscription,
            count=skipped,
            choice=prepaid_choice,
            by=by,
            reason=_("Pause jusqu'au %(day)s") % {"day": f"{until:%d/%m/%Y}"},
        )
    notify.subscription_email(subscription.pk, SubscriptionEmail.PAUSED, key=f"{until:%Y%m%d}")
    return subscription


@transaction.atomic
def resume_subscription(*, subscription: Subscription, by=None, today: datetime.date | None = None) -> Subscription:
    """The pause ends early: deliveries not yet past their cut-off are planned again (except the baskets
    of a paid season, already credited when they were skipped)."""
    today = local_today(today)
    subscription = lock_subscription(subscription)
    _check_owner(subscription, by)
    paused_until = subscription.paused_until
    subscription.set_status(SubscriptionStatus.ACTIVE, by=by, note=_("Reprise"))
    subscription.paused_until = None
    subscription.save(update_fields=["status", "paused_until"])
    start = first_changeable_date(subscription, today=today)
    if paused_until and paused_until >= start and paid_advance(subscription) is None:
        DELIVERY_STATUS.move_all(
            subscription.deliveries.filter(status=DeliveryStatus.SKIPPED, date__range=(start, paused_until)),
            DeliveryStatus.PLANNED,
            by=by,
            note=_("Reprise"),
        )
    generate_for(subscription, today=today)
    return subscription


def _baskets_to_credit(subscription: Subscription, advance, *, changeable: datetime.date) -> int:
    """Every basket paid for and not yet consumed, except those past their cut-off (still handed over)."""
    return max(advance.remaining - baskets_still_to_deliver(subscription, advance, before=changeable), 0)


@dataclass(frozen=True)
class TerminationTerms:
    """What terminating a subscription today does, said to the resident before they confirm."""

    last_delivery: datetime.date | None  # the last basket still handed over (past its cut-off)
    first_cancelled: datetime.date  # distributions from this day on are cancelled
    cancelled_deliveries: int  # how many planned ones that cancels
    prepaid: bool
    baskets_credited: int  # prepaid baskets not delivered, credited
    amount_credited: Decimal  # what they are worth, refunded or kept as credit, as the resident chooses
    refund_by_card: bool  # a season paid by card is refunded on the card, otherwise by bank transfer


def termination_terms(subscription: Subscription, *, today: datetime.date | None = None) -> TerminationTerms:
    """What `cancel_subscription` would do today, by its own rules: deliveries past their cut-off still
    happen, later ones are cancelled, a paid season's undelivered baskets are credited."""
    today = local_today(today)
    changeable = first_changeable_date(subscription, today=today)
    last = (
        subscription.deliveries.filter(status=DeliveryStatus.PLANNED, date__gte=today, date__lt=changeable)
        .order_by("-date")
        .values_list("date", flat=True)
        .first()
    )
    cancelled = subscription.deliveries.filter(
        status__in=[DeliveryStatus.PLANNED, DeliveryStatus.SKIPPED], date__gte=changeable
    ).count()
    baskets, amount, by_card = 0, Decimal("0.00"), False
    prepaid = _is_prepaid(subscription)
    if prepaid and (advance := paid_advance(subscription)) is not None:
        baskets = min(_baskets_to_credit(subscription, advance, changeable=changeable), advance.remaining)
        amount = advance.share_incl(baskets) if baskets else Decimal("0.00")
        by_card = advance.order.payment_method == PaymentMethod.CARD
    return TerminationTerms(
        last_delivery=last,
        first_cancelled=changeable,
        cancelled_deliveries=cancelled,
        prepaid=prepaid,
        baskets_credited=baskets,
        amount_credited=amount,
        refund_by_card=by_card,
    )


@transaction.atomic
def cancel_subscription(
    *,
    subscription: Subscription,
    by=None,
    today: datetime.date | None = None,
    at: datetime.datetime | None = None,
    prepaid_choice: str = PrepaidCreditChoice.REFUND,
) -> Subscription:
    """The resident leaves: deliveries past their cut-off still happen, later ones are cancelled,
    and the place goes to the first person on the pickup point's waiting list.

    The baskets of a paid season that will not be delivered are credited, then paid back (the
    default) or kept for a next season (`prepaid_choice`)."""
    today = local_today(today)
    at = at or timezone.now()
    subscription = lock_subscription(subscription)
    _check_owner(subscription, by)
    subscription.set_status(SubscriptionStatus.CANCELLED, by=by, note=_("Résiliation"), at=at)
    subscription.paused_until = None
    subscription.save(update_fields=["status", "paused_until", "cancelled_at"])
    changeable = first_changeable_date(subscription, today=today)
    DELIVERY_STATUS.move_all(
        subscription.deliveries.filter(
            status__in=[DeliveryStatus.PLANNED, DeliveryStatus.SKIPPED],
            date__gte=changeable,
        ),
        DeliveryStatus.CANCELLED,
        by=by,
        note=_("Résiliation"),
        at=at,
    )
    if _is_prepaid(subscription) and (advance := paid_advance(subscription)) is not None:
        credit_baskets(
            subscription=subscription,
            count=_baskets_to_credit(subscription, advance, changeable=changeable),
            choice=prepaid_choice,
            by=by,
            reason=_("Résiliation"),
            at=at,
        )
    # The same lock as subscribe(): the freed place is offered before anyone else counts it.
    Site.objects.select_for_update(of=("self",)).filter(pk=subscription.pickup_point_id).first()
    offer_freed_place(pickup_point_id=subscription.pickup_point_id, weekday=subscription.plan.weekday, at=at)
    return subscription


@transaction.atomic
def change_pickup_point(
    *,
    subscription: Subscription,
    pickup_point: Site,
    by=None,
    today: datetime.date | None = None,
    at: datetime.datetime | None = None,
) -> Subscription:
    """The resident collects their baskets at another pickup point from their next distribution on.

    Only while no distribution is inside its cut-off: a delivery has no point of its own (the pick
    list reads the subscription's), and the lists of a distribution past its cut-off are being
    prepared for the old point. The new point's capacity is counted under its row lock, as when
    subscribing; a full point refuses (its waiting list is for new subscribers). The place freed at
    the old point goes to the first person waiting there."""
    today = local_today(today)
    at = at or timezone.now()
    subscription = lock_subscription(subscription)
    _check_owner(subscription, by)
    if subscription.status == SubscriptionStatus.CANCELLED:
        raise SubscriptionError(_("Un abonnement résilié ne change plus de point de retrait."))
    old_point_id = subscription.pickup_point_id
    if pickup_point.pk == old_point_id:
        raise SubscriptionError(_("Vous retirez déjà vos paniers à ce point de retrait."))
    changeable = first_changeable_date(subscription, today=today)
    too_late = (
        subscription.deliveries.filter(
            status__in=[DeliveryStatus.PLANNED, DeliveryStatus.UNPAID], date__gte=today, date__lt=changeable
        )
        .order_by("date")
        .first()
    )
    if too_late is not None:
        _check_cutoff(subscription, too_late.date, today)
    # Both points locked in one order (the lowest id first): two residents swapping never deadlock.
    points = {
        point.pk: point
        for point in Site.objects.select_for_update(of=("self",))
        .filter(pk__in=[old_point_id, pickup_point.pk])
        .order_by("pk")
    }
    point = points[pickup_point.pk]
    if not (point.is_pickup_point and point.is_active):
        raise SubscriptionError(_("Ce lieu n'est pas un point de retrait ouvert."))
    if (
        point.capacity is not None
        and _places_taken(point, subscription.plan.weekday, at=at, for_user=subscription.customer) >= point.capacity
    ):
        raise PickupPointFull(
            _("Le point de retrait « %(point)s » est complet pour ce jour de distribution.") % {"point": point.name}
        )
    subscription.pickup_point = point
    subscription.save(update_fields=["pickup_point"])
    subscription.transitions.create(
        field="pickup_point", from_status=str(old_point_id), to_status=str(point.pk), by=by, at=at,
        note=_("Point de retrait : %(point)s") % {"point": point.name},
    )  # fmt: skip
    offer_freed_place(pickup_point_id=old_point_id, weekday=subscription.plan.weekday, at=at)
    return subscription
