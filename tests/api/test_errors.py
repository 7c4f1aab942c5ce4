"""The API's error contract: JSON under /api/ (an unknown endpoint too), and the OpenAPI schema
documents every error status with the shape hub/api/errors.py gives it."""

import pytest
from django.test import RequestFactory

from config.views import server_error

pytestmark = pytest.mark.django_db

ERROR = {"$ref": "#/components/schemas/Error"}


@pytest.fixture
def schema(client):
    return client.get("/api/schema/", HTTP_ACCEPT="application/json").json()


def _error_refs(schema, path, method):
    responses = schema["paths"][path][method]["responses"]
    return {code: r["content"]["application/json"]["schema"] for code, r in responses.items() if code >= "400"}


@pytest.mark.parametrize("path", ["/api/v1/nothing-here/", "/api/v1/structures/a/b/", "/api/other"])
def test_an_unknown_api_path_is_a_json_404(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"code": "not_found", "message": "Ressource introuvable."}


def test_an_unknown_page_stays_the_french_html_404(client):
    response = client.get("/nulle-part/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_a_500_under_the_api_is_json():
    response = server_error(RequestFactory().get("/api/v1/orders/"))
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert response.content.decode() == (
        '{"code": "server_error", "message": "Erreur interne du serveur : r\\u00e9essayez plus tard."}'
    )


def test_a_slug_in_a_path_must_be_a_slug(client):
    response = client.get("/api/v1/structures/pas un slug/")
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "Ressource introuvable."}


def test_the_error_shape_is_a_shared_component(schema):
    assert schema["components"]["schemas"]["Error"]["required"] == ["code", "message"]
    assert set(schema["components"]["schemas"]["Error"]["properties"]) == {"code", "message", "errors"}


@pytest.mark.parametrize(
    ("path", "method", "codes"),
    [
        ("/api/v1/structures/", "get", {"400", "401", "404"}),  # page, bad token, missing page
        ("/api/v1/structures/{slug}/", "get", {"400", "401", "404"}),  # 400: a NUL byte in the path
        ("/api/v1/cart/", "get", {"400", "401"}),
        ("/api/v1/cart/items/", "post", {"400", "401", "403"}),
        ("/api/v1/cart/items/{id}/", "delete", {"400", "401", "403", "404"}),
        ("/api/v1/checkout/", "post", {"400", "401", "403"}),
        ("/api/v1/orders/{reference}/", "get", {"400", "401", "404"}),
        ("/api/v1/availability/", "get", {"400", "401", "404"}),
        ("/api/v1/subscriptions/", "post", {"400", "401", "403", "409"}),
        ("/api/v1/insertion/plan/", "post", {"400", "401", "403", "404"}),
        ("/api/v1/accounting/{structure}/fec/", "get", {"400", "401", "404"}),
        ("/api/v1/stripe/webhook/", "post", {"400"}),
    ],
)
def test_every_error_status_is_documented_with_the_error_shape(schema, path, method, codes):
    assert _error_refs(schema, path, method) == dict.fromkeys(codes, ERROR)


@pytest.mark.parametrize(
    ("component", "field"),
    [
        ("BookingOutput", "organisation"),
        ("BookingOutput", "resource"),
        ("BookingOutput", "order"),
        ("OrderOutput", "organisation"),
        ("OrderOutput", "pickup_point"),
        ("JobOutput", "place"),
        ("JobOutput", "required_skill"),
        ("TeamOutput", "base_site"),
        ("WorkerOutput", "team"),
    ],
)
def test_fields_that_can_be_null_are_nullable(schema, component, field):
    assert schema["components"]["schemas"][component]["properties"][field]["nullable"] is True


@pytest.mark.parametrize("page", ["", "last"])
def test_a_page_that_is_not_a_page_number_is_a_404(client, page):
    response = client.get("/api/v1/structures/", {"page": page})
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "Ressource introuvable."}


def test_the_first_page_is_page_1(client):
    assert client.get("/api/v1/structures/", {"page": "1"}).json()["previous"] is None


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["kind=", "audience=", "kind=panier"])
def test_an_empty_or_unknown_catalogue_filter_is_refused(client, query):
    response = client.get(f"/api/v1/offerings/?{query}")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
