from django.contrib import admin

from hub.admin_scoping import HubOnlyAdmin
from sap.models import TaxCertificate


@admin.register(TaxCertificate)
class TaxCertificateAdmin(HubOnlyAdmin):
    """Read only: issued by `sap.actions` (beat in January, the staff page, the command), never changed."""

    list_display = ["number", "year", "structure", "customer_name", "total_paid", "personal_amount", "issued_at"]
    list_filter = ["year"]
    search_fields = ["number", "customer_name"]
    list_select_related = ["structure"]
    exclude = ["html"]
    readonly_fields = [field.name for field in TaxCertificate._meta.fields if field.name != "html"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
