from decimal import Decimal

import pytest

from tests.hub.factories import StructureFactory
from tests.services.factories import OfferingFactory

pytestmark = pytest.mark.django_db


def test_offering_list_is_public_and_paginated(client, django_assert_num_queries):
    structure = StructureFactory()
    OfferingFactory.create_batch(51, structure=structure)
    with django_assert_num_queries(2):
        response = client.get("/api/v1/offerings/", {"structure": structure.slug})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 51
    assert len(body["results"]) == 50
    first = body["results"][0]
    assert set(first) == {
        "id", "slug", "name", "structure", "structure_name", "kind", "kind_label", "summary", "description",
        "unit", "unit_label", "audience", "price", "price_excl", "solidarity_price", "vat_rate",
        "vat_exemption_mention", "sap_eligible", "price_after_tax_credit", "quantity_measured_later", "in_stock",
    }  # fmt: skip


def test_offering_list_query_count_is_constant(client, django_assert_num_queries):
    OfferingFactory.create_batch(20)
    with django_assert_num_queries(2):
        client.get("/api/v1/offerings/")


def test_offering_filters(client):
    home_services = StructureFactory(ai=True)
    for name in ("Ménage à domicile", "Petits travaux de jardinage", "Repassage à domicile"):
        OfferingFactory(sap=True, structure=home_services, name=name, price=Decimal("24.00"))
    OfferingFactory(sap=True, structure=home_services, name="Entretien des locaux", audience="organisations")
    OfferingFactory(structure=home_services, name="Kit de ménage")  # goods
    body = client.get(
        "/api/v1/offerings/", {"kind": "home_service", "audience": "residents", "structure": home_services.slug}
    ).json()
    assert sorted(row["name"] for row in body["results"]) == [
        "Ménage à domicile",
        "Petits travaux de jardinage",
        "Repassage à domicile",
    ]
    menage = next(row for row in body["results"] if row["name"] == "Ménage à domicile")
    assert menage["price"] == "24.00"
    assert menage["price_after_tax_credit"] == "12.00"
    assert menage["vat_rate"] == "0.00"
    grocer = StructureFactory(liable=True, default_vat_rate=Decimal("5.50"))
    OfferingFactory(structure=grocer, name="Café équitable en grains (1 kg)")
    OfferingFactory(structure=grocer, name="Café équitable moulu (250 g)")
    OfferingFactory(structure=grocer, name="Thé vert bio (100 g)")
    body = client.get("/api/v1/offerings/", {"structure": grocer.slug, "q": "café"}).json()
    assert sorted(row["name"] for row in body["results"]) == [
        "Café équitable en grains (1 kg)",
        "Café équitable moulu (250 g)",
    ]


def test_bad_filter_gets_a_structured_french_error(client):
    response = client.get("/api/v1/offerings/", {"audience": "martiens"})
    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid",
        "message": "Les données envoyées ne sont pas valides.",
        "errors": {"audience": ["« martiens » n'est pas un public valide : residents ou organisations."]},
    }


def test_offering_detail_and_stock_is_not_disclosed(client):
    offering = OfferingFactory(taxed=True, price=Decimal("9.90"), stock=12)
    body = client.get(f"/api/v1/offerings/{offering.pk}/").json()
    assert body["in_stock"] is True
    assert "stock" not in body
    assert body["vat_rate"] == "20.00"
    assert body["price_excl"] == "8.25"
    offering.is_active = False
    offering.save()
    assert client.get(f"/api/v1/offerings/{offering.pk}/").status_code == 404
