"""A prescriber's support of a person (« accompagnement ») and its log.

A support is what lets a social worker act for a person: grant the solidarity tier now; order, book and
pay for them later (those will hang off `Support`). Its status is read from its timestamps, tied
together by check constraints; one open support per organisation and person.
"""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from hub.models import Organisation
from prescribers.enums import SupportEventKind, SupportGround, SupportStatus

NOTE_MAX_LENGTH = 200
# The database's backstop of « twelve months at most » (the action checks the calendar months).
MAX_SPAN = datetime.timedelta(days=366)


class SupportQuerySet(models.QuerySet):
    def open(self):
        return self.filter(closed_at__isnull=True)

    def for_organisations(self, organisation_ids):
        """What the organisations may see: never a support whose person withdrew their consent."""
        return self.filter(organisation_id__in=organisation_ids, consent_withdrawn_at__isnull=True)

    def with_people(self):
        return self.select_related("organisation", "person", "opened_by")


class Support(models.Model):
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("prescripteur"),
        on_delete=models.PROTECT,
        related_name="supports",
        limit_choices_to=~Q(prescriber_kind=""),
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("personne"), on_delete=models.CASCADE, related_name="supports"
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("ouvert par"), on_delete=models.PROTECT, related_name="+"
    )
    ground = models.CharField(_("motif"), max_length=20, choices=SupportGround.choices)
    note = models.CharField(
        _("note"),
        max_length=NOTE_MAX_LENGTH,
        blank=True,
        help_text=_("Facultatif, 200 caractères au plus. Aucun détail de santé ni de situation familiale."),
    )
    starts_on = models.DateField(_("début"))
    ends_on = models.DateField(_("fin"))
    grants_tier = models.BooleanField(_("accorde le tarif solidaire"), default=False)
    # What this support wrote on the person's SolidarityStatus (None: nothing, a longer status stood):
    # the date it set, the staff's date it replaced, and when it wrote (to know the row is still ours).
    tier_until = models.DateField(_("tarif solidaire jusqu'au"), null=True, blank=True)
    tier_previous_until = models.DateField(null=True, blank=True, editable=False)
    tier_written_at = models.DateTimeField(null=True, blank=True, editable=False)
    consent_at = models.DateTimeField(_("accord donné le"), null=True, blank=True)
    # The social worker who ticked « accord recueilli par écrit » (None: the person accepted in their account).
    consent_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("accord recueilli par"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    consent_withdrawn_at = models.DateTimeField(_("accord retiré le"), null=True, blank=True)
    closed_at = models.DateTimeField(_("clos le"), null=True, blank=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    objects = SupportQuerySet.as_manager()

    class Meta:
        verbose_name = _("accompagnement")
        verbose_name_plural = _("accompagnements")
        ordering = ["-starts_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")),
                name="prescribers_support_dates_ordered",
                violation_error_message=_("La fin de l'accompagnement précède son début."),
            ),
            models.CheckConstraint(
                condition=Q(ends_on__lte=F("starts_on") + MAX_SPAN),
                name="prescribers_support_at_most_a_year",
                violation_error_message=_("Un accompagnement dure douze mois au plus."),
            ),
            models.CheckConstraint(
                condition=Q(consent_withdrawn_at__isnull=True) | Q(closed_at__isnull=False),
                name="prescribers_support_withdrawn_is_closed",
                violation_error_message=_("Un accompagnement dont l'accord est retiré est clos."),
            ),
            models.CheckConstraint(
                condition=Q(tier_until__isnull=True) | Q(grants_tier=True),
                name="prescribers_support_tier_only_if_granted",
                violation_error_message=_("Le tarif solidaire n'est écrit que par un accompagnement qui l'accorde."),
            ),
            models.CheckConstraint(
                condition=Q(consent_recorded_by__isnull=True) | Q(consent_at__isnull=False),
                name="prescribers_support_recorded_consent_has_date",
                violation_error_message=_("Un accord recueilli par écrit a une date."),
            ),
            models.UniqueConstraint(
                fields=["organisation", "person"],
                condition=Q(closed_at__isnull=True),
                name="prescribers_support_one_open_per_person",
                violation_error_message=_("Cette personne a déjà un accompagnement en cours avec cette organisation."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} → {self.person}"

    @property
    def status(self) -> str:
        if self.consent_withdrawn_at is not None:
            return SupportStatus.WITHDRAWN
        if self.closed_at is not None:
            return SupportStatus.CLOSED
        if self.consent_at is None:
            return SupportStatus.AWAITING_CONSENT
        return SupportStatus.ACTIVE

    def get_status_display(self) -> str:
        return str(SupportStatus(self.status).label)

    @property
    def consent_stands(self) -> bool:
        """The person agreed and the support is open: the organisation may follow what is ordered for them."""
        return self.status == SupportStatus.ACTIVE


class SupportEvent(models.Model):
    """One line of a support's history: what happened, when, and who did it."""

    support = models.ForeignKey(Support, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("évènement"), max_length=20, choices=SupportEventKind.choices)
    at = models.DateTimeField(_("le"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("par"), on_delete=models.PROTECT, related_name="+", null=True
    )
    note = models.CharField(_("précision"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("évènement d'accompagnement")
        verbose_name_plural = _("évènements d'accompagnement")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.at:%d/%m/%Y})"
