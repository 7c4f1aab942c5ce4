"""Organisations on account, billed once a month (one statement per organisation, seller and month)."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hub.models import Organisation, Structure


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
