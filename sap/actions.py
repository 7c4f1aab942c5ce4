"""Issuing the annual tax certificates (DOMAIN.md rule 19): each January for the past year (beat), or for
any past year by command. Idempotent: a client who has their certificate for a provider and a year is
left alone; a certificate, once issued, never changes."""

import datetime

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from hub import notify
from hub.models import Structure
from marketplace.models import Invoice
from sap import certificates
from sap.exceptions import SapError
from sap.models import TaxCertificate

TAX_CERTIFICATE_EMAIL = "sap.tax_certificate"


def declared_structures():
    """The structures declared for services à la personne (a declaration number), in display order."""
    return Structure.objects.exclude(sap_declaration_number="").order_by("position", "name")


def _buyer(structure: Structure, customer_id: int, year: int) -> tuple[str, str]:
    """The client's name and address as on their last SAP invoice from the structure up to the year's end."""
    invoice = (
        Invoice.objects.issued()
        .filter(structure=structure, customer_id=customer_id, organisation__isnull=True, issue_date__year__lte=year)
        .order_by("-issue_date", "-pk")
        .only("buyer_name", "buyer_address")
        .first()
    )
    return (invoice.buyer_name, invoice.buyer_address) if invoice else ("", "")


def certificate_html(certificate: TaxCertificate, figures: certificates.CertificateFigures) -> str:
    context = {
        "certificate": certificate,
        "figures": figures,
        "provider": certificate.structure,
        "sources": figures.by_source(),
    }
    return render_to_string("sap/certificate_pdf.html", context)


def issue_tax_certificates(
    *, year: int, structure: Structure | None = None, at: datetime.datetime | None = None
) -> list[TaxCertificate]:
    """The certificates of `year` not issued yet (every declared structure, or one); each e-mailed to its
    client. Refused for a year not over. Each certificate commits on its own: one client's failure
    leaves the others issued, and running again completes the rest."""
    at = at or timezone.now()
    if year >= timezone.localdate(at).year:
        raise SapError(_("L'année %(year)s n'est pas terminée : ses attestations s'émettent à partir de janvier.")
                       % {"year": year})  # fmt: skip
    if year < 2000:
        raise SapError(_("Année hors limites."))
    structures = [structure] if structure is not None else list(declared_structures())
    issued = []
    for provider in structures:
        if not provider.sap_declaration_number:
            raise SapError(_("%(name)s n'est pas déclarée pour les services à la personne.") % {"name": provider.name})
        done = set(TaxCertificate.objects.filter(structure=provider, year=year).values_list("customer_id", flat=True))
        for figures in certificates.figures_for_year(provider, year):
            if figures.customer_id in done:
                continue
            issued.append(_issue_one(provider, figures, at=at))
    return issued


@transaction.atomic
def _issue_one(structure: Structure, figures: certificates.CertificateFigures, *, at) -> TaxCertificate:
    Structure.objects.select_for_update(of=("self",)).get(pk=structure.pk)  # numbers one at a time
    existing = TaxCertificate.objects.filter(structure=structure, customer_id=figures.customer_id, year=figures.year)
    if found := existing.first():
        return found  # issued meanwhile by another run
    count = TaxCertificate.objects.filter(structure=structure, year=figures.year).count()
    name, address = _buyer(structure, figures.customer_id, figures.year)
    sources = figures.by_source()
    certificate = TaxCertificate(
        structure=structure,
        customer_id=figures.customer_id,
        year=figures.year,
        number=f"ATT-{structure.invoice_prefix}-{figures.year}-{count + 1:05d}",
        customer_name=name[:150],
        customer_address=address[:500],
        total_paid=figures.total_paid,
        cesu_amount=sources[certificates.CESU],
        advance_amount=sources[certificates.ADVANCE],
        apa_pch_amount=sources[certificates.APA_PCH],
        personal_amount=sources[certificates.PERSONAL],
        hours=figures.hours,
        issued_at=at,
    )
    certificate.html = certificate_html(certificate, figures)
    certificate.save(force_insert=True)
    notify.email_on_commit(TAX_CERTIFICATE_EMAIL, certificate.pk, related=f"attestation {certificate.number}")
    return certificate
