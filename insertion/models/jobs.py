"""Jobs (interventions) born from sales, their status machine and log, and the assignments (affectations)."""

import datetime
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from hub.models import Site, Skill, StatusLog, Structure
from hub.statemachine import StateMachine
from insertion.enums import JobSourceKind, JobStatus
from insertion.exceptions import InvalidJobTransition
from insertion.models.teams import Team
from insertion.models.timesheets import TimesheetEntry
from insertion.models.units import HOURS
from insertion.models.workers import Worker

# The allowed transitions, in one place (STYLE.md). A job is open until its source is cancelled
# (`jobs.sync_jobs`) or its workers' timesheets are validated (`actions.validate_timesheets`);
# both ends are final: done work is history, and a cancelled job is never reopened.
JOB_STATUS = StateMachine(
    field="status",
    choices=JobStatus,
    transitions={
        JobStatus.OPEN: {JobStatus.CANCELLED, JobStatus.DONE},
        JobStatus.CANCELLED: set(),
        JobStatus.DONE: set(),
    },
    error=InvalidJobTransition,
)


class JobQuerySet(models.QuerySet):
    def open(self) -> "JobQuerySet":
        return self.filter(status=JobStatus.OPEN)

    def for_structure(self, structure) -> "JobQuerySet":
        return self.filter(structure=structure)

    def in_week(self, monday: datetime.date) -> "JobQuerySet":
        return self.filter(date__gte=monday, date__lte=monday + datetime.timedelta(days=6))

    def fully_validated(self) -> "JobQuerySet":
        """Jobs someone is assigned to, every one of whom has a validated timesheet entry on the job's day.

        Timesheets hold a worker's hours per day, not per job, so that day's validated entry is the
        worker's validated line for every job of the day (whatever its hours: the day is closed).
        """
        assigned = Assignment.objects.filter(job=OuterRef("pk"))
        validated_day = TimesheetEntry.objects.filter(
            worker=OuterRef("worker"), date=OuterRef(OuterRef("date")), validated_at__isnull=False
        )
        return self.filter(Exists(assigned)).exclude(Exists(assigned.exclude(Exists(validated_day))))


class Job(models.Model):
    """An intervention born from a sale (or typed in): unique per source, so deriving twice changes nothing."""

    structure = models.ForeignKey(Structure, verbose_name=_("structure"), on_delete=models.PROTECT, related_name="jobs")
    source_kind = models.CharField(_("origine"), max_length=10, choices=JobSourceKind.choices)
    source_id = models.CharField(_("référence de l'origine"), max_length=40)
    title = models.CharField(_("intitulé"), max_length=150)
    team = models.ForeignKey(
        Team, verbose_name=_("équipe"), on_delete=models.SET_NULL, null=True, blank=True, related_name="jobs"
    )
    place = models.ForeignKey(
        Site, verbose_name=_("lieu"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    date = models.DateField(_("date"))
    start_time = models.TimeField(_("début"))
    end_time = models.TimeField(_("fin"))
    estimated_hours = models.DecimalField(_("heures estimées"), **HOURS)
    headcount = models.PositiveSmallIntegerField(_("effectif"), default=1)
    required_skill = models.ForeignKey(
        Skill, verbose_name=_("compétence requise"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(_("état"), max_length=10, choices=JobStatus.choices, default=JobStatus.OPEN)
    # What the source said when the job was last derived from it (`jobs.JobSpec.version`): the sync
    # touches the job only when its source says something else.
    source_version = models.CharField(_("version de l'origine"), max_length=40, blank=True, default="")
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)

    objects = JobQuerySet.as_manager()

    class Meta:
        verbose_name = _("intervention")
        verbose_name_plural = _("interventions")
        ordering = ["date", "start_time", "pk"]
        indexes = [models.Index(fields=["structure", "date"])]
        constraints = [
            models.UniqueConstraint(
                fields=["structure", "source_kind", "source_id"],
                name="insertion_job_unique_source",
                violation_error_message=_("Une intervention existe déjà pour cette origine."),
            ),
            models.CheckConstraint(
                condition=Q(end_time__gt=F("start_time")),
                name="insertion_job_window",
                violation_error_message=_("L'intervention doit finir après avoir commencé."),
            ),
            models.CheckConstraint(
                condition=Q(estimated_hours__gt=0),
                name="insertion_job_hours_positive",
                violation_error_message=_("Les heures estimées doivent être positives."),
            ),
            models.CheckConstraint(
                condition=Q(headcount__gte=1),
                name="insertion_job_headcount_positive",
                violation_error_message=_("L'effectif est d'au moins une personne."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=JobStatus.values),
                name="insertion_job_status_valid",
                violation_error_message=_("État d'intervention inconnu."),
            ),
            models.CheckConstraint(
                condition=Q(source_kind__in=JobSourceKind.values),
                name="insertion_job_source_kind_valid",
                violation_error_message=_("Origine d'intervention inconnue."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} — {self.date:%d/%m/%Y}"

    @property
    def hours_per_person(self) -> Decimal:
        return (self.estimated_hours / self.headcount).quantize(Decimal("0.01"))

    @property
    def is_open(self) -> bool:
        return self.status == JobStatus.OPEN

    @property
    def is_done(self) -> bool:
        return self.status == JobStatus.DONE

    def set_status(self, status: str, *, by=None, note: str = "", at=None) -> None:
        """Move the status along JOB_STATUS and log it (caller saves)."""
        JOB_STATUS.move(self, status, by=by, note=note, at=at)


class JobTransition(StatusLog):
    """The log of every status change of a job."""

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="transitions")

    def __str__(self) -> str:
        return f"{self.job_id} {self.field}: {self.from_status} → {self.to_status}"


class AssignmentQuerySet(models.QuerySet):
    def in_week(self, monday: datetime.date) -> "AssignmentQuerySet":
        return self.filter(job__date__gte=monday, job__date__lte=monday + datetime.timedelta(days=6))

    def live(self) -> "AssignmentQuerySet":
        """Assignments to jobs that still happen."""
        return self.exclude(job__status=JobStatus.CANCELLED)


class Assignment(models.Model):
    """An affectation: one worker on one job, for the job's hours per person. Made only by `assign_worker`."""

    job = models.ForeignKey(Job, verbose_name=_("intervention"), on_delete=models.CASCADE, related_name="assignments")
    worker = models.ForeignKey(
        Worker, verbose_name=_("salarié·e"), on_delete=models.PROTECT, related_name="assignments"
    )
    hours = models.DecimalField(_("heures"), **HOURS)
    locked = models.BooleanField(_("verrouillée"), default=False)
    # Set when the job's source changed or was cancelled after this assignment was made (a `JobAlert`
    # says what): the supervisor checks it; cleared when they mark the alert as seen.
    needs_review = models.BooleanField(_("à vérifier"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("affectation")
        verbose_name_plural = _("affectations")
        ordering = ["job__date", "job__start_time", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["job", "worker"],
                name="insertion_assignment_unique",
                violation_error_message=_("Cette personne est déjà affectée à cette intervention."),
            ),
            models.CheckConstraint(
                condition=Q(hours__gt=0),
                name="insertion_assignment_hours_positive",
                violation_error_message=_("Les heures d'une affectation doivent être positives."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.worker} → {self.job}"
