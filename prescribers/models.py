"""A prescriber's support of a person (« accompagnement ») and its log.

A support is what lets a social worker act for a person: grant the solidarity tier now; order, book and
pay for them later (those will hang off `Support`). Its status is read from its timestamps, tied
together by check constraints; one open support per organisation and person.
"""

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from hub.models import Organisation
from marketplace.models import Order, OrderLine
from prescribers.enums import FUNDABLE_KINDS, SupportEventKind, SupportGround, SupportStatus

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


MONEY = {"max_digits": 12, "decimal_places": 2}
MAX_BUDGET = Decimal("10000000.00")


class Budget(models.Model):
    """What a prescriber sets aside for a calendar year to pay part of what the people it supports buy."""

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("prescripteur"), on_delete=models.PROTECT, related_name="funding_budgets"
    )
    year = models.PositiveSmallIntegerField(_("année"))
    amount = models.DecimalField(_("montant"), **MONEY)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("fixé par"), on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    class Meta:
        verbose_name = _("budget de prise en charge")
        verbose_name_plural = _("budgets de prise en charge")
        ordering = ["organisation", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "year"], name="prescribers_budget_once_per_year"),
            models.CheckConstraint(
                condition=Q(amount__gte=0) & Q(amount__lte=MAX_BUDGET),
                name="prescribers_budget_amount_range",
                violation_error_message=_("Le budget est compris entre 0 et 10 000 000 €."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} {self.year}"


class FundingQuerySet(models.QuerySet):
    def running_on(self, day: datetime.date):
        """Fundings in force on `day`: not ended, within their dates, their support open with consent."""
        return self.filter(
            ended_at__isnull=True,
            starts_on__lte=day,
            ends_on__gte=day,
            support__closed_at__isnull=True,
            support__consent_at__isnull=False,
        )


class Funding(models.Model):
    """« Prise en charge »: the support's organisation pays `share_percent` of each unit the person buys of
    the kinds named, within `monthly_cap` a month for this person (if set) and the organisation's budget of
    the year. 100 % with a cap is « an amount per month »; a share without a cap, « a fixed share »."""

    support = models.ForeignKey(
        Support, verbose_name=_("accompagnement"), on_delete=models.PROTECT, related_name="fundings"
    )
    share_percent = models.PositiveSmallIntegerField(
        _("part prise en charge (%)"), validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    monthly_cap = models.DecimalField(_("plafond mensuel"), null=True, blank=True, **MONEY)
    kinds = models.JSONField(_("activités"), default=list)
    starts_on = models.DateField(_("début"))
    ends_on = models.DateField(_("fin"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("accordée par"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("accordée le"), auto_now_add=True)
    ended_at = models.DateTimeField(_("arrêtée le"), null=True, blank=True)

    objects = FundingQuerySet.as_manager()

    class Meta:
        verbose_name = _("prise en charge")
        verbose_name_plural = _("prises en charge")
        ordering = ["-starts_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(share_percent__gte=1) & Q(share_percent__lte=100),
                name="prescribers_funding_share_range",
                violation_error_message=_("La part prise en charge est comprise entre 1 et 100 %."),
            ),
            models.CheckConstraint(
                condition=Q(monthly_cap__isnull=True) | (Q(monthly_cap__gt=0) & Q(monthly_cap__lte=10000)),
                name="prescribers_funding_cap_range",
                violation_error_message=_("Le plafond mensuel est compris entre 0,01 et 10 000 €."),
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")),
                name="prescribers_funding_dates_ordered",
                violation_error_message=_("La fin de la prise en charge précède son début."),
            ),
            models.UniqueConstraint(
                fields=["support"],
                condition=Q(ended_at__isnull=True),
                name="prescribers_funding_one_running_per_support",
                violation_error_message=_("Cet accompagnement a déjà une prise en charge en cours."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.support} — {self.share_percent} %"

    def covers(self, kind: str) -> bool:
        return kind in self.kinds and kind in FUNDABLE_KINDS


class FundedLine(models.Model):
    """One order line a funding paid part of: the trace that counts the budget and the monthly cap."""

    funding = models.ForeignKey(Funding, on_delete=models.PROTECT, related_name="lines")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    order_line = models.OneToOneField(OrderLine, on_delete=models.PROTECT, related_name="funded")
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="funded_lines")
    month = models.DateField(_("mois"))  # the first day of the order's month
    amount = models.DecimalField(_("montant pris en charge"), **MONEY)

    class Meta:
        verbose_name = _("ligne prise en charge")
        verbose_name_plural = _("lignes prises en charge")
        indexes = [models.Index(fields=["organisation", "month"])]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="prescribers_fundedline_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.order_line_id}: {self.amount}"


class OrderForPerson(models.Model):
    """An order a social worker placed on a supported person's behalf (a subscription or booking's order
    too): what the organisation follows while the person's consent stands."""

    support = models.ForeignKey(Support, on_delete=models.PROTECT, related_name="orders_placed")
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="+", null=True, blank=True)
    # What was ordered, for orders placed later (a basket subscription's deliveries): its label.
    label = models.CharField(_("objet"), max_length=200)
    subscription = models.ForeignKey(
        "subscriptions.Subscription", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    booking = models.ForeignKey("bookings.Booking", on_delete=models.PROTECT, related_name="+", null=True, blank=True)
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("par"), on_delete=models.PROTECT, related_name="+"
    )
    placed_at = models.DateTimeField(_("le"))

    class Meta:
        verbose_name = _("commande pour une personne accompagnée")
        verbose_name_plural = _("commandes pour des personnes accompagnées")
        ordering = ["-placed_at", "-pk"]

    def __str__(self) -> str:
        return self.label
