from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImpactConfig(AppConfig):
    name = "impact"
    verbose_name = _("Impact")

    def ready(self) -> None:
        # reason: the registry's callbacks read structures, which cannot load before the app registry is ready.
        from accounts import staff_tools
        from impact import perms

        staff_tools.register(
            "impact:dashboard",
            label=_("Tableau de bord d'impact"),
            can_open=perms.can_open_dashboard,
            position=67,
            sections={"manager": 67, "accountant": 47, "admin": 67},
        )
