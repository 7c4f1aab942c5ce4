from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from hub.admin_scoping import ScopedAdmin
from hub.enums import StaffRole
from services.forms import OfferingAdminForm
from services.models import Offering


@admin.register(Offering)
class OfferingAdmin(ScopedAdmin):
    form = OfferingAdminForm
    list_display = ["name", "structure", "kind", "price", "vat_rate", "stock", "is_active"]
    list_filter = ["kind", "structure", "is_active", "sap_eligible", "audience"]
    list_select_related = ["structure"]
    list_editable = ["price", "stock", "is_active"]
    search_fields = ["name", "summary"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["required_skill"]
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "structure",
                    "name",
                    "slug",
                    "kind",
                    "summary",
                    "description",
                    "image",
                    "image_alt",
                    "is_active",
                    "position",
                )
            },
        ),
        (
            _("Prix et TVA"),
            {
                "fields": (
                    "unit",
                    "audience",
                    "price",
                    "solidarity_price",
                    "vat_rate",
                    "vat_exemption_mention",
                    "revenue_account",
                    "sap_eligible",
                    "sap_nature_code",
                    "quantity_measured_later",
                )
            },
        ),
        (_("Stock"), {"fields": ("stock",)}),
        (_("Travail d'insertion"), {"fields": ("labour_hours_per_unit", "labour_headcount", "required_skill")}),
    )


class OfferingScopedAdmin(ScopedAdmin):
    """Rows hanging off an offering: a structure's managers edit those of their own offerings."""

    structure_field = "offering__structure"
    scoped_roles = (StaffRole.MANAGER,)
