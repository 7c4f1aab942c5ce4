"""Basket subscriptions: subscribing (pickup point capacity, waiting list), pauses, absences, cancellations,
the generation of deliveries ahead, and the prepaid season's postings (DOMAIN.md rules 6 and 12).

Every change a resident makes is refused once the cut-off of the delivery concerned has passed
(the plan's `cutoff_days` before distribution) and when it would exceed the season's absence quota.
"""

import datetime
from decimal import Decimal
from functools import lru_cache

import holidays
from django.conf import settings
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from hub.models import Site
from hub.money import quantize, split_incl
from marketplace import postings
from marketplace.enums import PaymentMethod
from subscriptions import notify
from subscriptions.enums import (
    DeliveryStatus,
    SubscriptionEmail,
    SubscriptionPaymentMode,
    SubscriptionStatus,
    WaitingStatus,
)
from subscriptions.exceptions import AbsenceQuotaExceeded, NotAllowed, PastCutOff, PickupPointFull, SubscriptionError
from subscriptions.models import (
    DELIVERY_STATUS,
    SUBSCRIPTION_STATUS,
    WAITING_STATUS,
    Delivery,
    Subscription,
    SubscriptionPlan,
    WaitingListEntry,
)
from subscriptions.perms import can_manage_subscription

BATCH = 2000


def _date(day: datetime.date) -> str:
    return formats.date_format(day, "l j F Y")


def _today(today: datetime.date | None) -> datetime.date:
    return today or timezone.localdate()


# --- Public holidays ---------------------------------------------------------------------------


@lru_cache(maxsize=16)
def _french_holidays(year: int) -> frozenset[datetime.date]:
    return frozenset(holidays.France(years=year))


def is_public_holiday(day: datetime.date) -> bool:
    return day in _french_holidays(day.year)


def holiday_policy() -> str:
    """SUBSCRIPTION_HOLIDAY_POLICY: "next_working_day" (default), "previous_working_day" or "skip"."""
    return getattr(settings, "SUBSCRIPTION_HOLIDAY_POLICY", "next_working_day")


def _is_working_day(day: datetime.date) -> bool:
    return day.weekday() != 6 and not is_public_holiday(day)


def replacement_day(day: datetime.date) -> datetime.date | None:
    """Where a distribution falling on a public holiday goes (None: it is skipped)."""
    policy = holiday_policy()
    if policy == "skip":
        return None
    step = datetime.timedelta(days=-1 if policy == "previous_working_day" else 1)
    replacement = day + step
    while not _is_working_day(replacement):
        replacement += step
    return replacement


# --- Subscribing ---------------------------------------------------------------------------------


def _places_taken(pickup_point: Site, weekday: int, *, at: datetime.datetime, for_user=None) -> int:
    """Live subscriptions collected at this pickup point on this distribution weekday, plus the
    places still kept for people it was offered to (except the one offered to `for_user`)."""
    live = Subscription.objects.live().filter(pickup_point=pickup_point, plan__weekday=weekday).count()
    held = WaitingListEntry.objects.held(at).filter(pickup_point=pickup_point, plan__weekday=weekday)
    if for_user is not None:
        held = held.exclude(customer=for_user)
    return live + held.count()


def subscribe(
    *,
    user,
    plan: SubscriptionPlan,
    pickup_point: Site,
    start_date: datetime.date,
    payment_mode: str,
    today: datetime.date | None = None,
    at: datetime.datetime | None = None,
) -> Subscription:
    """A resident subscribes to a plan at a pickup point.

    The pickup point's row is locked while its live subscriptions of that distribution day are
    counted, so two residents never both take the last place; a full point puts the resident on
    its waiting list instead: PickupPointFull, carrying the entry, is raised once the entry is saved
    (so do not call this inside a transaction rolled back on that exception).
    """
    subscription, entry = _subscribe_or_wait(
        user=user, plan=plan, pickup_point=pickup_point, start_date=start_date, payment_mode=payment_mode,
        today=_today(today), at=at or timezone.now(),
    )  # fmt: skip
    if entry is not None:
        raise PickupPointFull(
            _("Le point de retrait « %(point)s » est complet : vous êtes inscrit·e sur sa liste d'attente.")
            % {"point": entry.pickup_point.name},
            entry=entry,
        )
    return subscription


@transaction.atomic
def _subscribe_or_wait(
    *, user, plan, pickup_point, start_date, payment_mode, today, at
) -> tuple[Subscription | None, WaitingListEntry | None]:
    if not plan.is_active:
        raise SubscriptionError(_("Cette formule n'est plus ouverte aux abonnements."))
    if payment_mode not in SubscriptionPaymentMode.values:
        raise SubscriptionError(_("Mode de paiement inconnu."))
    if start_date > plan.season_end or start_date < today:
        raise SubscriptionError(
            _("La date de début doit être comprise entre aujourd'hui et la fin de saison (%(end)s).")
            % {"end": _date(plan.season_end)}
        )
    point = Site.objects.select_for_update(of=("self",)).get(pk=pickup_point.pk)
    if not (point.is_pickup_point and point.is_active):
        raise SubscriptionError(_("Ce lieu n'est pas un point de retrait ouvert."))
    if Subscription.objects.live().filter(customer=user, plan=plan).exists():
        raise SubscriptionError(_("Vous êtes déjà abonné·e à cette formule."))
    if point.capacity is not None and _places_taken(point, plan.weekday, at=at, for_user=user) >= point.capacity:
        entry, _created = WaitingListEntry.objects.get_or_create(
            customer=user, plan=plan, pickup_point=point, status=WaitingStatus.WAITING, defaults={"created_at": at}
        )
        return None, entry
    subscription = Subscription.objects.create(
        customer=user,
        plan=plan,
        pickup_point=point,
        start_date=start_date,
        payment_mode=payment_mode,
        created_at=at,
    )
    WAITING_STATUS.move_all(
        WaitingListEntry.objects.filter(customer=user, plan=plan, pickup_point=point),
        WaitingStatus.SUBSCRIBED,
        by=user,
        at=at,
    )
    SUBSCRIPTION_STATUS.log_start(subscription, by=user, at=at)
    generate_for(subscription, today=today)
    notify.subscription_email(subscription.pk, SubscriptionEmail.STARTED)
    return subscription, None


def _offer_freed_place(*, pickup_point_id: int, weekday: int, at: datetime.datetime) -> WaitingListEntry | None:
    """A place freed: the first person waiting for that pickup point and day is told, once, and the
    place is kept for them for SUBSCRIPTION_PLACE_HOLD_HOURS (the caller holds the point's lock)."""
    entry = (
        WaitingListEntry.objects.select_for_update(of=("self",))
        .filter(pickup_point_id=pickup_point_id, plan__weekday=weekday, status=WaitingStatus.WAITING)
        .order_by("created_at", "pk")
        .first()
    )
    if entry is None:
        return None
    WAITING_STATUS.move(entry, WaitingStatus.NOTIFIED, at=at)
    entry.save(update_fields=WAITING_STATUS.fields_set(WaitingStatus.NOTIFIED))
    notify.place_freed_email(entry.pk)
    return entry


def expire_place_offers(*, at: datetime.datetime | None = None) -> int:
    """Offers not taken up within the hold lapse; each lapsed place goes to the next person waiting
    (when it is still free). Idempotent: a lapsed offer is marked expired once. Returns how many lapsed."""
    at = at or timezone.now()
    lapsed = 0
    stale = WaitingListEntry.objects.lapsed(at).values_list("pk", "pickup_point_id", "plan__weekday").order_by("pk")
    for entry_id, pickup_point_id, weekday in stale:
        with transaction.atomic():
            point = Site.objects.select_for_update(of=("self",)).get(pk=pickup_point_id)
            updated = WAITING_STATUS.move_all(
                WaitingListEntry.objects.lapsed(at).filter(pk=entry_id), WaitingStatus.EXPIRED, at=at
            )
            if not updated:
                continue
            lapsed += 1
            if point.capacity is None or _places_taken(point, weekday, at=at) < point.capacity:
                _offer_freed_place(pickup_point_id=pickup_point_id, weekday=weekday, at=at)
    return lapsed


# --- Changes by the resident ----------------------------------------------------------------------


def _check_owner(subscription: Subscription, user) -> None:
    if user is not None and not can_manage_subscription(user, subscription):
        raise NotAllowed(_("Cet abonnement n'est pas le vôtre."))


def _lock(subscription: Subscription) -> Subscription:
    return Subscription.objects.select_for_update(of=("self",)).select_related("plan").get(pk=subscription.pk)


def _check_cutoff(subscription: Subscription, day: datetime.date, today: datetime.date) -> None:
    cutoff = day - datetime.timedelta(days=subscription.plan.cutoff_days)
    if today > cutoff:
        raise PastCutOff(
            _(
                "Trop tard pour modifier la distribution du %(day)s : les changements étaient possibles "
                "jusqu'au %(cutoff)s (%(days)s jours avant)."
            )
            % {"day": _date(day), "cutoff": _date(cutoff), "days": subscription.plan.cutoff_days}
        )


def first_changeable_date(subscription: Subscription, *, today: datetime.date | None = None) -> datetime.date:
    """The first day whose distribution the resident may still change."""
    return _today(today) + datetime.timedelta(days=subscription.plan.cutoff_days)


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


@transaction.atomic
def skip_delivery(*, delivery: Delivery, by=None, today: datetime.date | None = None) -> Delivery:
    """The resident will miss one delivery: allowed until its cut-off and within the absence quota."""
    today = _today(today)
    subscription = _lock(delivery.subscription)
    _check_owner(subscription, by)
    delivery = Delivery.objects.select_for_update(of=("self",)).get(pk=delivery.pk)
    if delivery.status != DeliveryStatus.PLANNED:
        raise SubscriptionError(_("Cette livraison n'est plus prévue."))
    _check_cutoff(subscription, delivery.date, today)
    _check_quota(subscription, 1)
    DELIVERY_STATUS.move(delivery, DeliveryStatus.SKIPPED, by=by, note=_("Absence"))
    delivery.save(update_fields=DELIVERY_STATUS.fields_set(DeliveryStatus.SKIPPED))
    return delivery


@transaction.atomic
def pause_subscription(
    *, subscription: Subscription, until: datetime.date, by=None, today: datetime.date | None = None
) -> Subscription:
    """No basket from the next changeable distribution until `until` (included), within the absence quota.

    Distributions already past their cut-off still happen: the pause starts after them.
    """
    today = _today(today)
    subscription = _lock(subscription)
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
    DELIVERY_STATUS.move_all(
        subscription.deliveries.filter(status=DeliveryStatus.PLANNED, date__range=(start, until)),
        DeliveryStatus.SKIPPED,
        by=by,
        note=_("Pause"),
    )
    notify.subscription_email(subscription.pk, SubscriptionEmail.PAUSED, key=f"{until:%Y%m%d}")
    return subscription


@transaction.atomic
def resume_subscription(*, subscription: Subscription, by=None, today: datetime.date | None = None) -> Subscription:
    """The pause ends early: deliveries not yet past their cut-off are planned again."""
    today = _today(today)
    subscription = _lock(subscription)
    _check_owner(subscription, by)
    paused_until = subscription.paused_until
    subscription.set_status(SubscriptionStatus.ACTIVE, by=by, note=_("Reprise"))
    subscription.paused_until = None
    subscription.save(update_fields=["status", "paused_until"])
    start = first_changeable_date(subscription, today=today)
    if paused_until and paused_until >= start:
        DELIVERY_STATUS.move_all(
            subscription.deliveries.filter(status=DeliveryStatus.SKIPPED, date__range=(start, paused_until)),
            DeliveryStatus.PLANNED,
            by=by,
            note=_("Reprise"),
        )
    generate_for(subscription, today=today)
    return subscription


@transaction.atomic
def cancel_subscription(
    *, subscription: Subscription, by=None, today: datetime.date | None = None, at: datetime.datetime | None = None
) -> Subscription:
    """The resident leaves: deliveries past their cut-off still happen, later ones are cancelled,
    and the place goes to the first person on the pickup point's waiting list."""
    today = _today(today)
    at = at or timezone.now()
    subscription = _lock(subscription)
    _check_owner(subscription, by)
    subscription.set_status(SubscriptionStatus.CANCELLED, by=by, note=_("Résiliation"), at=at)
    subscription.paused_until = None
    subscription.save(update_fields=["status", "paused_until", "cancelled_at"])
    DELIVERY_STATUS.move_all(
        subscription.deliveries.filter(
            status__in=[DeliveryStatus.PLANNED, DeliveryStatus.SKIPPED],
            date__gte=first_changeable_date(subscription, today=today),
        ),
        DeliveryStatus.CANCELLED,
        by=by,
        note=_("Résiliation"),
        at=at,
    )
    # The same lock as subscribe(): the freed place is offered before anyone else counts it.
    Site.objects.select_for_update(of=("self",)).filter(pk=subscription.pickup_point_id).first()
    _offer_freed_place(pickup_point_id=subscription.pickup_point_id, weekday=subscription.plan.weekday, at=at)
    return subscription


# --- Generating deliveries ahead ----------------------------------------------------------------


def end_paused(*, today: datetime.date | None = None) -> int:
    """Pauses whose end date has passed become active again (logged)."""
    today = _today(today)
    count = 0
    for subscription in Subscription.objects.filter(status=SubscriptionStatus.PAUSED, paused_until__lt=today):
        with transaction.atomic():
            locked = _lock(subscription)
            if locked.status == SubscriptionStatus.PAUSED:
                locked.set_status(SubscriptionStatus.ACTIVE, note=_("Fin de la pause"))
                locked.paused_until = None
                locked.save(update_fields=["status", "paused_until"])
                count += 1
    return count


def _rows_for(
    subscription: Subscription, *, start: datetime.date, end: datetime.date, now: datetime.datetime
) -> list[Delivery]:
    rows = []
    for nominal in subscription.distribution_dates(start=start, end=end):
        day, moved_from, status = nominal, None, DeliveryStatus.PLANNED
        if is_public_holiday(nominal):
            replacement = replacement_day(nominal)
            if replacement is None:
                status = DeliveryStatus.CANCELLED
            else:
                day, moved_from = replacement, nominal
        if (
            status == DeliveryStatus.PLANNED
            and subscription.status == SubscriptionStatus.PAUSED
            and subscription.paused_until
            and nominal <= subscription.paused_until
        ):
            status = DeliveryStatus.SKIPPED
        rows.append(
            Delivery(subscription_id=subscription.pk, date=day, moved_from=moved_from, status=status, created_at=now)
        )
    return rows


def generate_for(subscription: Subscription, *, weeks: int = 4, today: datetime.date | None = None) -> int:
    today = _today(today)
    return _generate(Subscription.objects.filter(pk=subscription.pk), today=today, weeks=weeks)


def generate_deliveries(*, weeks: int = 4, today: datetime.date | None = None) -> int:
    """Delivery rows of every live subscription for the next `weeks` weeks; returns how many were created.

    Idempotent: existing (subscription, date) pairs are left alone, and the unique constraint makes a
    concurrent run harmless (`ignore_conflicts`). A distribution on a French public holiday moves to
    the replacement day (SUBSCRIPTION_HOLIDAY_POLICY) and carries `moved_from`, the resident's notice.
    """
    return _generate(Subscription.objects.live(), today=_today(today), weeks=weeks)


def _generate(subscriptions, *, today: datetime.date, weeks: int) -> int:
    end = today + datetime.timedelta(days=7 * weeks - 1)  # the next `weeks` weeks, today included
    now = timezone.now()
    subscriptions = subscriptions.select_related("plan").filter(
        plan__season_end__gte=today, plan__season_start__lte=end
    )
    created = 0
    moved: list[tuple[int, datetime.date]] = []
    ids = list(subscriptions.order_by("pk").values_list("pk", flat=True))
    for offset in range(0, len(ids), BATCH):
        chunk = ids[offset : offset + BATCH]
        existing = set(
            Delivery.objects.filter(
                subscription_id__in=chunk, date__gte=today - datetime.timedelta(days=7)
            ).values_list("subscription_id", "date")
        )
        rows = []
        for subscription in subscriptions.filter(pk__in=chunk).only(
            "pk", "start_date", "status", "paused_until", "plan__season_start", "plan__season_end",
            "plan__weekday", "plan__frequency",
        ):  # fmt: skip
            for row in _rows_for(subscription, start=today, end=end, now=now):
                if (row.subscription_id, row.date) not in existing:
                    rows.append(row)
                    if row.moved_from:
                        moved.append((row.subscription_id, row.moved_from))
        Delivery.objects.bulk_create(rows, batch_size=BATCH, ignore_conflicts=True)
        created += len(rows)
    for subscription_id, nominal in moved:
        notify.subscription_email(subscription_id, SubscriptionEmail.HOLIDAY_MOVED, key=f"{nominal:%Y%m%d}")
    return created


# --- Prepaid seasons (DOMAIN.md rule 12: 4191) -------------------------------------------------------


def _customer(subscription: Subscription) -> tuple[str, str]:
    user = subscription.customer
    return f"C{user.pk:06d}", (user.get_full_name() or user.email)[:100]


@transaction.atomic
def record_prepaid_season_payment(
    *, subscription: Subscription, method: str, by=None, at: datetime.datetime | None = None
) -> Subscription:
    """The season paid upfront: goods' VAT is due at once, the rest waits on 4191 until each delivery."""
    at = at or timezone.now()
    subscription = (
        Subscription.objects.select_for_update(of=("self",))
        .select_related("plan__offering__structure", "customer")
        .get(pk=subscription.pk)
    )
    if subscription.payment_mode != SubscriptionPaymentMode.PREPAID:
        raise SubscriptionError(_("Cet abonnement se paie à chaque livraison."))
    if subscription.prepaid_at is not None:
        return subscription  # already recorded (a retried call)
    if method not in PaymentMethod.values:
        raise SubscriptionError(_("Moyen de paiement inconnu."))
    plan = subscription.plan
    count = len(list(subscription.distribution_dates(start=subscription.start_date, end=plan.season_end)))
    amount = quantize(plan.price_per_delivery * count)
    postings.post_prepaid_season_payment(
        structure=plan.offering.structure,
        customer=_customer(subscription),
        amount_incl=amount,
        vat_rate=plan.offering.vat_rate,
        method=method,
        date=timezone.localdate(at),
        reference=subscription.reference,
        key=subscription.reference,
    )
    subscription.prepaid_at = at
    subscription.prepaid_amount = amount
    subscription.prepaid_deliveries = count
    subscription.save(update_fields=["prepaid_at", "prepaid_amount", "prepaid_deliveries"])
    return subscription


def _released_share(subscription: Subscription, delivered_before: int) -> Decimal:
    """Each delivery releases an equal share excl. VAT; the last one takes the rounding remainder."""
    excl, _vat = split_incl(subscription.prepaid_amount, subscription.plan.offering.vat_rate)
    share = quantize(excl / subscription.prepaid_deliveries)
    if delivered_before + 1 >= subscription.prepaid_deliveries:
        return excl - share * (subscription.prepaid_deliveries - 1)
    return share


@transaction.atomic
def mark_delivered(*, delivery: Delivery, by=None, at: datetime.datetime | None = None) -> Delivery:
    """The basket was handed over; for a prepaid season its share of the advance becomes revenue."""
    at = at or timezone.now()
    delivery = Delivery.objects.select_for_update(of=("self",)).get(pk=delivery.pk)
    if delivery.status == DeliveryStatus.DELIVERED:
        return delivery
    if delivery.status != DeliveryStatus.PLANNED:
        raise SubscriptionError(_("Seule une livraison prévue peut être remise."))
    subscription = Subscription.objects.select_related("plan__offering__structure", "customer").get(
        pk=delivery.subscription_id
    )
    if subscription.payment_mode == SubscriptionPaymentMode.PREPAID and subscription.prepaid_at:
        delivered_before = subscription.deliveries.filter(status=DeliveryStatus.DELIVERED).count()
        if delivered_before < subscription.prepaid_deliveries:
            postings.post_prepaid_delivery(
                structure=subscription.plan.offering.structure,
                customer=_customer(subscription),
                amount_excl=_released_share(subscription, delivered_before),
                revenue_account=subscription.plan.offering.revenue_account,
                date=timezone.localdate(at),
                reference=f"{subscription.reference}-{delivery.date:%Y%m%d}",
                key=f"{subscription.reference}-{delivery.pk}",
            )
    DELIVERY_STATUS.move(delivery, DeliveryStatus.DELIVERED, by=by, at=at)
    delivery.save(update_fields=DELIVERY_STATUS.fields_set(DeliveryStatus.DELIVERED))
    return delivery
