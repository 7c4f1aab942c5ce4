"""Basket subscriptions: plans, subscriptions, their deliveries and the waiting lists of full pickup
points, each status moved through its `StateMachine` and logged.

The tables were created by the `bookings` app and moved here (migration 0001 is state-only); see
docs/adr/0008-subscriptions-app-and-layers-inside-apps.md.
"""

import datetime
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hub.enums import Frequency
from hub.models import Site, Skill, StatusLog
from hub.money import quantize
from hub.statemachine import StateMachine
from marketplace.models import Order, OrderLine
from services.models import Offering
from subscriptions.enums import DeliveryStatus, SubscriptionPaymentMode, SubscriptionStatus, WaitingStatus
from subscriptions.exceptions import InvalidSubscriptionTransition

PLACES = {"max_digits": 8, "decimal_places": 2}

# The allowed transitions, in one place (STYLE.md). Timestamps are set on entering a state.
SUBSCRIPTION_STATUS = StateMachine(
    field="status",
    choices=SubscriptionStatus,
    transitions={
        SubscriptionStatus.ACTIVE: {SubscriptionStatus.PAUSED, SubscriptionStatus.CANCELLED},
        SubscriptionStatus.PAUSED: {SubscriptionStatus.ACTIVE, SubscriptionStatus.CANCELLED},
        SubscriptionStatus.CANCELLED: set(),
    },
    timestamps={SubscriptionStatus.CANCELLED: "cancelled_at"},
    error=InvalidSubscriptionTransition,
)
DELIVERY_STATUS = StateMachine(
    field="status",
    choices=DeliveryStatus,
    transitions={
        DeliveryStatus.PLANNED: {
            DeliveryStatus.SKIPPED,
            DeliveryStatus.DELIVERED,
            DeliveryStatus.UNPAID,
            DeliveryStatus.CANCELLED,
        },
        # A pause lifted early plans its deliveries again; a cancellation cancels them.
        DeliveryStatus.SKIPPED: {DeliveryStatus.PLANNED, DeliveryStatus.CANCELLED},
        # Paid through the pay link: planned again.
        DeliveryStatus.UNPAID: {DeliveryStatus.PLANNED},
        DeliveryStatus.DELIVERED: set(),
        DeliveryStatus.CANCELLED: set(),
    },
    timestamps={DeliveryStatus.DELIVERED: "delivered_at"},
    error=InvalidSubscriptionTransition,
)
WAITING_STATUS = StateMachine(
    field="status",
    choices=WaitingStatus,
    transitions={
        WaitingStatus.WAITING: {WaitingStatus.NOTIFIED, WaitingStatus.SUBSCRIBED, WaitingStatus.WITHDRAWN},
        WaitingStatus.NOTIFIED: {WaitingStatus.SUBSCRIBED, WaitingStatus.EXPIRED, WaitingStatus.WITHDRAWN},
        WaitingStatus.EXPIRED: set(),
        WaitingStatus.SUBSCRIBED: set(),
        WaitingStatus.WITHDRAWN: set(),
    },
    timestamps={WaitingStatus.NOTIFIED: "notified_at"},
    error=InvalidSubscriptionTransition,
)
WEEKDAYS = [
    (0, _("lundi")),
    (1, _("mardi")),
    (2, _("mercredi")),
    (3, _("jeudi")),
    (4, _("vendredi")),
    (5, _("samedi")),
    (6, _("dimanche")),
]


class SubscriptionPlanQuerySet(models.QuerySet):
    def available(self) -> "SubscriptionPlanQuerySet":
        return self.filter(is_active=True).select_related("offering__structure")

    def same_rhythm_as(self, plan_ref) -> "SubscriptionPlanQuerySet":
        """The open plans a subscription on `plan_ref` may switch size to: same seller, same distribution
        days (weekday, frequency, season), so its deliveries and its place at the pickup point stay.
        `plan_ref` is a plan or an `OuterRef` to one (the same rule in a subquery)."""
        if isinstance(plan_ref, SubscriptionPlan):
            values = {
                "offering__structure_id": plan_ref.offering.structure_id,
                "weekday": plan_ref.weekday,
                "frequency": plan_ref.frequency,
                "season_start": plan_ref.season_start,
                "season_end": plan_ref.season_end,
            }
            exclude = plan_ref.pk
        else:
            values = {field: models.OuterRef(f"{plan_ref.name}__{field}") for field in RHYTHM_FIELDS}
            exclude = plan_ref
        return self.filter(is_active=True, **values).exclude(pk=exclude)


RHYTHM_FIELDS = ("offering__structure_id", "weekday", "frequency", "season_start", "season_end")


class SubscriptionPlan(models.Model):
    """A basket sold by subscription: one offering delivered weekly or fortnightly on one weekday of a season."""

    offering = models.ForeignKey(
        Offering, verbose_name=_("panier"), on_delete=models.PROTECT, related_name="subscription_plans"
    )
    size_label = models.CharField(_("taille"), max_length=60)
    frequency = models.CharField(_("fréquence"), max_length=12, choices=Frequency.choices)
    season_start = models.DateField(_("début de saison"))
    season_end = models.DateField(_("fin de saison"))
    weekday = models.PositiveSmallIntegerField(_("jour de distribution"), choices=WEEKDAYS)
    cutoff_days = models.PositiveSmallIntegerField(_("délai de modification (jours avant la distribution)"), default=2)
    absence_quota = models.PositiveSmallIntegerField(_("absences permises par saison"), default=4)
    is_active = models.BooleanField(_("ouvert aux abonnements"), default=True)

    objects = SubscriptionPlanQuerySet.as_manager()

    class Meta:
        verbose_name = _("formule d'abonnement")
        verbose_name_plural = _("formules d'abonnement")
        ordering = ["season_start", "offering__position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(season_end__gt=models.F("season_start")),
                name="subscriptions_plan_season_ordered",
                violation_error_message=_("La fin de saison doit suivre son début."),
            ),
            models.CheckConstraint(
                condition=Q(weekday__gte=0, weekday__lte=6),
                name="subscriptions_plan_weekday_range",
                violation_error_message=_("Le jour va de lundi (0) à dimanche (6)."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.offering.name} — {self.get_frequency_display()}"

    @property
    def price_per_delivery(self) -> Decimal:
        """The offering's price, incl. VAT: a subscription never has a price of its own."""
        return self.offering.price


class SubscriptionQuerySet(models.QuerySet):
    def live(self) -> "SubscriptionQuerySet":
        """Subscriptions that hold a place at their pickup point (a pause keeps it)."""
        return self.filter(status__in=[SubscriptionStatus.ACTIVE, SubscriptionStatus.PAUSED])

    def for_list(self) -> "SubscriptionQuerySet":
        return self.select_related("plan__offering__structure", "pickup_point")

    def with_other_sizes(self) -> "SubscriptionQuerySet":
        """`has_other_sizes`: an open plan of the same rhythm exists to switch size to (no extra query)."""
        return self.annotate(
            has_other_sizes=models.Exists(SubscriptionPlan.objects.same_rhythm_as(models.OuterRef("plan")))
        )


class Subscription(models.Model):
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("abonné·e"), on_delete=models.PROTECT, related_name="subscriptions"
    )
    plan = models.ForeignKey(
        SubscriptionPlan, verbose_name=_("formule"), on_delete=models.PROTECT, related_name="subscriptions"
    )
    pickup_point = models.ForeignKey(
        Site, verbose_name=_("point de retrait"), on_delete=models.PROTECT, related_name="+"
    )
    start_date = models.DateField(_("à partir du"))
    status = models.CharField(
        _("état"), max_length=10, choices=SubscriptionStatus.choices, default=SubscriptionStatus.ACTIVE
    )
    paused_until = models.DateField(_("en pause jusqu'au"), null=True, blank=True)
    payment_mode = models.CharField(_("paiement"), max_length=10, choices=SubscriptionPaymentMode.choices)
    stripe_customer_id = models.CharField(max_length=64, blank=True)
    stripe_payment_method_id = models.CharField(max_length=64, blank=True)
    # A prepaid season is a `SeasonAdvance` (its order, its deposit invoice, its baskets).
    created_at = models.DateTimeField(_("souscrit le"), default=timezone.now)
    cancelled_at = models.DateTimeField(_("résilié le"), null=True, blank=True)

    objects = SubscriptionQuerySet.as_manager()

    class Meta:
        verbose_name = _("abonnement")
        verbose_name_plural = _("abonnements")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["pickup_point", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=SubscriptionStatus.CANCELLED) | Q(cancelled_at__isnull=False),
                name="subscriptions_subscription_cancelled_has_timestamp",
                violation_error_message=_("Un abonnement résilié a une date de résiliation."),
            ),
            models.CheckConstraint(
                condition=~Q(status=SubscriptionStatus.PAUSED) | Q(paused_until__isnull=False),
                name="subscriptions_subscription_paused_has_end",
                violation_error_message=_("Une pause a une date de fin."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan} — {self.customer}"

    @property
    def reference(self) -> str:
        return f"ABO-{self.pk:06d}"

    def distribution_dates(self, *, start: datetime.date, end: datetime.date):
        """The plan's nominal distribution days for this subscription in [start, end] (holidays not applied)."""
        plan = self.plan
        first = max(self.start_date, plan.season_start)
        first += datetime.timedelta(days=(plan.weekday - first.weekday()) % 7)
        step = 7 * Frequency(plan.frequency).weeks
        if start > first:
            first += datetime.timedelta(days=-(-(start - first).days // step) * step)
        day = first
        last = min(end, plan.season_end)
        while day <= last:
            yield day
            day += datetime.timedelta(days=step)

    def set_status(self, status: str, *, by=None, note: str = "", at=None) -> None:
        """Move the status along SUBSCRIPTION_STATUS and log it (caller saves)."""
        SUBSCRIPTION_STATUS.move(self, status, by=by, note=note, at=at)


class SeasonAdvance(models.Model):
    """A season of baskets paid upfront: the order that asks for it and, once paid, its deposit invoice
    (excl. VAT on 4191 under the subscription's reference); then what became of its baskets.

    Each basket consumed (handed over, or credited when skipped or cancelled) takes an equal share
    excl. VAT; the last one takes the rounding remainder. The 4191 balance of the subscription is
    always `amount_excl - consumed_excl(delivered + credited)` (checked nightly).
    """

    subscription = models.ForeignKey(Subscription, on_delete=models.PROTECT, related_name="advances")
    order = models.OneToOneField(Order, on_delete=models.PROTECT, related_name="season_advance")
    season_start = models.DateField(_("première livraison couverte"))
    season_end = models.DateField(_("fin de saison"))
    baskets = models.PositiveSmallIntegerField(_("paniers payés d'avance"))
    amount_incl = models.DecimalField(_("montant TTC"), **PLACES)
    amount_excl = models.DecimalField(_("montant HT"), **PLACES)
    delivered = models.PositiveSmallIntegerField(_("paniers remis"), default=0)
    credited = models.PositiveSmallIntegerField(_("paniers crédités (absence, résiliation)"), default=0)
    # Credited baskets the resident chose to keep for the next season (incl. VAT): still owed to them.
    credit_kept = models.DecimalField(_("avoir gardé pour la saison suivante"), default=Decimal("0"), **PLACES)
    # Of the credits kept from earlier seasons, what paid part of this season's order (incl. VAT).
    credit_used = models.DecimalField(_("avoir déduit de cette saison"), default=Decimal("0"), **PLACES)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("saison payée d'avance")
        verbose_name_plural = _("saisons payées d'avance")
        ordering = ["season_start", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(baskets__gt=0),
                name="subscriptions_advance_has_baskets",
                violation_error_message=_("Une saison payée d'avance couvre au moins un panier."),
            ),
            models.CheckConstraint(
                condition=Q(delivered__lte=models.F("baskets") - models.F("credited")),
                name="subscriptions_advance_consumed_within_baskets",
                violation_error_message=_("On ne remet ni ne crédite plus de paniers que la saison n'en compte."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subscription.reference} {self.season_start:%Y}"

    @property
    def remaining(self) -> int:
        """Baskets paid for, neither handed over nor credited."""
        return self.baskets - self.delivered - self.credited

    def consumed_excl(self, count: int) -> Decimal:
        """What `count` baskets consumed take off the advance, excl. VAT (the last one the remainder)."""
        if count >= self.baskets:
            return self.amount_excl
        return quantize(self.amount_excl / self.baskets) * count

    def share_excl(self, count: int) -> Decimal:
        """The excl. VAT of the next `count` baskets consumed."""
        done = self.delivered + self.credited
        return self.consumed_excl(done + count) - self.consumed_excl(done)

    def consumed_incl(self, count: int) -> Decimal:
        """The same incl. VAT: what the resident paid for `count` baskets (the last one the remainder)."""
        if count >= self.baskets:
            return self.amount_incl
        return quantize(self.amount_incl / self.baskets) * count

    def share_incl(self, count: int) -> Decimal:
        """The incl. VAT of the next `count` baskets consumed: what crediting them gives back."""
        done = self.delivered + self.credited
        return self.consumed_incl(done + count) - self.consumed_incl(done)

    @property
    def expected_balance(self) -> Decimal:
        """What 4191 should hold for this advance once paid: its baskets neither delivered nor credited."""
        return self.amount_excl - self.consumed_excl(self.delivered + self.credited)


class SubscriptionTransition(StatusLog):
    """The log of every status change of a subscription."""

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(max_length=12)
    to_status = models.CharField(max_length=12)

    def __str__(self) -> str:
        return f"{self.subscription_id}: {self.from_status} → {self.to_status}"


class DeliveryQuerySet(models.QuerySet):
    def absences(self) -> "DeliveryQuerySet":
        """Deliveries the resident chose to miss (skipped or paused); holiday cancellations do not count."""
        return self.filter(status=DeliveryStatus.SKIPPED)

    def for_pick_list(self) -> "DeliveryQuerySet":
        return self.select_related("subscription__customer", "subscription__plan__offering")


class Delivery(models.Model):
    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="deliveries")
    date = models.DateField(_("date de distribution"))
    # The plan's nominal day when a public holiday moved the distribution (the notice shown to the resident).
    moved_from = models.DateField(_("initialement prévue le"), null=True, blank=True)
    status = models.CharField(_("état"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PLANNED)
    order_line = models.ForeignKey(
        OrderLine, on_delete=models.PROTECT, null=True, blank=True, related_name="subscription_deliveries"
    )
    # The packing labour of this basket, copied from the plan's offering when the delivery is
    # generated (DOMAIN.md rule 15): the distribution jobs read these, never the live catalogue.
    labour_hours = models.DecimalField(_("heures de préparation"), max_digits=6, decimal_places=2, default=Decimal("0"))
    required_skill = models.ForeignKey(
        Skill, verbose_name=_("compétence requise"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        verbose_name = _("livraison")
        verbose_name_plural = _("livraisons")
        ordering = ["date", "pk"]
        indexes = [models.Index(fields=["date", "status"])]
        constraints = [
            models.UniqueConstraint(fields=["subscription", "date"], name="subscriptions_delivery_once_per_day"),
            models.CheckConstraint(
                condition=~Q(status=DeliveryStatus.DELIVERED) | Q(delivered_at__isnull=False),
                name="subscriptions_delivery_delivered_has_timestamp",
                violation_error_message=_("Une livraison livrée a une date de livraison."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subscription_id} {self.date:%d/%m/%Y}"

    @property
    def cutoff_date(self) -> datetime.date:
        """The last day a resident may still change this delivery."""
        return self.date - datetime.timedelta(days=self.subscription.plan.cutoff_days)


class DeliveryTransition(StatusLog):
    """The log of every status change of a delivery (skipped, paused, cancelled, delivered, unpaid…)."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="transitions")

    def __str__(self) -> str:
        return f"{self.delivery_id}: {self.from_status} → {self.to_status}"


class WaitingListEntryQuerySet(models.QuerySet):
    def held(self, at: datetime.datetime) -> "WaitingListEntryQuerySet":
        """Places offered and still kept for the person they were offered to."""
        return self.filter(status=WaitingStatus.NOTIFIED, notified_at__gt=at - WaitingListEntry.place_hold())

    def lapsed(self, at: datetime.datetime) -> "WaitingListEntryQuerySet":
        """Places offered and not taken up within the hold."""
        return self.filter(status=WaitingStatus.NOTIFIED, notified_at__lte=at - WaitingListEntry.place_hold())


class WaitingListEntry(models.Model):
    """A resident waiting for a place at a full pickup point, first come first served; a freed place
    is offered to the first one and kept for them SUBSCRIPTION_PLACE_HOLD_HOURS."""

    customer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    plan = models.ForeignKey(SubscriptionPlan, on_delete=models.CASCADE, related_name="waiting_list")
    pickup_point = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=10, choices=WaitingStatus.choices, default=WaitingStatus.WAITING)
    created_at = models.DateTimeField(default=timezone.now)
    notified_at = models.DateTimeField(null=True, blank=True)

    objects = WaitingListEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("liste d'attente")
        verbose_name_plural = _("listes d'attente")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "plan", "pickup_point"],
                condition=Q(status=WaitingStatus.WAITING),
                name="subscriptions_waiting_once",
            ),
            models.CheckConstraint(
                condition=~Q(status=WaitingStatus.NOTIFIED) | Q(notified_at__isnull=False),
                name="subscriptions_waiting_notified_has_timestamp",
                violation_error_message=_("Une place proposée a une date d'envoi."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer} — {self.pickup_point}"

    @staticmethod
    def place_hold() -> datetime.timedelta:
        """How long a freed place is kept for the person it was offered to."""
        return datetime.timedelta(hours=settings.SUBSCRIPTION_PLACE_HOLD_HOURS)

    @property
    def held_until(self) -> datetime.datetime | None:
        return self.notified_at + self.place_hold() if self.notified_at else None


class WaitingListEntryTransition(StatusLog):
    """The log of every status change of a waiting-list entry (place offered, lapsed, taken)."""

    entry = models.ForeignKey(WaitingListEntry, on_delete=models.CASCADE, related_name="transitions")

    def __str__(self) -> str:
        return f"{self.entry_id}: {self.from_status} → {self.to_status}"


class SubscriptionNotification(models.Model):
    """One row per e-mail about a subscription (kind + key): a retried task never sends it twice."""

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=30)
    key = models.CharField(max_length=40, blank=True)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "kind", "key"], name="subscriptions_subscription_notice_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.subscription_id} {self.kind} {self.key}"
