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


class AlertKind(models.TextChoices):
    CONTRACT_ENDING = "contract_ending", _("Fin de contrat proche")
    APPROVAL_ENDING = "approval_ending", _("Fin de PASS IAE proche")
    TEAM_OVERLOADED = "team_overloaded", _("Équipe surchargée")
    TEAM_UNDERLOADED = "team_underloaded", _("Équipe en manque de travail")
    WORKER_UNDERLOADED = "worker_underloaded", _("Salarié·e en manque d'heures")
    JOB_CHANGED = "job_changed", _("Intervention modifiée par son origine")
    JOB_CANCELLED = "job_cancelled", _("Intervention annulée par son origine")


class HoursState(models.TextChoices):
    """A worker's planned hours of the week against their contract (the board's hours column)."""

    OK = "ok", _("Dans l'objectif")
    UNDER = "under", _("Sous l'objectif")
    OVER = "over", _("Au-delà du contrat")


class PlanStatus(models.TextChoices):
    """How good the planner's proposal is."""

    OPTIMAL = "OPTIMAL", _("Optimale")
    FEASIBLE = "FEASIBLE", _("Bonne solution, optimum non prouvé")
    GREEDY = "GREEDY", _("Répartition simple (le solveur n'a rien trouvé de mieux à temps)")
