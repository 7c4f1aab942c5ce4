from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import User
from services.models import Offering
from services.views import PAGE_SIZE
from tests.services.factories import OfferingFactory

pytestmark = pytest.mark.django_db


def test_catalogue_first_page_and_query_count(client, demo_hub, django_assert_num_queries):
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


def test_cached_page_follows_price_and_stock_changes(client, demo_hub):
    client.get(reverse("services:catalogue"), {"q": "miel"})
    honey = Offering.objects.get(slug="miel-toutes-fleurs-de-la-creuse-500-g")
    honey.price = Decimal("9.10")
    honey.save()
    assert "9,10\u00a0€" in client.get(reverse("services:catalogue"), {"q": "miel"}).content.decode()
    from django.utils import timezone

    Offering.objects.filter(pk=honey.pk).update(stock=0, updated_at=timezone.now())
    html = client.get(reverse("services:catalogue"), {"q": "miel"}).content.decode()
    assert "Épuisé" in html


def test_each_visitor_gets_their_own_csrf_token_in_cached_cards(client, demo_hub):
    from django.test import Client

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


def test_query_count_does_not_grow_with_the_catalogue(client, demo_hub, django_assert_num_queries):
    OfferingFactory.create_batch(30)
    with django_assert_num_queries(4):
        response = client.get(reverse("services:catalogue"), {"page": 2})
    assert len(response.context["page"].object_list) == PAGE_SIZE


def test_filters_by_kind_structure_and_text(client, demo_hub):
    response = client.get(reverse("services:catalogue"), {"kind": "training"})
    names = [o.name for o in response.context["page"]]
    assert names == list(Offering.objects.filter(kind="training").order_by("position").values_list("name", flat=True))
    response = client.get(reverse("services:catalogue"), {"structure": "blanchisserie-solidaire", "q": "kilo"})
    names = sorted(o.name for o in response.context["page"])
    assert names == [
        "Lavage et repassage au kilo",
        "Linge plat au kilo",
        "Nappes et serviettes de table au kilo",
        "Tenues sportives au kilo",
    ]


def test_audience_filter_keeps_offerings_for_both(client, demo_hub):
    response = client.get(reverse("services:catalogue"), {"audience": "organisations"})
    audiences = {o.audience for o in response.context["page"].paginator.object_list}
    assert audiences == {"organisations", "both"}


def test_inactive_offerings_are_hidden(client, demo_hub):
    offering = Offering.objects.get(slug="miel-toutes-fleurs-de-la-creuse-500-g")
    offering.is_active = False
    offering.save()
    response = client.get(reverse("services:catalogue"), {"q": "miel"})
    assert response.context["page"].paginator.count == 0
    assert client.get(reverse("services:offering", args=[offering.slug])).status_code == 404


def test_resident_sees_prices_incl_vat_only(client, demo_hub):
    client.force_login(User.objects.get(email="resident@demo.pole.test"))
    html = client.get(reverse("services:offering", args=["linge-plat-au-kilo"])).content.decode()
    assert "4,20\u00a0€" in html
    assert "hors taxes" not in html
    assert "price-excl" not in html


def test_organisation_member_sees_prices_excl_and_incl_vat(client, demo_hub):
    client.force_login(User.objects.get(email="asso@demo.pole.test"))
    html = client.get(reverse("services:offering", args=["linge-plat-au-kilo"])).content.decode()
    assert "4,20\u00a0€ <abbr" in html
    assert '3,50\u00a0€ <abbr title="hors taxes">HT</abbr> — TVA 20\u00a0%' in html


def test_sap_offering_shows_the_tax_credit_apart(client, demo_hub):
    html = client.get(reverse("services:offering", args=["menage-a-domicile"])).content.decode()
    assert '<span class="price-main">24,00\u00a0€</span>' in html
    assert '<span class="price-credit">50 % de crédit d\'impôt : soit 12,00\u00a0€ après crédit</span>' in html
    assert "TVA non applicable, art. 261-7-1° bis du CGI" in html


def test_htmx_request_gets_only_the_grid(client, demo_hub):
    response = client.get(reverse("services:catalogue"), {"kind": "mobility"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "<html" not in html
    assert "5 offres" in html


def test_bad_filter_values_are_ignored_with_the_full_catalogue(client, demo_hub):
    response = client.get(reverse("services:catalogue"), {"kind": "fusées"})
    assert response.status_code == 200
    assert response.context["form"].errors["kind"] == ["Sélectionnez un choix valide. fusées n’en fait pas partie."]


def test_solidarity_price_shown(client, demo_hub):
    html = client.get(reverse("services:offering", args=["panier-petit-format"])).content.decode()
    assert "Tarif solidaire : 6,00\u00a0€" in html
    assert Offering.objects.get(slug="panier-petit-format").price_for(solidarity=True) == Decimal("6.00")
