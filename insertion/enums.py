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


class ExitCategory(models.TextChoices):
    """Where a person goes on leaving the structure, in the categories of the ASP and the DREETS/DDETS
    (ADR 0031). The first three make the « sorties dynamiques »; WITHDRAWN is left out of the rates."""

    DURABLE = "durable", _("Emploi durable")
    TRANSITIONAL = "transitional", _("Emploi de transition")
    POSITIVE = "positive", _("Sortie positive")
    OTHER = "other", _("Autre sortie")
    UNKNOWN = "unknown", _("Situation inconnue")
    WITHDRAWN = "withdrawn", _("Retrait des sorties constatées")


class ExitReason(models.TextChoices):
    """The detailed reason of an exit; each belongs to one category (`EXIT_CATEGORY_OF`)."""

    CDI = "cdi", _("CDI")
    LONG_FIXED_TERM = "long_fixed_term", _("CDD ou mission d'intérim de 6 mois ou plus")
    PUBLIC_SERVICE = "public_service", _("Stage ou titularisation dans la fonction publique")
    BUSINESS_CREATION = "business_creation", _("Création d'entreprise")
    SHORT_FIXED_TERM = "short_fixed_term", _("CDD ou mission d'intérim de moins de 6 mois")
    SUBSIDISED_CONTRACT = "subsidised_contract", _("Contrat aidé chez un employeur de droit commun")
    TRAINING = "training", _("Formation pré-qualifiante ou qualifiante")
    OTHER_SIAE = "other_siae", _("Embauche dans une autre SIAE")
    JOB_SEEKER = "job_seeker", _("Au chômage, en recherche d'emploi")
    INACTIVE = "inactive", _("Inactivité")
    OTHER = "other", _("Autre situation")
    UNKNOWN = "unknown", _("Sans nouvelles")
    WITHDRAWN = "withdrawn", _("Sortie retirée du calcul (décision de la DDETS)")


EXIT_CATEGORY_OF: dict[str, str] = {
    ExitReason.CDI: ExitCategory.DURABLE,
    ExitReason.LONG_FIXED_TERM: ExitCategory.DURABLE,
    ExitReason.PUBLIC_SERVICE: ExitCategory.DURABLE,
    ExitReason.BUSINESS_CREATION: ExitCategory.DURABLE,
    ExitReason.SHORT_FIXED_TERM: ExitCategory.TRANSITIONAL,
    ExitReason.SUBSIDISED_CONTRACT: ExitCategory.TRANSITIONAL,
    ExitReason.TRAINING: ExitCategory.POSITIVE,
    ExitReason.OTHER_SIAE: ExitCategory.POSITIVE,
    ExitReason.JOB_SEEKER: ExitCategory.OTHER,
    ExitReason.INACTIVE: ExitCategory.OTHER,
    ExitReason.OTHER: ExitCategory.OTHER,
    ExitReason.UNKNOWN: ExitCategory.UNKNOWN,
    ExitReason.WITHDRAWN: ExitCategory.WITHDRAWN,
}

# The absences an insertion employee is paid for (the monthly return's « heures payées », ADR 0031):
# paid leave, training and social appointments during working time; sickness is paid by the CPAM.
PAID_ABSENCE_KINDS = (AbsenceKind.LEAVE, AbsenceKind.TRAINING, AbsenceKind.SOCIAL_APPOINTMENT)


class ReturnBlocker(models.TextChoices):
    """What keeps a month's IAE return from being declared (shown before the figures)."""

    MONTH_NOT_OVER = "month_not_over", _("Mois non terminé")
    UNVALIDATED_HOURS = "unvalidated_hours", _("Relevés d'heures non validés")
    HOURS_OUTSIDE_CONTRACT = "hours_outside_contract", _("Heures hors contrat")
    NO_APPROVAL = "no_approval", _("PASS IAE manquant")
    APPROVAL_EXPIRED = "approval_expired", _("PASS IAE expiré")
    APPROVAL_SUSPENDED = "approval_suspended", _("PASS IAE suspendu")
    EXIT_MISSING = "exit_missing", _("Sortie non enregistrée")
