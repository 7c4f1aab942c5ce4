from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrescribersConfig(AppConfig):
    name = "prescribers"
    verbose_name = _("Prescripteurs")

    def ready(self) -> None:
        # reason: the registries' callbacks import models, which cannot load before the app registry is ready.
        from accounts import personal_data, staff_tools
        from hub import perms as hub_perms
        from marketplace import covers
        from prescribers import perms
        from prescribers import personal_data as prescribers_personal_data
        from prescribers.fundings import FundingCover

        covers.register(FundingCover())
        personal_data.register(
            "accompagnements", export=prescribers_personal_data.export, erase=prescribers_personal_data.erase
        )
        staff_tools.register_section(
            "prescriber",
            label=_("Accompagnement social"),
            holds=hub_perms.is_social_worker,
            position=55,  # before « Mon organisation » (60): a social worker lands on their supports
        )
        staff_tools.register(
            "prescribers:supports",
            label=_("Mes accompagnements"),
            can_open=hub_perms.is_social_worker,
            position=8,
            sections={"prescriber": 10},
        )
        staff_tools.register(
            "prescribers:open_support",
            label=_("Ouvrir un accompagnement"),
            can_open=hub_perms.is_social_worker,
            position=9,
            sections={"prescriber": 20},
        )
        staff_tools.register(
            "prescribers:budget",
            label=_("Budget de prise en charge"),
            can_open=hub_perms.is_social_worker,
            position=9,
            sections={"prescriber": 30},
        )
        staff_tools.register(
            "prescribers:my_supports",
            label=_("Qui m'accompagne"),
            can_open=perms.has_supports,
            position=10,
            sections={"resident": 45},
        )
