"""Models of the services à la personne: the annual tax certificate (`TaxCertificate`, DOMAIN.md rule 19)."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from hub.models import Structure
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
                condition=Q(
                    personal_amount=F("total_paid") - F("cesu_amount") - F("advance_amount") - F("apa_pch_amount")
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
