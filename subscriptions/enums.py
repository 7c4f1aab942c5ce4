from django.db import models
from django.utils.translation import gettext_lazy as _

from marketplace.enums import PaymentMethod


class SubscriptionStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    PAUSED = "paused", _("En pause")
    CANCELLED = "cancelled", _("Résiliée")


class SubscriptionPaymentMode(models.TextChoices):
    CARD = "card", _("Par livraison, carte enregistrée")
    SEPA = "sepa", _("Par livraison, prélèvement SEPA")
    PREPAID = "prepaid", _("Saison payée d'avance")
    # Each basket paid in cash or by cheque when collected: set up by a social worker for a supported
    # household (the prescriber's share taken off each basket, ADR 0034).
    AT_PICKUP = "at_pickup", _("Par livraison, au retrait")


class DeliveryStatus(models.TextChoices):
    PLANNED = "planned", _("Prévue")
    SKIPPED = "skipped", _("Absence")
    DELIVERED = "delivered", _("Livrée")
    CANCELLED = "cancelled", _("Annulée")
    UNPAID = "unpaid", _("Paiement à reprendre")


class PrepaidCreditChoice(models.TextChoices):
    """What becomes of prepaid baskets that will not be delivered (skipped or cancelled): they are
    credited (credit note on the deposit invoice), then paid back or kept for the next season."""

    REFUND = "refund", _("Me rembourser")
    CREDIT = "credit", _("Garder en avoir pour la saison suivante")


# The ways a resident may pay a season upfront: by card on the order's pay page, or at a pickup point.
SEASON_PAYMENT_METHODS = (PaymentMethod.CARD, PaymentMethod.CHEQUE, PaymentMethod.CASH)


class WaitingStatus(models.TextChoices):
    WAITING = "waiting", _("En attente")
    NOTIFIED = "notified", _("Place proposée")
    EXPIRED = "expired", _("Place proposée non prise")
    SUBSCRIBED = "subscribed", _("Abonnée")
    WITHDRAWN = "withdrawn", _("Retirée")


class SubscriptionEmail(models.TextChoices):
    """The e-mails a resident receives about a subscription (one of each kind and key, ever)."""

    STARTED = "started", _("Abonnement commencé")
    PAUSED = "paused", _("Pause enregistrée")
    HOLIDAY_MOVED = "holiday_moved", _("Livraison déplacée (jour férié)")
    PAYMENT_NEEDED = "payment_needed", _("Paiement à reprendre")
