"""Invoices and credit notes, numbered gapless per structure and year.

Totals are stored as snapshots (not recomputed): an issued invoice is a legal document and must
read the same in ten years whatever happens to prices and offerings.
"""

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Round
from django.utils.translation import gettext_lazy as _

from hub.models import Organisation, Structure
from hub.storage import private_storage
from marketplace.enums import InvoiceKind, OperationCategory
from marketplace.exceptions import ImmutableInvoice
from marketplace.models.fields import BILLING_ADDRESS_MAX_LENGTH, MONEY, QUANTITY
from marketplace.models.orders import Order, OrderLine


class InvoiceSequence(models.Model):
    """The gapless counter of one structure's invoice series for one year (rows locked to allocate)."""

    structure = models.ForeignKey(Structure, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["structure", "year"], name="marketplace_invoice_sequence_unique")
        ]

    def __str__(self) -> str:
        return f"{self.structure} {self.year}: {self.last_number}"


# What may still be written on an issued invoice: the cached rendering of the document, nothing
# of its content. Kept in step with the PostgreSQL trigger (migration 0004) — see ADR 0009.
MUTABLE_AFTER_ISSUE = frozenset({"pdf"})


def _first_issued_number(invoices: models.QuerySet) -> str:
    return invoices.exclude(number="").order_by().values_list("number", flat=True).first() or ""


class InvoiceQuerySet(models.QuerySet):
    def issued(self) -> "InvoiceQuerySet":
        return self.exclude(number="")

    def drafts(self) -> "InvoiceQuerySet":
        return self.filter(number="")

    # The ORM side of the PostgreSQL triggers (the only guard on SQLite): a bulk update or delete that
    # touches an issued invoice is refused whole, before anything is written.
    def update(self, **kwargs):
        if set(kwargs) - MUTABLE_AFTER_ISSUE and (number := _first_issued_number(self)):
            raise ImmutableInvoice(number)
        return super().update(**kwargs)

    def delete(self):
        if number := _first_issued_number(self):
            raise ImmutableInvoice(number)
        return super().delete()


class Invoice(models.Model):
    """One structure's invoice (or credit note) for its lines of an order, or a Collectif shared-services invoice."""

    kind = models.CharField(_("type"), max_length=12, choices=InvoiceKind.choices, default=InvoiceKind.INVOICE)
    structure = models.ForeignKey(
        Structure, verbose_name=_("vendeur"), on_delete=models.PROTECT, related_name="invoices"
    )
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="invoices", null=True, blank=True)
    credited_invoice = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="credit_notes"
    )
    number = models.CharField(_("numéro"), max_length=30, blank=True)
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    sequence = models.PositiveIntegerField(null=True, blank=True)
    issue_date = models.DateField(_("date"), null=True, blank=True)
    issued_at = models.DateTimeField(null=True, blank=True)
    due_date = models.DateField(_("échéance"), null=True, blank=True)
    category = models.CharField(_("nature de l'opération"), max_length=10, choices=OperationCategory.choices)

    buyer_name = models.CharField(_("client"), max_length=150)
    # Copied from the order, whose column is bounded: an invoice issued before the bound existed may be
    # longer and is immutable, so the limit is checked where addresses are written, not here in SQL.
    buyer_address = models.TextField(
        _("adresse du client"),
        max_length=BILLING_ADDRESS_MAX_LENGTH,
        validators=[MaxLengthValidator(BILLING_ADDRESS_MAX_LENGTH)],
    )
    buyer_siren = models.CharField(max_length=9, blank=True)
    buyer_vat_number = models.CharField(max_length=13, blank=True)
    buyer_is_business = models.BooleanField(default=False)
    buyer_structure = models.ForeignKey(
        Structure, on_delete=models.PROTECT, null=True, blank=True, related_name="invoices_received"
    )
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="invoices"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="invoices"
    )
    purchase_order_number = models.CharField(max_length=50, blank=True)

    total_excl = models.DecimalField(_("total HT"), **MONEY)
    total_vat = models.DecimalField(_("TVA"), **MONEY)
    total_incl = models.DecimalField(_("total TTC"), **MONEY)
    sap = models.BooleanField(default=False)
    period_start = models.DateField(null=True, blank=True)
    period_end = models.DateField(null=True, blank=True)
    # The rendered PDF, in the private storage (never under MEDIA_ROOT): only `invoice_pdf` serves it.
    pdf = models.FileField(upload_to="invoices/", storage=private_storage, blank=True)

    objects = InvoiceQuerySet.as_manager()

    class Meta:
        verbose_name = _("facture")
        verbose_name_plural = _("factures")
        ordering = ["-issued_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["structure", "year", "sequence"],
                condition=Q(sequence__isnull=False),
                name="marketplace_invoice_unique_sequence",
            ),
            models.UniqueConstraint(
                fields=["number"], condition=~Q(number=""), name="marketplace_invoice_unique_number"
            ),
            models.CheckConstraint(
                condition=(Q(number="") & Q(sequence__isnull=True) & Q(issued_at__isnull=True))
                | (
                    ~Q(number="") & Q(sequence__isnull=False) & Q(issued_at__isnull=False) & Q(issue_date__isnull=False)
                ),
                name="marketplace_invoice_number_iff_issued",
                violation_error_message=_("Une facture émise a un numéro et une date ; un brouillon n'en a pas."),
            ),
            models.CheckConstraint(
                condition=Q(total_incl=Round(models.F("total_excl") + models.F("total_vat"), 2)),
                name="marketplace_invoice_totals_add_up",
                violation_error_message=_("Le total TTC doit être la somme du HT et de la TVA."),
            ),
            # The Collectif bills each member once per month for shared services.
            models.UniqueConstraint(
                fields=["structure", "buyer_structure", "period_start"],
                condition=Q(kind=InvoiceKind.INVOICE, buyer_structure__isnull=False),
                name="marketplace_shared_services_invoice_once_per_month",
            ),
            models.CheckConstraint(
                condition=~Q(kind=InvoiceKind.CREDIT_NOTE) | Q(credited_invoice__isnull=False),
                name="marketplace_credit_note_has_invoice",
                violation_error_message=_("Un avoir se rapporte à une facture."),
            ),
        ]

    def __str__(self) -> str:
        return self.number or f"Brouillon {self.pk}"

    def save(self, *args, **kwargs):
        # An issued invoice is a legal document: only its cached PDF may change.
        if self.pk and not kwargs.get("force_insert"):
            previous = Invoice.objects.filter(pk=self.pk).values("number").first()
            update_fields = kwargs.get("update_fields")
            if previous and previous["number"] and set(update_fields or ["*"]) - MUTABLE_AFTER_ISSUE:
                raise ImmutableInvoice(previous["number"])
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.is_issued:
            raise ImmutableInvoice(self.number)
        return super().delete(*args, **kwargs)

    @property
    def is_issued(self) -> bool:
        return bool(self.number)

    @property
    def is_credit_note(self) -> bool:
        return self.kind == InvoiceKind.CREDIT_NOTE

    @property
    def is_deposit(self) -> bool:
        return self.kind == InvoiceKind.DEPOSIT


class InvoiceLineQuerySet(models.QuerySet):
    # No line of an issued invoice is written or deleted (the triggers do the same on PostgreSQL).
    def update(self, **kwargs):
        invoices = Q(pk__in=self.values("invoice_id"))
        if "invoice" in kwargs or "invoice_id" in kwargs:  # lines moved into another invoice
            target = kwargs.get("invoice", kwargs.get("invoice_id"))
            invoices |= Q(pk=getattr(target, "pk", target))
        if number := _first_issued_number(Invoice.objects.filter(invoices)):
            raise ImmutableInvoice(number)
        return super().update(**kwargs)

    def delete(self):
        if number := _first_issued_number(Invoice.objects.filter(pk__in=self.values("invoice_id"))):
            raise ImmutableInvoice(number)
        return super().delete()


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="lines")
    order_line = models.ForeignKey(OrderLine, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    # Only invoices (not credit notes) count here: an order line is invoiced once.
    invoiced_line = models.OneToOneField(
        OrderLine, on_delete=models.PROTECT, null=True, blank=True, related_name="invoice_line"
    )
    description = models.CharField(max_length=200)
    quantity = models.DecimalField(**QUANTITY)
    unit = models.CharField(max_length=10)
    unit_price_incl = models.DecimalField(**MONEY)
    unit_price_excl = models.DecimalField(max_digits=14, decimal_places=4)
    vat_rate = models.DecimalField(max_digits=4, decimal_places=2)
    vat_exemption_mention = models.CharField(max_length=200, blank=True)
    revenue_account = models.CharField(max_length=8)
    is_goods = models.BooleanField()
    sap_eligible = models.BooleanField(default=False)
    total_excl = models.DecimalField(**MONEY)
    total_vat = models.DecimalField(**MONEY)
    total_incl = models.DecimalField(**MONEY)

    objects = InvoiceLineQuerySet.as_manager()

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(total_incl=Round(models.F("total_excl") + models.F("total_vat"), 2)),
                name="marketplace_invoiceline_totals_add_up",
                violation_error_message=_("Le total TTC doit être la somme du HT et de la TVA."),
            ),
        ]

    def __str__(self) -> str:
        return self.description

    def save(self, *args, **kwargs):
        # Lines are written while their invoice is a draft; an issued one is corrected by a credit note.
        invoices = Q(pk=self.invoice_id)
        if not self._state.adding:  # the invoice it belonged to until now counts too
            invoices |= Q(pk__in=InvoiceLine.objects.filter(pk=self.pk).values("invoice_id"))
        if number := _first_issued_number(Invoice.objects.filter(invoices)):
            raise ImmutableInvoice(number)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if number := _first_issued_number(Invoice.objects.filter(pk=self.invoice_id)):
            raise ImmutableInvoice(number)
        return super().delete(*args, **kwargs)
