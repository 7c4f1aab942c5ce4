from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SapConfig(AppConfig):
    name = "sap"
    verbose_name = _("Services à la personne")
