"""Money received for an order or for an invoice without one, cheques taken to the bank, and money given back."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hub.models import Site, Structure
from marketplace.enums import InvoicePaymentMethod, PaymentMethod, PaymentState, RefundState
from marketplace.models.fields import MONEY
from marketplace.models.invoices import Invoice
from marketplace.models.orders import Order


class Payment(models.Model):
    """Money received (or expected) for an order, by one structure or by the platform for a mixed card order."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="payments")
    method = models.CharField(_("moyen"), max_length=10, choices=PaymentMethod.choices)
    state = models.CharField(_("état"), max_length=10, choices=PaymentState.choices, default=PaymentState.PENDING)
    amount = models.DecimalField(_("montant"), **MONEY)
    received_by = models.ForeignKey(
        Structure,
        verbose_name=_("encaissé par"),
        on_delete=models.PROTECT,
        related_name="payments_received",
        help_text=_("La structure vendeuse, ou le Collectif (plateforme) pour une commande mixte payée par carte."),
    )
    stripe_payment_intent_id = models.CharField(max_length=64, blank=True)
    stripe_charge_id = models.CharField(max_length=64, blank=True)
    cheque_number = models.CharField(_("n° de chèque"), max_length=20, blank=True)
    cheque_bank = models.CharField(_("banque"), max_length=60, blank=True)
    cheque_drawer = models.CharField(_("tireur"), max_length=100, blank=True)
    site = models.ForeignKey(
        Site, verbose_name=_("lieu d'encaissement"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    deposit_slip = models.ForeignKey(
        "DepositSlip", on_delete=models.PROTECT, null=True, blank=True, related_name="cheques"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    succeeded_at = models.DateTimeField(null=True, blank=True)
    reversed_at = models.DateTimeField(_("rejeté le"), null=True, blank=True)
    failure_message = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = _("paiement")
        verbose_name_plural = _("paiements")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["stripe_payment_intent_id"],
                condition=~Q(stripe_payment_intent_id=""),
                name="marketplace_payment_unique_payment_intent",
            ),
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="marketplace_payment_amount_positive",
                violation_error_message=_("Le montant d'un paiement doit être positif."),
            ),
            models.CheckConstraint(
                condition=~Q(state=PaymentState.SUCCEEDED) | Q(succeeded_at__isnull=False),
                name="marketplace_payment_succeeded_has_timestamp",
                violation_error_message=_("Un paiement encaissé a une date d'encaissement."),
            ),
            models.CheckConstraint(
                condition=~Q(method=PaymentMethod.CHEQUE) | ~Q(cheque_number=""),
                name="marketplace_payment_cheque_has_number",
                violation_error_message=_("Un chèque a un numéro."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_method_display()} {self.amount} € ({self.order})"


class DepositSlip(models.Model):
    """A bordereau de remise de chèques: one structure's cheques taken to its bank together."""

    structure = models.ForeignKey(Structure, on_delete=models.PROTECT, related_name="deposit_slips")
    number = models.PositiveIntegerField(_("numéro"))
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    total = models.DecimalField(_("total"), **MONEY)

    class Meta:
        verbose_name = _("bordereau de remise de chèques")
        verbose_name_plural = _("bordereaux de remise de chèques")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["structure", "number"], name="marketplace_depositslip_unique_number")
        ]

    def __str__(self) -> str:
        return f"Bordereau {self.number} — {self.structure}"


class Refund(models.Model):
    """Money given back to a customer for one structure's lines of an order."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="refunds")
    structure = models.ForeignKey(Structure, on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(**MONEY)
    method = models.CharField(max_length=10, choices=PaymentMethod.choices)
    stripe_refund_id = models.CharField(max_length=64, blank=True)
    # A card refund is prepared under the order's lock (pending), then Stripe is called after commit
    # and the money's movement posted (succeeded); `stripe_key` groups the rows of one Stripe refund.
    state = models.CharField(_("état"), max_length=10, choices=RefundState.choices, default=RefundState.SUCCEEDED)
    stripe_key = models.CharField(max_length=64, blank=True)
    # Empty for a refund made in Stripe's dashboard (learnt from its `charge.refunded` event).
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    reason = models.CharField(max_length=200, blank=True)
    # A refund not tied to lines (made in the dashboard): staff issue its credit note by hand.
    credit_note_needed = models.BooleanField(_("avoir à établir"), default=False)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="marketplace_refund_amount_positive",
                violation_error_message=_("Un remboursement est un montant positif."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order} −{self.amount} €"


class InvoicePayment(models.Model):
    """Money received for an invoice without an order — the Collectif's shared-services invoices, late-payment
    penalties — by transfer or cheque (an order's invoices are paid through the order's settlement).

    In the seller's books D 512 / C 411 (piece: the invoice number, what the bank statement shows); in a
    member structure's books, the mirror D 401 / C 512. Once the invoice is paid its 411 (and 401) lines
    are lettered. A payment recorded by mistake is cancelled by reversing its entries, never deleted."""

    invoice = models.ForeignKey(Invoice, verbose_name=_("facture"), on_delete=models.PROTECT, related_name="payments")
    method = models.CharField(_("moyen"), max_length=10, choices=InvoicePaymentMethod.choices)
    amount = models.DecimalField(_("montant"), **MONEY)
    received_on = models.DateField(_("reçu le"))
    reference = models.CharField(_("référence (n° de chèque, libellé du virement)"), max_length=50, blank=True)
    entry = models.OneToOneField(
        "accounting.Entry", verbose_name=_("écriture"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("saisi le"), default=timezone.now)
    cancelled_at = models.DateTimeField(_("annulé le"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    cancel_reason = models.CharField(_("motif de l'annulation"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("règlement de facture")
        verbose_name_plural = _("règlements de factures")
        ordering = ["received_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="marketplace_invoice_payment_amount_positive",
                violation_error_message=_("Le montant d'un règlement est positif."),
            ),
            models.CheckConstraint(
                condition=Q(method__in=InvoicePaymentMethod.values),
                name="marketplace_invoice_payment_method_valid",
                violation_error_message=_("Moyen de paiement inconnu."),
            ),
            models.CheckConstraint(
                condition=~Q(method=InvoicePaymentMethod.CHEQUE) | ~Q(reference=""),
                name="marketplace_invoice_payment_cheque_has_number",
                violation_error_message=_("Un chèque a un numéro."),
            ),
            models.CheckConstraint(
                condition=Q(cancelled_at__isnull=True, cancel_reason="")
                | Q(cancelled_at__isnull=False, cancelled_by__isnull=False) & ~Q(cancel_reason=""),
                name="marketplace_invoice_payment_cancel_has_who_and_why",
                violation_error_message=_("Une annulation dit qui, quand et pourquoi."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_method_display()} {self.amount} € ({self.invoice})"

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None
