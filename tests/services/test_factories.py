"""Every kind of offering the factory builds is valid and consistent with its seller's VAT regime."""

from decimal import Decimal

import pytest

from hub.enums import StructureKind
from services.enums import Audience, OfferingKind, RevenueAccount, Unit
from services.vat import default_vat_treatment
from tests.services.factories import OfferingFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("trait", "kind", "unit", "vat_rate", "revenue_account"),
    [
        (None, OfferingKind.GOODS, Unit.ITEM, "0.00", RevenueAccount.GOODS),
        ("taxed", OfferingKind.GOODS, Unit.ITEM, "20.00", RevenueAccount.GOODS),
        ("food", OfferingKind.GOODS, Unit.ITEM, "5.50", RevenueAccount.GOODS),
        ("basket", OfferingKind.BASKET, Unit.DELIVERY, "5.50", RevenueAccount.PRODUCE),
        ("service", OfferingKind.LAUNDRY, Unit.DELIVERY, "20.00", RevenueAccount.LAUNDRY),
        ("laundry", OfferingKind.LAUNDRY, Unit.KG, "20.00", RevenueAccount.LAUNDRY),
        ("sap", OfferingKind.HOME_SERVICE, Unit.HOUR, "0.00", RevenueAccount.HOME_SERVICES),
        ("mobility", OfferingKind.MOBILITY, Unit.DAY, "0.00", RevenueAccount.MOBILITY),
        ("training", OfferingKind.TRAINING, Unit.SESSION, "0.00", RevenueAccount.TRAINING),
    ],
)
def test_every_kind_is_valid_and_taxed_as_its_seller(trait, kind, unit, vat_rate, revenue_account):
    offering = OfferingFactory(**({trait: True} if trait else {}))

    offering.full_clean()
    assert (offering.kind, offering.unit, offering.vat_rate, offering.revenue_account) == (
        kind,
        unit,
        Decimal(vat_rate),
        revenue_account,
    )
    treatment = default_vat_treatment(offering.structure)
    assert (offering.vat_rate, offering.vat_exemption_mention) == (
        treatment.rate,
        "" if treatment.rate else treatment.exemption_mention,
    )


def test_sap_is_sold_by_the_intermediary_association_to_residents():
    offering = OfferingFactory(sap=True)

    assert (offering.structure.kind, offering.sap_eligible, offering.audience) == (
        StructureKind.AI,
        True,
        Audience.RESIDENTS,
    )
    assert offering.price_after_tax_credit == Decimal("5.00")


@pytest.mark.parametrize(
    ("trait", "field", "value"),
    [
        ("with_stock", "stock", 5),
        ("solidarity", "solidarity_price", Decimal("5.00")),
        ("weighed", "quantity_measured_later", True),
        ("labour", "labour_hours_per_unit", Decimal("0.50")),
        ("for_organisations", "audience", Audience.ORGANISATIONS),
        ("for_residents", "audience", Audience.RESIDENTS),
        ("inactive", "is_active", False),
    ],
)
def test_the_other_traits(trait, field, value):
    offering = OfferingFactory(**{trait: True})

    offering.full_clean()
    assert getattr(offering, field) == value
