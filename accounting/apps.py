from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountingConfig(AppConfig):
    name = "accounting"
    verbose_name = _("Comptabilité")

    def ready(self) -> None:
        # reason: receivers, perms and the other apps' registries import models, which cannot load
        # before the app registry is ready; AppConfig.ready() is where an app plugs into the others.
        from accounting import receivers
        from accounting.perms import structures_with_readable_books
        from accounts import staff_tools
        from hub import events

        # Books are set up with the structure, never during a posting.
        events.structure_created.connect(receivers.on_structure_created, dispatch_uid="accounting_structure_created")
        staff_tools.register(
            "accounting:index",
            label=_("Livres comptables"),
            can_open=lambda user: structures_with_readable_books(user).exists(),
            position=70,
            sections={"accountant": 10, "books_viewer": 10},
        )
