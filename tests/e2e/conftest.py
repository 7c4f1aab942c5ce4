"""Playwright in Debian's Chromium against pytest-django's live server.

Never `playwright install`: the browser is the system one (/usr/bin/chromium).
"""

import os
import time
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.management import call_command
from django.test import override_settings

from tests.conftest import CHROMIUM

# Playwright's sync API runs an event loop in this thread; Django's ORM calls from the
# test itself are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORTS = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}
SCREENSHOTS = Path(os.environ["SCREENSHOTS_DIR"]) if os.environ.get("SCREENSHOTS_DIR") else None


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    """A fresh browser tab; the test fails if any page it showed broke the Content-Security-Policy."""
    context = browser.new_context(viewport=VIEWPORTS["desktop"], locale="fr-FR")
    page = context.new_page()
    page.set_default_timeout(15_000)
    csp_violations = []
    page.on(
        "console",
        lambda message: (
            csp_violations.append(f"{page.url}: {message.text}") if "Content Security Policy" in message.text else None
        ),
    )
    yield page
    context.close()
    assert csp_violations == [], "\n".join(csp_violations)


@pytest.fixture
def live_demo_hub(live_server, transactional_db):
    """The demo hub in the live server's database (a transactional test may have flushed it)."""
    from hub.models import Structure

    if not Structure.objects.filter(slug="jardins-du-pole").exists():
        # Without the two years of history (impact's demo): no journey reads it, and it costs a dozen
        # seconds each time a test's flush makes the demo be seeded again.
        with override_settings(DEMO_HISTORY=False):
            call_command("seed_demo", force=True, verbosity=0)
    return live_server


@pytest.fixture(scope="session")
def axe():
    return Axe()


def serious_violations(axe, page) -> list[str]:
    """axe-core violations of impact serious or critical, as readable lines."""
    results = axe.run(page)
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} — "
        + ", ".join(str(node["target"]) for node in violation["nodes"][:5])
        for violation in results.response["violations"]
        if violation["impact"] in {"serious", "critical"}
    ]


def screenshot(page, name: str) -> None:
    """With SCREENSHOTS_DIR set, save the page at desktop and phone widths to look at."""
    if SCREENSHOTS is None:
        return
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for label, viewport in VIEWPORTS.items():
        page.set_viewport_size(viewport)
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{label}.png"), full_page=True)
    page.set_viewport_size(VIEWPORTS["desktop"])


STRIPE_WEBHOOK_SECRET = "whsec_e2e_card_checkout"


@pytest.fixture
def stripe_live(live_demo_hub, localstripe, settings):
    """Settings pointed at localstripe, a connected account per seller, the webhook to the live site."""
    from hub.models import Structure

    settings.STRIPE_SECRET_KEY = localstripe.secret_key
    settings.STRIPE_PUBLISHABLE_KEY = localstripe.publishable_key
    settings.STRIPE_API_BASE = localstripe.url
    settings.STRIPE_WEBHOOK_SECRET = STRIPE_WEBHOOK_SECRET
    settings.STRIPE_JS_URL = localstripe.stripe_js_url
    client = localstripe.client()
    for structure in Structure.objects.sellers():
        account = client.v1.accounts.create(params={"type": "express", "country": "FR"})
        Structure.objects.filter(pk=structure.pk).update(stripe_account_id=account.id)
    endpoint = f"e2e-{time.monotonic_ns()}"
    localstripe.register_webhook(
        endpoint,
        live_demo_hub.url + "/stripe/webhook/",
        STRIPE_WEBHOOK_SECRET,
        events=["payment_intent.succeeded", "payment_intent.payment_failed"],
    )
    try:
        yield live_demo_hub
    finally:
        localstripe.unregister_webhook(endpoint)


def fill_card(page, number: str = "4242424242424242") -> None:
    card = page.locator("#card-element")
    card.locator("input").first.wait_for()  # the fake Stripe.js mounted its card element
    card.locator("input[placeholder=number]").fill(number)
    card.locator("input[placeholder=exp_month]").fill("12")
    card.locator("input[placeholder=exp_year]").fill("34")
    card.locator("input[placeholder=cvc]").fill("123")
    card.locator("input[placeholder=postal_code]").fill("77140")
