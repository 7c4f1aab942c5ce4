"""Subscribing: a pickup point's capacity held under its row lock, its waiting list, and the place a
cancellation frees, offered to the first person waiting and kept for them."""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hub.models import Site
from marketplace.enums import PaymentMethod
from subscriptions import notify
from subscriptions.actions.common import local_today, long_date
from subscriptions.actions.deliveries import generate_for
from subscriptions.actions.prepaid import place_season_order
from subscriptions.enums import SubscriptionEmail, SubscriptionPaymentMode, WaitingStatus
from subscriptions.exceptions import PickupPointFull, SubscriptionError
from subscriptions.models import SUBSCRIPTION_STATUS, WAITING_STATUS, Subscription, SubscriptionPlan, WaitingListEntry


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
    season_payment_method: str = PaymentMethod.CHEQUE,
) -> Subscription:
    """A resident subscribes to a plan at a pickup point; a season paid upfront becomes an order paid
    with `season_payment_method` (card on its pay page, or cheque or cash at the pickup point).

    The pickup point's row is locked while its live subscriptions of that distribution day are
    counted, so two residents never both take the last place; a full point puts the resident on
    its waiting list instead: PickupPointFull, carrying the entry, is raised once the entry is saved
    (so do not call this inside a transaction rolled back on that exception).
    """
    subscription, entry = _subscribe_or_wait(
        user=user, plan=plan, pickup_point=pickup_point, start_date=start_date, payment_mode=payment_mode,
        today=local_today(today), at=at or timezone.now(), season_payment_method=season_payment_method,
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
    *, user, plan, pickup_point, start_date, payment_mode, today, at, season_payment_method
) -> tuple[Subscription | None, WaitingListEntry | None]:
    if not plan.is_active:
        raise SubscriptionError(_("Cette formule n'est plus ouverte aux abonnements."))
    if payment_mode not in SubscriptionPaymentMode.values:
        raise SubscriptionError(_("Mode de paiement inconnu."))
    if start_date > plan.season_end or start_date < today:
        raise SubscriptionError(
            _("La date de début doit être comprise entre aujourd'hui et la fin de saison (%(end)s).")
            % {"end": long_date(plan.season_end)}
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
    if payment_mode == SubscriptionPaymentMode.PREPAID:
        place_season_order(subscription=subscription, payment_method=season_payment_method, at=at)
    notify.subscription_email(subscription.pk, SubscriptionEmail.STARTED)
    return subscription, None


def offer_freed_place(*, pickup_point_id: int, weekday: int, at: datetime.datetime) -> WaitingListEntry | None:
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
                offer_freed_place(pickup_point_id=pickup_point_id, weekday=weekday, at=at)
    return lapsed
