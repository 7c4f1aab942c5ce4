"""Offerings built from nothing, their VAT treatment taken from their structure as the back-office does."""

from decimal import Decimal

import factory

from services.enums import Audience, OfferingKind, RevenueAccount, Unit
from services.models import Offering
from services.vat import default_vat_treatment
from tests.hub.factories import SkillFactory, StructureFactory

# The revenue account a structure's accountant gives each kind of sale (services/demo.py does the same).
REVENUE_ACCOUNT = {
    OfferingKind.BASKET: RevenueAccount.PRODUCE,
    OfferingKind.GOODS: RevenueAccount.GOODS,
    OfferingKind.LAUNDRY: RevenueAccount.LAUNDRY,
    OfferingKind.HOME_SERVICE: RevenueAccount.HOME_SERVICES,
    OfferingKind.MOBILITY: RevenueAccount.MOBILITY,
    OfferingKind.TRAINING: RevenueAccount.TRAINING,
}


class OfferingFactory(factory.django.DjangoModelFactory):
    """Goods sold by the item at 10,00 € by a structure of its own, on sale to everyone.

    The VAT rate and exemption mention follow the structure's regime (`services.vat`), so an
    offering is always consistent with its seller: pass a liable structure (or the `taxed` / `food`
    traits, which make one) for VAT, or `vat_rate` to override.

    Kinds: `basket` (own produce, per delivery), `service` (a fixed-price service: collection and
    delivery of laundry, VAT due on receipt), `laundry` (weighed after the fact: no card), `sap`
    (services à la personne by the hour, to residents, sold by an intermediary association),
    `mobility` (per day), `training` (per session).
    Others: `with_stock` (5 tracked in stock), `solidarity` (a solidarity price, half the price),
    `labour` (0,50 h of work per unit needing a skill), `weighed` (quantity known later),
    `for_organisations` / `for_residents` (audience), `inactive`. Keyword arguments win over
    traits (`OfferingFactory(sap=True, audience="organisations")`).
    """

    class Meta:
        model = Offering

    structure = factory.SubFactory(StructureFactory)
    name = factory.Sequence(lambda n: f"Offre d'essai {n}")
    slug = factory.Sequence(lambda n: f"offre-essai-{n}")
    kind = OfferingKind.GOODS
    unit = Unit.ITEM
    audience = Audience.BOTH
    price = Decimal("10.00")
    vat_rate = factory.LazyAttribute(lambda o: default_vat_treatment(o.structure).rate)
    vat_exemption_mention = factory.LazyAttribute(
        lambda o: "" if o.vat_rate else default_vat_treatment(o.structure).exemption_mention
    )
    revenue_account = factory.LazyAttribute(lambda o: REVENUE_ACCOUNT[o.kind])

    class Params:
        taxed = factory.Trait(structure=factory.SubFactory(StructureFactory, liable=True))
        food = factory.Trait(
            structure=factory.SubFactory(StructureFactory, liable=True, default_vat_rate=Decimal("5.50"))
        )
        with_stock = factory.Trait(stock=5)
        solidarity = factory.Trait(solidarity_price=factory.LazyAttribute(lambda o: (o.price / 2).quantize(o.price)))
        labour = factory.Trait(labour_hours_per_unit=Decimal("0.50"), required_skill=factory.SubFactory(SkillFactory))
        weighed = factory.Trait(unit=Unit.KG, quantity_measured_later=True)
        for_organisations = factory.Trait(audience=Audience.ORGANISATIONS)
        for_residents = factory.Trait(audience=Audience.RESIDENTS)
        inactive = factory.Trait(is_active=False)

        basket = factory.Trait(
            kind=OfferingKind.BASKET,
            unit=Unit.DELIVERY,
            structure=factory.SubFactory(StructureFactory, liable=True, default_vat_rate=Decimal("5.50")),
        )
        service = factory.Trait(
            kind=OfferingKind.LAUNDRY, unit=Unit.DELIVERY, structure=factory.SubFactory(StructureFactory, liable=True)
        )
        laundry = factory.Trait(
            kind=OfferingKind.LAUNDRY,
            unit=Unit.KG,
            quantity_measured_later=True,
            structure=factory.SubFactory(StructureFactory, liable=True),
        )
        sap = factory.Trait(
            kind=OfferingKind.HOME_SERVICE,
            unit=Unit.HOUR,
            audience=Audience.RESIDENTS,
            sap_eligible=True,
            structure=factory.SubFactory(StructureFactory, ai=True),
            labour_hours_per_unit=Decimal("1.00"),
        )
        mobility = factory.Trait(kind=OfferingKind.MOBILITY, unit=Unit.DAY)
        training = factory.Trait(
            kind=OfferingKind.TRAINING,
            unit=Unit.SESSION,
            structure=factory.SubFactory(StructureFactory, training_centre=True),
        )
