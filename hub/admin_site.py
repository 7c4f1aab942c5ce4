from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from hub import perms


class HubAdminSite(admin.AdminSite):
    """The back-office: hub admins see everything, structure staff only their structures' objects."""

    site_header = _("Administration du Pôle Économie Solidaire")
    site_title = _("Pôle Économie Solidaire")
    index_title = _("Back-office")

    def has_permission(self, request) -> bool:
        return perms.can_enter_back_office(request.user)
