"""VAT treatment of an offering, defaulting from its structure's regime (DOMAIN.md)."""

from dataclasses import dataclass
from decimal import Decimal

from hub.models import Structure


@dataclass(frozen=True)
class VatTreatment:
    rate: Decimal
    exemption_mention: str


def default_vat_treatment(structure: Structure) -> VatTreatment:
    """A liable structure's default rate; otherwise 0 % with the structure's invoice mention."""
    if structure.is_vat_liable:
        return VatTreatment(rate=structure.default_vat_rate or Decimal("20.00"), exemption_mention="")
    return VatTreatment(rate=Decimal("0.00"), exemption_mention=structure.vat_exemption_mention)
