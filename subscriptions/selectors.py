"""Reads of basket subscriptions: the resident's list, and the staff's pick lists."""

import datetime
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Count, F, Prefetch, Q
from django.utils import timezone

from hub.models import Site
from subscriptions.enums import DeliveryStatus, SubscriptionPaymentMode
from subscriptions.models import Delivery, SeasonAdvance, Subscription, SubscriptionPlan


def subscriptions_of(user, *, today: datetime.date | None = None):
    """A resident's subscriptions with their coming deliveries (`upcoming_deliveries`) and their prepaid
    seasons (`advances`, with their orders), in 4 queries."""
    today = today or timezone.localdate()
    upcoming = Delivery.objects.filter(date__gte=today).select_related("order_line__order").order_by("date")
    return (
        Subscription.objects.filter(customer=user)
        .for_list()
        .with_other_sizes()
        .prefetch_related(
            Prefetch("deliveries", queryset=upcoming, to_attr="upcoming_deliveries"),
            Prefetch("advances", queryset=SeasonAdvance.objects.select_related("order").order_by("season_start")),
        )
        .order_by("-created_at", "-pk")
    )


def open_plans():
    return SubscriptionPlan.objects.available().filter(season_end__gte=timezone.localdate())


@dataclass(frozen=True)
class PickRow:
    delivery_id: int
    name: str
    email: str
    size: str
    status: str


@dataclass
class PickList:
    pickup_point: Site
    day: datetime.date
    counts: list[tuple[str, int]] = field(default_factory=list)
    rows: list[PickRow] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.rows)


def pick_list(*, pickup_point: Site, day: datetime.date, structure_ids: list[int]) -> PickList:
    """Baskets (sold by these structures) to hand over at one pickup point on one day: counts by size, names."""
    deliveries = (
        Delivery.objects.filter(
            subscription__pickup_point=pickup_point,
            date=day,
            subscription__plan__offering__structure_id__in=structure_ids,
            status__in=[DeliveryStatus.PLANNED, DeliveryStatus.DELIVERED, DeliveryStatus.UNPAID],
        )
        .select_related("subscription__customer", "subscription__plan")
        .order_by("subscription__customer__last_name", "subscription__customer__first_name", "pk")
    )
    result = PickList(pickup_point=pickup_point, day=day)
    sizes: Counter[str] = Counter()
    for delivery in deliveries:
        customer = delivery.subscription.customer
        size = delivery.subscription.plan.size_label
        sizes[size] += 1
        result.rows.append(
            PickRow(delivery.pk, customer.get_full_name() or customer.email, customer.email, size, delivery.status)
        )
    result.counts = sorted(sizes.items())
    return result


@dataclass(frozen=True)
class BasketSummary:
    """One live subscription on the resident's dashboard."""

    subscription: Subscription
    next_delivery: Delivery | None
    cutoff: datetime.date | None  # the last day to change the next distribution
    changeable: bool
    absences_left: int
    can_change_size: bool  # another size is open, paid per delivery, next distribution not past its cut-off


def dashboard_baskets(user, *, today: datetime.date | None = None) -> list[BasketSummary]:
    """The resident's live subscriptions with their next distribution and the absences left this
    season, in 2 queries."""
    today = today or timezone.localdate()
    coming = Delivery.objects.filter(
        date__gte=today, status__in=[DeliveryStatus.PLANNED, DeliveryStatus.UNPAID]
    ).order_by("date")
    season = Q(deliveries__date__gte=F("plan__season_start"), deliveries__date__lte=F("plan__season_end"))
    subscriptions = (
        Subscription.objects.filter(customer=user)
        .live()
        .for_list()
        .with_other_sizes()
        .annotate(absences_used=Count("deliveries", filter=season & Q(deliveries__status=DeliveryStatus.SKIPPED)))
        .prefetch_related(Prefetch("deliveries", queryset=coming, to_attr="coming_deliveries"))
        .order_by("-created_at", "-pk")
    )
    summaries = []
    for subscription in subscriptions:
        plan = subscription.plan
        delivery = subscription.coming_deliveries[0] if subscription.coming_deliveries else None
        cutoff = delivery.date - datetime.timedelta(days=plan.cutoff_days) if delivery else None
        changeable = cutoff is not None and today <= cutoff
        summaries.append(
            BasketSummary(
                subscription=subscription,
                next_delivery=delivery,
                cutoff=cutoff,
                changeable=changeable,
                absences_left=max(plan.absence_quota - subscription.absences_used, 0),
                can_change_size=changeable
                and subscription.has_other_sizes
                and subscription.payment_mode != SubscriptionPaymentMode.PREPAID,
            )
        )
    return summaries
