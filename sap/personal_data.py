"""What the SAP app holds about a person (RGPD export). Tax certificates stay when the account goes: they
are the provider's legal record of what the client paid (kept like invoices)."""

from sap.models import TaxCertificate


def export(user) -> dict:
    return {
        "attestations_fiscales": [
            {
                "numero": c.number,
                "annee": c.year,
                "prestataire": c.structure.name,
                "total_paye": str(c.total_paid),
                "paye_personnellement": str(c.personal_amount),
            }  # fmt: skip
            for c in TaxCertificate.objects.filter(customer=user).select_related("structure").order_by("year", "pk")
        ]
    }
