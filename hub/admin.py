from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from hub import outbox, perms
from hub.enums import StaffRole
from hub.models import (
    LegalPage,
    Organisation,
    OrganisationMembership,
    OutboundEmail,
    Site,
    Skill,
    Structure,
    StructureRole,
)


class ReadOnlyInline(admin.TabularInline):
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


class StructureRoleInline(admin.TabularInline):
    model = StructureRole
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Structure)
class StructureAdmin(admin.ModelAdmin):
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
        (_("Services à la personne"), {"fields": ("sap_declaration_number", "sap_declaration_date")}),
        (_("Paiements"), {"fields": ("stripe_account_id", "iban", "bic")}),
    )


@admin.register(Skill)
class SkillAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    list_display = ["name", "structure", "city", "is_pickup_point", "capacity", "is_active"]
    list_filter = ["is_pickup_point", "is_active", "structure"]
    list_select_related = ["structure"]
    search_fields = ["name", "city"]
    prepopulated_fields = {"slug": ["name"]}


class OrganisationMembershipInline(admin.TabularInline):
    model = OrganisationMembership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "siren", "city", "vat_registered", "created_at"]
    list_filter = ["vat_registered"]
    search_fields = ["name", "siren"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [OrganisationMembershipInline]


@admin.register(StructureRole)
class StructureRoleAdmin(admin.ModelAdmin):
    list_display = ["user", "structure", "role", "created_at"]
    list_filter = ["role", "structure"]
    list_select_related = ["user", "structure"]
    search_fields = ["user__email", "structure__name"]
    autocomplete_fields = ["user"]


@admin.register(LegalPage)
class LegalPageAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "updated_at"]


@admin.register(OutboundEmail)
class OutboundEmailAdmin(admin.ModelAdmin):
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

    def has_module_permission(self, request) -> bool:
        return perms.is_hub_admin(request.user)

    def has_view_permission(self, request, obj=None) -> bool:
        return perms.is_hub_admin(request.user)

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


class StructureScopedAdmin(admin.ModelAdmin):
    """Admin for objects owned by a structure: its staff see and edit only their structures' rows."""

    structure_field = "structure"
    scoped_roles: tuple[str, ...] = (StaffRole.MANAGER, StaffRole.STAFF)

    def _structure_ids(self, request) -> set[int]:
        cache = "_scoped_structure_ids"
        if not hasattr(request, cache):
            setattr(request, cache, set(perms.structures_with_role(request.user, *self.scoped_roles)))
        return getattr(request, cache)

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if perms.is_hub_admin(request.user):
            return queryset
        return queryset.filter(**{f"{self.structure_field}__in": self._structure_ids(request)})

    def _allowed(self, request, obj=None) -> bool:
        if perms.is_hub_admin(request.user):
            return True
        ids = self._structure_ids(request)
        if obj is None:
            return bool(ids)
        return getattr(obj, f"{self.structure_field}_id") in ids

    def has_module_permission(self, request) -> bool:
        return self._allowed(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return self._allowed(request, obj)

    def has_add_permission(self, request) -> bool:
        return self._allowed(request)

    def has_change_permission(self, request, obj=None) -> bool:
        return self._allowed(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return self._allowed(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == self.structure_field and not perms.is_hub_admin(request.user):
            kwargs["queryset"] = Structure.objects.filter(pk__in=self._structure_ids(request))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
