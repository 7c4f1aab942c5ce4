from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from marketplace.models import Cart, Order
from tests.marketplace.factories import CartFactory, OrderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(resident):
    client = APIClient()
    client.force_authenticate(resident)
    return client


def test_cart_round_trip(api, tea):
    response = api.post("/api/v1/cart/items/", {"offering": tea.pk, "quantity": "2"}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert [(line["name"], line["quantity"], line["total_incl"]) for line in body["lines"]] == [
        ("Thé vert bio (100 g)", "2.000", "9.20")
    ]
    item_id = body["lines"][0]["id"]
    response = api.patch(f"/api/v1/cart/items/{item_id}/", {"quantity": "3"}, format="json")
    assert response.json()["total_incl"] == "13.80"
    assert api.delete(f"/api/v1/cart/items/{item_id}/").status_code == 204
    assert api.get("/api/v1/cart/").json()["lines"] == []


def test_cart_refusals_are_structured_french_json(api, resident, tea):
    response = api.post("/api/v1/cart/items/", {"offering": tea.pk, "quantity": "1,5"}, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "code": "cart_refused",
        "message": "« Thé vert bio (100 g) » se commande en quantité entière (pièce).",
    }
    response = api.post("/api/v1/cart/items/", {"offering": tea.pk, "quantity": "500"}, format="json")
    assert response.json() == {
        "code": "insufficient_stock",
        "message": "Il ne reste que 30 « Thé vert bio (100 g) » en stock.",
    }
    response = api.post("/api/v1/cart/items/", {"offering": 999999, "quantity": "1"}, format="json")
    assert response.json() == {"code": "refused", "message": "Cette offre n'existe pas."}
    response = api.post("/api/v1/cart/items/", {"quantity": "1"}, format="json")
    assert response.json() == {
        "code": "invalid",
        "message": "Les données envoyées ne sont pas valides.",
        "errors": {"offering": ["Ce champ est obligatoire."]},
    }
    assert not Cart.objects.filter(user=resident, items__isnull=False).exists()


def test_someone_else_cart_item_is_404(api, tea):
    item = CartFactory(items=[(tea, "1")]).items.get()
    assert api.patch(f"/api/v1/cart/items/{item.pk}/", {"quantity": "4"}, format="json").status_code == 404
    item.refresh_from_db()
    assert item.quantity == 1


def test_checkout_with_cash(api, garden, basket, accueil):
    api.post("/api/v1/cart/items/", {"offering": basket.pk, "quantity": "1"}, format="json")
    response = api.post(
        "/api/v1/checkout/",
        {
            "payment_method": "cash",
            "billing_address": "4 rue des Tilleuls\n77140 Nemours",
            "pickup_point": "accueil-du-pole",
            "accept_terms": True,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["client_secret"] is None
    assert body["order"]["fulfilment_status"] == "confirmed"
    assert body["order"]["total_incl"] == "17.00"
    assert body["order"]["billing_name"] == "Camille Martin"
    reference = body["order"]["reference"]
    invoices = api.get(f"/api/v1/orders/{reference}/invoices/").json()
    assert [(i["structure"], i["kind"], i["total_incl"]) for i in invoices] == [(garden.slug, "invoice", "17.00")]
    assert invoices[0]["pdf_url"].endswith(f"/factures/{invoices[0]['number']}.pdf")


def test_checkout_refusal_keeps_the_cart(api, resident, basket):
    api.post("/api/v1/cart/items/", {"offering": basket.pk, "quantity": "1"}, format="json")
    response = api.post(
        "/api/v1/checkout/", {"payment_method": "cash", "billing_address": "ici", "accept_terms": True}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"code": "checkout_refused", "message": "Choisissez un point de retrait."}
    assert len(api.get("/api/v1/cart/").json()["lines"]) == 1
    assert not Order.objects.filter(customer=resident).exists()


def test_orders_list_and_detail_are_scoped(api, resident, basket, tea, django_assert_num_queries):
    mine = [OrderFactory(customer=resident, items=[(basket, "1")]) for _ in range(3)]
    theirs = OrderFactory(items=[(tea, "1")])
    with django_assert_num_queries(2):  # count, page (with organisation and pickup point joined)
        response = api.get("/api/v1/orders/")
    assert sorted(o["reference"] for o in response.json()["results"]) == sorted(o.reference for o in mine)
    detail = api.get(f"/api/v1/orders/{mine[0].reference}/").json()
    assert [line["name"] for line in detail["lines"]] == ["Panier moyen format"]
    assert detail["lines"][0]["total_incl"] == "17.00"
    assert api.get(f"/api/v1/orders/{theirs.reference}/").status_code == 404
    assert api.get(f"/api/v1/orders/{theirs.reference}/invoices/").status_code == 404


def test_anonymous_get_401():
    client = APIClient()
    response = client.get("/api/v1/orders/")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_amounts_are_strings_with_two_decimals(api, resident, flat_linen):
    order = OrderFactory(customer=resident, items=[(flat_linen, "2.5")])
    line = api.get(f"/api/v1/orders/{order.reference}/").json()["lines"][0]
    assert (line["quantity"], line["unit_price"], line["total_incl"]) == ("2.500", "4.20", "10.50")
    assert Decimal(line["total_excl"]) + Decimal(line["total_vat"]) == Decimal("10.50")


def test_selling_endpoints_are_in_the_openapi_schema(client):
    paths = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()["paths"]
    for path in [
        "/api/v1/offerings/",
        "/api/v1/offerings/{id}/",
        "/api/v1/cart/",
        "/api/v1/cart/items/",
        "/api/v1/cart/items/{id}/",
        "/api/v1/checkout/",
        "/api/v1/orders/",
        "/api/v1/orders/{reference}/",
        "/api/v1/orders/{reference}/invoices/",
        "/api/v1/stripe/webhook/",
    ]:
        assert path in paths, path
    assert set(paths["/api/v1/cart/"]) == {"get", "delete"}
    assert set(paths["/api/v1/cart/items/{id}/"]) == {"patch", "delete"}


@pytest.mark.parametrize("terms", [{}, {"accept_terms": False}, {"accept_terms": "non"}])
def test_an_api_checkout_without_the_terms_of_sale_accepted_is_refused_and_keeps_the_cart(api, resident, basket, terms):
    api.post("/api/v1/cart/items/", {"offering": basket.pk, "quantity": "1"}, format="json")
    body = {"payment_method": "cash", "billing_address": "4 rue des Tilleuls", "pickup_point": "accueil-du-pole"}

    response = api.post("/api/v1/checkout/", {**body, **terms}, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert list(response.json()["errors"]) == ["accept_terms"]
    assert not Order.objects.filter(customer=resident).exists()
    assert len(api.get("/api/v1/cart/").json()["lines"]) == 1


def test_an_api_checkout_keeps_when_the_terms_of_sale_were_accepted(api, resident, basket, accueil):
    api.post("/api/v1/cart/items/", {"offering": basket.pk, "quantity": "1"}, format="json")
    body = {"payment_method": "cash", "billing_address": "4 rue des Tilleuls", "pickup_point": accueil.slug}

    response = api.post("/api/v1/checkout/", {**body, "accept_terms": True}, format="json")

    assert response.status_code == 201
    order = Order.objects.get(reference=response.json()["order"]["reference"])
    assert order.terms_accepted_at == order.placed_at
