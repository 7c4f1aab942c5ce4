import pytest

from services.models import Offering
from tests.services.factories import OfferingFactory

pytestmark = pytest.mark.django_db


def test_offering_list_is_public_and_paginated(client, demo_hub, django_assert_num_queries):
    with django_assert_num_queries(2):
        response = client.get("/api/v1/offerings/")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == Offering.objects.active().count()
    assert len(body["results"]) == 43
    first = body["results"][0]
    assert set(first) == {
        "id", "slug", "name", "structure", "structure_name", "kind", "kind_label", "summary", "description",
        "unit", "unit_label", "audience", "price", "price_excl", "solidarity_price", "vat_rate",
        "vat_exemption_mention", "sap_eligible", "price_after_tax_credit", "quantity_measured_later", "in_stock",
    }  # fmt: skip


def test_offering_list_query_count_is_constant(client, demo_hub, django_assert_num_queries):
    OfferingFactory.create_batch(20)
    with django_assert_num_queries(2):
        client.get("/api/v1/offerings/")


def test_offering_filters(client, demo_hub):
    body = client.get("/api/v1/offerings/", {"kind": "home_service", "audience": "residents"}).json()
    assert sorted(row["slug"] for row in body["results"]) == [
        "menage-a-domicile",
        "petit-bricolage-homme-toutes-mains",
        "petits-travaux-de-jardinage",
        "repassage-a-domicile",
    ]
    menage = next(row for row in body["results"] if row["slug"] == "menage-a-domicile")
    assert menage["price"] == "24.00"
    assert menage["price_after_tax_credit"] == "12.00"
    assert menage["vat_rate"] == "0.00"
    body = client.get("/api/v1/offerings/", {"structure": "comptoir-equitable", "q": "café"}).json()
    assert sorted(row["slug"] for row in body["results"]) == [
        "cafe-equitable-en-grains-1-kg",
        "cafe-equitable-moulu-250-g",
    ]


def test_bad_filter_gets_a_structured_french_error(client, demo_hub):
    response = client.get("/api/v1/offerings/", {"audience": "martiens"})
    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid",
        "message": "Les données envoyées ne sont pas valides.",
        "errors": {"audience": ["« martiens » n'est pas un public valide : residents ou organisations."]},
    }


def test_offering_detail_and_stock_is_not_disclosed(client, demo_hub):
    offering = Offering.objects.get(slug="bougie-a-la-cire-vegetale")
    body = client.get(f"/api/v1/offerings/{offering.pk}/").json()
    assert body["in_stock"] is True
    assert "stock" not in body
    assert body["vat_rate"] == "20.00"
    assert body["price_excl"] == "8.25"
    offering.is_active = False
    offering.save()
    assert client.get(f"/api/v1/offerings/{offering.pk}/").status_code == 404
