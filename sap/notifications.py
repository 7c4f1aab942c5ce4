"""The e-mail that carries a tax certificate to its client, composed by the outbox when it leaves."""

import weasyprint
from django.conf import settings
from django.utils.translation import gettext as _

from hub.formatting import euros
from hub.outbox import Message
from sap.models import TaxCertificate


def compose_certificate_email(certificate_id: int) -> Message | None:
    certificate = TaxCertificate.objects.select_related("structure", "customer").filter(pk=certificate_id).first()
    if certificate is None or not certificate.customer.email:
        return None
    pdf = weasyprint.HTML(string=certificate.html).write_pdf()
    body = _(
        "Bonjour,\n\nVoici votre attestation fiscale %(year)s pour les services à la personne de %(provider)s : "
        "elle indique le montant à déclarer pour votre crédit d'impôt (%(amount)s payés personnellement).\n"
        "Vous la retrouvez aussi dans votre espace, rubrique « Mes attestations fiscales ».\n\n%(provider)s"
    ) % {
        "year": certificate.year,
        "provider": certificate.structure.name,
        "amount": euros(certificate.personal_amount),
    }
    return Message(
        subject=f"[{settings.SITE_NAME}] " + _("Votre attestation fiscale %(year)s") % {"year": certificate.year},
        body=body,
        recipients=[certificate.customer.email],
        attachments=((f"attestation-fiscale-{certificate.year}-{certificate.number}.pdf", pdf, "application/pdf"),),
    )
