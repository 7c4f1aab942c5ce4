"""The books of each structure: chart of accounts, journals, fiscal years and immutable entries.

Posted entries are the legal record (LPF art. A47 A-1): nothing here lets them change, except the
lettering of their lines. The same rule is enforced by PostgreSQL triggers (migration 0002).
"""

import datetime
import re
import uuid
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Cast, Left
from django.utils.translation import gettext_lazy as _
from stdnum import iban as stdnum_iban

from accounting.documents import FORBIDDEN_TEXT_RE
from accounting.enums import (
    PURCHASE_VAT_RATES,
    BankFileFormat,
    BankMatchKind,
    BooksAction,
    CutOffKind,
    JournalCode,
    SupplierInvoiceStatus,
    SupplierPaymentMethod,
    VatPeriodicity,
)
from accounting.exceptions import ImmutableEntry
from hub.models import Structure
from hub.storage import private_storage
from hub.validators import validate_iban, validate_siren

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


# === Purchases (issue 13): suppliers, their invoices and our payments of them ===

SUPPLIER_CODE_RE = r"^[A-Z0-9]{1,17}$"


class Supplier(models.Model):
    """A supplier of one structure; its invoices are booked to 401 under its auxiliary code."""

    structure = models.ForeignKey(
        Structure, verbose_name=_("structure"), on_delete=models.PROTECT, related_name="suppliers"
    )
    name = models.CharField(_("nom"), max_length=150)
    siren = models.CharField(_("SIREN"), max_length=9, blank=True, validators=[validate_siren])
    iban = models.CharField(_("IBAN"), max_length=34, blank=True, validators=[validate_iban])
    # The auxiliary account of 401 (CompAuxNum of the FEC); "F…" apart from the hub's own "S…" codes.
    auxiliary_code = models.CharField(
        _("compte auxiliaire"),
        max_length=17,
        validators=[RegexValidator(SUPPLIER_CODE_RE, _("De 1 à 17 lettres majuscules ou chiffres."))],
    )

    class Meta:
        verbose_name = _("fournisseur")
        verbose_name_plural = _("fournisseurs")
        ordering = ["structure", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["structure", "auxiliary_code"],
                name="accounting_supplier_unique_code",
                violation_error_message=_("Ce compte auxiliaire est déjà celui d'un autre fournisseur."),
            ),
            models.UniqueConstraint(
                fields=["structure", "name"],
                name="accounting_supplier_unique_name",
                violation_error_message=_("Ce fournisseur existe déjà."),
            ),
            models.CheckConstraint(
                condition=Q(auxiliary_code__regex=SUPPLIER_CODE_RE),
                name="accounting_supplier_code_valid",
                violation_error_message=_("De 1 à 17 lettres majuscules ou chiffres."),
            ),
            _fec_safe("supplier", "name"),
        ]

    def __str__(self) -> str:
        return self.name


def _attachment_path(invoice: "SupplierInvoice", filename: str) -> str:
    # Never the uploaded name: a random one, under the structure's folder of the private storage.
    extension = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}.get(invoice.attachment_type, "bin")
    return f"purchases/{invoice.structure_id}/{uuid.uuid4().hex}.{extension}"


class SupplierInvoiceQuerySet(models.QuerySet):
    def open(self) -> "SupplierInvoiceQuerySet":
        """Posted and not fully paid."""
        return self.filter(status=SupplierInvoiceStatus.POSTED)


class SupplierInvoice(models.Model):
    """A supplier's invoice: a draft until posted (then immutable: corrected by reversal)."""

    structure = models.ForeignKey(
        Structure, verbose_name=_("structure"), on_delete=models.PROTECT, related_name="supplier_invoices"
    )
    supplier = models.ForeignKey(
        Supplier, verbose_name=_("fournisseur"), on_delete=models.PROTECT, related_name="invoices"
    )
    number = models.CharField(_("n° de facture du fournisseur"), max_length=50)
    date = models.DateField(_("date de la facture"))
    due_date = models.DateField(_("échéance"))
    status = models.CharField(
        _("état"), max_length=10, choices=SupplierInvoiceStatus.choices, default=SupplierInvoiceStatus.DRAFT
    )
    # Stored totals (set when the lines are saved): the list and the balances read them, one query.
    total_excl = _money_field(_("total HT"))
    total_vat = _money_field(_("TVA"))
    total_incl = _money_field(_("total TTC"))
    paid_amount = _money_field(_("montant réglé"))
    attachment = models.FileField(
        _("pièce jointe"), upload_to=_attachment_path, storage=private_storage, blank=True, max_length=200
    )
    attachment_type = models.CharField(_("type de la pièce jointe"), max_length=30, blank=True)
    entry = models.OneToOneField(
        Entry, verbose_name=_("écriture"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reversal = models.OneToOneField(
        Entry, verbose_name=_("extourne"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("saisie le"), auto_now_add=True)

    objects = SupplierInvoiceQuerySet.as_manager()

    class Meta:
        verbose_name = _("facture fournisseur")
        verbose_name_plural = _("factures fournisseurs")
        ordering = ["structure", "-date", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["supplier", "number"],
                name="accounting_supplier_invoice_unique_number",
                violation_error_message=_("Cette facture de ce fournisseur est déjà saisie."),
            ),
            models.CheckConstraint(
                condition=Q(due_date__gte=models.F("date")),
                name="accounting_supplier_invoice_due_after_date",
                violation_error_message=_("L'échéance ne peut précéder la date de la facture."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=SupplierInvoiceStatus.values),
                name="accounting_supplier_invoice_status_valid",
                violation_error_message=_("État de facture inconnu."),
            ),
            models.CheckConstraint(
                condition=Q(status=SupplierInvoiceStatus.DRAFT, entry__isnull=True)
                | (~Q(status=SupplierInvoiceStatus.DRAFT) & Q(entry__isnull=False)),
                name="accounting_supplier_invoice_posted_has_entry",
                violation_error_message=_("Une facture comptabilisée a son écriture, un brouillon n'en a pas."),
            ),
            models.CheckConstraint(
                condition=Q(paid_amount__gte=0) & Q(paid_amount__lte=models.F("total_incl")),
                name="accounting_supplier_invoice_paid_within_total",
                violation_error_message=_("Le montant réglé ne peut dépasser le total de la facture."),
            ),
            _fec_safe("supplier_invoice", "number"),
        ]

    def __str__(self) -> str:
        return f"{self.supplier} {self.number}"

    @property
    def is_draft(self) -> bool:
        return self.status == SupplierInvoiceStatus.DRAFT

    @property
    def remaining(self):
        return self.total_incl - self.paid_amount

    def is_overdue(self, today: datetime.date) -> bool:
        return self.status == SupplierInvoiceStatus.POSTED and self.due_date < today


class SupplierInvoiceLine(models.Model):
    invoice = models.ForeignKey(
        SupplierInvoice, verbose_name=_("facture"), on_delete=models.CASCADE, related_name="lines"
    )
    position = models.PositiveSmallIntegerField(_("rang"))
    account = models.ForeignKey(Account, verbose_name=_("compte"), on_delete=models.PROTECT, related_name="+")
    label = models.CharField(_("libellé"), max_length=200)
    amount_excl = models.DecimalField(_("montant HT"), max_digits=12, decimal_places=2)
    vat_rate = models.DecimalField(_("taux de TVA (%)"), max_digits=4, decimal_places=2)
    vat_deductible = models.BooleanField(_("TVA déductible"), default=True)
    vat_amount = _money_field(_("TVA"))

    class Meta:
        verbose_name = _("ligne de facture fournisseur")
        verbose_name_plural = _("lignes de facture fournisseur")
        ordering = ["invoice", "position"]
        constraints = [
            models.UniqueConstraint(fields=["invoice", "position"], name="accounting_supplier_line_unique_position"),
            models.CheckConstraint(
                condition=Q(amount_excl__gt=0),
                name="accounting_supplier_line_amount_positive",
                violation_error_message=_("Le montant HT d'une ligne est positif."),
            ),
            models.CheckConstraint(
                condition=Q(vat_rate__in=[Decimal(rate) for rate in PURCHASE_VAT_RATES]),
                name="accounting_supplier_line_vat_rate_valid",
                violation_error_message=_("Taux de TVA inconnu."),
            ),
            _fec_safe("supplier_line", "label"),
        ]

    def __str__(self) -> str:
        return f"{self.invoice} #{self.position}"


class SupplierPayment(models.Model):
    """Our payment of a supplier invoice (transfer or cheque): D 401 / C 512, lettered with the invoice."""

    invoice = models.ForeignKey(
        SupplierInvoice, verbose_name=_("facture"), on_delete=models.PROTECT, related_name="payments"
    )
    date = models.DateField(_("date du règlement"))
    amount = models.DecimalField(_("montant"), max_digits=12, decimal_places=2)
    method = models.CharField(_("moyen de paiement"), max_length=10, choices=SupplierPaymentMethod.choices)
    reference = models.CharField(_("référence (n° de chèque, de virement)"), max_length=50, blank=True)
    entry = models.OneToOneField(Entry, verbose_name=_("écriture"), on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("saisi le"), auto_now_add=True)

    class Meta:
        verbose_name = _("règlement fournisseur")
        verbose_name_plural = _("règlements fournisseurs")
        ordering = ["invoice", "date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="accounting_supplier_payment_amount_positive",
                violation_error_message=_("Le montant d'un règlement est positif."),
            ),
            models.CheckConstraint(
                condition=Q(method__in=SupplierPaymentMethod.values),
                name="accounting_supplier_payment_method_valid",
                violation_error_message=_("Moyen de paiement inconnu."),
            ),
            _fec_safe("supplier_payment", "reference"),
        ]

    def __str__(self) -> str:
        return f"{self.invoice} {self.amount}"


class VatReturn(models.Model):
    """A posted VAT return (CA3) of one period: its figures as filed, and the settlement entry.

    Only posted returns are stored: a return being prepared is computed from the ledger each time
    (`accounting.vat.compute_return`). `figures` holds the boxes as strings of euros with cents.
    """

    structure = models.ForeignKey(
        Structure, verbose_name=_("structure"), on_delete=models.PROTECT, related_name="vat_returns"
    )
    start_date = models.DateField(_("début de la période"))
    end_date = models.DateField(_("fin de la période"))
    figures = models.JSONField(_("cases de la déclaration"), default=dict)
    # None when there was nothing to settle (no VAT collected, deducted or carried forward).
    entry = models.OneToOneField(
        Entry,
        verbose_name=_("écriture de liquidation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="vat_return",
    )
    posted_at = models.DateTimeField(_("validée le"))
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("validée par"), on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("déclaration de TVA")
        verbose_name_plural = _("déclarations de TVA")
        ordering = ["structure", "start_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["structure", "start_date"],
                name="accounting_vat_return_unique_period",
                violation_error_message=_("La déclaration de TVA de cette période est déjà validée."),
            ),
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")),
                name="accounting_vat_return_end_after_start",
                violation_error_message=_("La fin de la période suit son début."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.structure} TVA {self.start_date:%Y-%m-%d}–{self.end_date:%Y-%m-%d}"


class CutOff(models.Model):
    """A year-end cut-off (écriture d'inventaire): posted on the last day, reversed on the next."""

    structure = models.ForeignKey(Structure, verbose_name=_("structure"), on_delete=models.PROTECT, related_name="+")
    fiscal_year = models.ForeignKey(
        FiscalYear, verbose_name=_("exercice"), on_delete=models.PROTECT, related_name="cut_offs"
    )
    kind = models.CharField(_("nature"), max_length=10, choices=CutOffKind.choices)
    account = models.CharField(_("compte de charge ou de produit"), max_length=20)
    amount = models.DecimalField(_("montant"), max_digits=12, decimal_places=2)
    label = models.CharField(_("libellé"), max_length=150)
    source = models.CharField(_("origine"), max_length=40, blank=True)  # a provider's code, or "" when typed
    entry = models.OneToOneField(Entry, verbose_name=_("écriture"), on_delete=models.PROTECT, related_name="+")
    reversal = models.OneToOneField(
        Entry, verbose_name=_("extourne"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("saisie le"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("saisie par"), on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("écriture d'inventaire")
        verbose_name_plural = _("écritures d'inventaire")
        ordering = ["fiscal_year", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="accounting_cut_off_amount_positive",
                violation_error_message=_("Le montant d'une écriture d'inventaire est positif."),
            ),
            models.CheckConstraint(
                condition=Q(kind__in=CutOffKind.values),
                name="accounting_cut_off_kind_valid",
                violation_error_message=_("Nature d'écriture d'inventaire inconnue."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount} {self.label}"


class BooksLog(models.Model):
    """Who did what to a structure's books outside ordinary posting: locks, reversals, closing, reopening."""

    structure = models.ForeignKey(Structure, verbose_name=_("structure"), on_delete=models.PROTECT, related_name="+")
    action = models.CharField(_("action"), max_length=20, choices=BooksAction.choices)
    at = models.DateTimeField(_("le"), auto_now_add=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("par"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    reason = models.CharField(_("motif"), max_length=500, blank=True)
    fiscal_year = models.ForeignKey(
        FiscalYear, verbose_name=_("exercice"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    entry = models.ForeignKey(
        Entry, verbose_name=_("écriture"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    previous_lock = models.DateField(_("verrou précédent"), null=True, blank=True)
    new_lock = models.DateField(_("nouveau verrou"), null=True, blank=True)

    class Meta:
        verbose_name = _("journal des opérations sur les livres")
        verbose_name_plural = _("journal des opérations sur les livres")
        ordering = ["-at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(action__in=BooksAction.values),
                name="accounting_books_log_action_valid",
                violation_error_message=_("Action inconnue."),
            ),
            models.CheckConstraint(
                condition=~Q(action="reopen") | ~Q(reason=""),
                name="accounting_books_log_reopen_has_reason",
                violation_error_message=_("La réouverture d'un exercice est motivée."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_action_display()}"


# --- Bank accounts and statements (docs/adr/0024-bank-reconciliation.md) --------------------------

IBAN_RE = r"^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$"


def iban_is_valid(iban: str) -> bool:
    """ISO 13616: the country's length and format and the check digits (python-stdnum, as
    `hub.validators.validate_iban` checks supplier IBANs)."""
    return bool(re.fullmatch(IBAN_RE, iban)) and stdnum_iban.is_valid(iban)


def normalize_iban(value: str) -> str:
    return "".join(value.split()).upper()


class BankAccount(models.Model):
    """A bank account of a structure, booked on one ledger account (512 unless the accountant splits it)."""

    structure = models.ForeignKey(
        Structure, verbose_name=_("structure"), on_delete=models.PROTECT, related_name="bank_accounts"
    )
    label = models.CharField(_("libellé"), max_length=100)
    iban = models.CharField(_("IBAN"), max_length=34)
    bic = models.CharField(_("BIC"), max_length=11, blank=True)
    ledger_account = models.ForeignKey(
        Account, verbose_name=_("compte comptable"), on_delete=models.PROTECT, related_name="bank_accounts"
    )

    class Meta:
        verbose_name = _("compte bancaire")
        verbose_name_plural = _("comptes bancaires")
        ordering = ["structure", "label"]
        constraints = [
            models.UniqueConstraint(
                fields=["structure", "iban"],
                name="accounting_bank_account_unique_iban",
                violation_error_message=_("Ce compte bancaire existe déjà pour la structure."),
            ),
            models.CheckConstraint(
                condition=Q(iban__regex=IBAN_RE),
                name="accounting_bank_account_iban_format",
                violation_error_message=_("Un IBAN s'écrit en majuscules et chiffres, sans espace."),
            ),
            models.CheckConstraint(
                condition=Q(bic="") | Q(bic__regex=r"^[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?$"),
                name="accounting_bank_account_bic_format",
                violation_error_message=_("Un BIC compte 8 ou 11 caractères."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.masked_iban})"

    @property
    def masked_iban(self) -> str:
        return f"{self.iban[:4]} … {self.iban[-4:]}"

    def clean(self):
        self.iban = normalize_iban(self.iban)
        if not iban_is_valid(self.iban):
            raise ValidationError({"iban": _("IBAN invalide : la clé de contrôle ne correspond pas.")})


class BankStatement(models.Model):
    """One imported file: kept once per account (its SHA-256), so importing it again changes nothing."""

    bank_account = models.ForeignKey(
        BankAccount, verbose_name=_("compte bancaire"), on_delete=models.PROTECT, related_name="statements"
    )
    file_format = models.CharField(_("format"), max_length=10, choices=BankFileFormat.choices)
    file_name = models.CharField(_("nom du fichier"), max_length=200, blank=True)
    file_sha256 = models.CharField(_("empreinte du fichier"), max_length=64)
    bank_reference = models.CharField(_("référence du relevé"), max_length=100, blank=True)
    period_start = models.DateField(_("du"))
    period_end = models.DateField(_("au"))
    opening_balance = models.DecimalField(_("solde d'ouverture"), max_digits=14, decimal_places=2, null=True)
    closing_balance = models.DecimalField(_("solde de clôture"), max_digits=14, decimal_places=2, null=True)
    line_count = models.PositiveIntegerField(_("lignes du fichier"), default=0)
    new_line_count = models.PositiveIntegerField(_("lignes nouvelles"), default=0)
    imported_at = models.DateTimeField(_("importé le"), auto_now_add=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("importé par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("relevé bancaire")
        verbose_name_plural = _("relevés bancaires")
        ordering = ["-period_end", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["bank_account", "file_sha256"],
                name="accounting_bank_statement_unique_file",
                violation_error_message=_("Ce relevé a déjà été importé."),
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")),
                name="accounting_bank_statement_period",
                violation_error_message=_("La fin de la période d'un relevé suit son début."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.bank_account.label} {self.period_start} → {self.period_end}"


class BankLineQuerySet(models.QuerySet):
    def matched(self) -> "BankLineQuerySet":
        return self.exclude(match_kind="")

    def unmatched(self) -> "BankLineQuerySet":
        return self.filter(match_kind="")


class BankLine(models.Model):
    """A booked transaction of a statement. Unique per account by the bank's own id (or, without one,
    a digest of its fields): overlapping statements never add it twice."""

    bank_account = models.ForeignKey(
        BankAccount, verbose_name=_("compte bancaire"), on_delete=models.PROTECT, related_name="lines"
    )
    statement = models.ForeignKey(
        BankStatement, verbose_name=_("relevé"), on_delete=models.PROTECT, related_name="lines"
    )
    transaction_id = models.CharField(_("identifiant bancaire"), max_length=100)
    booking_date = models.DateField(_("date d'opération"))
    value_date = models.DateField(_("date de valeur"), null=True, blank=True)
    # Signed, as the bank sees it: positive = money in (512 debit), negative = money out.
    amount = models.DecimalField(_("montant"), max_digits=12, decimal_places=2)
    label = models.CharField(_("libellé"), max_length=500, blank=True)
    reference = models.CharField(_("référence"), max_length=140, blank=True)
    counterparty = models.CharField(_("contrepartie"), max_length=140, blank=True)
    match_kind = models.CharField(
        _("rapprochement"), max_length=10, choices=BankMatchKind.choices, default="", blank=True
    )
    matched_at = models.DateTimeField(_("rapprochée le"), null=True, blank=True)
    matched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("rapprochée par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    lettering_code = models.CharField(_("lettrage"), max_length=10, blank=True)
    entry_lines = models.ManyToManyField(
        EntryLine, through="BankMatch", verbose_name=_("lignes d'écriture"), related_name="bank_lines"
    )

    objects = BankLineQuerySet.as_manager()

    class Meta:
        verbose_name = _("ligne de relevé")
        verbose_name_plural = _("lignes de relevé")
        ordering = ["-booking_date", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["bank_account", "transaction_id"],
                name="accounting_bank_line_unique_transaction",
                violation_error_message=_("Cette opération bancaire est déjà importée."),
            ),
            models.CheckConstraint(
                condition=~Q(amount=0),
                name="accounting_bank_line_amount_not_zero",
                violation_error_message=_("Une opération bancaire a un montant non nul."),
            ),
            models.CheckConstraint(
                condition=Q(match_kind="", matched_at__isnull=True, lettering_code="")
                | (~Q(match_kind="") & Q(matched_at__isnull=False)),
                name="accounting_bank_line_matched_has_date",
                violation_error_message=_("Une ligne rapprochée a une date de rapprochement, et seulement elle."),
            ),
        ]
        indexes = [
            models.Index(fields=["bank_account", "match_kind", "booking_date"], name="accounting_bank_line_todo"),
        ]

    def __str__(self) -> str:
        return f"{self.booking_date} {self.amount} {self.label}"

    @property
    def is_matched(self) -> bool:
        return bool(self.match_kind)


class BankMatch(models.Model):
    """An entry line settled by a bank line: an entry line is matched to one bank line at most."""

    bank_line = models.ForeignKey(BankLine, verbose_name=_("ligne de relevé"), on_delete=models.CASCADE)
    entry_line = models.OneToOneField(
        EntryLine, verbose_name=_("ligne d'écriture"), on_delete=models.PROTECT, related_name="bank_match"
    )

    class Meta:
        verbose_name = _("rapprochement bancaire")
        verbose_name_plural = _("rapprochements bancaires")

    def __str__(self) -> str:
        return f"{self.bank_line_id} ↔ {self.entry_line_id}"
