from django.apps import AppConfig
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class SapConfig(AppConfig):
    name = "sap"
    verbose_name = _("Services à la personne")

    def ready(self) -> None:
        # reason: the registries' callbacks import models, which cannot load before the app registry is ready.
        from accounts import personal_data, staff_tools
        from hub import outbox
        from sap import actions, notifications, perms, reconciliation  # noqa: F401 — registers its check
        from sap import personal_data as sap_personal_data
        from sap.models import AdvanceClient, TaxCertificate

        outbox.register(actions.TAX_CERTIFICATE_EMAIL, notifications.compose_certificate_email)
        personal_data.register("services à la personne", export=sap_personal_data.export)
        staff_tools.register(
            "sap:my_certificates",
            label=_("Mes attestations fiscales"),
            can_open=lambda user: user.is_authenticated and TaxCertificate.objects.filter(customer=user).exists(),
            position=6,
            sections={"resident": 40},
        )
        staff_tools.register(
            "sap:structure_certificates",
            label=_("Attestations fiscales"),
            can_open=lambda user: perms.structures_with_certificates(user).exists(),
            position=65,
            sections={"manager": 65, "accountant": 45},
            links=lambda user: [
                (reverse("sap:structure_certificates", args=[structure.slug]), structure.name)
                for structure in perms.structures_with_certificates(user)
            ],
        )
        staff_tools.register(
            "sap:my_advance",
            label=_("Mon avance immédiate"),
            can_open=lambda user: user.is_authenticated and AdvanceClient.objects.filter(customer=user).exists(),
            position=7,
            sections={"resident": 41},
        )
        staff_tools.register(
            "sap:structure_advance",
            label=_("Avance immédiate"),
            can_open=lambda user: perms.structures_with_advance(user).exists(),
            position=66,
            sections={"manager": 66, "accountant": 46, "admin": 66},
            links=lambda user: [
                (reverse("sap:structure_advance", args=[structure.slug]), structure.name)
                for structure in perms.structures_with_advance(user)
            ],
        )
