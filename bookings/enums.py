from django.db import models
from django.utils.translation import gettext_lazy as _


class BookingStatus(models.TextChoices):
    HELD = "held", _("En attente de confirmation")
    CONFIRMED = "confirmed", _("Confirmée")
    UNPAID = "unpaid", _("Paiement à reprendre")
    IN_PROGRESS = "in_progress", _("En cours")
    DONE = "done", _("Terminée")
    CANCELLED = "cancelled", _("Annulée")
    NO_SHOW = "no_show", _("Absence")

    @classmethod
    def open(cls) -> set[str]:
        """Statuses a customer may still cancel or reschedule."""
        return {cls.HELD, cls.CONFIRMED, cls.UNPAID}


class LaundryStep(models.TextChoices):
    SCHEDULED = "scheduled", _("Collecte prévue")
    COLLECTED = "collected", _("Linge collecté")
    WEIGHED = "weighed", _("Linge pesé")
    WASHING = "washing", _("En lavage")
    READY = "ready", _("Prêt")
    DELIVERED = "delivered", _("Livré")


class BookingEmail(models.TextChoices):
    """The e-mails a customer receives about a booking (one of each kind per booking, ever)."""

    CONFIRMED = "confirmed", _("Réservation confirmée")
    REMINDER = "reminder", _("Rappel la veille")
    CANCELLED = "cancelled", _("Réservation annulée")
    LAUNDRY_READY = "laundry_ready", _("Linge prêt")
    # A weekly series of home visits, confirmed or cancelled as a whole: one e-mail for all its dates.
    SERIES_CONFIRMED = "series_confirmed", _("Série d'interventions confirmée")
    SERIES_CANCELLED = "series_cancelled", _("Série d'interventions annulée")
