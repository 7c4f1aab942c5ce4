"""Purchases: suppliers, their invoices (journal AC) and our payments of them (ADR 0025)."""

import datetime
import uuid
from decimal import Decimal

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounting.enums import (
    PURCHASE_VAT_RATES,
    SupplierInvoiceStatus,
    SupplierPaymentMethod,
)
from accounting.models.ledger import (
    Account,
    Entry,
    _fec_safe,
    _money_field,
)
from hub.models import Structure
from hub.storage import private_storage
from hub.validators import validate_iban, validate_siren

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
