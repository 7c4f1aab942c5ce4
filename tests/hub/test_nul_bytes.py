"""A NUL byte never reaches PostgreSQL: refused once for all with a French 400 page, or JSON for the API."""

import pytest
from django.urls import reverse

from marketplace.models import Order
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db

PAGES = [
    "/commandes/%00/",
    "/factures/%00.pdf",
    "/reservations/agenda/%00.ics",
    "/gestion/commandes/?q=%00",
    "/catalogue/?q=ab%00cd",
]


@pytest.mark.parametrize("path", PAGES)
def test_a_nul_byte_in_a_page_address_is_a_french_400(client, path):
    client.force_login(UserFactory(hub_admin=True))

    response = client.get(path)

    assert response.status_code == 400
    assert "La requête contient un caractère nul : elle est refusée." in response.content.decode()


def test_a_nul_byte_in_the_api_is_a_json_400(client):
    client.force_login(UserFactory())

    response = client.get("/api/v1/orders/?search=%00")

    assert (response.status_code, response.json()) == (
        400,
        {"code": "invalid", "message": "La requête contient un caractère nul : elle est refusée."},
    )


def test_a_nul_byte_in_a_form_field_is_refused_and_changes_nothing(client):
    user = UserFactory()
    client.force_login(user)
    before = Order.objects.count()

    response = client.post(reverse("marketplace:checkout"), {"billing_name": "Ada\x00Martin"})

    assert response.status_code == 400
    assert Order.objects.count() == before


def test_a_clean_request_goes_through(client):
    assert client.get("/catalogue/?q=panier").status_code == 200
