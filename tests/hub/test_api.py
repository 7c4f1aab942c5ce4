import pytest
from django.urls import reverse

from accounts.actions import create_api_token
from hub.models import Structure
from tests.accounts.factories import UserFactory
from tests.hub.factories import StructureFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def structures(db):
    """Three structures in their display order, ahead of any other (positions 1 to 3)."""
    return [
        StructureFactory(name="Jardins du Loing", slug="jardins-du-loing", position=1),
        StructureFactory(name="Lavoir solidaire", slug="lavoir-solidaire", position=2, liable=True),
        StructureFactory(name="Services à domicile", slug="services-a-domicile", position=3, ai=True),
    ]


def test_structures_are_public(client, structures, django_assert_num_queries):
    with django_assert_num_queries(2):  # count + page
        response = client.get("/api/v1/structures/")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == Structure.objects.active().of_the_hub().count()  # no outside association
    assert [row["name"] for row in body["results"][:3]] == [
        "Jardins du Loing",
        "Lavoir solidaire",
        "Services à domicile",
    ]
    first = body["results"][0]
    assert first["slug"] == "jardins-du-loing"
    assert first["kind"] == "aci"
    assert first["kind_label"] == "Atelier et chantier d'insertion (ACI)"
    # Bank and payment details never leave the back-office.
    assert "iban" not in first
    assert "stripe_account_id" not in first


def test_inactive_structures_are_hidden(client, structures):
    before = client.get("/api/v1/structures/").json()["count"]
    Structure.objects.filter(slug="services-a-domicile").update(is_active=False)
    body = client.get("/api/v1/structures/").json()
    assert body["count"] == before - 1
    assert "Services à domicile" not in [row["name"] for row in body["results"]]
    response = client.get("/api/v1/structures/services-a-domicile/")
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "Ressource introuvable."}


def test_structure_detail(client, structures):
    response = client.get("/api/v1/structures/services-a-domicile/")
    assert response.status_code == 200
    assert response.json()["legal_form"] == "Association loi 1901"


def test_token_authentication(client):
    _token, secret = create_api_token(user=UserFactory(), name="Script")
    response = client.get("/api/v1/structures/", HTTP_AUTHORIZATION=f"Token {secret}")
    assert response.status_code == 200
    response = client.get("/api/v1/structures/", HTTP_AUTHORIZATION="Token faux")
    assert response.status_code == 401
    assert response.json() == {"code": "authentication_failed", "message": "Mauvais jeton d'identification."}


def test_openapi_schema_and_docs(client):
    schema = client.get(reverse("schema"), HTTP_ACCEPT="application/json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/v1/structures/" in paths
    assert "/api/v1/structures/{slug}/" in paths
    docs = client.get(reverse("api-docs"))
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()
