"""Changes by the resident (or the seller's staff): skip a delivery, pause, resume, cancel, change of
pickup point, change of basket size.

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
from subscriptions.models import DELIVERY_STATUS, Delivery, Subscription, SubscriptionPlan
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


def _check_no_distribution_inside_cutoff(subscription: Subscription, today: datetime.date) -> None:
    """A change that every coming basket reads from the subscription (its point, its size) waits while a
    distribution is past its cut-off: that one is being prepared (and charged) as it stands."""
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
    _check_no_distribution_inside_cutoff(subscription, today)
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


@dataclass(frozen=True)
class SizeChangeTerms:
    """What switching to another basket size does, said to the resident before they confirm."""

    from_plan: SubscriptionPlan
    to_plan: SubscriptionPlan
    first_delivery: datetime.date  # the first distribution with the new size
    old_price: Decimal  # per basket, incl. VAT
    new_price: Decimal

    @property
    def difference(self) -> Decimal:
        return self.new_price - self.old_price

    @property
    def difference_size(self) -> Decimal:
        """How much more or less a basket costs, without its sign (the sentence says which)."""
        return abs(self.difference)


def other_sizes(subscription: Subscription):
    """The open plans this subscription may switch to (same seller, same distribution days)."""
    return (
        SubscriptionPlan.objects.same_rhythm_as(subscription.plan)
        .select_related("offering")
        .order_by("offering__price", "pk")
    )


def check_size_changeable(subscription: Subscription, *, today: datetime.date | None = None) -> None:
    """The refusals that hold whatever the size chosen: a cancelled subscription, a season paid upfront,
    a distribution past its cut-off (the page says them before the resident chooses)."""
    if subscription.status == SubscriptionStatus.CANCELLED:
        raise SubscriptionError(_("Un abonnement résilié ne change plus de taille de panier."))
    if _is_prepaid(subscription):
        structure = subscription.plan.offering.structure
        contact = " — ".join(part for part in (structure.email, structure.phone) if part)
        raise SubscriptionError(
            _(
                "Votre saison est payée d'avance au prix du panier « %(size)s » : pour changer de taille, "
                "contactez %(structure)s%(contact)s, qui ajustera la facture de votre saison."
            )
            % {
                "size": subscription.plan.size_label,
                "structure": structure.name,
                "contact": f" ({contact})" if contact else "",
            }
        )
    _check_no_distribution_inside_cutoff(subscription, local_today(today))


def _check_size_change(subscription: Subscription, plan: SubscriptionPlan, today: datetime.date) -> datetime.date:
    """Every refusal of a size change, in the order a resident meets them; returns its first distribution."""
    check_size_changeable(subscription, today=today)
    if plan.pk == subscription.plan_id:
        raise SubscriptionError(_("Vous recevez déjà le panier « %(size)s ».") % {"size": plan.size_label})
    if not other_sizes(subscription).filter(pk=plan.pk).exists():
        raise SubscriptionError(
            _(
                "Cette formule n'est pas proposée à la place de la vôtre : seules les tailles ouvertes du même "
                "producteur, distribuées les mêmes jours, le sont."
            )
        )
    changeable = first_changeable_date(subscription, today=today)
    first = (
        subscription.deliveries.filter(status=DeliveryStatus.PLANNED, date__gte=changeable)
        .order_by("date")
        .values_list("date", flat=True)
        .first()
    ) or next(subscription.distribution_dates(start=changeable, end=subscription.plan.season_end), None)
    if first is None:
        raise SubscriptionError(_("Il ne reste aucune distribution dans cette saison."))
    return first


def size_change_terms(
    subscription: Subscription, plan: SubscriptionPlan, *, today: datetime.date | None = None
) -> SizeChangeTerms:
    """What `change_basket_size` would do today (its own checks: a refusal raises here already)."""
    first = _check_size_change(subscription, plan, local_today(today))
    return SizeChangeTerms(
        from_plan=subscription.plan,
        to_plan=plan,
        first_delivery=first,
        old_price=subscription.plan.price_per_delivery,
        new_price=plan.price_per_delivery,
    )


@transaction.atomic
def change_basket_size(
    *,
    subscription: Subscription,
    plan: SubscriptionPlan,
    by=None,
    today: datetime.date | None = None,
    at: datetime.datetime | None = None,
) -> SizeChangeTerms:
    """The resident receives another size of basket (another open plan of the same seller, distributed
    the same days) from their next distribution on, on the same terms as a change of pickup point:
    only while no distribution is past its cut-off (a delivery reads its size and price from the
    subscription).

    Paid per delivery, each basket is charged after its cut-off at its plan's price: the new price
    applies from the first distribution changed, with nothing to settle. A season paid upfront was
    invoiced at the old price (deposit invoice, 4191): refused, the seller settles it by hand. The
    place at the pickup point is kept (same weekday). The packing labour snapshotted on the coming
    deliveries follows the new basket."""
    today = local_today(today)
    at = at or timezone.now()
    subscription = (
        Subscription.objects.select_for_update(of=("self",))
        .select_related("plan__offering__structure")
        .get(pk=subscription.pk)
    )
    _check_owner(subscription, by)
    terms = size_change_terms(subscription, plan, today=today)
    old_plan = subscription.plan
    subscription.plan = plan
    subscription.save(update_fields=["plan"])
    subscription.transitions.create(
        field="plan", from_status=str(old_plan.pk), to_status=str(plan.pk), by=by, at=at,
        note=_("Taille du panier : %(old)s → %(new)s, dès le %(day)s")
        % {"old": old_plan.size_label, "new": plan.size_label, "day": f"{terms.first_delivery:%d/%m/%Y}"},
    )  # fmt: skip
    # (the note is at most 2 × 60 characters of sizes and 40 of text: within the log's 200)
    offering = plan.offering
    subscription.deliveries.filter(
        date__gte=first_changeable_date(subscription, today=today),
        status__in=[DeliveryStatus.PLANNED, DeliveryStatus.SKIPPED],
        order_line__isnull=True,
    ).update(labour_hours=offering.labour_hours_per_unit, required_skill_id=offering.required_skill_id)
    return terms
