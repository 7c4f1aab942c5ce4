"""Bookings, their state machines and log, recurring laundry series and the e-mails sent about them.

Capacity is protected in the database: a booking locks its `Slot` row (created on first use) before
counting what the slot already holds; on PostgreSQL an exclusion constraint also forbids two
overlapping bookings of one single-capacity resource (migration 0002, a no-op on SQLite).
"""

import datetime
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bookings.enums import BookingStatus, LaundryStep
from bookings.exceptions import InvalidBookingTransition
from bookings.models.availability import Resource, Slot
from bookings.models.fields import PLACES, QUANTITY
from hub.enums import Frequency
from hub.models import Organisation, Site, Skill, StatusLog
from hub.statemachine import StateMachine
from hub.validators import ADDRESS_MAX_LENGTH, bounded_text
from marketplace.models import OrderLine
from marketplace.models.fields import BILLING_ADDRESS_MAX_LENGTH
from services.models import Offering

# The allowed transitions, in one place (STYLE.md). Timestamps are set on entering a state.
BOOKING_STATUS = StateMachine(
    field="status",
    choices=BookingStatus,
    transitions={
        BookingStatus.HELD: {BookingStatus.CONFIRMED, BookingStatus.UNPAID, BookingStatus.CANCELLED},
        BookingStatus.UNPAID: {BookingStatus.CONFIRMED, BookingStatus.CANCELLED},
        # A SEPA failure or a dispute after confirmation marks the booking unpaid again.
        BookingStatus.CONFIRMED: {
            BookingStatus.IN_PROGRESS,
            BookingStatus.UNPAID,
            BookingStatus.CANCELLED,
            BookingStatus.NO_SHOW,
        },
        BookingStatus.IN_PROGRESS: {BookingStatus.DONE},
        BookingStatus.DONE: set(),
        BookingStatus.CANCELLED: set(),
        BookingStatus.NO_SHOW: set(),
    },
    timestamps={
        BookingStatus.CONFIRMED: "confirmed_at",
        BookingStatus.IN_PROGRESS: "started_at",
        BookingStatus.DONE: "done_at",
        BookingStatus.CANCELLED: "cancelled_at",
    },
    error=InvalidBookingTransition,
)
LAUNDRY = StateMachine(
    field="laundry_step",
    choices=LaundryStep,
    transitions={
        LaundryStep.SCHEDULED: {LaundryStep.COLLECTED},
        # Items priced per piece go straight to washing; per-kg laundry is weighed first (actions check it).
        LaundryStep.COLLECTED: {LaundryStep.WEIGHED, LaundryStep.WASHING},
        LaundryStep.WEIGHED: {LaundryStep.WASHING},
        LaundryStep.WASHING: {LaundryStep.READY},
        LaundryStep.READY: {LaundryStep.DELIVERED},
        LaundryStep.DELIVERED: set(),
    },
    timestamps={
        LaundryStep.COLLECTED: "collected_at",
        LaundryStep.WEIGHED: "weighed_at",
        LaundryStep.WASHING: "washing_at",
        LaundryStep.READY: "ready_at",
        LaundryStep.DELIVERED: "delivered_at",
    },
    error=InvalidBookingTransition,
)


class RecurringBooking(models.Model):
    """A weekly or fortnightly booking (laundry pickup, home visit) whose occurrences are generated ahead."""

    offering = models.ForeignKey(Offering, verbose_name=_("offre"), on_delete=models.PROTECT, related_name="+")
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("client·e"), on_delete=models.PROTECT, related_name="+"
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    frequency = models.CharField(_("fréquence"), max_length=12, choices=Frequency.choices)
    first_starts_at = models.DateTimeField(_("premier créneau"))
    ends_on = models.DateField(_("jusqu'au"), null=True, blank=True)
    quantity = models.DecimalField(_("quantité estimée"), **QUANTITY)
    payment_method = models.CharField(_("moyen de paiement"), max_length=10)
    pickup_point = models.ForeignKey(Site, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    # Laundry of an organisation: collected and delivered at its address, the collection fee on each booking.
    collected_at_address = models.BooleanField(_("collecte et livraison à l'adresse"), default=False)
    billing_name = models.CharField(max_length=150)
    billing_address = models.TextField(**bounded_text(BILLING_ADDRESS_MAX_LENGTH))
    billing_email = models.EmailField()
    # Home visits: where to go, every time.
    address = models.TextField(_("adresse d'intervention"), blank=True, **bounded_text(ADDRESS_MAX_LENGTH))
    postcode = models.CharField(_("code postal"), max_length=5, blank=True)
    note = models.CharField(_("précisions"), max_length=300, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("réservation récurrente")
        verbose_name_plural = _("réservations récurrentes")
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0),
                name="bookings_recurring_quantity_positive",
                violation_error_message=_("La quantité doit être positive."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.offering} ({self.get_frequency_display()})"


class BookingQuerySet(models.QuerySet):
    def occupying(self, at: datetime.datetime | None = None) -> "BookingQuerySet":
        """Bookings that take capacity: all but cancelled ones and holds past their expiry."""
        at = at or timezone.now()
        return self.exclude(status=BookingStatus.CANCELLED).exclude(
            status__in=[BookingStatus.HELD, BookingStatus.UNPAID], hold_expires_at__lte=at
        )

    def visible_to(self, user) -> "BookingQuerySet":
        """A person's own bookings and those of the customer organisations they belong to (a prescriber's
        social workers do not book for it: `hub.perms.organisation_roles`)."""
        if not user.is_authenticated:
            return self.none()
        org_ids = list(
            user.organisation_memberships.filter(organisation__prescriber_kind="").values_list(
                "organisation_id", flat=True
            )
        )
        return self.filter(Q(customer=user, organisation__isnull=True) | Q(organisation_id__in=org_ids))

    def for_list(self) -> "BookingQuerySet":
        return self.select_related("offering__structure", "organisation", "resource", "order_line__order")

    def upcoming(self, *, now) -> "BookingQuerySet":
        """Bookings still to come that are not cancelled or over, the soonest first."""
        return self.filter(starts_at__gte=now, status__in=[*BookingStatus.open(), BookingStatus.IN_PROGRESS]).order_by(
            "starts_at", "pk"
        )


class Booking(models.Model):
    offering = models.ForeignKey(Offering, verbose_name=_("offre"), on_delete=models.PROTECT, related_name="bookings")
    slot = models.ForeignKey(Slot, on_delete=models.PROTECT, related_name="bookings")
    resource = models.ForeignKey(
        Resource, verbose_name=_("ressource"), on_delete=models.PROTECT, null=True, blank=True, related_name="bookings"
    )
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("client·e"), on_delete=models.PROTECT, related_name="bookings"
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="bookings",
    )
    series = models.ForeignKey(
        RecurringBooking, on_delete=models.PROTECT, null=True, blank=True, related_name="occurrences"
    )
    # The order line that pays it; empty for an organisation on monthly invoicing until month end.
    order_line = models.ForeignKey(OrderLine, on_delete=models.PROTECT, null=True, blank=True, related_name="bookings")
    pickup_point = models.ForeignKey(
        Site, verbose_name=_("point de dépôt"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Laundry collected and delivered at the organisation's address (`address`): the fee offering charged
    # with it, and its line on the same order (on the month's order for an organisation on account).
    collection_fee = models.ForeignKey(
        Offering,
        verbose_name=_("collecte et livraison à l'adresse"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    collection_line = models.ForeignKey(
        OrderLine, on_delete=models.PROTECT, null=True, blank=True, related_name="collection_bookings"
    )

    starts_at = models.DateTimeField(_("début"))
    ends_at = models.DateTimeField(_("fin"))
    places = models.DecimalField(_("capacité utilisée"), **PLACES)
    quantity = models.DecimalField(_("quantité réservée"), **QUANTITY)
    final_quantity = models.DecimalField(_("quantité réelle"), null=True, blank=True, **QUANTITY)
    address = models.TextField(_("adresse d'intervention"), blank=True, **bounded_text(ADDRESS_MAX_LENGTH))
    destination = models.TextField(
        _("adresse d'arrivée"),
        blank=True,
        **bounded_text(ADDRESS_MAX_LENGTH),
        help_text=_("Transport solidaire : où déposer la personne."),
    )
    postcode = models.CharField(_("code postal"), max_length=5, blank=True)
    note = models.CharField(_("précisions"), max_length=300, blank=True)
    # The labour the offering needed when the booking was made (DOMAIN.md rule 15): its job reads
    # these, never the live catalogue.
    labour_hours_per_unit = models.DecimalField(
        _("heures de travail par unité"), max_digits=6, decimal_places=2, default=Decimal("0")
    )
    labour_headcount = models.PositiveSmallIntegerField(_("effectif requis"), default=1)
    required_skill = models.ForeignKey(
        Skill, verbose_name=_("compétence requise"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    status = models.CharField(_("état"), max_length=12, choices=BookingStatus.choices, default=BookingStatus.HELD)
    hold_expires_at = models.DateTimeField(_("option jusqu'à"), null=True, blank=True)
    laundry_step = models.CharField(_("étape"), max_length=10, choices=LaundryStep.choices, blank=True)
    weighed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    cancellation_fee_line = models.ForeignKey(
        OrderLine, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    created_at = models.DateTimeField(_("réservée le"), default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    collected_at = models.DateTimeField(_("collecté le"), null=True, blank=True)
    weighed_at = models.DateTimeField(_("pesé le"), null=True, blank=True)
    washing_at = models.DateTimeField(_("en lavage le"), null=True, blank=True)
    ready_at = models.DateTimeField(_("prêt le"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("livré le"), null=True, blank=True)

    objects = BookingQuerySet.as_manager()

    class Meta:
        verbose_name = _("réservation")
        verbose_name_plural = _("réservations")
        ordering = ["starts_at", "pk"]
        indexes = [
            models.Index(fields=["offering", "starts_at"]),
            models.Index(fields=["customer", "starts_at"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["series", "starts_at"],
                condition=Q(series__isnull=False),
                name="bookings_booking_one_per_series_and_start",
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")),
                name="bookings_booking_ends_after_start",
                violation_error_message=_("Une réservation finit après avoir commencé."),
            ),
            models.CheckConstraint(
                condition=Q(places__gt=0) & Q(quantity__gt=0),
                name="bookings_booking_places_positive",
                violation_error_message=_("Une réservation occupe une capacité et une quantité positives."),
            ),
            models.CheckConstraint(
                condition=~Q(status=BookingStatus.CONFIRMED) | Q(confirmed_at__isnull=False),
                name="bookings_booking_confirmed_has_timestamp",
                violation_error_message=_("Une réservation confirmée a une date de confirmation."),
            ),
            models.CheckConstraint(
                condition=~Q(status=BookingStatus.CANCELLED) | Q(cancelled_at__isnull=False),
                name="bookings_booking_cancelled_has_timestamp",
                violation_error_message=_("Une réservation annulée a une date d'annulation."),
            ),
            models.CheckConstraint(
                condition=~Q(status=BookingStatus.DONE) | Q(done_at__isnull=False),
                name="bookings_booking_done_has_timestamp",
                violation_error_message=_("Une réservation terminée a une date de fin."),
            ),
            models.CheckConstraint(
                condition=~Q(laundry_step=LaundryStep.WEIGHED)
                | (Q(weighed_at__isnull=False) & Q(final_quantity__isnull=False)),
                name="bookings_booking_weighed_has_weight",
                violation_error_message=_("Un linge pesé a un poids et une date de pesée."),
            ),
            models.CheckConstraint(
                condition=Q(collection_fee__isnull=True) | (Q(pickup_point__isnull=True) & ~Q(address="")),
                name="bookings_booking_collection_at_address",
                violation_error_message=_("Une collecte à l'adresse a une adresse et pas de point de dépôt."),
            ),
            models.CheckConstraint(
                condition=~Q(laundry_step=LaundryStep.DELIVERED) | Q(delivered_at__isnull=False),
                name="bookings_booking_delivered_has_timestamp",
                violation_error_message=_("Un linge livré a une date de livraison."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.offering} — {timezone.localtime(self.starts_at):%d/%m/%Y %H:%M}"

    @property
    def is_open(self) -> bool:
        return self.status in BookingStatus.open()

    @property
    def free_cancellation_until(self) -> datetime.datetime:
        hours = getattr(settings, "BOOKING_FREE_CANCELLATION_HOURS", 48)
        return self.starts_at - datetime.timedelta(hours=hours)

    @property
    def is_laundry(self) -> bool:
        return bool(self.laundry_step)

    @property
    def is_collected_at_address(self) -> bool:
        return self.collection_fee_id is not None

    @property
    def billed_quantity(self) -> Decimal:
        return self.final_quantity if self.final_quantity is not None else self.quantity

    def set_status(self, status: str, *, by=None, note: str = "", at=None) -> None:
        """Move the status along BOOKING_STATUS and log it (caller saves)."""
        BOOKING_STATUS.move(self, status, by=by, note=note, at=at)

    def set_laundry_step(self, step: str, *, by=None, note: str = "", at=None) -> None:
        """Move the laundry step along LAUNDRY and log it (caller saves)."""
        LAUNDRY.move(self, step, by=by, note=note, at=at)


class BookingTransition(StatusLog):
    """The log of every status and laundry-step change of a booking (reschedules too)."""

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="transitions")

    def __str__(self) -> str:
        return f"{self.booking_id} {self.field}: {self.from_status} → {self.to_status}"


class BookingNotification(models.Model):
    """One row per e-mail sent about a booking: a retried task never sends the same e-mail twice."""

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=30)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["booking", "kind"], name="bookings_notification_once")]

    def __str__(self) -> str:
        return f"{self.booking_id} {self.kind}"
