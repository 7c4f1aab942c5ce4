"""The Content-Security-Policy header on the pages that matter most: home, checkout, card payment."""

import pytest
from django.urls import reverse

from marketplace.actions.checkout import sellers_of
from tests.marketplace.factories import OrderFactory, connect

pytestmark = pytest.mark.django_db

POLICY = (
    "default-src 'self'; script-src 'self' https://js.stripe.com; "
    "frame-src https://js.stripe.com https://hooks.stripe.com; connect-src 'self' https://api.stripe.com; "
    "img-src 'self' data:; style-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'; "
    "form-action 'self'"
)


def test_home_page(client, settings):
    settings.STRIPE_JS_URL = "https://js.stripe.com/v3/"
    settings.STRIPE_API_BASE = ""
    response = client.get(reverse("hub:home"))
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == POLICY


def test_checkout_page(client, settings, resident, basket, accueil):
    settings.STRIPE_JS_URL = "https://js.stripe.com/v3/"
    settings.STRIPE_API_BASE = ""
    client.force_login(resident)
    client.post(reverse("marketplace:cart_add", args=[basket.pk]), {"quantity": "1"})
    response = client.get(reverse("marketplace:checkout"))
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == POLICY


def test_card_payment_page_allows_the_stripe_js_it_loads(client, stripe_env, localstripe, resident, candle):
    """The tests load Stripe.js from the local fake server: its origin joins Stripe's own hosts."""
    order = OrderFactory(customer=resident, items=[(candle, "1")], card=True)
    connect(*sellers_of(order))
    client.force_login(resident)
    response = client.get(reverse("marketplace:order_pay", args=[order.reference]))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<script src="{localstripe.stripe_js_url}"></script>' in html
    assert '<script src="/static/js/stripe-payment.js" defer></script>' in html
    local = localstripe.url
    assert response["Content-Security-Policy"] == (
        f"default-src 'self'; script-src 'self' https://js.stripe.com {local}; "
        f"frame-src https://js.stripe.com https://hooks.stripe.com {local}; "
        f"connect-src 'self' https://api.stripe.com {local}; "
        "img-src 'self' data:; style-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'; "
        "form-action 'self'"
    )
