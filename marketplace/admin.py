from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from hub import perms as hub_perms
from hub.admin import ReadOnlyInline, StatusLogInline
from hub.admin_scoping import HubOnlyAdmin, ScopedAdmin, ScopedInline
from hub.enums import StaffRole
from marketplace import perms
from marketplace.models import (
    DunningLevel,
    DunningPolicy,
    Invoice,
    InvoiceLine,
    InvoicePayment,
    Order,
    OrderLine,
    OrderTransition,
    Payment,
    SellerSettings,
    SharedServicesPlan,
    SharedServicesShare,
    SolidarityStatus,
    StripeDispute,
    StripeEvent,
)


@admin.register(SellerSettings)
class SellerSettingsAdmin(ScopedAdmin):
    list_display = [
        "structure",
        "accepts_card",
        "accepts_cash",
        "accepts_cheque",
        "accepts_transfer",
        "accepts_cesu",
        "platform_fee_percent",
    ]
    list_select_related = ["structure"]

    def get_readonly_fields(self, request, obj=None):
        # The platform's commission is the hub's decision, not the seller's.
        if hub_perms.is_hub_admin(request.user):
            return super().get_readonly_fields(request, obj)
        return [*super().get_readonly_fields(request, obj), "platform_fee_percent"]


class SharedServicesShareInline(ScopedInline, admin.TabularInline):
    model = SharedServicesShare
    extra = 0


@admin.register(SharedServicesPlan)
class SharedServicesPlanAdmin(HubOnlyAdmin):
    list_display = ["label", "monthly_amount", "method", "is_active"]
    inlines = [SharedServicesShareInline]


@admin.register(SolidarityStatus)
class SolidarityStatusAdmin(HubOnlyAdmin):
    list_display = ["user", "valid_until", "verified_by", "verified_at"]
    search_fields = ["user__email", "user__last_name"]
    autocomplete_fields = ["user", "verified_by"]


class OrderLineInline(ReadOnlyInline):
    model = OrderLine
    fields = ["name", "seller", "quantity", "final_quantity", "unit_price", "vat_rate", "total_incl", "refunded_amount"]
    readonly_fields = fields


class OrderTransitionInline(StatusLogInline):
    model = OrderTransition


class PaymentInline(ReadOnlyInline):
    model = Payment
    fields = ["created_at", "method", "state", "amount", "received_by", "cheque_number", "deposit_slip"]
    readonly_fields = fields


@admin.register(Order)
class OrderAdmin(HubOnlyAdmin):
    """Orders are changed through their workflows (pages and API), never edited here. Hub admins only:
    an order may mix several sellers, each seller's staff see their own lines in the back-office pages."""

    list_display = [
        "reference",
        "placed_at",
        "billing_name",
        "fulfilment_status",
        "payment_status",
        "payment_method",
        "total_incl",
    ]
    list_filter = ["fulfilment_status", "payment_status", "payment_method"]
    search_fields = ["reference", "billing_name", "billing_email"]
    date_hierarchy = "placed_at"
    inlines = [OrderLineInline, PaymentInline, OrderTransitionInline]

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class InvoiceLineInline(ReadOnlyInline):
    model = InvoiceLine
    fields = ["description", "quantity", "unit_price_excl", "vat_rate", "total_excl", "total_vat", "total_incl"]
    readonly_fields = fields


@admin.register(Invoice)
class InvoiceAdmin(ScopedAdmin):
    """Issued invoices are immutable: the back-office only reads them."""

    scoped_roles = perms.TAKINGS_ROLES
    list_display = ["number", "kind", "structure", "issue_date", "buyer_name", "total_incl"]
    list_filter = ["kind", "structure"]
    list_select_related = ["structure"]
    search_fields = ["number", "buyer_name"]
    inlines = [InvoiceLineInline]
    # The stored PDF has no URL of its own (private storage): it is reached through its checked view.
    exclude = ["pdf"]
    readonly_fields = ["document"]

    @admin.display(description=_("PDF"))
    def document(self, invoice: Invoice) -> str:
        if not invoice.is_issued:
            return "—"
        return format_html(
            '<a href="{}">{}.pdf</a>', reverse("marketplace:invoice_pdf", args=[invoice.number]), invoice
        )

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class HandledFilter(admin.SimpleListFilter):
    """Events whose type the platform does not act on are kept and listed, never silently dropped."""

    title = _("pris en charge")
    parameter_name = "pris_en_charge"

    def lookups(self, request, model_admin):
        return [("oui", _("Pris en charge")), ("non", _("Non pris en charge"))]

    def queryset(self, request, queryset):
        if self.value() in {"oui", "non"}:
            return queryset.handled() if self.value() == "oui" else queryset.not_handled()
        return queryset


@admin.register(StripeEvent)
class StripeEventAdmin(HubOnlyAdmin):
    list_display = ["event_id", "type", "handled", "received_at", "processed_at"]
    # Events not processed yet (the sweep queues them again every minute) are one click away.
    list_filter = [HandledFilter, ("processed_at", admin.EmptyFieldListFilter), "type"]
    search_fields = ["event_id"]
    readonly_fields = ["event_id", "type", "payload", "received_at", "processed_at"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.display(description=_("pris en charge"), boolean=True)
    def handled(self, obj: StripeEvent) -> bool:
        return obj.is_handled


@admin.register(StripeDispute)
class StripeDisputeAdmin(HubOnlyAdmin):
    list_display = ["dispute_id", "order", "amount", "fee", "status", "withdrawn_at", "reinstated_at", "closed_at"]
    list_filter = ["status"]
    search_fields = ["dispute_id", "order__reference"]
    list_select_related = ["order"]
    readonly_fields = [field.name for field in StripeDispute._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(InvoicePayment)
class InvoicePaymentAdmin(HubOnlyAdmin):
    """Read only: recorded and cancelled by the accountants from the receivables pages, which post them."""

    list_display = ["invoice", "received_on", "method", "amount", "reference", "cancelled_at"]
    list_filter = ["method"]
    search_fields = ["invoice__number", "reference"]
    list_select_related = ["invoice"]
    readonly_fields = [field.name for field in InvoicePayment._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(DunningLevel)
class DunningLevelAdmin(ScopedAdmin):
    """Each structure's reminder levels, set by its accountants (placeholders: {client}, {facture},
    {date_facture}, {montant}, {echeance}, {jours}, {structure})."""

    scoped_roles = (StaffRole.ACCOUNTANT, StaffRole.MANAGER)
    list_display = ["structure", "rank", "days_after_due", "kind", "subject"]
    list_filter = ["structure"]
    list_select_related = ["structure"]


@admin.register(DunningPolicy)
class DunningPolicyAdmin(ScopedAdmin):
    scoped_roles = (StaffRole.ACCOUNTANT, StaffRole.MANAGER)
    list_display = ["structure", "legal_interest_rate"]
    list_select_related = ["structure"]
