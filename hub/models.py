from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hub import events
from hub.enums import (
    EmailState,
    LegalPageKind,
    OrganisationRole,
    PrescriberKind,
    SapInterventionMode,
    StaffRole,
    StructureKind,
    VatRegime,
)
from hub.validators import (
    DESCRIPTION_MAX_LENGTH,
    LONG_TEXT_MAX_LENGTH,
    bounded_text,
    validate_iban,
    validate_siren,
    validate_siret,
    validate_vat_number,
)


class Address(models.Model):
    address_line1 = models.CharField(_("adresse"), max_length=200)
    address_line2 = models.CharField(_("complément d'adresse"), max_length=200, blank=True)
    postcode = models.CharField(
        _("code postal"),
        max_length=5,
        validators=[RegexValidator(r"^\d{5}$", _("Le code postal compte 5 chiffres."))],
    )
    city = models.CharField(_("commune"), max_length=100)

    class Meta:
        abstract = True

    @property
    def address_lines(self) -> list[str]:
        lines = [self.address_line1, self.address_line2, f"{self.postcode} {self.city}"]
        return [line for line in lines if line.strip()]


class StatusLog(models.Model):
    """One line of a status log, written by `hub.statemachine.StateMachine`: who moved which status
    field from which status to which, when and why. Concrete logs add the foreign key to what they log."""

    # The status field that moved (a model may have several: an order's fulfilment and payment).
    field = models.CharField(max_length=20, default="status")
    from_status = models.CharField(max_length=20)
    to_status = models.CharField(max_length=20)
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        abstract = True
        ordering = ["at", "pk"]


class StructureQuerySet(models.QuerySet):
    def active(self) -> "StructureQuerySet":
        return self.filter(is_active=True)

    def sellers(self) -> "StructureQuerySet":
        """Structures that sell to the public (every one but the Collectif and the outside associations)."""
        return self.exclude(kind__in=[StructureKind.COLLECTIVE, StructureKind.OUTSIDE_ASSOCIATION])

    def of_the_hub(self) -> "StructureQuerySet":
        """The hub's own structures: every one but the outside associations whose books the Collectif
        keeps (they appear in no public page, catalogue or list of the hub)."""
        return self.exclude(kind=StructureKind.OUTSIDE_ASSOCIATION)

    def collective(self) -> "Structure":
        return self.get(kind=StructureKind.COLLECTIVE)


class Structure(Address):
    """A legal entity of the hub: its own SIRET, VAT regime, invoice series and books."""

    name = models.CharField(_("nom"), max_length=150, unique=True)
    slug = models.SlugField(_("identifiant"), max_length=60, unique=True)
    kind = models.CharField(_("type de structure"), max_length=20, choices=StructureKind.choices)
    legal_form = models.CharField(
        _("forme juridique"), max_length=100, help_text=_("Ex. : association loi 1901, SARL Scop.")
    )
    description = models.TextField(_("présentation"), blank=True, **bounded_text(DESCRIPTION_MAX_LENGTH))
    siret = models.CharField(_("SIRET"), max_length=14, unique=True, validators=[validate_siret])
    email = models.EmailField(_("e-mail de contact"), blank=True)
    phone = models.CharField(_("téléphone"), max_length=20, blank=True)
    website = models.URLField(_("site web"), blank=True)

    vat_regime = models.CharField(_("régime de TVA"), max_length=20, choices=VatRegime.choices)
    vat_number = models.CharField(
        _("n° de TVA intracommunautaire"), max_length=13, blank=True, validators=[validate_vat_number]
    )
    vat_exemption_mention = models.CharField(
        _("mention d'exonération de TVA"),
        max_length=200,
        blank=True,
        help_text=_("Imprimée sur les factures, ex. : « TVA non applicable, art. 261-7-1° bis du CGI »."),
    )
    default_vat_rate = models.DecimalField(
        _("taux de TVA par défaut (%)"),
        max_digits=4,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("Proposé pour les nouvelles offres d'une structure assujettie."),
    )

    invoice_prefix = models.CharField(
        _("préfixe des factures"),
        max_length=10,
        unique=True,
        validators=[RegexValidator(r"^[A-Z0-9]{2,10}$", _("De 2 à 10 lettres majuscules ou chiffres."))],
    )
    sap_declaration_number = models.CharField(_("n° de déclaration SAP"), max_length=30, blank=True)
    sap_declaration_date = models.DateField(_("date de déclaration SAP"), null=True, blank=True)
    sap_intervention_mode = models.CharField(
        _("mode d'intervention SAP"),
        max_length=10,
        choices=SapInterventionMode.choices,
        blank=True,
        help_text=_(
            "Imprimé sur les factures et devis SAP ; une association intermédiaire intervient par mise à disposition."
        ),
    )
    share_capital = models.DecimalField(_("capital social (€)"), max_digits=12, decimal_places=2, null=True, blank=True)
    registration_number = models.CharField(
        _("immatriculation (RCS)"), max_length=60, blank=True, help_text=_("Ex. : RCS Melun 123 456 789.")
    )
    stripe_account_id = models.CharField(_("compte Stripe connecté"), max_length=60, blank=True)
    iban = models.CharField(_("IBAN"), max_length=34, blank=True, validators=[validate_iban])
    bic = models.CharField(_("BIC"), max_length=11, blank=True)

    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(_("ordre d'affichage"), default=0)

    objects = StructureQuerySet.as_manager()

    class Meta:
        verbose_name = _("structure")
        verbose_name_plural = _("structures")
        ordering = ["position", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind"],
                condition=Q(kind=StructureKind.COLLECTIVE),
                name="hub_structure_one_collective",
                violation_error_message=_("Le pôle compte déjà un Collectif : il ne peut y en avoir qu'un."),
            ),
            models.CheckConstraint(
                condition=Q(kind__in=StructureKind.values),
                name="hub_structure_kind_valid",
                violation_error_message=_("Type de structure inconnu."),
            ),
            models.CheckConstraint(
                condition=Q(vat_regime__in=VatRegime.values),
                name="hub_structure_vat_regime_valid",
                violation_error_message=_("Régime de TVA inconnu."),
            ),
            models.CheckConstraint(
                condition=~Q(vat_regime=VatRegime.LIABLE) | ~Q(vat_number=""),
                name="hub_structure_liable_has_vat_number",
                violation_error_message=_("Une structure assujettie à la TVA doit avoir un numéro de TVA."),
            ),
            models.CheckConstraint(
                condition=Q(vat_regime=VatRegime.LIABLE) | ~Q(vat_exemption_mention=""),
                name="hub_structure_exempt_has_mention",
                violation_error_message=_(
                    "Une structure exonérée ou non assujettie doit indiquer la mention imprimée sur ses factures."
                ),
            ),
            models.CheckConstraint(
                condition=Q(sap_declaration_number="", sap_declaration_date__isnull=True)
                | (~Q(sap_declaration_number="") & Q(sap_declaration_date__isnull=False)),
                name="hub_structure_sap_number_and_date",
                violation_error_message=_("Le numéro et la date de déclaration SAP vont ensemble."),
            ),
            models.CheckConstraint(
                condition=(Q(sap_declaration_number="") & Q(sap_intervention_mode=""))
                | (~Q(sap_declaration_number="") & Q(sap_intervention_mode__in=SapInterventionMode.values)),
                name="hub_structure_sap_mode_iff_declared",
                violation_error_message=_(
                    "Une structure déclarée SAP indique son mode d'intervention ; une structure non déclarée n'en a pas."
                ),
            ),
            models.CheckConstraint(
                condition=Q(share_capital__isnull=True) | Q(share_capital__gte=0),
                name="hub_structure_share_capital_positive",
                violation_error_message=_("Le capital social ne peut pas être négatif."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        adding = self._state.adding
        super().save(*args, **kwargs)
        if adding:
            # Synchronous, in the same transaction: a structure never exists without its books.
            events.structure_created.send(sender=Structure, structure=self)

    @property
    def siren(self) -> str:
        return self.siret[:9]

    @property
    def is_collective(self) -> bool:
        return self.kind == StructureKind.COLLECTIVE

    @property
    def is_outside_association(self) -> bool:
        return self.kind == StructureKind.OUTSIDE_ASSOCIATION

    @property
    def is_vat_liable(self) -> bool:
        return self.vat_regime == VatRegime.LIABLE

    @property
    def is_company(self) -> bool:
        return self.share_capital is not None


class Skill(models.Model):
    """A trade skill, required by offerings and held by workers."""

    name = models.CharField(_("nom"), max_length=100, unique=True)
    slug = models.SlugField(_("identifiant"), max_length=60, unique=True)
    description = models.TextField(_("description"), blank=True, **bounded_text(DESCRIPTION_MAX_LENGTH))

    class Meta:
        verbose_name = _("compétence")
        verbose_name_plural = _("compétences")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class SiteQuerySet(models.QuerySet):
    def pickup_points(self) -> "SiteQuerySet":
        return self.filter(is_pickup_point=True, is_active=True)


class Site(Address):
    """A place of the hub: a workshop, an office, or a pickup point with a capacity."""

    name = models.CharField(_("nom"), max_length=150)
    slug = models.SlugField(_("identifiant"), max_length=60, unique=True)
    structure = models.ForeignKey(
        Structure,
        verbose_name=_("structure"),
        on_delete=models.PROTECT,
        related_name="sites",
        null=True,
        blank=True,
        help_text=_("Vide pour un lieu commun à tout le pôle."),
    )
    is_pickup_point = models.BooleanField(_("point de retrait"), default=False)
    capacity = models.PositiveIntegerField(
        _("capacité"), null=True, blank=True, help_text=_("Nombre de retraits possibles par distribution.")
    )
    opening_hours = models.TextField(_("horaires d'ouverture"), blank=True, **bounded_text(1000))
    is_active = models.BooleanField(_("actif"), default=True)

    objects = SiteQuerySet.as_manager()

    class Meta:
        verbose_name = _("lieu")
        verbose_name_plural = _("lieux")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(is_pickup_point=False) | Q(capacity__isnull=False, capacity__gt=0),
                name="hub_site_pickup_point_has_capacity",
                violation_error_message=_("Un point de retrait doit avoir une capacité d'au moins 1."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("lundi")
    TUESDAY = 1, _("mardi")
    WEDNESDAY = 2, _("mercredi")
    THURSDAY = 3, _("jeudi")
    FRIDAY = 4, _("vendredi")
    SATURDAY = 5, _("samedi")
    SUNDAY = 6, _("dimanche")


class SiteOpening(models.Model):
    """One weekly collection window of a pickup point (« mardi, 16 h – 19 h »): what the next
    collection date of an order is computed from (`hub.schedules`)."""

    site = models.ForeignKey(Site, verbose_name=_("lieu"), on_delete=models.CASCADE, related_name="openings")
    weekday = models.PositiveSmallIntegerField(_("jour"), choices=Weekday.choices)
    starts_at = models.TimeField(_("de"))
    ends_at = models.TimeField(_("à"))

    class Meta:
        verbose_name = _("créneau d'ouverture")
        verbose_name_plural = _("créneaux d'ouverture")
        ordering = ["weekday", "starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(weekday__gte=0, weekday__lte=6),
                name="hub_siteopening_weekday_range",
                violation_error_message=_("Le jour va de lundi (0) à dimanche (6)."),
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")),
                name="hub_siteopening_ends_after_start",
                violation_error_message=_("La fermeture doit suivre l'ouverture."),
            ),
            models.UniqueConstraint(fields=["site", "weekday", "starts_at"], name="hub_siteopening_unique_start"),
        ]

    def __str__(self) -> str:
        return f"{self.site} — {self.get_weekday_display()} {self.starts_at:%H:%M}–{self.ends_at:%H:%M}"


class SiteClosure(models.Model):
    """Days a place is closed besides public holidays (summer break, a village fête)."""

    site = models.ForeignKey(Site, verbose_name=_("lieu"), on_delete=models.CASCADE, related_name="closures")
    first_day = models.DateField(_("du"))
    last_day = models.DateField(_("au (inclus)"))
    reason = models.CharField(_("motif"), max_length=150, blank=True)

    class Meta:
        verbose_name = _("fermeture")
        verbose_name_plural = _("fermetures")
        ordering = ["first_day"]
        constraints = [
            models.CheckConstraint(
                condition=Q(last_day__gte=models.F("first_day")),
                name="hub_siteclosure_ordered",
                violation_error_message=_("La fin de la fermeture ne peut précéder son début."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.site} — {self.first_day} → {self.last_day}"


class Organisation(Address):
    """A customer organisation (association, school, small business) that orders and is billed; or, with a
    `prescriber_kind`, a prescriber (CCAS, Mission locale…) whose members are its social workers."""

    name = models.CharField(_("nom"), max_length=150)
    slug = models.SlugField(_("identifiant"), max_length=60, unique=True)
    siren = models.CharField(_("SIREN"), max_length=9, blank=True, validators=[validate_siren])
    vat_registered = models.BooleanField(_("assujettie à la TVA"), default=False)
    vat_number = models.CharField(
        _("n° de TVA intracommunautaire"), max_length=13, blank=True, validators=[validate_vat_number]
    )
    email = models.EmailField(_("e-mail de facturation"), blank=True)
    phone = models.CharField(_("téléphone"), max_length=20, blank=True)
    prescriber_kind = models.CharField(
        _("prescripteur"),
        max_length=20,
        choices=PrescriberKind.choices,
        blank=True,
        help_text=_("Vide : organisation cliente. Sinon ses membres sont ses travailleur·ses sociaux·ales."),
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="OrganisationMembership",
        related_name="organisations",
        verbose_name=_("membres"),
    )
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)

    class Meta:
        verbose_name = _("organisation cliente")
        verbose_name_plural = _("organisations clientes")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(vat_registered=False) | ~Q(vat_number=""),
                name="hub_organisation_vat_registered_has_number",
                violation_error_message=_("Une organisation assujettie à la TVA doit avoir un numéro de TVA."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class OrganisationMembership(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("personne"),
        on_delete=models.CASCADE,
        related_name="organisation_memberships",
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("rôle"), max_length=10, choices=OrganisationRole.choices, default=OrganisationRole.MEMBER)
    created_at = models.DateTimeField(_("depuis le"), auto_now_add=True)

    class Meta:
        verbose_name = _("membre d'une organisation")
        verbose_name_plural = _("membres des organisations")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation"],
                name="hub_organisation_membership_unique",
                violation_error_message=_("Cette personne est déjà membre de l'organisation."),
            ),
            models.CheckConstraint(
                condition=Q(role__in=OrganisationRole.values),
                name="hub_organisation_membership_role_valid",
                violation_error_message=_("Rôle inconnu."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.organisation} ({self.get_role_display()})"


class StructureRole(models.Model):
    """A staff role of a person in one structure; one person may hold several."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("personne"),
        on_delete=models.CASCADE,
        related_name="structure_roles",
    )
    structure = models.ForeignKey(
        Structure, verbose_name=_("structure"), on_delete=models.CASCADE, related_name="staff_roles"
    )
    role = models.CharField(_("rôle"), max_length=12, choices=StaffRole.choices)
    created_at = models.DateTimeField(_("depuis le"), auto_now_add=True)

    class Meta:
        verbose_name = _("rôle dans une structure")
        verbose_name_plural = _("rôles dans les structures")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "structure", "role"],
                name="hub_structure_role_unique",
                violation_error_message=_("Cette personne a déjà ce rôle dans cette structure."),
            ),
            models.CheckConstraint(
                condition=Q(role__in=StaffRole.values),
                name="hub_structure_role_valid",
                violation_error_message=_("Rôle inconnu."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.structure} ({self.get_role_display()})"


class LegalPage(models.Model):
    """Mentions légales, CGV and privacy policy: text edited by hub admins."""

    kind = models.CharField(_("page"), max_length=40, choices=LegalPageKind.choices, unique=True)
    title = models.CharField(_("titre"), max_length=150)
    body = models.TextField(
        _("texte"),
        **bounded_text(LONG_TEXT_MAX_LENGTH),
        help_text=_("Texte brut ; les lignes vides séparent les paragraphes."),
    )
    updated_at = models.DateTimeField(_("mise à jour le"), auto_now=True)

    class Meta:
        verbose_name = _("page légale")
        verbose_name_plural = _("pages légales")
        ordering = ["kind"]

    def __str__(self) -> str:
        return self.title


class OutboundEmailQuerySet(models.QuerySet):
    def due(self, *, at=None):
        """Pending e-mails whose next attempt has come."""
        return self.filter(state=EmailState.PENDING, next_attempt_at__lte=at or timezone.now())


class OutboundEmail(models.Model):
    """The transactional outbox: one e-mail to send, written in the transaction of what causes it.

    `hub.notify.email_on_commit` writes the row (its `kind` names the composer an app registered with
    `hub.outbox.register`, `payload` its arguments) and queues its sending on commit; `hub.outbox`
    composes and sends it, at most once (the row is locked while it is sent), and the beat sweep
    retries it with an exponential backoff until it is sent or has failed `OUTBOX_MAX_ATTEMPTS` times.
    Recipients, subject and body are stored once composed, for the staff who look at failures.
    """

    kind = models.CharField(_("type"), max_length=80)
    payload = models.JSONField(_("paramètres"), default=dict, blank=True)
    # What the e-mail is about (« commande 42 »), for the staff list; free text, no foreign key: every app.
    related = models.CharField(_("objet concerné"), max_length=120, blank=True)
    recipients = models.JSONField(_("destinataires"), default=list, blank=True)
    subject = models.CharField(_("sujet"), max_length=300, blank=True)
    body = models.TextField(_("message"), blank=True)
    html_body = models.TextField(_("message HTML"), blank=True)
    state = models.CharField(_("état"), max_length=10, choices=EmailState.choices, default=EmailState.PENDING)
    attempts = models.PositiveSmallIntegerField(_("tentatives"), default=0)
    next_attempt_at = models.DateTimeField(_("prochaine tentative"), default=timezone.now)
    last_error = models.CharField(_("dernière erreur"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    sent_at = models.DateTimeField(_("envoyé le"), null=True, blank=True)

    objects = OutboundEmailQuerySet.as_manager()

    class Meta:
        verbose_name = _("e-mail sortant")
        verbose_name_plural = _("e-mails sortants")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["next_attempt_at"], condition=Q(state="pending"), name="hub_outbound_email_due")
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=EmailState.values),
                name="hub_outbound_email_state_valid",
                violation_error_message=_("État d'e-mail inconnu."),
            ),
            models.CheckConstraint(
                condition=Q(state="sent", sent_at__isnull=False) | (~Q(state="sent") & Q(sent_at__isnull=True)),
                name="hub_outbound_email_sent_at",
                violation_error_message=_("Un e-mail envoyé a une date d'envoi, et lui seul."),
            ),
        ]

    def __str__(self) -> str:
        return self.subject or self.kind
