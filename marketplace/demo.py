"""Demo selling settings: who accepts what (DOMAIN.md rule 6)."""

from decimal import Decimal

from hub.models import Structure
from marketplace.models import AllocationMethod, SellerSettings, SharedServicesPlan, SharedServicesShare

SHARES = {
    "jardins-du-pole": Decimal("25"),
    "blanchisserie-solidaire": Decimal("20"),
    "pole-services": Decimal("20"),
    "mobilite-solidaire": Decimal("10"),
    "comptoir-equitable": Decimal("15"),
    "atelier-formation": Decimal("10"),
}

CESU = {"pole-services"}
NO_CARD: set[str] = set()


def seed_demo() -> dict[str, int]:
    for structure in Structure.objects.sellers():
        SellerSettings.objects.get_or_create(
            structure=structure,
            defaults={"accepts_cesu": structure.slug in CESU, "accepts_card": structure.slug not in NO_CARD},
        )
    plan, _created = SharedServicesPlan.objects.get_or_create(
        defaults={"monthly_amount": Decimal("2400.00"), "method": AllocationMethod.FIXED_SHARES}
    )
    for structure in Structure.objects.filter(slug__in=SHARES):
        SharedServicesShare.objects.get_or_create(
            plan=plan, structure=structure, defaults={"percent": SHARES[structure.slug]}
        )
    return {"réglages de vente": SellerSettings.objects.count()}
