"""Insertion workers (sensitive data), their skills, contracts (CDDI), PASS IAE with suspensions, absences.

Who may read what is decided in `insertion.perms`; nothing here is ever shown on a public page.
"""

import datetime
from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.functions import Length
from django.db.models.lookups import Exact
from django.utils.translation import gettext_lazy as _

from hub.models import Skill, Structure
from hub.validators import ADDRESS_MAX_LENGTH, bounded_text
from insertion.enums import AbsenceKind, ContractKind, SuspensionReason
from insertion.models.teams import Team

# A PASS IAE runs 730 days, end date included (les-emplois: DEFAULT_APPROVAL_DAYS).
APPROVAL_DAYS = 730
CDDI_MIN_WEEKLY_HOURS = Decimal("20")
CDDI_MAX_WEEKLY_HOURS = Decimal("35")
CDDI_MIN_MONTHS = 4
CDDI_MAX_MONTHS = 24
IDENTIFIER_PREFIX = "SAL-"


def worker_identifier(pk: int) -> str:
    """« SAL-000042 »: derived from the row's id, which the database never hands out twice."""
    return f"{IDENTIFIER_PREFIX}{pk:06d}"


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
    address = models.TextField(_("adresse"), blank=True, **bounded_text(ADDRESS_MAX_LENGTH))
    skills = models.ManyToManyField(
        Skill, through="WorkerSkill", verbose_name=_("compétences"), related_name="workers", blank=True
    )
    # The identification number the law asks SAP invoices and tax certificates to print next to the
    # worker's name (REFERENCE.md §3.3–3.4): stable, set at creation, never reused.
    identifier = models.CharField(_("n° d'identification"), max_length=20, blank=True, editable=False)
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
            ),
            # Blank only inside the transaction that creates the row (`save` numbers it from its id).
            models.UniqueConstraint(
                fields=["structure", "identifier"],
                condition=~Q(identifier=""),
                name="insertion_worker_identifier_unique",
                violation_error_message=_("Ce numéro d'identification est déjà attribué dans la structure."),
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding or self.identifier:
            super().save(*args, **kwargs)
            return
        # Numbered from its id, known once inserted: both writes in one transaction.
        with transaction.atomic():
            super().save(*args, **kwargs)
            self.identifier = worker_identifier(self.pk)
            Worker.objects.filter(pk=self.pk).update(identifier=self.identifier)

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

    def last_of_worker(self) -> "ContractQuerySet":
        """Contracts no later contract of the same worker follows (a renewal is not an exit)."""
        later = Contract.objects.filter(worker=OuterRef("worker"), start_date__gt=OuterRef("end_date"))
        return self.exclude(Exists(later))

    def awaiting_exit(self, today: datetime.date) -> "ContractQuerySet":
        """Ended before `today`, followed by no other contract, and no exit recorded: « sortie à saisir »."""
        return self.filter(end_date__lt=today, exit__isnull=True).last_of_worker()


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
