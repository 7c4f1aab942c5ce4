"""Models of the services à la personne: the annual tax certificate (`TaxCertificate`, DOMAIN.md rule 19),
and the URSSAF's immediate advance — a structure's API access, the clients registered, their monthly
payment requests and each request's history."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Round
from django.utils.translation import gettext_lazy as _

from hub.models import Structure
from sap import crypto
from sap.enums import Civility, EnrolmentStatus, RequestStatus
from sap.exceptions import SapError

MONEY = {"max_digits": 12, "decimal_places": 2}


class TaxCertificate(models.Model):
    """The attestation fiscale of one client of one SAP provider for one calendar year: what the client paid
    in the year, by source (personally, CESU préfinancés, the URSSAF's immediate advance, the Département's
    APA/PCH), and the interventions paid (worker, date, duration). Issued once (`sap.actions`), then
    never changed: the document as issued is kept (`html`) and rendered to PDF when asked."""

    structure = models.ForeignKey(
        Structure, verbose_name=_("prestataire"), on_delete=models.PROTECT, related_name="tax_certificates"
    )
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("client"), on_delete=models.PROTECT, related_name="tax_certificates"
    )
    year = models.PositiveSmallIntegerField(_("année"))
    number = models.CharField(_("numéro"), max_length=30, unique=True)
    customer_name = models.CharField(_("nom du client"), max_length=150)
    customer_address = models.TextField(_("adresse du client"), max_length=500)
    total_paid = models.DecimalField(_("total payé"), **MONEY)
    cesu_amount = models.DecimalField(_("dont CESU préfinancés"), **MONEY)
    advance_amount = models.DecimalField(_("dont avance immédiate"), **MONEY)
    apa_pch_amount = models.DecimalField(_("dont APA/PCH"), **MONEY)
    personal_amount = models.DecimalField(_("payé personnellement"), **MONEY)
    hours = models.DecimalField(_("heures"), max_digits=8, decimal_places=2)
    html = models.TextField(_("document"))
    issued_at = models.DateTimeField(_("émise le"))

    class Meta:
        verbose_name = _("attestation fiscale")
        verbose_name_plural = _("attestations fiscales")
        ordering = ["-year", "structure", "customer_name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["structure", "customer", "year"], name="sap_certificate_once_a_year"),
            models.CheckConstraint(
                condition=Q(year__gte=2000, year__lte=2099),
                name="sap_certificate_year_range",
                violation_error_message=_("Année hors limites."),
            ),
            models.CheckConstraint(
                condition=Q(cesu_amount__gte=0, advance_amount__gte=0, apa_pch_amount__gte=0, hours__gte=0),
                name="sap_certificate_amounts_positive",
                violation_error_message=_("Les montants d'une attestation sont positifs."),
            ),
            models.CheckConstraint(
                # Rounded as the invoices' own totals are: SQLite (`make run`) computes in floats.
                condition=Q(
                    personal_amount=Round(
                        F("total_paid") - F("cesu_amount") - F("advance_amount") - F("apa_pch_amount"), 2
                    )
                ),
                name="sap_certificate_personal_is_the_rest",
                violation_error_message=_("Le montant payé personnellement est le total, moins les autres sources."),
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def save(self, *args, **kwargs):
        # A tax certificate, once issued, is a legal document: it never changes.
        if self.pk and not kwargs.get("force_insert"):
            raise SapError(_("Une attestation fiscale émise ne se modifie pas."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise SapError(_("Une attestation fiscale émise ne se supprime pas."))


class UrssafAccount(models.Model):
    """A structure's access to the URSSAF's API (its « habilitation » as a tiers de prestation): the OAuth2
    client id and secret (the secret encrypted at rest, `sap.crypto`) and its billing id
    (idTiersFacturation). `URSSAF_CREDENTIALS` in the settings wins over this row."""

    structure = models.OneToOneField(Structure, on_delete=models.PROTECT, related_name="urssaf_account")
    client_id = models.CharField(_("identifiant client OAuth2"), max_length=100)
    secret_encrypted = models.TextField(_("secret (chiffré)"), max_length=1000)
    billing_id = models.CharField(_("identifiant de tiers de facturation"), max_length=50)

    class Meta:
        verbose_name = _("accès à l'API de l'URSSAF")
        verbose_name_plural = _("accès à l'API de l'URSSAF")

    def __str__(self) -> str:
        return f"{self.structure} ({self.client_id})"

    def set_secret(self, secret: str) -> None:
        self.secret_encrypted = crypto.encrypt(secret)

    @property
    def secret(self) -> str:
        return crypto.decrypt(self.secret_encrypted)


class AdvanceClient(models.Model):
    """A client registered (or to register) with the URSSAF for the immediate advance, with one provider:
    the identity the URSSAF checks against the tax records, the bank account it debits (encrypted at rest).
    Visible to the client and to the provider's staff only (`sap.perms`)."""

    structure = models.ForeignKey(
        Structure, verbose_name=_("prestataire"), on_delete=models.PROTECT, related_name="advance_clients"
    )
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("client"), on_delete=models.PROTECT, related_name="advance_clients"
    )
    civility = models.CharField(_("civilité"), max_length=1, choices=Civility.choices)
    birth_name = models.CharField(_("nom de naissance"), max_length=80)
    usage_name = models.CharField(_("nom d'usage"), max_length=80, blank=True)
    first_names = models.CharField(_("prénoms"), max_length=80)
    birth_date = models.DateField(_("date de naissance"))
    birth_country_code = models.CharField(_("pays de naissance (code INSEE)"), max_length=5, default="99100")
    birth_department = models.CharField(_("département de naissance"), max_length=3, blank=True)
    birth_commune_code = models.CharField(_("commune de naissance (code INSEE)"), max_length=5, blank=True)
    birth_commune_label = models.CharField(_("commune de naissance"), max_length=60)
    mobile_phone = models.CharField(_("téléphone portable"), max_length=15)
    email = models.EmailField(_("adresse e-mail"), max_length=120)
    street_number = models.CharField(_("numéro"), max_length=10, blank=True)
    street_letter = models.CharField(_("indice (B, T…)"), max_length=1, blank=True)
    street_type_code = models.CharField(_("type de voie (code)"), max_length=4, blank=True)
    street_name = models.CharField(_("voie"), max_length=100, blank=True)
    complement = models.CharField(_("complément"), max_length=100, blank=True)
    locality = models.CharField(_("lieu-dit"), max_length=60, blank=True)
    city_code = models.CharField(_("commune (code INSEE)"), max_length=5)
    city_label = models.CharField(_("commune"), max_length=60)
    postcode = models.CharField(_("code postal"), max_length=5)
    iban_encrypted = models.TextField(_("IBAN (chiffré)"), max_length=1000)
    bic = models.CharField(_("BIC"), max_length=11)
    account_holder = models.CharField(_("titulaire du compte"), max_length=100)

    status = models.CharField(
        _("état"), max_length=12, choices=EnrolmentStatus.choices, default=EnrolmentStatus.TO_REGISTER
    )
    urssaf_id = models.CharField(_("identifiant URSSAF"), max_length=64, blank=True)
    urssaf_status = models.CharField(_("code d'état URSSAF"), max_length=30, blank=True)
    message = models.CharField(_("dernier message"), max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("saisi le"), auto_now_add=True)
    registered_at = models.DateTimeField(_("inscrit le"), null=True, blank=True)
    activated_at = models.DateTimeField(_("activé le"), null=True, blank=True)
    checked_at = models.DateTimeField(_("vérifié le"), null=True, blank=True)

    class Meta:
        verbose_name = _("client de l'avance immédiate")
        verbose_name_plural = _("clients de l'avance immédiate")
        ordering = ["structure", "birth_name", "first_names", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["structure", "customer"], name="sap_advance_client_once_per_provider"),
            models.UniqueConstraint(
                fields=["structure", "urssaf_id"], condition=~Q(urssaf_id=""), name="sap_advance_client_unique_id"
            ),
            models.CheckConstraint(
                condition=Q(status__in=EnrolmentStatus.values),
                name="sap_advance_client_status_valid",
                violation_error_message=_("État inconnu."),
            ),
            models.CheckConstraint(
                condition=Q(status=EnrolmentStatus.TO_REGISTER)
                | Q(status=EnrolmentStatus.REFUSED)
                | Q(status=EnrolmentStatus.WITHDRAWN)
                | ~Q(urssaf_id=""),
                name="sap_advance_client_registered_has_id",
                violation_error_message=_("Un client inscrit a son identifiant URSSAF."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.first_names} {self.usage_name or self.birth_name}"

    @property
    def display_name(self) -> str:
        return str(self)

    def set_iban(self, iban: str) -> None:
        self.iban_encrypted = crypto.encrypt(iban.replace(" ", "").upper())

    @property
    def iban(self) -> str:
        return crypto.decrypt(self.iban_encrypted)

    @property
    def masked_iban(self) -> str:
        iban = self.iban
        return f"{iban[:4]} •••• {iban[-4:]}" if len(iban) > 8 else "••••"


class PaymentRequest(models.Model):
    """A demande de paiement: one month's invoice of a client on the immediate advance, sent to the URSSAF,
    followed until paid (beat). The URSSAF settles the invoice in full: the client validates it (or is
    deemed to after 48 h), the URSSAF debits the client's half and pays the provider the whole."""

    client = models.ForeignKey(
        AdvanceClient, verbose_name=_("client"), on_delete=models.PROTECT, related_name="payment_requests"
    )
    invoice = models.OneToOneField(
        "marketplace.Invoice", verbose_name=_("facture"), on_delete=models.PROTECT, related_name="urssaf_request"
    )
    status = models.CharField(_("état"), max_length=12, choices=RequestStatus.choices, default=RequestStatus.TO_SEND)
    urssaf_id = models.CharField(_("identifiant URSSAF"), max_length=64, blank=True)
    urssaf_status = models.CharField(_("code d'état URSSAF"), max_length=40, blank=True)
    amount = models.DecimalField(_("montant"), **MONEY)
    period_start = models.DateField(_("début de la période"))
    period_end = models.DateField(_("fin de la période"))
    reject_code = models.CharField(_("motif de refus"), max_length=30, blank=True)
    reject_comment = models.CharField(_("commentaire du client"), max_length=500, blank=True)
    transfer_amount = models.DecimalField(_("virement reçu"), null=True, blank=True, **MONEY)
    transfer_date = models.DateField(_("date du virement"), null=True, blank=True)
    message = models.CharField(_("dernier message"), max_length=300, blank=True)
    attempts = models.PositiveSmallIntegerField(_("tentatives d'envoi"), default=0)
    payment = models.OneToOneField(
        "marketplace.Payment", on_delete=models.PROTECT, null=True, blank=True, related_name="urssaf_request"
    )
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("envoyée le"), null=True, blank=True)
    checked_at = models.DateTimeField(_("suivie le"), null=True, blank=True)
    fallback_at = models.DateTimeField(_("réglée autrement le"), null=True, blank=True)

    class Meta:
        verbose_name = _("demande de paiement URSSAF")
        verbose_name_plural = _("demandes de paiement URSSAF")
        ordering = ["-period_start", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["urssaf_id"], condition=~Q(urssaf_id=""), name="sap_payment_request_unique_id"
            ),
            models.CheckConstraint(
                condition=Q(status__in=RequestStatus.values),
                name="sap_payment_request_status_valid",
                violation_error_message=_("État inconnu."),
            ),
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="sap_payment_request_amount_positive",
                violation_error_message=_("Le montant d'une demande de paiement est positif."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.invoice} ({self.get_status_display()})"

    @property
    def advance_amount(self) -> Decimal:
        """Half of what is eligible: the tax credit the URSSAF advances (the client pays the other half)."""
        return (self.amount / 2).quantize(Decimal("0.01"))


class PaymentRequestEvent(models.Model):
    """Each change of a payment request, as the staff and the client see it."""

    request = models.ForeignKey(PaymentRequest, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("le"))
    status = models.CharField(_("état"), max_length=12, choices=RequestStatus.choices)
    urssaf_status = models.CharField(_("code URSSAF"), max_length=40, blank=True)
    note = models.CharField(_("détail"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("étape d'une demande de paiement")
        verbose_name_plural = _("étapes des demandes de paiement")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.request_id} {self.status}"
