from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HubConfig(AppConfig):
    name = "hub"
    verbose_name = _("Pôle")

    def ready(self) -> None:
        from accounts import personal_data
        from hub import personal_data as hub_personal_data

        personal_data.register(
            "roles",
            export=hub_personal_data.export_roles,
            erase=hub_personal_data.erase_roles,
        )
