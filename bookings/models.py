"""Availability (opening rules, closures, resources), bookings with their transition log, recurring laundry.

Capacity is protected in the database: a booking locks its `Slot` row (created on first use) before
counting what the slot already holds; on PostgreSQL an exclusion constraint also forbids two
overlapping bookings of one single-capacity resource (migration 0002, a no-op on SQLite).
"""

import datetime
import secrets
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bookings.enums import BookingStatus, LaundryStep
from bookings.exceptions import InvalidBookingTransition
from hub.enums import Frequency
from hub.models import Organisation, Site, StatusLog, Structure
from hub.statemachine import StateMachine
from marketplace.models import OrderLine
from services.models import Offering

PLACES = {"max_digits": 8, "decimal_places": 2}
QUANTITY = {"max_digits": 10, "decimal_places": 3}

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


class Resource(models.Model):
    """One thing booked whole for a day (a car, a scooter): never two overlapping bookings."""

    offering = models.ForeignKey(
        Offering, verbose_name=_("offre"), on_delete=models.CASCADE, related_name="booking_resources"
    )
    name = models.CharField(_("nom"), max_length=100)
    is_active = models.BooleanField(_("disponible à la réservation"), default=True)
    deposit = models.DecimalField(
        _("dépôt de garantie (€)"),
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Demandé à la remise (chèque non encaissé), rendu au retour."),
    )

    class Meta:
        verbose_name = _("ressource")
        verbose_name_plural = _("ressources")
        ordering = ["offering", "name"]
        constraints = [
            models.UniqueConstraint(fields=["offering", "name"], name="bookings_resource_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class OpeningRule(models.Model):
    """A weekly opening of a bookable offering: slots of `slot_minutes` between two times, each with a capacity.

    Capacity counts places (pickups, seats, vehicles) or, for offerings sold by the hour (home
    services), hours bookable in the slot: the AI's manager sets one whole-day slot with the
    team hours bookable that day.
    """

    offering = models.ForeignKey(
        Offering, verbose_name=_("offre"), on_delete=models.CASCADE, related_name="opening_rules"
    )
    weekday = models.PositiveSmallIntegerField(
        _("jour"),
        choices=[
            (0, _("lundi")),
            (1, _("mardi")),
            (2, _("mercredi")),
            (3, _("jeudi")),
            (4, _("vendredi")),
            (5, _("samedi")),
            (6, _("dimanche")),
        ],
    )
    start_time = models.TimeField(_("de"))
    end_time = models.TimeField(_("à"))
    slot_minutes = models.PositiveSmallIntegerField(_("durée d'un créneau (minutes)"))
    capacity = models.DecimalField(_("capacité par créneau"), **PLACES)
    valid_from = models.DateField(_("à partir du"), null=True, blank=True)
    valid_until = models.DateField(_("jusqu'au"), null=True, blank=True)

    class Meta:
        verbose_name = _("horaire d'ouverture")
        verbose_name_plural = _("horaires d'ouverture")
        ordering = ["offering", "weekday", "start_time"]
        constraints = [
            models.CheckConstraint(
                condition=Q(weekday__gte=0, weekday__lte=6),
                name="bookings_rule_weekday_range",
                violation_error_message=_("Le jour va de lundi (0) à dimanche (6)."),
            ),
            models.CheckConstraint(
                condition=Q(end_time__gt=models.F("start_time")),
                name="bookings_rule_end_after_start",
                violation_error_message=_("L'heure de fin doit suivre l'heure de début."),
            ),
            models.CheckConstraint(
                condition=Q(slot_minutes__gt=0) & Q(capacity__gt=0),
                name="bookings_rule_slot_and_capacity_positive",
                violation_error_message=_("La durée d'un créneau et la capacité doivent être positives."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.offering} — {self.get_weekday_display()} {self.start_time:%H:%M}–{self.end_time:%H:%M}"

    def applies_on(self, day: datetime.date) -> bool:
        if day.weekday() != self.weekday:
            return False
        if self.valid_from and day < self.valid_from:
            return False
        return not (self.valid_until and day > self.valid_until)


class Closure(models.Model):
    """Days a structure (or one of its offerings) takes no booking: holidays of the team, works…"""

    structure = models.ForeignKey(Structure, verbose_name=_("structure"), on_delete=models.CASCADE, related_name="+")
    offering = models.ForeignKey(
        Offering,
        verbose_name=_("offre"),
        on_delete=models.CASCADE,
        related_name="+",
        null=True,
        blank=True,
        help_text=_("Vide : toute la structure est fermée."),
    )
    start_date = models.DateField(_("du"))
    end_date = models.DateField(_("au"))
    reason = models.CharField(_("motif"), max_length=150, blank=True)

    class Meta:
        verbose_name = _("fermeture")
        verbose_name_plural = _("fermetures")
        ordering = ["start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")),
                name="bookings_closure_dates_ordered",
                violation_error_message=_("La fin de la fermeture ne peut précéder son début."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.structure} {self.start_date:%d/%m/%Y}–{self.end_date:%d/%m/%Y}"


class ServiceArea(models.Model):
    """A postcode where a structure's home services go (none listed: no restriction)."""

    structure = models.ForeignKey(Structure, verbose_name=_("structure"), on_delete=models.CASCADE, related_name="+")
    postcode = models.CharField(_("code postal"), max_length=5)

    class Meta:
        verbose_name = _("zone d'intervention")
        verbose_name_plural = _("zones d'intervention")
        constraints = [
            models.UniqueConstraint(fields=["structure", "postcode"], name="bookings_service_area_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.structure} {self.postcode}"


class CancellationFee(models.Model):
    """What a late cancellation of a booked offering costs: one line of the fee offering."""

    offering = models.OneToOneField(
        Offering, verbose_name=_("offre réservée"), on_delete=models.CASCADE, related_name="cancellation_fee"
    )
    fee_offering = models.ForeignKey(
        Offering, verbose_name=_("frais facturés"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("frais d'annulation tardive")
        verbose_name_plural = _("frais d'annulation tardive")

    def __str__(self) -> str:
        return f"{self.offering} → {self.fee_offering}"


class OrganisationAccount(models.Model):
    """An organisation served on account: its laundry is invoiced once a month (net 30), not at weighing."""

    organisation = models.OneToOneField(
        Organisation, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="booking_account"
    )
    monthly_invoicing = models.BooleanField(_("facturation mensuelle"), default=True)

    class Meta:
        verbose_name = _("compte d'organisation")
        verbose_name_plural = _("comptes d'organisation")

    def __str__(self) -> str:
        return str(self.organisation)


class Slot(models.Model):
    """One concrete slot of an offering, created on its first booking: the row locked to count capacity."""

    offering = models.ForeignKey(Offering, on_delete=models.CASCADE, related_name="+")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    capacity = models.DecimalField(**PLACES)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["offering", "starts_at"], name="bookings_slot_unique_start"),
        ]

    def __str__(self) -> str:
        return f"{self.offering_id} {self.starts_at:%Y-%m-%d %H:%M}"


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
    billing_name = models.CharField(max_length=150)
    billing_address = models.TextField()
    billing_email = models.EmailField()
    # Home visits: where to go, every time.
    address = models.TextField(_("adresse d'intervention"), blank=True)
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
        """A person's own bookings and those of the organisations they belong to."""
        if not user.is_authenticated:
            return self.none()
        org_ids = list(user.organisation_memberships.values_list("organisation_id", flat=True))
        return self.filter(Q(customer=user, organisation__isnull=True) | Q(organisation_id__in=org_ids))

    def for_list(self) -> "BookingQuerySet":
        return self.select_related("offering__structure", "organisation", "resource", "order_line__order")


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

    starts_at = models.DateTimeField(_("début"))
    ends_at = models.DateTimeField(_("fin"))
    places = models.DecimalField(_("capacité utilisée"), **PLACES)
    quantity = models.DecimalField(_("quantité réservée"), **QUANTITY)
    final_quantity = models.DecimalField(_("quantité réelle"), null=True, blank=True, **QUANTITY)
    address = models.TextField(_("adresse d'intervention"), blank=True)
    destination = models.TextField(
        _("adresse d'arrivée"), blank=True, help_text=_("Transport solidaire : où déposer la personne.")
    )
    postcode = models.CharField(_("code postal"), max_length=5, blank=True)
    note = models.CharField(_("précisions"), max_length=300, blank=True)

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


class MonthlyStatement(models.Model):
    """One organisation's delivered laundry of one month, billed by one seller in one order (idempotency key)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    structure = models.ForeignKey(Structure, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    month = models.PositiveSmallIntegerField()
    order = models.ForeignKey("marketplace.Order", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "structure", "year", "month"], name="bookings_statement_once_per_month"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} {self.month:02d}/{self.year}"


class BookingNotification(models.Model):
    """One row per e-mail sent about a booking: a retried task never sends the same e-mail twice."""

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=30)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["booking", "kind"], name="bookings_notification_once")]

    def __str__(self) -> str:
        return f"{self.booking_id} {self.kind}"


def new_calendar_token() -> str:
    return secrets.token_urlsafe(24)


class CalendarFeed(models.Model):
    """The private token of a person's iCal feed of bookings (a new token revokes the old URL)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="booking_calendar")
    token = models.CharField(max_length=64, unique=True, default=new_calendar_token)

    def __str__(self) -> str:
        return f"{self.user}"
