"""Timesheets (relevés d'heures): actual hours of one worker on one day."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from insertion.models.units import HOURS
from insertion.models.workers import Worker

# The most one person works in a day (the check constraint below says the same).
MAX_DAY_HOURS = Decimal("12")


class TimesheetEntry(models.Model):
    """A relevé d'heures: actual hours of one worker on one day; validated entries are locked."""

    worker = models.ForeignKey(Worker, verbose_name=_("salarié·e"), on_delete=models.PROTECT, related_name="timesheet")
    date = models.DateField(_("date"))
    hours = models.DecimalField(_("heures réalisées"), **HOURS)
    validated_at = models.DateTimeField(_("validé le"), null=True, blank=True)
    validated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    class Meta:
        verbose_name = _("relevé d'heures")
        verbose_name_plural = _("relevés d'heures")
        ordering = ["date", "worker_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["worker", "date"],
                name="insertion_timesheet_one_per_day",
                violation_error_message=_("Un seul relevé par personne et par jour."),
            ),
            models.CheckConstraint(
                condition=Q(hours__gte=0, hours__lte=12),
                name="insertion_timesheet_hours_range",
                violation_error_message=_("Les heures d'une journée vont de 0 à 12."),
            ),
            models.CheckConstraint(
                condition=Q(validated_at__isnull=True, validated_by__isnull=True)
                | Q(validated_at__isnull=False, validated_by__isnull=False),
                name="insertion_timesheet_validated_with_author",
                violation_error_message=_("Un relevé validé indique qui l'a validé et quand."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.worker} {self.date:%d/%m/%Y} : {self.hours} h"

    @property
    def is_validated(self) -> bool:
        return self.validated_at is not None
