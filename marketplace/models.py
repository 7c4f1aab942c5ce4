"""Carts, orders, payments and invoices.

Totals are stored on orders and invoices as snapshots (not recomputed): an issued invoice is a
legal document and must read the same in ten years whatever happens to prices and offerings.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q, Sum
from django.db.models.functions import Round
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hub.models import Organisation, Site, StatusLog, Structure
from hub.statemachine import StateMachine
from marketplace.enums import (
    AllocationMethod,
    FulfilmentStatus,
    InvoiceKind,
    OperationCategory,
    PaymentMethod,
    PaymentState,
    PaymentStatus,
)
from marketplace.exceptions import ImmutableInvoice, InvalidTransition
from services.models import Offering

MONEY = {"max_digits": 12, "decimal_places": 2}
# SQLite keeps decimals as floats: sums are rounded to the cent before comparing in CHECKs.
QUANTITY = {"max_digits": 10, "decimal_places": 3}

# The allowed transitions, in one place (STYLE.md). Timestamps are set on entering a state.
FULFILMENT = StateMachine(
    field="fulfilment_status",
    choices=FulfilmentStatus,
    transitions={
        FulfilmentStatus.PLACED: {FulfilmentStatus.CONFIRMED, FulfilmentStatus.CANCELLED},
        FulfilmentStatus.CONFIRMED: {FulfilmentStatus.FULFILLED, FulfilmentStatus.CANCELLED},
        FulfilmentStatus.FULFILLED: {FulfilmentStatus.CLOSED},
        FulfilmentStatus.CLOSED: set(),
        FulfilmentStatus.CANCELLED: set(),
    },
    timestamps={
        FulfilmentStatus.CONFIRMED: "confirmed_at",
        FulfilmentStatus.FULFILLED: "fulfilled_at",
        FulfilmentStatus.CLOSED: "closed_at",
        FulfilmentStatus.CANCELLED: "cancelled_at",
    },
    error=InvalidTransition,
)
PAYMENT = StateMachine(
    field="payment_status",
    choices=PaymentStatus,
    transitions={
        PaymentStatus.UNPAID: {PaymentStatus.PAID},
        # A SEPA failure or a dispute reopens the receivable.
        PaymentStatus.PAID: {PaymentStatus.UNPAID, PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED},
        PaymentStatus.PARTIALLY_REFUNDED: {PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED},
        PaymentStatus.REFUNDED: set(),
    },
    timestamps={PaymentStatus.PAID: "paid_at"},
    clears={PaymentStatus.UNPAID: ["paid_at"]},
    error=InvalidTransition,
)


class SellerSettings(models.Model):
    """How a structure sells online: accepted payment methods and the platform fee."""

    structure = models.OneToOneField(
        Structure, verbose_name=_("structure"), on_delete=models.CASCADE, related_name="seller_settings"
    )
    accepts_card = models.BooleanField(_("carte bancaire"), default=True)
    accepts_cash = models.BooleanField(_("espèces au retrait"), default=True)
    accepts_cheque = models.BooleanField(_("chèque au retrait"), default=True)
    accepts_transfer = models.BooleanField(_("virement (organisations)"), default=True)
    accepts_cesu = models.BooleanField(_("CESU (services à la personne)"), default=False)
    platform_fee_percent = models.DecimalField(
        _("commission de la plateforme (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    payment_terms_days = models.PositiveSmallIntegerField(_("délai de paiement (jours)"), default=30)

    class Meta:
        verbose_name = _("réglages de vente")
        verbose_name_plural = _("réglages de vente")
        constraints = [
            models.CheckConstraint(
                condition=Q(platform_fee_percent__gte=0) & Q(platform_fee_percent__lt=100),
                name="marketplace_seller_fee_range",
                violation_error_message=_("La commission est comprise entre 0 et 100 %."),
            ),
        ]

    def __str__(self) -> str:
        return str(self.structure)

    def accepted_methods(self) -> set[str]:
        flags = {
            PaymentMethod.CARD: self.accepts_card,
            PaymentMethod.CASH: self.accepts_cash,
            PaymentMethod.CHEQUE: self.accepts_cheque,
            PaymentMethod.TRANSFER: self.accepts_transfer,
            PaymentMethod.CESU: self.accepts_cesu,
        }
        return {method for method, accepted in flags.items() if accepted}


class SolidarityStatus(models.Model):
    """A customer's verified solidarity status (DOMAIN.md rule 3): a real price tier, verified by staff."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("personne"), on_delete=models.CASCADE, related_name="solidarity"
    )
    valid_until = models.DateField(_("valable jusqu'au"))
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("vérifié par"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    verified_at = models.DateTimeField(_("vérifié le"), default=timezone.now)
    note = models.CharField(_("justificatif vu"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("statut solidaire")
        verbose_name_plural = _("statuts solidaires")

    def __str__(self) -> str:
        return f"{self.user} (→ {self.valid_until:%d/%m/%Y})"

    def is_valid(self, on=None) -> bool:
        return (on or timezone.localdate()) <= self.valid_until


class Cart(models.Model):
    """A visitor's cart (kept in the session) or a signed-in person's."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("personne"),
        on_delete=models.CASCADE,
        related_name="cart",
        null=True,
        blank=True,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("panier")
        verbose_name_plural = _("paniers")

    def __str__(self) -> str:
        return f"Panier {self.pk}"


class CartItem(models.Model):
    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="items")
    offering = models.ForeignKey(Offering, verbose_name=_("offre"), on_delete=models.CASCADE, related_name="+")
    quantity = models.DecimalField(_("quantité"), **QUANTITY)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("article du panier")
        verbose_name_plural = _("articles du panier")
        ordering = ["added_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["cart", "offering"], name="marketplace_cartitem_unique_offering"),
            models.CheckConstraint(
                condition=Q(quantity__gt=0),
                name="marketplace_cartitem_quantity_positive",
                violation_error_message=_("La quantité doit être positive."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.offering} × {self.quantity}"


class OrderQuerySet(models.QuerySet):
    def visible_to_customer(self, user) -> "OrderQuerySet":
        """A person's own orders and those of the organisations they belong to."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(
            Q(customer=user, organisation__isnull=True) | Q(organisation__memberships__user=user)
        ).distinct()

    def sold_by(self, structure_ids) -> "OrderQuerySet":
        return self.filter(lines__seller_id__in=structure_ids).distinct()


class Order(models.Model):
    reference = models.CharField(_("référence"), max_length=20, unique=True)
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("client·e"), on_delete=models.PROTECT, related_name="orders"
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation facturée"),
        on_delete=models.PROTECT,
        related_name="orders",
        null=True,
        blank=True,
    )
    fulfilment_status = models.CharField(
        _("état"), max_length=12, choices=FulfilmentStatus.choices, default=FulfilmentStatus.PLACED
    )
    payment_status = models.CharField(
        _("paiement"), max_length=20, choices=PaymentStatus.choices, default=PaymentStatus.UNPAID
    )
    payment_method = models.CharField(_("moyen de paiement"), max_length=10, choices=PaymentMethod.choices)
    pickup_point = models.ForeignKey(
        Site, verbose_name=_("point de retrait"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    purchase_order_number = models.CharField(_("n° de bon de commande"), max_length=50, blank=True)
    solidarity_pricing = models.BooleanField(_("tarif solidaire appliqué"), default=False)

    # Buyer snapshot, printed on the invoices.
    billing_name = models.CharField(_("nom de facturation"), max_length=150)
    billing_address = models.TextField(_("adresse de facturation"))
    billing_email = models.EmailField(_("e-mail de facturation"))
    billing_siren = models.CharField(_("SIREN"), max_length=9, blank=True)
    billing_vat_number = models.CharField(_("n° de TVA"), max_length=13, blank=True)

    # Stored totals (snapshots, see the module docstring).
    total_excl = models.DecimalField(_("total HT"), **MONEY)
    total_vat = models.DecimalField(_("TVA"), **MONEY)
    total_incl = models.DecimalField(_("total TTC"), **MONEY)
    amount_refunded = models.DecimalField(_("remboursé"), default=Decimal("0"), **MONEY)

    stripe_payment_intent_id = models.CharField(max_length=64, blank=True)

    placed_at = models.DateTimeField(_("passée le"), default=timezone.now)
    confirmed_at = models.DateTimeField(_("confirmée le"), null=True, blank=True)
    fulfilled_at = models.DateTimeField(_("servie le"), null=True, blank=True)
    closed_at = models.DateTimeField(_("clôturée le"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("annulée le"), null=True, blank=True)
    paid_at = models.DateTimeField(_("payée le"), null=True, blank=True)

    objects = OrderQuerySet.as_manager()

    class Meta:
        verbose_name = _("commande")
        verbose_name_plural = _("commandes")
        ordering = ["-placed_at", "-pk"]
        indexes = [models.Index(fields=["customer", "-placed_at"]), models.Index(fields=["fulfilment_status"])]
        constraints = [
            models.UniqueConstraint(
                fields=["stripe_payment_intent_id"],
                condition=~Q(stripe_payment_intent_id=""),
                name="marketplace_order_unique_payment_intent",
            ),
            models.CheckConstraint(
                condition=Q(total_incl=Round(models.F("total_excl") + models.F("total_vat"), 2)),
                name="marketplace_order_totals_add_up",
                violation_error_message=_("Le total TTC doit être la somme du HT et de la TVA."),
            ),
            models.CheckConstraint(
                condition=Q(amount_refunded__gte=0) & Q(amount_refunded__lte=models.F("total_incl")),
                name="marketplace_order_refund_within_total",
                violation_error_message=_("On ne peut rembourser plus que le montant de la commande."),
            ),
            models.CheckConstraint(
                condition=Q(fulfilment_status__in=[FulfilmentStatus.PLACED, FulfilmentStatus.CANCELLED])
                | Q(confirmed_at__isnull=False),
                name="marketplace_order_confirmed_has_timestamp",
                violation_error_message=_("Une commande confirmée a une date de confirmation."),
            ),
            models.CheckConstraint(
                condition=~Q(fulfilment_status=FulfilmentStatus.CANCELLED) | Q(cancelled_at__isnull=False),
                name="marketplace_order_cancelled_has_timestamp",
                violation_error_message=_("Une commande annulée a une date d'annulation."),
            ),
            models.CheckConstraint(
                condition=Q(payment_status=PaymentStatus.UNPAID) | Q(paid_at__isnull=False),
                name="marketplace_order_paid_has_timestamp",
                violation_error_message=_("Une commande payée a une date de paiement."),
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_b2b(self) -> bool:
        return self.organisation_id is not None

    @property
    def is_confirmed(self) -> bool:
        return self.fulfilment_status in {
            FulfilmentStatus.CONFIRMED,
            FulfilmentStatus.FULFILLED,
            FulfilmentStatus.CLOSED,
        }

    @property
    def amount_paid(self) -> Decimal:
        return self.payments.filter(state=PaymentState.SUCCEEDED).aggregate(total=Sum("amount"))["total"] or Decimal(
            "0"
        )

    def set_fulfilment(self, status: str, *, by=None, note: str = "", at=None) -> None:
        """Move the fulfilment status along FULFILMENT and log it (caller saves)."""
        FULFILMENT.move(self, status, by=by, note=note, at=at)

    def set_payment(self, status: str, *, by=None, note: str = "", at=None) -> None:
        """Move the payment status along PAYMENT and log it (caller saves)."""
        PAYMENT.move(self, status, by=by, note=note, at=at)


class OrderTransition(StatusLog):
    """The log of every status change of an order."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="transitions")

    def __str__(self) -> str:
        return f"{self.order} {self.field}: {self.from_status} → {self.to_status}"


class OrderLine(models.Model):
    """One offering in an order, with everything the invoice needs snapshotted."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    offering = models.ForeignKey(Offering, verbose_name=_("offre"), on_delete=models.PROTECT, related_name="+")
    seller = models.ForeignKey(Structure, verbose_name=_("vendeur"), on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("désignation"), max_length=150)
    unit = models.CharField(_("unité"), max_length=10)
    quantity = models.DecimalField(_("quantité commandée"), **QUANTITY)
    final_quantity = models.DecimalField(_("quantité définitive"), null=True, blank=True, **QUANTITY)
    unit_price = models.DecimalField(_("prix unitaire TTC"), **MONEY)
    vat_rate = models.DecimalField(_("taux de TVA"), max_digits=4, decimal_places=2)
    vat_exemption_mention = models.CharField(max_length=200, blank=True)
    revenue_account = models.CharField(max_length=8)
    is_goods = models.BooleanField(_("livraison de biens"))
    sap_eligible = models.BooleanField(default=False)
    quantity_measured_later = models.BooleanField(default=False)
    total_excl = models.DecimalField(_("total HT"), **MONEY)
    total_vat = models.DecimalField(_("TVA"), **MONEY)
    total_incl = models.DecimalField(_("total TTC"), **MONEY)
    refunded_amount = models.DecimalField(_("remboursé"), default=Decimal("0"), **MONEY)

    class Meta:
        ordering = ["seller_id", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0),
                name="marketplace_orderline_quantity_positive",
                violation_error_message=_("La quantité doit être positive."),
            ),
            models.CheckConstraint(
                condition=Q(final_quantity__isnull=True) | Q(final_quantity__gte=0),
                name="marketplace_orderline_final_quantity_positive",
                violation_error_message=_("La quantité définitive ne peut pas être négative."),
            ),
            models.CheckConstraint(
                condition=Q(total_incl=Round(models.F("total_excl") + models.F("total_vat"), 2)),
                name="marketplace_orderline_totals_add_up",
                violation_error_message=_("Le total TTC doit être la somme du HT et de la TVA."),
            ),
            models.CheckConstraint(
                condition=Q(refunded_amount__gte=0) & Q(refunded_amount__lte=models.F("total_incl")),
                name="marketplace_orderline_refund_within_total",
                violation_error_message=_("On ne peut rembourser plus que le montant de la ligne."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} × {self.quantity}"

    @property
    def billed_quantity(self) -> Decimal:
        return self.final_quantity if self.final_quantity is not None else self.quantity

    @property
    def is_ready_to_invoice(self) -> bool:
        """Fixed-price lines at once; weighed or hour-based lines once the final quantity is known."""
        return not self.quantity_measured_later or self.final_quantity is not None


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


class StripeEvent(models.Model):
    """Every Stripe event, stored once (its id is unique) and processed idempotently."""

    event_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=100)
    payload = models.JSONField()
    received_at = models.DateTimeField(default=timezone.now)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["received_at"]

    def __str__(self) -> str:
        return f"{self.type} {self.event_id}"


class StripeTransfer(models.Model):
    """The share of a mixed card order passed on to one selling structure (DOMAIN.md rule 5)."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="transfers")
    structure = models.ForeignKey(Structure, on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(**MONEY)
    amount_reversed = models.DecimalField(default=Decimal("0"), **MONEY)
    stripe_transfer_id = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["order", "structure"], name="marketplace_transfer_one_per_structure")
        ]

    def __str__(self) -> str:
        return self.stripe_transfer_id


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


class InvoiceQuerySet(models.QuerySet):
    def issued(self) -> "InvoiceQuerySet":
        return self.exclude(number="")


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
    buyer_address = models.TextField(_("adresse du client"))
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
    pdf = models.FileField(upload_to="invoices/", blank=True)

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
            if previous and previous["number"] and set(update_fields or ["*"]) - {"pdf"}:
                raise ImmutableInvoice(self.number)
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


class OrderNotification(models.Model):
    """One row per e-mail sent about an order: a retried task never sends the same e-mail twice."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=30)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["order", "kind"], name="marketplace_notification_once")]

    def __str__(self) -> str:
        return f"{self.order} {self.kind}"


class Refund(models.Model):
    """Money given back to a customer for one structure's lines of an order."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="refunds")
    structure = models.ForeignKey(Structure, on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(**MONEY)
    method = models.CharField(max_length=10, choices=PaymentMethod.choices)
    stripe_refund_id = models.CharField(max_length=64, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    reason = models.CharField(max_length=200, blank=True)

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


class SharedServicesPlan(models.Model):
    """What the Collectif bills its member structures each month for shared services (DOMAIN.md rule 12)."""

    label = models.CharField(
        _("libellé"), max_length=150, default="Services mutualisés : comptabilité, accueil, informatique"
    )
    monthly_amount = models.DecimalField(_("montant mensuel HT"), **MONEY)
    method = models.CharField(_("clé de répartition"), max_length=10, choices=AllocationMethod.choices)
    is_active = models.BooleanField(_("actif"), default=True)

    class Meta:
        verbose_name = _("refacturation des services mutualisés")
        verbose_name_plural = _("refacturations des services mutualisés")
        constraints = [
            models.CheckConstraint(
                condition=Q(monthly_amount__gt=0),
                name="marketplace_shared_plan_amount_positive",
                violation_error_message=_("Le montant mensuel doit être positif."),
            ),
        ]

    def __str__(self) -> str:
        return self.label


class SharedServicesShare(models.Model):
    plan = models.ForeignKey(SharedServicesPlan, on_delete=models.CASCADE, related_name="shares")
    structure = models.ForeignKey(
        Structure, verbose_name=_("structure membre"), on_delete=models.PROTECT, related_name="+"
    )
    percent = models.DecimalField(_("part (%)"), max_digits=5, decimal_places=2)

    class Meta:
        verbose_name = _("part fixe")
        verbose_name_plural = _("parts fixes")
        constraints = [
            models.UniqueConstraint(fields=["plan", "structure"], name="marketplace_shared_share_unique"),
            models.CheckConstraint(
                condition=Q(percent__gt=0) & Q(percent__lte=100),
                name="marketplace_shared_share_percent_range",
                violation_error_message=_("Une part est comprise entre 0 et 100 %."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.structure} {self.percent} %"
