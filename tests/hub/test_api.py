import pytest
from django.urls import reverse

from hub.demo import STRUCTURES
from hub.models import Structure
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_structures_are_public(client, demo_hub, django_assert_num_queries):
    with django_assert_num_queries(2):  # count + page
        response = client.get("/api/v1/structures/")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 7
    assert [row["name"] for row in body["results"]] == [
        s["name"] for s in sorted(STRUCTURES, key=lambda s: s["position"])
    ]
    first = body["results"][0]
    assert first["slug"] == "jardins-du-pole"
    assert first["kind"] == "aci"
    assert first["kind_label"] == "Atelier et chantier d'insertion (ACI)"
    # Bank and payment details never leave the back-office.
    assert "iban" not in first
    assert "stripe_account_id" not in first


def test_inactive_structures_are_hidden(client, demo_hub):
    Structure.objects.filter(slug="atelier-formation").update(is_active=False)
    body = client.get("/api/v1/structures/").json()
    assert body["count"] == 6
    response = client.get("/api/v1/structures/atelier-formation/")
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "Ressource introuvable."}


def test_structure_detail(client, demo_hub):
    response = client.get("/api/v1/structures/pole-services/")
    assert response.status_code == 200
    assert response.json()["legal_form"] == "Association loi 1901"


def test_token_authentication(client, demo_hub):
    from rest_framework.authtoken.models import Token

    user = UserFactory()
    token = Token.objects.create(user=user)
    response = client.get("/api/v1/structures/", HTTP_AUTHORIZATION=f"Token {token.key}")
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
