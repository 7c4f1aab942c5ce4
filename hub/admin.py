from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from hub import outbox
from hub.admin_scoping import HubOnlyAdmin, ScopedAdmin, ScopedInline
from hub.enums import StaffRole
from hub.models import (
    LegalPage,
    Organisation,
    OrganisationMembership,
    OutboundEmail,
    Site,
    SiteClosure,
    SiteOpening,
    Skill,
    Structure,
    StructureRole,
)


class ReadOnlyInline(ScopedInline, admin.TabularInline):
    """Rows shown for the record, never added, changed or deleted from the admin."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class StatusLogInline(ReadOnlyInline):
    """The log of a model's status moves (`hub.statemachine`): statuses change through actions only."""

    fields = ["at", "field", "from_status", "to_status", "by", "note"]
    readonly_fields = fields


class StructureRoleInline(ScopedInline, admin.TabularInline):
    model = StructureRole
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Structure)
class StructureAdmin(HubOnlyAdmin):
    list_display = ["name", "kind", "legal_form", "siret", "vat_regime", "invoice_prefix", "is_active"]
    list_filter = ["kind", "vat_regime", "is_active"]
    search_fields = ["name", "siret"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [StructureRoleInline]
    fieldsets = (
        (None, {"fields": ("name", "slug", "kind", "legal_form", "description", "is_active", "position")}),
        (
            _("Coordonnées"),
            {"fields": ("address_line1", "address_line2", "postcode", "city", "email", "phone", "website")},
        ),
        (_("Identité légale"), {"fields": ("siret", "share_capital", "registration_number")}),
        (
            _("TVA et facturation"),
            {"fields": ("vat_regime", "vat_number", "vat_exemption_mention", "default_vat_rate", "invoice_prefix")},
        ),
        (
            _("Services à la personne"),
            {"fields": ("sap_declaration_number", "sap_declaration_date", "sap_intervention_mode")},
        ),
        (_("Paiements"), {"fields": ("stripe_account_id", "iban", "bic")}),
    )


@admin.register(Skill)
class SkillAdmin(HubOnlyAdmin):
    """The hub's skill catalogue: every staff member reads it (offerings, teams and jobs name skills)."""

    shared_catalogue = True
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


class SiteOpeningInline(ScopedInline, admin.TabularInline):
    model = SiteOpening
    extra = 0


class SiteClosureInline(ScopedInline, admin.TabularInline):
    model = SiteClosure
    extra = 0


@admin.register(Site)
class SiteAdmin(ScopedAdmin):
    """A structure's managers keep its places; places common to the hub (no structure) are the hub admins'."""

    scoped_roles = (StaffRole.MANAGER,)
    list_display = ["name", "structure", "city", "is_pickup_point", "capacity", "is_active"]
    list_filter = ["is_pickup_point", "is_active", "structure"]
    list_select_related = ["structure"]
    search_fields = ["name", "city"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [SiteOpeningInline, SiteClosureInline]


class OrganisationMembershipInline(ScopedInline, admin.TabularInline):
    model = OrganisationMembership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Organisation)
class OrganisationAdmin(HubOnlyAdmin):
    list_display = ["name", "siren", "city", "vat_registered", "created_at"]
    list_filter = ["vat_registered"]
    search_fields = ["name", "siren"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [OrganisationMembershipInline]


@admin.register(StructureRole)
class StructureRoleAdmin(HubOnlyAdmin):
    """Who works where: hub admins grant roles (a role opens a structure's data, so no one grants their own)."""

    list_display = ["user", "structure", "role", "created_at"]
    list_filter = ["role", "structure"]
    list_select_related = ["user", "structure"]
    search_fields = ["user__email", "structure__name"]
    autocomplete_fields = ["user"]


@admin.register(LegalPage)
class LegalPageAdmin(HubOnlyAdmin):
    list_display = ["title", "kind", "updated_at"]


@admin.register(OutboundEmail)
class OutboundEmailAdmin(HubOnlyAdmin):
    """The e-mail outbox, for hub admins only (recipients are personal data): what keeps failing, and
    a way to send it again once the cause is fixed. Rows are written and sent by hub.outbox only."""

    list_display = ["created_at", "related", "subject", "state", "attempts", "next_attempt_at", "sent_at"]
    list_filter = ["state", "kind"]
    search_fields = ["related", "subject"]
    date_hierarchy = "created_at"
    fields = [
        "kind", "related", "recipients", "subject", "body", "state", "attempts",
        "next_attempt_at", "last_error", "created_at", "sent_at",
    ]  # fmt: skip
    readonly_fields = fields
    actions = ["send_again"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description=_("Renvoyer les e-mails sélectionnés (en attente ou en échec)"))
    def send_again(self, request, queryset):
        count = outbox.retry_now(queryset)
        self.message_user(
            request,
            ngettext("%(count)d e-mail remis en envoi.", "%(count)d e-mails remis en envoi.", count) % {"count": count},
            messages.SUCCESS,
        )
