"""The Content-Security-Policy breaks nothing the browser shows: no page logs a violation."""

import re

import pytest

from hub.demo import DEMO_PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PAGES = [
    "/",
    "/catalogue/",
    "/auth/login/",
    "/api/docs/",
    "/admin/",
    "/admin/accounts/user/",
    "/admin/services/offering/add/",
    "/comptabilite/",
    "/compte/jetons-api/",
    "/compte/espace/",
]


def test_no_page_violates_the_policy(page, live_demo_hub):
    violations = []
    page.on(
        "console",
        lambda message: (
            violations.append(f"{page.url}: {message.text}") if "Content Security Policy" in message.text else None
        ),
    )
    page.goto(live_demo_hub.url + "/auth/login/")
    page.get_by_label("Courriel").fill("admin@demo.pole.test")
    page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    page.wait_for_url(re.compile(r"/admin/$"))  # a hub admin lands on the back-office
    for path in PAGES:
        response = page.goto(live_demo_hub.url + path)
        assert response.status == 200, path
        assert "default-src 'self'" in response.headers["content-security-policy"]
        page.wait_for_load_state("networkidle")
    assert violations == [], "\n".join(violations)
