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


class Frequency(models.TextChoices):
    WEEKLY = "weekly", _("Chaque semaine")
    FORTNIGHTLY = "fortnightly", _("Toutes les deux semaines")

    @property
    def weeks(self) -> int:
        return 1 if self == Frequency.WEEKLY else 2


class SubscriptionStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    PAUSED = "paused", _("En pause")
    CANCELLED = "cancelled", _("Résiliée")


class SubscriptionPaymentMode(models.TextChoices):
    CARD = "card", _("Par livraison, carte enregistrée")
    SEPA = "sepa", _("Par livraison, prélèvement SEPA")
    PREPAID = "prepaid", _("Saison payée d'avance")


class DeliveryStatus(models.TextChoices):
    PLANNED = "planned", _("Prévue")
    SKIPPED = "skipped", _("Absence")
    DELIVERED = "delivered", _("Livrée")
    CANCELLED = "cancelled", _("Annulée")
    UNPAID = "unpaid", _("Paiement à reprendre")


class WaitingStatus(models.TextChoices):
    WAITING = "waiting", _("En attente")
    NOTIFIED = "notified", _("Place proposée")
    EXPIRED = "expired", _("Place proposée non prise")
    SUBSCRIBED = "subscribed", _("Abonnée")
    WITHDRAWN = "withdrawn", _("Retirée")
