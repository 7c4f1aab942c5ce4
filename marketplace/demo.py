"""Demo selling settings: who accepts what (DOMAIN.md rule 6)."""

from hub.models import Structure
from marketplace.models import SellerSettings

CESU = {"pole-services"}
NO_CARD: set[str] = set()


def seed_demo() -> dict[str, int]:
    for structure in Structure.objects.sellers():
        SellerSettings.objects.get_or_create(
            structure=structure,
            defaults={"accepts_cesu": structure.slug in CESU, "accepts_card": structure.slug not in NO_CARD},
        )
    return {"réglages de vente": SellerSettings.objects.count()}
