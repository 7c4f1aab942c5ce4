from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from hub import perms
from hub.admin_scoping import ScopedAdmin, hub_only


class HubAdminSite(admin.AdminSite):
    """The back-office: hub admins see everything, structure staff only their structures' objects."""

    site_header = _("Administration du Pôle Économie Solidaire")
    site_title = _("Pôle Économie Solidaire")
    index_title = _("Back-office")

    def has_permission(self, request) -> bool:
        return perms.can_enter_back_office(request.user)

    def register(self, model_or_iterable, admin_class=None, **options):
        # An admin that does not say which structure its rows belong to (third-party apps: e-mail
        # addresses, API tokens, periodic tasks, groups) is for hub admins only: fail closed.
        if admin_class is None or not issubclass(admin_class, ScopedAdmin):
            admin_class = hub_only(admin_class)
        return super().register(model_or_iterable, admin_class, **options)
