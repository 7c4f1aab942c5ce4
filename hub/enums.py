from django.db import models
from django.utils.translation import gettext_lazy as _


class StructureKind(models.TextChoices):
    ACI = "aci", _("Atelier et chantier d'insertion (ACI)")
    AI = "ai", _("Association intermédiaire (AI)")
    EI = "ei", _("Entreprise d'insertion (EI)")
    ETTI = "etti", _("Entreprise de travail temporaire d'insertion (ETTI)")
    EITI = "eiti", _("Entreprise d'insertion par le travail indépendant (EITI)")
    TRAINING_CENTRE = "training_centre", _("Organisme de formation")
    COLLECTIVE = "collective", _("Collectif du pôle")
    # An association outside the hub whose books the Collectif keeps: it sells nothing here, is never
    # in the catalogue, and is billed for the bookkeeping through the shared-services invoices.
    OUTSIDE_ASSOCIATION = "outside_association", _("Association adhérente (comptabilité tenue)")


class SapInterventionMode(models.TextChoices):
    """How a structure declared for services à la personne works for its clients (C. trav. L7232-6).

    Printed on its SAP invoices and quotes (arrêté du 17 mars 2015); an AI works by *mise à disposition*.
    """

    PROVIDER = "provider", _("Prestataire")
    AGENT = "agent", _("Mandataire")
    PLACEMENT = "placement", _("Mise à disposition")


class VatRegime(models.TextChoices):
    LIABLE = "liable", _("Assujettie à la TVA")
    EXEMPT = "exempt", _("Exonérée de TVA")
    NOT_LIABLE = "not_liable", _("Non assujettie à la TVA")


class StaffRole(models.TextChoices):
    MANAGER = "manager", _("Direction")
    SUPERVISOR = "supervisor", _("Encadrant·e technique")
    ACCOUNTANT = "accountant", _("Comptable")
    STAFF = "staff", _("Salarié·e permanent·e")
    # Reads the structure's books (journals, ledgers, purchases, FEC) and changes nothing.
    BOOKS_VIEWER = "books_viewer", _("Consultation des comptes")


class OrganisationRole(models.TextChoices):
    ADMIN = "admin", _("Administrateur·rice")
    MEMBER = "member", _("Membre")


class PrescriberKind(models.TextChoices):
    """What kind of prescriber an organisation is (blank: a customer organisation, not a prescriber)."""

    CCAS = "ccas", _("CCAS / CIAS")
    DEPARTEMENT = "departement", _("Services sociaux du Département")
    MISSION_LOCALE = "mission_locale", _("Mission locale")
    FRANCE_TRAVAIL = "france_travail", _("France Travail")
    ASSOCIATION = "association", _("Association d'accompagnement")


class LegalPageKind(models.TextChoices):
    LEGAL_NOTICE = "mentions-legales", _("Mentions légales")
    TERMS_OF_SALE = "conditions-generales-de-vente", _("Conditions générales de vente")
    PRIVACY = "politique-de-confidentialite", _("Politique de confidentialité")


class Frequency(models.TextChoices):
    """How often something recurs (laundry pickups, basket deliveries)."""

    WEEKLY = "weekly", _("Chaque semaine")
    FORTNIGHTLY = "fortnightly", _("Toutes les deux semaines")

    @property
    def weeks(self) -> int:
        return 1 if self == Frequency.WEEKLY else 2


class EmailState(models.TextChoices):
    PENDING = "pending", _("En attente")
    SENT = "sent", _("Envoyé")
    SKIPPED = "skipped", _("Sans objet")
    FAILED = "failed", _("Échec")
