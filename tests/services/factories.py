from decimal import Decimal

import factory

from services.enums import Audience, OfferingKind, RevenueAccount, Unit
from services.models import Offering
from tests.hub.factories import StructureFactory


class OfferingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Offering

    structure = factory.SubFactory(StructureFactory)
    name = factory.Sequence(lambda n: f"Offre d'essai {n}")
    slug = factory.Sequence(lambda n: f"offre-essai-{n}")
    kind = OfferingKind.GOODS
    unit = Unit.ITEM
    audience = Audience.BOTH
    price = Decimal("10.00")
    vat_rate = Decimal("0.00")
    vat_exemption_mention = "TVA non applicable, art. 261-7-1°-b du CGI"
    revenue_account = RevenueAccount.GOODS

    class Params:
        taxed = factory.Trait(vat_rate=Decimal("20.00"), vat_exemption_mention="")
        food = factory.Trait(vat_rate=Decimal("5.50"), vat_exemption_mention="")
        with_stock = factory.Trait(stock=5)
