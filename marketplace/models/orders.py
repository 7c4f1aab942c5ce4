"""Orders, their lines, their status log and the e-mails sent about them.

Totals are stored on orders as snapshots (not recomputed): the invoices are printed from them.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Q, Sum
from django.db.models.functions import Length, Round
from django.db.models.lookups import LessThanOrEqual
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hub import money
from hub.models import Organisation, Site, Skill, StatusLog, Structure
from hub.schedules import window_label
from hub.statemachine import StateMachine
from marketplace.enums import FulfilmentStatus, PaymentMethod, PaymentState, PaymentStatus
from marketplace.exceptions import InvalidTransition
from marketplace.models.fields import BILLING_ADDRESS_MAX_LENGTH, MONEY, QUANTITY
from services.models import Offering

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
        # A SEPA failure or a dispute reopens the receivable (a partly refunded order too).
        PaymentStatus.PAID: {PaymentStatus.UNPAID, PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED},
        PaymentStatus.PARTIALLY_REFUNDED: {
            PaymentStatus.UNPAID,
            PaymentStatus.PARTIALLY_REFUNDED,
            PaymentStatus.REFUNDED,
        },
        PaymentStatus.REFUNDED: set(),
    },
    timestamps={PaymentStatus.PAID: "paid_at"},
    clears={PaymentStatus.UNPAID: ["paid_at"]},
    error=InvalidTransition,
)


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

    def awaiting_payment(self) -> "OrderQuerySet":
        """Orders still to be paid (a cancelled one is not)."""
        return self.filter(payment_status=PaymentStatus.UNPAID).exclude(fulfilment_status=FulfilmentStatus.CANCELLED)


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
    # The collection window computed at checkout from the point's hours and the sellers' preparation
    # time (docs/adr/0015-pickup-date-and-payment-follow-up.md); empty when the point has no hours on record.
    pickup_starts_at = models.DateTimeField(_("retrait à partir de"), null=True, blank=True)
    pickup_ends_at = models.DateTimeField(_("retrait jusqu'à"), null=True, blank=True)
    purchase_order_number = models.CharField(_("n° de bon de commande"), max_length=50, blank=True)
    solidarity_pricing = models.BooleanField(_("tarif solidaire appliqué"), default=False)

    # Buyer snapshot, printed on the invoices.
    billing_name = models.CharField(_("nom de facturation"), max_length=150)
    billing_address = models.TextField(
        _("adresse de facturation"),
        max_length=BILLING_ADDRESS_MAX_LENGTH,
        validators=[MaxLengthValidator(BILLING_ADDRESS_MAX_LENGTH)],
    )
    billing_email = models.EmailField(_("e-mail de facturation"))
    billing_siren = models.CharField(_("SIREN"), max_length=9, blank=True)
    billing_vat_number = models.CharField(_("n° de TVA"), max_length=13, blank=True)

    # Stored totals (snapshots, see the module docstring).
    total_excl = models.DecimalField(_("total HT"), **MONEY)
    total_vat = models.DecimalField(_("TVA"), **MONEY)
    total_incl = models.DecimalField(_("total TTC"), **MONEY)
    amount_refunded = models.DecimalField(_("remboursé"), default=Decimal("0"), **MONEY)

    # The terms of sale the customer accepted at checkout: when, and which version (the CGV page's
    # `updated_at` then). Empty for orders taken otherwise (a booking, on paper, the API).
    terms_accepted_at = models.DateTimeField(_("CGV acceptées le"), null=True, blank=True)
    terms_version = models.DateTimeField(_("version des CGV acceptée"), null=True, blank=True)

    stripe_payment_intent_id = models.CharField(max_length=64, blank=True)
    # Who placed it when not the customer: a social worker ordering on a supported person's behalf (ADR 0034).
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("passée par"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    # An advance for deliveries to come (a prepaid season): invoiced by a deposit invoice once paid,
    # its amount excl. VAT held on 4191 under this auxiliary code (set by the caller, e.g. ABO-000042).
    advance_reference = models.CharField(_("acompte pour"), max_length=20, blank=True)

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
            models.CheckConstraint(
                condition=Q(pickup_starts_at__isnull=True, pickup_ends_at__isnull=True)
                | Q(pickup_ends_at__gt=models.F("pickup_starts_at")),
                name="marketplace_order_pickup_window_ordered",
                violation_error_message=_("Le retrait se termine après avoir commencé."),
            ),
            # The address is printed on every invoice PDF: an unbounded one made a render take minutes.
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("billing_address"), BILLING_ADDRESS_MAX_LENGTH),
                name="marketplace_order_billing_address_length",
                violation_error_message=_("L'adresse de facturation est trop longue."),
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

    @property
    def pickup_window(self) -> str:
        """« Vendredi 11 décembre 2026, 17 h – 18 h 30 », or "" without a computed date."""
        if self.pickup_starts_at is None:
            return ""
        return window_label(self.pickup_starts_at, self.pickup_ends_at)

    def handed_over_seller_ids(self) -> set[int]:
        """Sellers whose part of the order the customer took (a mixed order is handed over part by
        part, each seller's staff for its own lines: ADR 0012)."""
        return set(self.shares.filter(handed_over_at__isnull=False).values_list("seller_id", flat=True))

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
    # The labour the offering needed when the order was placed (DOMAIN.md rule 15): the jobs read
    # these, never the live catalogue, so editing an offering does not rewrite past work.
    labour_hours_per_unit = models.DecimalField(
        _("heures de travail par unité"), max_digits=6, decimal_places=2, default=Decimal("0")
    )
    labour_headcount = models.PositiveSmallIntegerField(_("effectif requis"), default=1)
    required_skill = models.ForeignKey(
        Skill, verbose_name=_("compétence requise"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    total_excl = models.DecimalField(_("total HT"), **MONEY)
    total_vat = models.DecimalField(_("TVA"), **MONEY)
    total_incl = models.DecimalField(_("total TTC"), **MONEY)
    refunded_amount = models.DecimalField(_("remboursé"), default=Decimal("0"), **MONEY)
    # Third-party payment (ADR 0034): an organisation (a prescriber) pays `third_party_unit_price` of each unit,
    # incl. VAT; `unit_price` and the totals above are then the customer's part. The payer's part is billed
    # once, by a line of its monthly order on account (`third_party_billed_line`).
    third_party = models.ForeignKey(
        Organisation,
        verbose_name=_("pris en charge en partie par"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    third_party_unit_price = models.DecimalField(_("part unitaire prise en charge TTC"), default=Decimal("0"), **MONEY)
    third_party_billed_line = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="covered_line"
    )

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
            models.CheckConstraint(
                condition=Q(third_party__isnull=True, third_party_unit_price=0)
                | Q(third_party__isnull=False, third_party_unit_price__gt=0),
                name="marketplace_orderline_third_party_share",
                violation_error_message=_("Une part prise en charge est positive et a un payeur."),
            ),
            models.CheckConstraint(
                condition=Q(third_party_billed_line__isnull=True) | Q(third_party__isnull=False),
                name="marketplace_orderline_billed_share_has_payer",
                violation_error_message=_("Seule une part prise en charge est facturée au payeur."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} × {self.quantity}"

    @property
    def billed_quantity(self) -> Decimal:
        return self.final_quantity if self.final_quantity is not None else self.quantity

    @property
    def third_party_total(self) -> Decimal:
        """The payer's part of this line, incl. VAT, at the quantity billed."""
        return money.line_total(self.third_party_unit_price, self.billed_quantity)

    @property
    def is_ready_to_invoice(self) -> bool:
        """Fixed-price lines at once; weighed or hour-based lines once the final quantity is known."""
        return not self.quantity_measured_later or self.final_quantity is not None


class OrderNotification(models.Model):
    """One row per e-mail sent about an order: a retried task never sends the same e-mail twice."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=30)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["order", "kind"], name="marketplace_notification_once")]

    def __str__(self) -> str:
        return f"{self.order} {self.kind}"
