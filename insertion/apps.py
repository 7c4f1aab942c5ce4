from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsertionConfig(AppConfig):
    name = "insertion"
    verbose_name = _("Insertion")

    def ready(self) -> None:
        # Job sources register themselves on import (insertion pulls its work from the apps below).
        # reason: they import models, which cannot load before the app registry is ready.
        from insertion import booking_jobs, jobs  # noqa: F401
