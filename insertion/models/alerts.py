"""Alerts already sent to a structure's supervisors, and the alerts born from a job's source changing."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hub.models import Structure
from hub.validators import DESCRIPTION_MAX_LENGTH, bounded_text
from insertion.enums import AlertKind
from insertion.models.jobs import Job


class SentAlert(models.Model):
    """An alert already e-mailed to a structure's supervisors: the daily task sends each one once."""

    structure = models.ForeignKey(Structure, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=80)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["structure", "key"], name="insertion_sentalert_unique")]

    def __str__(self) -> str:
        return self.key


JOB_ALERT_KINDS = (AlertKind.JOB_CHANGED, AlertKind.JOB_CANCELLED)


class JobAlertQuerySet(models.QuerySet):
    def unseen(self) -> "JobAlertQuerySet":
        return self.filter(seen_at__isnull=True)


class JobAlert(models.Model):
    """A job with workers assigned whose source changed or was cancelled (`jobs.sync_jobs`).

    Unlike the other alerts, which are worked out afresh each day, this one records an event: it
    stays on the supervisor's board until someone marks it as seen.
    """

    structure = models.ForeignKey(Structure, on_delete=models.CASCADE, related_name="+")
    job = models.ForeignKey(Job, verbose_name=_("intervention"), on_delete=models.CASCADE, related_name="alerts")
    kind = models.CharField(_("type"), max_length=20, choices=AlertKind.choices)
    message = models.TextField(_("message"), **bounded_text(DESCRIPTION_MAX_LENGTH))
    created_at = models.DateTimeField(_("créée le"), default=timezone.now)
    seen_at = models.DateTimeField(_("vue le"), null=True, blank=True)
    seen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = JobAlertQuerySet.as_manager()

    class Meta:
        verbose_name = _("alerte d'intervention")
        verbose_name_plural = _("alertes d'intervention")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["structure", "seen_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=JOB_ALERT_KINDS),
                name="insertion_jobalert_kind_valid",
                violation_error_message=_("Type d'alerte d'intervention inconnu."),
            ),
        ]

    def __str__(self) -> str:
        return self.message[:80]
