from django.contrib import admin

from hub.admin_scoping import HubOnlyAdmin
from prescribers.models import Support, SupportEvent


class SupportEventInline(admin.TabularInline):
    model = SupportEvent
    fields = ["at", "kind", "by", "note"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Support)
class SupportAdmin(HubOnlyAdmin):
    """Read only (hub admins): supports change through `prescribers.actions` alone, with their log."""

    list_display = ["organisation", "person", "ground", "starts_on", "ends_on", "grants_tier", "closed_at"]
    list_filter = ["ground", "grants_tier"]
    list_select_related = ["organisation", "person"]
    readonly_fields = [field.name for field in Support._meta.fields]
    inlines = [SupportEventInline]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
