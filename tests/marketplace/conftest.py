"""A small hub for the marketplace's tests, built by the factories: each test builds only what it asks for.

Sellers: a market garden (VAT 5,5 %), a Scop grocer (5,5 % by default, 20 % on some goods), a
laundry (20 %), an intermediary association selling services à la personne (exempt, CESU) and a
training centre (exempt). Their offerings carry the prices the assertions use.
"""

from decimal import Decimal

import pytest

from hub.enums import OrganisationRole
from tests.hub.factories import OrganisationFactory, OrganisationMembershipFactory, SiteFactory, StructureFactory
from tests.marketplace.factories import CustomerFactory, SellerSettingsFactory
from tests.marketplace.stripe_helpers import WEBHOOK_SECRET
from tests.services.factories import OfferingFactory

D = Decimal


@pytest.fixture
def stripe_env(settings, localstripe):
    """Point the project at the local Stripe server; sellers get their accounts with `factories.connect`."""
    settings.STRIPE_SECRET_KEY = localstripe.secret_key
    settings.STRIPE_PUBLISHABLE_KEY = localstripe.publishable_key
    settings.STRIPE_API_BASE = localstripe.url
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_JS_URL = localstripe.stripe_js_url
    return localstripe.client()


# --- People and places ------------------------------------------------------------------------


@pytest.fixture
def resident(db):
    """Camille Martin, a resident with no history."""
    return CustomerFactory(email="camille.martin@exemple.test")


@pytest.fixture
def creche(db):
    return OrganisationFactory(
        name="Crèche associative Les P'tits Loups",
        siren="778899005",
        address_line1="5 rue des Écoles",
        email="creche@ptits-loups.test",
    )


@pytest.fixture
def asso_member(creche):
    """Sophie Bernard, who orders for the crèche (its administrator)."""
    member = CustomerFactory(email="sophie.bernard@exemple.test", first_name="Sophie", last_name="Bernard")
    OrganisationMembershipFactory(user=member, organisation=creche, role=OrganisationRole.ADMIN)
    return member


@pytest.fixture
def accueil(db):
    return SiteFactory(pickup_point=True, name="Accueil du pôle", slug="accueil-du-pole")


# --- Sellers ----------------------------------------------------------------------------------


@pytest.fixture
def garden(db):
    return StructureFactory(
        name="Jardins du Loing", invoice_prefix="RIB", position=10, liable=True, default_vat_rate=D("5.50")
    )


@pytest.fixture
def grocer(db):
    return StructureFactory(
        name="Comptoir coopératif",
        invoice_prefix="CCO",
        position=50,
        company=True,
        liable=True,
        default_vat_rate=D("5.50"),
    )


@pytest.fixture
def laundry(db):
    return StructureFactory(name="Lavoir solidaire", invoice_prefix="LAV", position=20, liable=True)


@pytest.fixture
def home_services(db):
    structure = StructureFactory(name="Services à domicile", invoice_prefix="SAD", position=30, ai=True)
    SellerSettingsFactory(structure=structure, cesu=True)
    return structure


@pytest.fixture
def driving_school(db):
    return StructureFactory(name="Auto-école solidaire", invoice_prefix="AES", position=60, training_centre=True)


# --- What they sell -----------------------------------------------------------------------------


@pytest.fixture
def basket(garden):
    return OfferingFactory(
        basket=True, structure=garden, name="Panier moyen format", price=D("17.00"), solidarity_price=D("8.50")
    )


@pytest.fixture
def small_basket(garden):
    return OfferingFactory(
        basket=True, structure=garden, name="Panier petit format", price=D("12.00"), solidarity_price=D("6.00")
    )


@pytest.fixture
def coffee(grocer):
    return OfferingFactory(structure=grocer, name="Café équitable moulu (250 g)", price=D("5.20"), stock=40)


@pytest.fixture
def tea(grocer):
    return OfferingFactory(structure=grocer, name="Thé vert bio (100 g)", price=D("4.60"), stock=30)


@pytest.fixture
def candle(grocer):
    return OfferingFactory(
        structure=grocer, name="Bougie à la cire végétale", price=D("9.90"), vat_rate=D("20.00"), stock=12
    )


@pytest.fixture
def lentils(grocer):
    return OfferingFactory(weighed=True, structure=grocer, name="Lentilles vertes en vrac", price=D("4.20"))


@pytest.fixture
def flat_linen(laundry):
    return OfferingFactory(laundry=True, structure=laundry, name="Linge plat au kilo", price=D("4.20"))


@pytest.fixture
def sportswear(laundry):
    return OfferingFactory(
        laundry=True, for_organisations=True, structure=laundry, name="Tenues sportives au kilo", price=D("3.80")
    )


@pytest.fixture
def collection(laundry):
    return OfferingFactory(service=True, structure=laundry, name="Collecte et livraison du linge", price=D("6.00"))


@pytest.fixture
def duvet(laundry):
    return OfferingFactory(service=True, structure=laundry, name="Couette ou couverture", unit="item", price=D("14.00"))


@pytest.fixture
def cleaning(home_services):
    return OfferingFactory(sap=True, structure=home_services, name="Ménage à domicile", price=D("24.00"))


@pytest.fixture
def code_session(driving_school):
    return OfferingFactory(
        training=True,
        structure=driving_school,
        name="Séance de code de la route",
        price=D("12.00"),
        solidarity_price=D("5.00"),
    )
