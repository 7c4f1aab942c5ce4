from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Comptes")

    def ready(self) -> None:
        # reason: staff_tools reverses URLs and reads models, which cannot load before the app registry is
        # ready; AppConfig.ready() is where an app registers its pages and connects its signals.
        from django.contrib.auth.signals import user_logged_in

        from accounts import staff_tools

        staff_tools.register(
            "accounts:home",
            label=_("Mon tableau de bord"),
            can_open=lambda user: user.is_authenticated,
            position=1,
            sections={"resident": 10},
        )

        def _remember_menu(sender, request, user, **kwargs):
            if request is not None:
                staff_tools.remember_menu(request, user)

        # Framework plumbing (the login signal): the header's menu is computed once per login, not per page.
        user_logged_in.connect(_remember_menu, dispatch_uid="accounts_remember_menu", weak=False)
