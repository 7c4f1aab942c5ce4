"""Bank accounts, imported statements, their lines and their matches with the ledger (ADR 0024)."""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from stdnum import iban as stdnum_iban

from accounting.enums import (
    BankFileFormat,
    BankMatchKind,
)
from accounting.models.ledger import (
    Account,
    EntryLine,
)
from hub.models import Structure

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
