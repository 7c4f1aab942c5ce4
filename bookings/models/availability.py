"""What can be booked and when: resources, weekly opening rules, closures, the service area of home
visits, cancellation fees, and the slot rows whose lock protects capacity."""

import datetime

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from bookings.models.fields import PLACES
from hub.models import Structure
from services.models import Offering


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

    A rule with a visit duration (`visit_minutes`, home services booked by start time) offers a
    start time every `slot_minutes` from `start_time`, each visit lasting `visit_minutes` and ending
    by `end_time`; its capacity then counts visits at the same time (teams available), and the
    visits of one day overlap: booking one locks the day's first slot row (see `bookings.actions`).
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
    visit_minutes = models.PositiveSmallIntegerField(
        _("durée d'une intervention (minutes)"),
        null=True,
        blank=True,
        help_text=_(
            "Services à domicile réservés à l'heure de début : chaque intervention dure ce temps, une heure "
            "de début est proposée toutes les « durée d'un créneau » minutes, et la capacité compte les "
            "interventions simultanées (équipes disponibles). Vide : des créneaux qui se suivent."
        ),
    )
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
            models.CheckConstraint(
                condition=Q(visit_minutes__isnull=True) | Q(visit_minutes__gte=15, visit_minutes__lte=720),
                name="bookings_rule_visit_minutes_range",
                violation_error_message=_("Une intervention dure de 15 minutes à 12 heures."),
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


class CollectionFee(models.Model):
    """What collecting an organisation's laundry at its address and bringing it back costs: one line of
    the fee offering on the same booking and order as the laundry (one per laundry structure)."""

    structure = models.OneToOneField(
        Structure, verbose_name=_("blanchisserie"), on_delete=models.CASCADE, related_name="collection_fee"
    )
    fee_offering = models.ForeignKey(
        Offering, verbose_name=_("collecte et livraison facturée"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("collecte et livraison à l'adresse")
        verbose_name_plural = _("collectes et livraisons à l'adresse")

    def __str__(self) -> str:
        return f"{self.structure} → {self.fee_offering}"


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
