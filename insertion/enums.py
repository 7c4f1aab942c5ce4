from django.db import models
from django.utils.translation import gettext_lazy as _


class ContractKind(models.TextChoices):
    CDDI = "cddi", _("CDD d'insertion (CDDI)")
    CDD_USAGE = "cdd_usage", _("CDD d'usage")
    OTHER = "other", _("Autre contrat")


class SuspensionReason(models.TextChoices):
    CONTRACT_SUSPENDED = "contract_suspended", _("Contrat suspendu (évaluation, période d'essai)")
    SICKNESS = "sickness", _("Arrêt maladie")
    MATERNITY = "maternity", _("Congé maternité")
    INCARCERATION = "incarceration", _("Incarcération")
    FORCE_MAJEURE = "force_majeure", _("Force majeure")
    OTHER = "other", _("Autre motif")


class AbsenceKind(models.TextChoices):
    LEAVE = "leave", _("Congé")
    SICKNESS = "sickness", _("Arrêt maladie")
    TRAINING = "training", _("Formation")
    SOCIAL_APPOINTMENT = "social_appointment", _("Rendez-vous avec un·e travailleur·se social·e")


class JobStatus(models.TextChoices):
    OPEN = "open", _("À pourvoir")
    CANCELLED = "cancelled", _("Annulée")
    DONE = "done", _("Réalisée")


class JobSourceKind(models.TextChoices):
    ORDER = "order", _("Commande")
    BOOKING = "booking", _("Réservation")
    DELIVERY = "delivery", _("Distribution")
    MANUAL = "manual", _("Saisie manuelle")
