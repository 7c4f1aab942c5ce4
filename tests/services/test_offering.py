from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from hub.money import split_incl, to_cents
from services.models import Offering
from services.vat import default_vat_treatment
from tests.hub.factories import StructureFactory
from tests.services.factories import OfferingFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("incl", "rate", "excl", "vat"),
    [
        ("12.00", "5.50", "11.37", "0.63"),
        ("10.00", "20.00", "8.33", "1.67"),
        ("0.45", "20.00", "0.37", "0.08"),  # 0.075 rounds half-up to 0.08
        ("24.00", "0.00", "24.00", "0.00"),
        ("3.20", "10.00", "2.91", "0.29"),
    ],
)
def test_vat_is_rounded_half_up_per_line(incl, rate, excl, vat):
    assert split_incl(Decimal(incl), Decimal(rate)) == (Decimal(excl), Decimal(vat))


def test_cents_conversion_refuses_sub_cent_amounts():
    assert to_cents(Decimal("12.34")) == 1234
    with pytest.raises(ValueError, match="more than two decimals"):
        to_cents(Decimal("0.125"))


def test_prices_excl_vat_and_tax_credit():
    offering = OfferingFactory(food=True, price=Decimal("12.00"), sap_eligible=True)
    assert offering.price_excl == Decimal("11.37")
    assert offering.unit_price_excl == Decimal("11.3744")
    assert offering.price_after_tax_credit == Decimal("6.00")
    assert OfferingFactory().price_after_tax_credit is None


@pytest.mark.parametrize(
    "fields",
    [
        {"price": Decimal("0")},
        {"solidarity_price": Decimal("10.00")},  # not below the price
        {"solidarity_price": Decimal("0")},
        {"vat_rate": Decimal("7.00"), "vat_exemption_mention": ""},
        {"vat_rate": Decimal("0.00"), "vat_exemption_mention": ""},  # exempt without its mention
        {"vat_rate": Decimal("20.00"), "vat_exemption_mention": "Exonéré"},  # taxed with a mention
        {"labour_headcount": 0},
    ],
)
def test_database_refuses_inconsistent_offerings(fields):
    before = Offering.objects.count()
    with pytest.raises(IntegrityError), transaction.atomic():
        OfferingFactory(**fields)
    assert Offering.objects.count() == before


def test_stock_never_goes_negative_in_the_database():
    offering = OfferingFactory(with_stock=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        Offering.objects.filter(pk=offering.pk).update(stock=-1)
    offering.refresh_from_db()
    assert offering.stock == 5


def test_vat_defaults_from_the_structure_regime():
    garden = StructureFactory(liable=True, default_vat_rate=Decimal("5.50"))
    laundry = StructureFactory(liable=True, default_vat_rate=Decimal("20.00"))
    assert default_vat_treatment(garden).rate == Decimal("5.50")
    assert default_vat_treatment(laundry).rate == Decimal("20.00")
    services = default_vat_treatment(StructureFactory(ai=True))
    assert services.rate == Decimal("0.00")
    assert services.exemption_mention == "TVA non applicable, art. 261-7-1° bis du CGI"


def test_demo_catalogue_is_realistic(demo_hub):
    offerings = Offering.objects.select_related("structure")
    assert offerings.count() >= 40
    sellers = {o.structure.slug for o in offerings}
    assert sellers == {s.slug for s in demo_hub.sellers()}
    for offering in offerings:
        offering.full_clean()
        if offering.sap_eligible:
            assert offering.structure.slug == "pole-services"
    comptoir = {o.name: o.vat_rate for o in offerings if o.structure.slug == "comptoir-equitable"}
    assert comptoir["Café équitable moulu (250 g)"] == Decimal("5.50")
    assert comptoir["Savon artisanal au lait d'ânesse"] == Decimal("20.00")
