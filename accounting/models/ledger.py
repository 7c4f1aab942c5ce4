"""The books of each structure: chart of accounts, journals, fiscal years and immutable entries.

Posted entries are the legal record (LPF art. A47 A-1): nothing here lets them change, except the
lettering of their lines. The same rule is enforced by PostgreSQL triggers (migration 0002).
"""

import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Cast, Left
from django.utils.translation import gettext_lazy as _

from accounting.documents import FORBIDDEN_TEXT_RE
from accounting.enums import (
    JournalCode,
    VatPeriodicity,
)
from accounting.exceptions import ImmutableEntry
from hub.models import Structure

ACCOUNT_CODE_RE = r"^[1-8][0-9]{2}[0-9A-Z]*$"


FEC_SAFE_MESSAGE = _(
    "Un libellé ne contient ni tabulation, ni retour à la ligne, ni barre verticale, ni caractère de contrôle "
    "(ce sont les séparateurs du FEC)."
)


def _fec_safe(model: str, *fields: str) -> models.CheckConstraint:
    """No FEC separator in these text fields: the PostgreSQL export writes them out unchanged."""
    condition = Q()
    for field in fields:
        condition &= ~Q(**{f"{field}__regex": FORBIDDEN_TEXT_RE})
    return models.CheckConstraint(
        condition=condition, name=f"accounting_{model}_text_fec_safe", violation_error_message=FEC_SAFE_MESSAGE
    )


def _money_field(verbose_name):
    return models.DecimalField(verbose_name, max_digits=12, decimal_places=2, default=0)


class Books(models.Model):
    """Per-structure settings of its books: when its fiscal year starts, up to when it is locked."""

    structure = models.OneToOneField(
        Structure, verbose_name=_("structure"), on_delete=models.PROTECT, related_name="books"
    )
    fiscal_year_start_month = models.PositiveSmallIntegerField(
        _("mois de début d'exercice"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
        help_text=_("1 pour un exercice civil (janvier–décembre)."),
    )
    # A period lock (the "date de verrouillage" of accounting software): one date per structure is
    # enough, because a lock only ever moves forward; see docs/adr/0003-ledger.md.
    locked_until = models.DateField(
        _("période verrouillée jusqu'au"),
        null=True,
        blank=True,
        help_text=_("Aucune écriture ne peut être passée à cette date ou avant."),
    )
    # CA3 monthly (réel normal) or quarterly (allowed when the VAT due is under 4 000 € a year).
    vat_periodicity = models.CharField(
        _("périodicité des déclarations de TVA"),
        max_length=10,
        choices=VatPeriodicity.choices,
        default=VatPeriodicity.MONTHLY,
    )

    class Meta:
        verbose_name = _("comptabilité d'une structure")
        verbose_name_plural = _("comptabilités des structures")
        constraints = [
            models.CheckConstraint(
                condition=Q(fiscal_year_start_month__gte=1, fiscal_year_start_month__lte=12),
                name="accounting_books_start_month_valid",
                violation_error_message=_("Le mois de début d'exercice va de 1 à 12."),
            ),
        ]

    def __str__(self) -> str:
        return str(self.structure)


class FiscalYearQuerySet(models.QuerySet):
    def covering(self, date: datetime.date) -> "FiscalYearQuerySet":
        return self.filter(start_date__lte=date, end_date__gte=date)


class FiscalYear(models.Model):
    structure = models.ForeignKey(
        Structure, verbose_name=_("structure"), on_delete=models.PROTECT, related_name="fiscal_years"
    )
    start_date = models.DateField(_("début"))
    end_date = models.DateField(_("clôture"))
    is_closed = models.BooleanField(_("clôturé"), default=False)
    closed_at = models.DateTimeField(_("clôturé le"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("clôturé par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = FiscalYearQuerySet.as_manager()

    class Meta:
        verbose_name = _("exercice comptable")
        verbose_name_plural = _("exercices comptables")
        ordering = ["structure", "start_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["structure", "start_date"],
                name="accounting_fiscal_year_unique_start",
                violation_error_message=_("Cette structure a déjà un exercice qui commence à cette date."),
            ),
            models.CheckConstraint(
                condition=Q(end_date__gt=models.F("start_date")),
                name="accounting_fiscal_year_end_after_start",
                violation_error_message=_("La clôture d'un exercice suit son début."),
            ),
            models.CheckConstraint(
                condition=Q(is_closed=False, closed_at__isnull=True) | Q(is_closed=True, closed_at__isnull=False),
                name="accounting_fiscal_year_closed_has_date",
                violation_error_message=_("Un exercice clôturé a une date de clôture, et seulement lui."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.structure} — {self.name}"

    @property
    def name(self) -> str:
        if self.start_date.year == self.end_date.year:
            return str(self.start_date.year)
        return f"{self.start_date.year}-{self.end_date.year}"

    def covers(self, date: datetime.date) -> bool:
        return self.start_date <= date <= self.end_date


class Account(models.Model):
    structure = models.ForeignKey(
        Structure, verbose_name=_("structure"), on_delete=models.PROTECT, related_name="accounts"
    )
    code = models.CharField(
        _("numéro de compte"),
        max_length=20,
        validators=[
            RegexValidator(ACCOUNT_CODE_RE, _("Un numéro de compte commence par 3 chiffres du PCG (classe 1 à 8)."))
        ],
    )
    label = models.CharField(_("libellé"), max_length=150)
    # The PCG class is the first digit of the code: derived by the database, never typed twice.
    account_class = models.GeneratedField(
        expression=Cast(Left("code", 1), output_field=models.SmallIntegerField()),
        output_field=models.SmallIntegerField(),
        db_persist=True,
        verbose_name=_("classe"),
    )
    # Last lettering code handed out on this account (AAA, AAB…), advanced under a row lock.
    lettering_counter = models.PositiveIntegerField(_("compteur de lettrage"), default=0, editable=False)
    # A deactivated account is offered in no form and refused by posting; its history stays.
    is_active = models.BooleanField(_("actif"), default=True)

    class Meta:
        verbose_name = _("compte")
        verbose_name_plural = _("plan comptable")
        ordering = ["structure", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["structure", "code"],
                name="accounting_account_unique_code",
                violation_error_message=_("Ce numéro de compte existe déjà dans le plan de la structure."),
            ),
            models.CheckConstraint(
                condition=Q(code__regex=ACCOUNT_CODE_RE),
                name="accounting_account_code_pcg",
                violation_error_message=_("Un numéro de compte commence par 3 chiffres du PCG (classe 1 à 8)."),
            ),
            _fec_safe("account", "label"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.label}"


class Journal(models.Model):
    structure = models.ForeignKey(
        Structure, verbose_name=_("structure"), on_delete=models.PROTECT, related_name="journals"
    )
    code = models.CharField(_("code"), max_length=2, choices=JournalCode.choices)
    label = models.CharField(_("libellé"), max_length=100)

    class Meta:
        verbose_name = _("journal")
        verbose_name_plural = _("journaux")
        ordering = ["structure", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["structure", "code"],
                name="accounting_journal_unique_code",
                violation_error_message=_("Ce journal existe déjà pour la structure."),
            ),
            models.CheckConstraint(
                condition=Q(code__in=JournalCode.values),
                name="accounting_journal_code_valid",
                violation_error_message=_("Code de journal inconnu."),
            ),
            _fec_safe("journal", "label"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.label}"


class EntryCounter(models.Model):
    """The last entry number of one journal in one fiscal year; locked while a number is taken."""

    fiscal_year = models.ForeignKey(
        FiscalYear, verbose_name=_("exercice"), on_delete=models.PROTECT, related_name="counters"
    )
    journal = models.ForeignKey(Journal, verbose_name=_("journal"), on_delete=models.PROTECT, related_name="counters")
    last_number = models.PositiveIntegerField(_("dernier numéro"), default=0)

    class Meta:
        verbose_name = _("compteur d'écritures")
        verbose_name_plural = _("compteurs d'écritures")
        constraints = [
            models.UniqueConstraint(
                fields=["fiscal_year", "journal"],
                name="accounting_entry_counter_unique",
                violation_error_message=_("Ce journal a déjà un compteur pour cet exercice."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.journal.code} {self.fiscal_year.name}: {self.last_number}"


class EntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ImmutableEntry()

    def delete(self):
        raise ImmutableEntry()


def _changed_fields(instance: models.Model) -> set[str]:
    """Concrete fields whose value differs from the stored row."""
    names = [field.attname for field in instance._meta.concrete_fields if not field.generated]
    stored = type(instance)._base_manager.filter(pk=instance.pk).values(*names).get()
    return {name for name in names if stored[name] != getattr(instance, name)}


class Entry(models.Model):
    """A posted journal entry (écriture): numbered at posting, immutable afterwards."""

    structure = models.ForeignKey(
        Structure, verbose_name=_("structure"), on_delete=models.PROTECT, related_name="entries"
    )
    journal = models.ForeignKey(Journal, verbose_name=_("journal"), on_delete=models.PROTECT, related_name="entries")
    fiscal_year = models.ForeignKey(
        FiscalYear, verbose_name=_("exercice"), on_delete=models.PROTECT, related_name="entries"
    )
    number = models.PositiveIntegerField(_("numéro"))
    # Stored as printed (EcritureNum of the FEC): the format is part of the legal record.
    reference = models.CharField(_("n° d'écriture"), max_length=30)
    date = models.DateField(_("date de l'écriture"))
    piece_ref = models.CharField(_("référence de la pièce"), max_length=100)
    piece_date = models.DateField(_("date de la pièce"))
    label = models.CharField(_("libellé"), max_length=200)
    validation_date = models.DateField(_("date de validation"))
    posted_at = models.DateTimeField(_("validée le"), auto_now_add=True)
    source_kind = models.CharField(_("type de source"), max_length=40)
    source_id = models.CharField(_("identifiant de la source"), max_length=64)
    event = models.CharField(_("événement"), max_length=40)
    reversal_of = models.OneToOneField(
        "self",
        verbose_name=_("extourne de"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversed_by",
    )

    objects = EntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("écriture")
        verbose_name_plural = _("écritures")
        constraints = [
            models.UniqueConstraint(
                fields=["structure", "source_kind", "source_id", "event"],
                name="accounting_entry_idempotency_key",
                violation_error_message=_("Cette pièce a déjà été comptabilisée."),
            ),
            models.UniqueConstraint(
                fields=["fiscal_year", "journal", "number"],
                name="accounting_entry_unique_number",
                violation_error_message=_("Ce numéro d'écriture est déjà pris dans ce journal et cet exercice."),
            ),
            models.CheckConstraint(
                condition=Q(number__gte=1),
                name="accounting_entry_number_positive",
                violation_error_message=_("La numérotation des écritures commence à 1."),
            ),
            _fec_safe("entry", "reference", "piece_ref", "label"),
        ]
        indexes = [
            # The FEC reads a fiscal year's entries in posting (id) order.
            models.Index(fields=["fiscal_year", "id"], name="accounting_entry_fec_order"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.label}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            if _changed_fields(self):
                raise ImmutableEntry()
            return  # nothing changed: nothing to write
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableEntry()


class EntryLineQuerySet(models.QuerySet):
    def update(self, **kwargs):
        if set(kwargs) - EntryLine.MUTABLE_FIELDS:
            raise ImmutableEntry()
        return super().update(**kwargs)

    def delete(self):
        raise ImmutableEntry()

    def unlettered(self) -> "EntryLineQuerySet":
        return self.filter(lettering_code="")


class EntryLine(models.Model):
    MUTABLE_FIELDS = frozenset({"lettering_code", "lettering_date"})

    # No index of its own: the unique (entry, position) index serves every lookup by entry.
    entry = models.ForeignKey(
        Entry, verbose_name=_("écriture"), on_delete=models.PROTECT, related_name="lines", db_index=False
    )
    position = models.PositiveSmallIntegerField(_("rang"))
    account = models.ForeignKey(Account, verbose_name=_("compte"), on_delete=models.PROTECT, related_name="lines")
    debit = _money_field(_("débit"))
    credit = _money_field(_("crédit"))
    label = models.CharField(_("libellé"), max_length=200, blank=True)
    auxiliary_code = models.CharField(_("compte auxiliaire"), max_length=20, blank=True)
    auxiliary_name = models.CharField(_("libellé du compte auxiliaire"), max_length=150, blank=True)
    lettering_code = models.CharField(_("lettrage"), max_length=10, blank=True)
    lettering_date = models.DateField(_("date de lettrage"), null=True, blank=True)

    objects = EntryLineQuerySet.as_manager()

    class Meta:
        verbose_name = _("ligne d'écriture")
        verbose_name_plural = _("lignes d'écriture")
        ordering = ["entry", "position"]
        constraints = [
            models.CheckConstraint(
                condition=Q(debit__gt=0, credit=0) | Q(debit=0, credit__gt=0),
                name="accounting_entry_line_debit_xor_credit",
                violation_error_message=_("Une ligne d'écriture porte soit un débit, soit un crédit, positif."),
            ),
            models.CheckConstraint(
                condition=Q(lettering_code="", lettering_date__isnull=True)
                | (~Q(lettering_code="") & Q(lettering_date__isnull=False)),
                name="accounting_entry_line_lettering_has_date",
                violation_error_message=_("Le code et la date de lettrage vont ensemble."),
            ),
            models.CheckConstraint(
                condition=Q(auxiliary_name="") | ~Q(auxiliary_code=""),
                name="accounting_entry_line_auxiliary_name_has_code",
                violation_error_message=_("Un libellé de compte auxiliaire suppose un numéro de compte auxiliaire."),
            ),
            models.UniqueConstraint(
                fields=["entry", "position"],
                name="accounting_entry_line_unique_position",
                violation_error_message=_("Deux lignes de la même écriture ne peuvent avoir le même rang."),
            ),
            _fec_safe("entry_line", "label", "auxiliary_code", "auxiliary_name", "lettering_code"),
        ]

    def __str__(self) -> str:
        return f"{self.entry.reference} #{self.position} {self.debit}/{self.credit}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            changed = _changed_fields(self)
            if changed - self.MUTABLE_FIELDS:
                raise ImmutableEntry()
            if changed:
                super().save(update_fields=sorted(changed))
            return
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableEntry()


class ReconciliationRun(models.Model):
    """One run of the reconciliation (`accounting.reconciliation`): nightly, by command or from the page."""

    started_at = models.DateTimeField(_("commencé le"))
    finished_at = models.DateTimeField(_("terminé le"))
    clean = models.BooleanField(_("sans écart"))
    checks = models.JSONField(_("contrôles"), default=list)  # the codes of the checks run
    skipped = models.JSONField(_("non vérifiés"), default=dict)  # check code → why
    # [{check, structure, reference, expected, actual, message}], amounts as strings ("12.34" or null).
    differences = models.JSONField(_("écarts"), default=list)
    triggered_by = models.CharField(_("lancé par"), max_length=150, blank=True)

    class Meta:
        verbose_name = _("rapprochement")
        verbose_name_plural = _("rapprochements")
        ordering = ["-started_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M} {'OK' if self.clean else len(self.differences)}"
