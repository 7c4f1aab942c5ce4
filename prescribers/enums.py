from django.db import models
from django.utils.translation import gettext_lazy as _


class SupportGround(models.TextChoices):
    """Why a person is supported: few and coarse on purpose — no more than the tier needs."""

    MINIMA_SOCIAUX = "minima_sociaux", _("Minima sociaux")
    JOB_SEEKER = "job_seeker", _("Demandeur·se d'emploi")
    YOUNG_PERSON = "young_person", _("Jeune accompagné·e")
    DISABILITY = "disability", _("Handicap ou perte d'autonomie")
    HARDSHIP = "hardship", _("Difficulté passagère")
    OTHER = "other", _("Autre")


class SupportStatus(models.TextChoices):
    """Derived from the support's timestamps (never stored): see `Support.status`."""

    AWAITING_CONSENT = "awaiting_consent", _("En attente de l'accord")
    ACTIVE = "active", _("En cours")
    WITHDRAWN = "withdrawn", _("Accord retiré")
    CLOSED = "closed", _("Clos")


class SupportEventKind(models.TextChoices):
    OPENED = "opened", _("Accompagnement ouvert")
    CONSENT_GIVEN = "consent_given", _("Accord de la personne")
    TIER_GRANTED = "tier_granted", _("Tarif solidaire accordé")
    TIER_ENDED = "tier_ended", _("Tarif solidaire arrêté")
    CONSENT_WITHDRAWN = "consent_withdrawn", _("Accord retiré par la personne")
    CLOSED = "closed", _("Accompagnement clos")
    FUNDING_SET = "funding_set", _("Prise en charge accordée")
    FUNDING_ENDED = "funding_ended", _("Prise en charge arrêtée")
    ORDERED = "ordered", _("Commande passée pour la personne")


# What a prescriber may pay part of (the list: baskets, solidarity transport, laundry, training seats).
FUNDABLE_KINDS = ("basket", "mobility", "laundry", "training")
