"""The database goes away in the middle of a checkout: a clean French 503 (JSON under /api/), no
half-written order, the cart intact, and the next request works.

This stands in for a PostgreSQL restart: the server is shared by other test runs, so it is never
restarted here. What a restart does to a request is what these tests do — the server ends the
backend serving our connection (`pg_terminate_backend`, the same termination a restart's shutdown
sends to every backend) while the checkout's transaction is open, so its next query fails and
PostgreSQL drops the uncommitted rows; idle persistent connections of other workers die the same way,
which `CONN_HEALTH_CHECKS` repairs at the start of their next request.
"""

from contextlib import contextmanager

import psycopg
import pytest
from django.db import close_old_connections, connection
from django.db.models.signals import post_save
from django.urls import reverse
from rest_framework.test import APIClient

from hub.models import OutboundEmail
from marketplace.models import Cart, Invoice, Order, OrderLine

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

CHECKOUT = {
    "buyer": "self",
    "billing_name": "Camille Martin",
    "billing_address": "4 rue des Tilleuls\n77140 Nemours",
    "payment_method": "cash",
    "accept_terms": "on",
}
MESSAGE = "Service momentanément indisponible. Rien n'a été enregistré : réessayez dans quelques instants."


def _terminate_our_backend() -> None:
    """End the server process behind Django's connection, from a second connection (as a restart does)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        [pid] = cursor.fetchone()
    params = connection.settings_dict
    with psycopg.connect(
        dbname=params["NAME"],
        host=params["HOST"] or None,
        port=params["PORT"] or None,
        user=params["USER"] or None,
        password=params["PASSWORD"] or None,
        autocommit=True,
    ) as other:
        [[terminated]] = other.execute("SELECT pg_terminate_backend(%s, 5000)", [pid]).fetchall()
    assert terminated is True


@contextmanager
def database_lost_once_the_order_is_saved():
    """The order's row is inserted (inside place_order's transaction), then the connection dies."""

    def cut(sender, instance, created, **kwargs):
        post_save.disconnect(cut, sender=Order)
        _terminate_our_backend()

    post_save.connect(cut, sender=Order, weak=False)
    try:
        yield
    finally:
        post_save.disconnect(cut, sender=Order)


def _counts() -> tuple[int, ...]:
    return tuple(model.objects.count() for model in (Order, OrderLine, Invoice, OutboundEmail))


def _request_ends_and_next_begins() -> None:
    """What the server does around each request (the test client leaves it out): drop a connection
    that failed, and check a kept one before using it again (CONN_HEALTH_CHECKS)."""
    close_old_connections()


def test_an_html_checkout_that_loses_the_database_answers_a_clean_503_and_writes_nothing(
    client, resident, basket, accueil
):
    client.force_login(resident)
    client.post(reverse("marketplace:cart_add", args=[basket.pk]), {"quantity": "1"})
    before = _counts()

    with database_lost_once_the_order_is_saved():
        response = client.post(reverse("marketplace:checkout"), {**CHECKOUT, "pickup_point": accueil.pk})

    assert (response.status_code, response["Retry-After"]) == (503, "30")
    html = response.content.decode()
    assert "<h1>Service momentanément indisponible</h1>" in html
    assert MESSAGE.replace("'", "&#x27;") in html
    _request_ends_and_next_begins()
    assert _counts() == before
    cart = Cart.objects.get(user=resident)
    assert [(item.offering_id, str(item.quantity)) for item in cart.items.all()] == [(basket.pk, "1.000")]

    # A kept connection that died while idle (the restart, for every other worker): checked, replaced.
    _terminate_our_backend()
    _request_ends_and_next_begins()
    response = client.post(reverse("marketplace:checkout"), {**CHECKOUT, "pickup_point": accueil.pk})

    order = Order.objects.get(customer=resident)
    assert (response.status_code, response["Location"]) == (
        302,
        reverse("marketplace:order_thanks", args=[order.reference]),
    )
    assert order.lines.count() == 1
    assert cart.items.count() == 0


def test_an_api_checkout_that_loses_the_database_answers_a_json_503_and_writes_nothing(resident, basket, accueil):
    api = APIClient()
    api.force_authenticate(resident)
    api.post("/api/v1/cart/items/", {"offering": basket.pk, "quantity": "1"}, format="json")
    before = _counts()
    body = {
        "payment_method": "cash",
        "billing_address": CHECKOUT["billing_address"],
        "pickup_point": accueil.slug,
        "accept_terms": True,
    }

    with database_lost_once_the_order_is_saved():
        response = api.post("/api/v1/checkout/", body, format="json")

    assert (response.status_code, response["Retry-After"]) == (503, "30")
    assert response.json() == {"code": "service_unavailable", "message": MESSAGE}
    _request_ends_and_next_begins()
    assert _counts() == before
    assert len(api.get("/api/v1/cart/").json()["lines"]) == 1

    response = api.post("/api/v1/checkout/", body, format="json")
    assert response.status_code == 201
    assert Order.objects.filter(customer=resident).count() == 1
