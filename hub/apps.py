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
        from hub.enums import StaffRole

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
        # The roles a person may hold: one section each in the menu and on « Mon espace », in the
        # order that decides where a person with several roles lands after login (the daily work first).
        for key, label, position in (
            (StaffRole.SUPERVISOR, _("Encadrement"), 10),
            (StaffRole.MANAGER, _("Direction"), 20),
            (StaffRole.STAFF, _("Équipe"), 30),
            (StaffRole.ACCOUNTANT, _("Comptabilité"), 40),
            (StaffRole.BOOKS_VIEWER, _("Consultation des comptes"), 45),
        ):
            staff_tools.register_section(
                key,
                label=label,
                holds=lambda user, role=key: perms.holds_staff_role(user, role),
                position=position,
                structures=lambda user, role=key: perms.structure_names_with_role(user, role),
            )
        staff_tools.register_section(
            "admin", label=_("Administration"), holds=perms.is_hub_admin, position=50, collects_rest=True
        )
        staff_tools.register_section(
            "organisation",
            label=_("Mon organisation"),
            holds=perms.is_member_of_an_organisation,
            position=60,
            structures=perms.organisation_names,
        )
        staff_tools.register_section(
            "resident", label=_("Mes services"), holds=lambda user: user.is_authenticated, position=70
        )
        staff_tools.register(
            "admin:index",
            label=_("Back-office"),
            can_open=perms.can_enter_back_office,
            position=90,
            sections={"admin": 10, **dict.fromkeys(StaffRole.values, 90)},
        )


class HubAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with the hub's own default site (structure staff get in, scoped)."""

    default = False
    default_site = "hub.admin_site.HubAdminSite"
