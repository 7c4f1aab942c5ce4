"""Choices of the services à la personne."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Civility(models.TextChoices):
    MAN = "1", _("Monsieur")
    WOMAN = "2", _("Madame")


class EnrolmentStatus(models.TextChoices):
    """Where a client's registration for the immediate advance stands."""

    TO_REGISTER = "to_register", _("À inscrire")  # saved; the URSSAF not called yet (or unreachable)
    PENDING = "pending", _("En attente d'activation par le client")
    ACTIVE = "active", _("Active")
    REFUSED = "refused", _("Refusée par l'URSSAF")
    BLOCKED = "blocked", _("Suspendue")  # blocked, not finalised, mandate expired
    WITHDRAWN = "withdrawn", _("Retirée")


class RequestStatus(models.TextChoices):
    """Where a payment request stands (the URSSAF's codes mapped, `sap.advance.STATUS_OF_KIND`)."""

    TO_SEND = "to_send", _("À envoyer")
    WAITING = "waiting", _("En attente de validation du client")
    VALIDATED = "validated", _("Validée")
    REFUSED = "refused", _("Refusée ou contestée par le client")
    DEBITED = "debited", _("Prélevée")
    DEBIT_FAILED = "debit_failed", _("Prélèvement du client refusé")
    PAID = "paid", _("Payée par l'URSSAF")
    CANCELLED = "cancelled", _("Annulée")
    FAILED = "failed", _("Refusée à l'envoi")

    @classmethod
    def open(cls) -> set[str]:
        """Statuses the beat follows (the URSSAF may still move them)."""
        return {cls.WAITING, cls.VALIDATED, cls.DEBITED, cls.DEBIT_FAILED}
