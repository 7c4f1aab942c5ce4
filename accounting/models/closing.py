"""The accountant's year: posted VAT returns, year-end cut-offs and the log of acts on the books (ADR 0023)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounting.enums import (
    BooksAction,
    CutOffKind,
)
from accounting.models.ledger import (
    Entry,
    FiscalYear,
)
from hub.models import Structure


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
