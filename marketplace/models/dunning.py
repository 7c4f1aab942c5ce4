"""Reminders of unpaid invoices (dunning): the levels each structure sets, what was sent, pauses, and
the late-payment penalties invoiced (C. com. L441-10, D441-5) — docs/adr/0022-receivables-and-dunning.md."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hub.models import Structure
from hub.validators import bounded_text
from marketplace.enums import DunningKind, DunningPauseReason
from marketplace.models.fields import MONEY
from marketplace.models.invoices import Invoice

# 3 × the legal interest rate for professional creditors (2nd half of 2025: 2,76 %): what every B2B
# invoice prints as its late-payment rate (marketplace.invoice_documents.content.LATE_PAYMENT_PENALTY).
DEFAULT_LEGAL_INTEREST_RATE = Decimal("2.76")
RECOVERY_FEE = Decimal("40.00")  # C. com. D441-5
TEMPLATE_MAX_LENGTH = 4000


class DunningPolicy(models.Model):
    """A structure's dunning settings: the legal interest rate its penalties multiply by three."""

    structure = models.OneToOneField(Structure, on_delete=models.CASCADE, related_name="dunning_policy")
    legal_interest_rate = models.DecimalField(
        _("taux d'intérêt légal (%)"),
        max_digits=5,
        decimal_places=2,
        default=DEFAULT_LEGAL_INTEREST_RATE,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("30"))],
    )

    class Meta:
        verbose_name = _("politique de relance")
        verbose_name_plural = _("politiques de relance")
        constraints = [
            models.CheckConstraint(
                condition=Q(legal_interest_rate__gte=0, legal_interest_rate__lte=30),
                name="marketplace_dunning_rate_range",
                violation_error_message=_("Le taux d'intérêt légal est compris entre 0 et 30 %."),
            )
        ]

    def __str__(self) -> str:
        return str(self.structure)

    @property
    def penalty_rate(self) -> Decimal:
        """The yearly late-payment rate: three times the legal interest rate (C. com. L441-10)."""
        return self.legal_interest_rate * 3


class DunningLevel(models.Model):
    """One step of a structure's reminders: sent `days_after_due` days after an invoice's due date."""

    structure = models.ForeignKey(Structure, on_delete=models.CASCADE, related_name="dunning_levels")
    rank = models.PositiveSmallIntegerField(_("rang"), validators=[MinValueValidator(1), MaxValueValidator(9)])
    days_after_due = models.PositiveSmallIntegerField(
        _("jours après l'échéance"), validators=[MinValueValidator(1), MaxValueValidator(365)]
    )
    kind = models.CharField(_("type"), max_length=10, choices=DunningKind.choices)
    subject = models.CharField(_("objet de l'e-mail"), max_length=200)
    body = models.TextField(_("texte de l'e-mail"), **bounded_text(TEMPLATE_MAX_LENGTH))

    class Meta:
        verbose_name = _("niveau de relance")
        verbose_name_plural = _("niveaux de relance")
        ordering = ["structure", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["structure", "rank"], name="marketplace_dunning_level_rank_unique"),
            models.UniqueConstraint(
                fields=["structure", "days_after_due"], name="marketplace_dunning_level_days_unique"
            ),
            models.CheckConstraint(
                condition=Q(rank__gte=1, rank__lte=9, days_after_due__gte=1, days_after_due__lte=365),
                name="marketplace_dunning_level_ranges",
                violation_error_message=_("Rang de 1 à 9, de 1 à 365 jours après l'échéance."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.structure} — {self.get_kind_display()} (J+{self.days_after_due})"


class DunningPause(models.Model):
    """Reminders stopped until a date, for one invoice or for every invoice of one customer (its 411 code)."""

    structure = models.ForeignKey(Structure, on_delete=models.CASCADE, related_name="dunning_pauses")
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, null=True, blank=True, related_name="dunning_pauses")
    customer_code = models.CharField(_("client"), max_length=20, blank=True)
    reason = models.CharField(_("motif"), max_length=10, choices=DunningPauseReason.choices)
    note = models.CharField(_("précision"), max_length=200, blank=True)
    until = models.DateField(_("jusqu'au"))
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    lifted_at = models.DateTimeField(_("levée le"), null=True, blank=True)

    class Meta:
        verbose_name = _("suspension des relances")
        verbose_name_plural = _("suspensions des relances")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(invoice__isnull=False) & Q(customer_code=""))
                | (Q(invoice__isnull=True) & ~Q(customer_code="")),
                name="marketplace_dunning_pause_one_target",
                violation_error_message=_("Une suspension vise une facture ou un client, pas les deux."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.invoice or self.customer_code} → {self.until}"


class ReminderSent(models.Model):
    """One reminder of one invoice at one level: never twice (the unique constraint is the guard)."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="reminders")
    level = models.ForeignKey(DunningLevel, on_delete=models.PROTECT, related_name="reminders_sent")
    sent_at = models.DateTimeField(default=timezone.now)
    to = models.CharField(_("destinataire"), max_length=254, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    open_amount = models.DecimalField(_("restant dû"), **MONEY)
    days_overdue = models.PositiveIntegerField(_("jours de retard"))

    class Meta:
        verbose_name = _("relance envoyée")
        verbose_name_plural = _("relances envoyées")
        ordering = ["-sent_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["invoice", "level"], name="marketplace_reminder_once_per_level")]

    def __str__(self) -> str:
        return f"{self.invoice} — {self.level}"


class LatePenalty(models.Model):
    """The penalties and the 40 € indemnity of one overdue B2B invoice, invoiced once (the guard)."""

    invoice = models.OneToOneField(Invoice, on_delete=models.PROTECT, related_name="late_penalty")
    penalty_invoice = models.OneToOneField(Invoice, on_delete=models.PROTECT, related_name="penalty_for")
    days_late = models.PositiveIntegerField(_("jours de retard"))
    rate = models.DecimalField(_("taux annuel (%)"), max_digits=5, decimal_places=2)
    interest = models.DecimalField(_("pénalités"), **MONEY)
    recovery_fee = models.DecimalField(_("indemnité forfaitaire"), **MONEY)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("pénalités de retard facturées")
        verbose_name_plural = _("pénalités de retard facturées")

    def __str__(self) -> str:
        return f"{self.invoice} → {self.penalty_invoice}"
