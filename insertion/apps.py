from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsertionConfig(AppConfig):
    name = "insertion"
    verbose_name = _("Insertion")

    def ready(self) -> None:
        # Job sources register themselves on import (insertion pulls its work from the apps below).
        # reason: they import models, which cannot load before the app registry is ready.
        from accounts import staff_tools
        from hub.models import Structure
        from insertion import booking_jobs, jobs  # noqa: F401
        from insertion import perms as insertion_perms

        staff_tools.register(
            "insertion:index",
            label=_("Équipes d'insertion"),
            # The same check as the page: a structure with teams whose work or hours this person sees.
            can_open=lambda user: Structure.objects.filter(
                pk__in=insertion_perms.hours_structure_ids(user), teams__isnull=False
            ).exists(),
            position=60,
        )
