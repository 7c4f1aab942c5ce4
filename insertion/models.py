"""Teams, insertion workers (sensitive data), contracts, PASS IAE, absences, jobs, assignments, timesheets.

Who may read what is decided in `insertion.perms`; nothing here is ever shown on a public page.
"""

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Length
from django.db.models.lookups import Exact
from django.utils.translation import gettext_lazy as _

from hub.models import Site, Skill, Structure
from insertion.enums import AbsenceKind, ContractKind, JobSourceKind, JobStatus, SuspensionReason

HOURS = {"max_digits": 6, "decimal_places": 2}
# A PASS IAE runs 730 days, end date included (les-emplois: DEFAULT_APPROVAL_DAYS).
APPROVAL_DAYS = 730
CDDI_MIN_WEEKLY_HOURS = Decimal("20")
CDDI_MAX_WEEKLY_HOURS = Decimal("35")
CDDI_MIN_MONTHS = 4
CDDI_MAX_MONTHS = 24


class Team(models.Model):
    """An équipe: a few insertion workers led by one or more supervisors (encadrant·es)."""

    structure = models.ForeignKey(
        Structure, verbose_name=_("structure"), on_delete=models.PROTECT, related_name="teams"
    )
    name = models.CharField(_("nom"), max_length=100)
    supervisors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("encadrant·es"), related_name="supervised_teams", blank=True
    )
    base_site = models.ForeignKey(
        Site, verbose_name=_("lieu de rattachement"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    skills = models.ManyToManyField(Skill, verbose_name=_("compétences"), related_name="teams", blank=True)

    class Meta:
        verbose_name = _("équipe")
        verbose_name_plural = _("équipes")
        ordering = ["structure__position", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["structure", "name"],
                name="insertion_team_unique_name",
                violation_error_message=_("Cette structure a déjà une équipe de ce nom."),
            )
        ]

    def __str__(self) -> str:
        return self.name


class WorkerQuerySet(models.QuerySet):
    def for_structure(self, structure) -> "WorkerQuerySet":
        return self.filter(structure=structure)

    def active(self) -> "WorkerQuerySet":
        return self.filter(is_active=True)


class Worker(models.Model):
    """A salarié·e en insertion. Sensitive personal data: read it only through `insertion.perms`."""

    structure = models.ForeignKey(
        Structure, verbose_name=_("structure"), on_delete=models.PROTECT, related_name="workers"
    )
    team = models.ForeignKey(
        Team, verbose_name=_("équipe"), on_delete=models.SET_NULL, null=True, blank=True, related_name="workers"
    )
    first_name = models.CharField(_("prénom"), max_length=100)
    last_name = models.CharField(_("nom"), max_length=100)
    birth_date = models.DateField(_("date de naissance"), null=True, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("téléphone"), max_length=20, blank=True)
    address = models.TextField(_("adresse"), blank=True)
    skills = models.ManyToManyField(
        Skill, through="WorkerSkill", verbose_name=_("compétences"), related_name="workers", blank=True
    )
    is_active = models.BooleanField(_("en poste"), default=True)
    created_at = models.DateTimeField(_("créé·e le"), auto_now_add=True)

    objects = WorkerQuerySet.as_manager()

    class Meta:
        verbose_name = _("salarié·e en insertion")
        verbose_name_plural = _("salarié·es en insertion")
        ordering = ["last_name", "first_name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(first_name="") & ~Q(last_name=""),
                name="insertion_worker_has_name",
                violation_error_message=_("Le prénom et le nom sont obligatoires."),
            )
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class WorkerSkill(models.Model):
    class Level(models.IntegerChoices):
        BEGINNER = 1, _("Débutant·e")
        CONFIRMED = 2, _("Confirmé·e")
        EXPERT = 3, _("Expert·e (peut transmettre)")

    worker = models.ForeignKey(Worker, on_delete=models.CASCADE, related_name="worker_skills")
    skill = models.ForeignKey(Skill, verbose_name=_("compétence"), on_delete=models.PROTECT, related_name="+")
    level = models.PositiveSmallIntegerField(_("niveau"), choices=Level.choices, default=Level.BEGINNER)

    class Meta:
        verbose_name = _("compétence d'un·e salarié·e")
        verbose_name_plural = _("compétences des salarié·es")
        constraints = [
            models.UniqueConstraint(
                fields=["worker", "skill"],
                name="insertion_workerskill_unique",
                violation_error_message=_("Cette compétence est déjà renseignée."),
            ),
            models.CheckConstraint(
                condition=Q(level__gte=1, level__lte=3),
                name="insertion_workerskill_level_valid",
                violation_error_message=_("Le niveau va de 1 à 3."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.skill} ({self.level})"


class ContractQuerySet(models.QuerySet):
    def covering(self, day: datetime.date) -> "ContractQuerySet":
        return self.filter(start_date__lte=day, end_date__gte=day)

    def overlapping(self, start: datetime.date, end: datetime.date) -> "ContractQuerySet":
        return self.filter(start_date__lte=end, end_date__gte=start)


class Contract(models.Model):
    """A work contract; a CDDI runs 4 to 24 months at 20 to 35 h a week (beyond 24 months: a recorded reason).

    Contracts of one worker never overlap: an ExclusionConstraint on PostgreSQL (migration 0002),
    and `actions.create_contract` under a row lock everywhere.
    """

    worker = models.ForeignKey(Worker, verbose_name=_("salarié·e"), on_delete=models.CASCADE, related_name="contracts")
    kind = models.CharField(
        _("type de contrat"), max_length=12, choices=ContractKind.choices, default=ContractKind.CDDI
    )
    start_date = models.DateField(_("début"))
    end_date = models.DateField(_("fin"))
    weekly_hours = models.DecimalField(
        _("heures par semaine"),
        max_digits=4,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("1")), MaxValueValidator(Decimal("48"))],
    )
    extension_reason = models.CharField(
        _("motif de dépassement des 24 mois"),
        max_length=200,
        blank=True,
        help_text=_("Fin de formation, 50 ans et plus, RQTH… (décision de France Travail)."),
    )

    objects = ContractQuerySet.as_manager()

    class Meta:
        verbose_name = _("contrat")
        verbose_name_plural = _("contrats")
        ordering = ["worker_id", "start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")),
                name="insertion_contract_end_after_start",
                violation_error_message=_("La fin du contrat ne peut pas précéder son début."),
            ),
            models.CheckConstraint(
                condition=Q(kind__in=ContractKind.values),
                name="insertion_contract_kind_valid",
                violation_error_message=_("Type de contrat inconnu."),
            ),
            models.CheckConstraint(
                condition=~Q(kind=ContractKind.CDDI)
                | Q(weekly_hours__gte=CDDI_MIN_WEEKLY_HOURS, weekly_hours__lte=CDDI_MAX_WEEKLY_HOURS),
                name="insertion_contract_cddi_weekly_hours",
                violation_error_message=_("Un CDDI compte de 20 à 35 heures par semaine."),
            ),
            models.CheckConstraint(
                condition=Q(weekly_hours__gt=0, weekly_hours__lte=48),
                name="insertion_contract_weekly_hours_range",
                violation_error_message=_("La durée hebdomadaire va de plus de 0 à 48 heures."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.start_date:%d/%m/%Y} – {self.end_date:%d/%m/%Y}"

    def covers(self, day: datetime.date) -> bool:
        return self.start_date <= day <= self.end_date


class Approval(models.Model):
    """A PASS IAE: 12 characters, valid 730 days by default, possibly suspended."""

    worker = models.ForeignKey(Worker, verbose_name=_("salarié·e"), on_delete=models.CASCADE, related_name="approvals")
    number = models.CharField(
        _("n° de PASS IAE"),
        max_length=12,
        unique=True,
        validators=[RegexValidator(r"^[0-9A-Z]{12}$", _("Le numéro de PASS IAE compte 12 chiffres ou lettres."))],
    )
    start_date = models.DateField(_("début"))
    end_date = models.DateField(_("fin"))

    class Meta:
        verbose_name = _("PASS IAE")
        verbose_name_plural = _("PASS IAE")
        ordering = ["worker_id", "start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Exact(Length("number"), 12),
                name="insertion_approval_number_length",
                violation_error_message=_("Le numéro de PASS IAE compte 12 caractères."),
            ),
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")),
                name="insertion_approval_end_after_start",
                violation_error_message=_("La fin du PASS IAE ne peut pas précéder son début."),
            ),
        ]

    def __str__(self) -> str:
        return self.number_with_spaces

    @property
    def number_with_spaces(self) -> str:
        return f"{self.number[:5]} {self.number[5:7]} {self.number[7:]}"

    @staticmethod
    def default_end_date(start: datetime.date) -> datetime.date:
        return start + datetime.timedelta(days=APPROVAL_DAYS - 1)


class ApprovalSuspension(models.Model):
    approval = models.ForeignKey(
        Approval, verbose_name=_("PASS IAE"), on_delete=models.CASCADE, related_name="suspensions"
    )
    start_date = models.DateField(_("début"))
    end_date = models.DateField(_("fin"))
    reason = models.CharField(_("motif"), max_length=20, choices=SuspensionReason.choices)
    note = models.CharField(_("précision"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("suspension de PASS IAE")
        verbose_name_plural = _("suspensions de PASS IAE")
        ordering = ["approval_id", "start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")),
                name="insertion_suspension_end_after_start",
                violation_error_message=_("La fin de la suspension ne peut pas précéder son début."),
            ),
            models.CheckConstraint(
                condition=Q(reason__in=SuspensionReason.values),
                name="insertion_suspension_reason_valid",
                violation_error_message=_("Motif de suspension inconnu."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} {self.start_date:%d/%m/%Y} – {self.end_date:%d/%m/%Y}"


class Absence(models.Model):
    worker = models.ForeignKey(Worker, verbose_name=_("salarié·e"), on_delete=models.CASCADE, related_name="absences")
    kind = models.CharField(_("motif"), max_length=20, choices=AbsenceKind.choices)
    start_date = models.DateField(_("du"))
    end_date = models.DateField(_("au"))
    note = models.CharField(_("précision"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("absence")
        verbose_name_plural = _("absences")
        ordering = ["worker_id", "start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")),
                name="insertion_absence_end_after_start",
                violation_error_message=_("La fin de l'absence ne peut pas précéder son début."),
            ),
            models.CheckConstraint(
                condition=Q(kind__in=AbsenceKind.values),
                name="insertion_absence_kind_valid",
                violation_error_message=_("Motif d'absence inconnu."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.start_date:%d/%m/%Y} – {self.end_date:%d/%m/%Y}"


class JobQuerySet(models.QuerySet):
    def open(self) -> "JobQuerySet":
        return self.filter(status=JobStatus.OPEN)

    def for_structure(self, structure) -> "JobQuerySet":
        return self.filter(structure=structure)

    def in_week(self, monday: datetime.date) -> "JobQuerySet":
        return self.filter(date__gte=monday, date__lte=monday + datetime.timedelta(days=6))


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


class SentAlert(models.Model):
    """An alert already e-mailed to a structure's supervisors: the daily task sends each one once."""

    structure = models.ForeignKey(Structure, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=80)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["structure", "key"], name="insertion_sentalert_unique")]

    def __str__(self) -> str:
        return self.key
