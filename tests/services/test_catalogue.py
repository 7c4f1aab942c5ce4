from decimal import Decimal

import pytest
from django.urls import reverse

from services.models import Offering
from services.views import PAGE_SIZE
from tests.accounts.factories import UserFactory
from tests.hub.factories import OrganisationMembershipFactory, StructureFactory
from tests.services.factories import OfferingFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def grocer(db):
    return StructureFactory(liable=True, default_vat_rate=Decimal("5.50"))


@pytest.fixture
def honey(grocer):
    return OfferingFactory(
        structure=grocer, name="Miel toutes fleurs du Gâtinais (500 g)", price=Decimal("8.50"), stock=18
    )


@pytest.fixture
def flat_linen(db):
    return OfferingFactory(laundry=True, name="Linge plat au kilo", price=Decimal("4.20"))


def test_catalogue_first_page_and_query_count(client, django_assert_num_queries):
    OfferingFactory.create_batch(PAGE_SIZE + 1)
    total = Offering.objects.active().count()
    with django_assert_num_queries(4):  # structures for the filter, catalogue version, count, page
        response = client.get(reverse("services:catalogue"))
    assert response.status_code == 200
    page = response.context["page"]
    assert page.paginator.count == total
    assert len(page.object_list) == PAGE_SIZE
    assert f"{total} offres" in response.content.decode()
    # The same page again comes from the page cache: the filter's structures and the version only.
    with django_assert_num_queries(2):
        again = client.get(reverse("services:catalogue"))
    assert again.content.decode().count('class="card offering-card"') == PAGE_SIZE


def test_cached_page_follows_price_and_stock_changes(client, grocer, honey):
    search = {"q": "miel", "structure": grocer.slug}
    client.get(reverse("services:catalogue"), search)
    honey.price = Decimal("9.10")
    honey.save()
    assert "9,10\u00a0€" in client.get(reverse("services:catalogue"), search).content.decode()
    from django.utils import timezone

    Offering.objects.filter(pk=honey.pk).update(stock=0, updated_at=timezone.now())
    html = client.get(reverse("services:catalogue"), search).content.decode()
    assert "Épuisé" in html


def test_each_visitor_gets_their_own_csrf_token_in_cached_cards(client):
    from django.test import Client

    OfferingFactory.create_batch(PAGE_SIZE)
    first = client.get(reverse("services:catalogue")).content.decode()
    second = Client().get(reverse("services:catalogue")).content.decode()
    assert "csrf-token-placeholder" not in first + second
    import re

    pattern = r'<form method="post" action="/panier/ajouter/\d+/".*?name="csrfmiddlewaretoken" value="([^"]+)"'
    first_tokens = set(re.findall(pattern, first, flags=re.S))
    second_tokens = set(re.findall(pattern, second, flags=re.S))
    assert len(re.findall(pattern, first, flags=re.S)) == PAGE_SIZE
    assert len(first_tokens) == len(second_tokens) == 1  # one token per page, put in every card
    assert first_tokens != second_tokens


def test_query_count_does_not_grow_with_the_catalogue(client, django_assert_num_queries):
    OfferingFactory.create_batch(2 * PAGE_SIZE)
    with django_assert_num_queries(4):
        response = client.get(reverse("services:catalogue"), {"page": 2})
    assert len(response.context["page"].object_list) == PAGE_SIZE


def test_filters_by_kind_structure_and_text(client):
    school = StructureFactory(training_centre=True)
    OfferingFactory(training=True, structure=school, name="Séance de code de la route", position=2)
    OfferingFactory(training=True, structure=school, name="Préparation au permis", position=1)
    OfferingFactory(structure=school, name="Livret du code")  # goods
    response = client.get(reverse("services:catalogue"), {"kind": "training", "structure": school.slug})
    names = [o.name for o in response.context["page"]]
    assert names == ["Préparation au permis", "Séance de code de la route"]
    laundry = StructureFactory(liable=True)
    for name in ("Lavage et repassage au kilo", "Linge plat au kilo", "Nappes et serviettes de table au kilo",
                 "Tenues sportives au kilo", "Couette ou couverture"):  # fmt: skip
        OfferingFactory(laundry=True, structure=laundry, name=name)
    response = client.get(reverse("services:catalogue"), {"structure": laundry.slug, "q": "kilo"})
    names = sorted(o.name for o in response.context["page"])
    assert names == [
        "Lavage et repassage au kilo",
        "Linge plat au kilo",
        "Nappes et serviettes de table au kilo",
        "Tenues sportives au kilo",
    ]


def test_audience_filter_keeps_offerings_for_both(client):
    OfferingFactory(for_residents=True)
    OfferingFactory(for_organisations=True)
    OfferingFactory()  # for both
    response = client.get(reverse("services:catalogue"), {"audience": "organisations"})
    audiences = {o.audience for o in response.context["page"].paginator.object_list}
    assert audiences == {"organisations", "both"}


def test_inactive_offerings_are_hidden(client, grocer, honey):
    honey.is_active = False
    honey.save()
    response = client.get(reverse("services:catalogue"), {"q": "miel", "structure": grocer.slug})
    assert response.context["page"].paginator.count == 0
    assert client.get(reverse("services:offering", args=[honey.slug])).status_code == 404


def test_resident_sees_prices_incl_vat_only(client, flat_linen):
    client.force_login(UserFactory())
    html = client.get(reverse("services:offering", args=[flat_linen.slug])).content.decode()
    assert "4,20\u00a0€" in html
    assert "hors taxes" not in html
    assert "price-excl" not in html


def test_organisation_member_sees_prices_excl_and_incl_vat(client, flat_linen):
    client.force_login(OrganisationMembershipFactory().user)
    html = client.get(reverse("services:offering", args=[flat_linen.slug])).content.decode()
    assert "4,20\u00a0€ <abbr" in html
    assert '3,50\u00a0€ <abbr title="hors taxes">HT</abbr> — TVA 20\u00a0%' in html


def test_sap_offering_shows_the_tax_credit_apart(client):
    cleaning = OfferingFactory(sap=True, name="Ménage à domicile", price=Decimal("24.00"))
    html = client.get(reverse("services:offering", args=[cleaning.slug])).content.decode()
    assert '<span class="price-main">24,00\u00a0€</span>' in html
    assert '<span class="price-credit">50 % de crédit d\'impôt : soit 12,00\u00a0€ après crédit</span>' in html
    assert "TVA non applicable, art. 261-7-1° bis du CGI" in html


def test_htmx_request_gets_only_the_grid(client):
    mobility = StructureFactory()
    OfferingFactory.create_batch(5, mobility=True, structure=mobility)
    response = client.get(
        reverse("services:catalogue"), {"kind": "mobility", "structure": mobility.slug}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert "<html" not in html
    assert "5 offres" in html


def test_bad_filter_values_are_ignored_with_the_full_catalogue(client):
    response = client.get(reverse("services:catalogue"), {"kind": "fusées"})
    assert response.status_code == 200
    assert response.context["form"].errors["kind"] == ["Sélectionnez un choix valide. fusées n’en fait pas partie."]


def test_solidarity_price_shown(client):
    small_basket = OfferingFactory(basket=True, name="Panier petit format", price=Decimal("12.00"), solidarity=True)
    html = client.get(reverse("services:offering", args=[small_basket.slug])).content.decode()
    assert "Tarif solidaire : 6,00\u00a0€" in html
    assert Offering.objects.get(pk=small_basket.pk).price_for(solidarity=True) == Decimal("6.00")
