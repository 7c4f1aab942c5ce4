from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class HubConfig(AppConfig):
    default = True
    name = "hub"
    verbose_name = _("Pôle")

    def ready(self) -> None:
        from django.urls import register_converter

        from accounts import personal_data, staff_tools
        from hub import (
            checks,  # noqa: F401  (registers the system checks)
            converters,
            perms,
        )
        from hub import personal_data as hub_personal_data

        personal_data.register(
            "roles",
            export=hub_personal_data.export_roles,
            erase=hub_personal_data.erase_roles,
        )
        personal_data.register("e-mails", export=hub_personal_data.export_emails, erase=hub_personal_data.erase_emails)
        # Before any URLconf is loaded: `<year:…>`, `<month:…>`, `<isoweek:…>`, `<isodate:…>` in addresses.
        register_converter(converters.YearConverter, "year")
        register_converter(converters.MonthConverter, "month")
        register_converter(converters.IsoWeekConverter, "isoweek")
        register_converter(converters.IsoDateConverter, "isodate")
        staff_tools.register("admin:index", label=_("Back-office"), can_open=perms.can_enter_back_office, position=90)


class HubAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with the hub's own default site (structure staff get in, scoped)."""

    default = False
    default_site = "hub.admin_site.HubAdminSite"
