import re

import pytest

from hub.demo import DEMO_PASSWORD, OUTSIDE_ASSOCIATION, STRUCTURES
from tests.e2e.conftest import screenshot, serious_violations

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_resident_opens_the_home_page_and_signs_in(page, live_demo_hub, axe):
    page.goto(live_demo_hub.url + "/")
    assert page.locator("html").get_attribute("lang") == "fr"
    cards = page.locator(".cards .card h3")
    # The hub's own structures: an outside association whose books the Collectif keeps is never shown.
    assert sorted(cards.all_inner_texts()) == sorted(s["name"] for s in STRUCTURES if s is not OUTSIDE_ASSOCIATION)
    assert serious_violations(axe, page) == []
    screenshot(page, "home")

    # The skip link is the first thing the keyboard reaches.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Aller au contenu"

    page.get_by_role("link", name="Se connecter").click()
    page.wait_for_url(re.compile(r"/auth/login/"))
    assert serious_violations(axe, page) == []
    screenshot(page, "login")
    page.get_by_label("Courriel").fill("resident@demo.pole.test")
    page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Connexion").click()

    page.wait_for_url(re.compile(r"/compte/espace/$"))  # a resident lands on their dashboard
    assert page.get_by_role("heading", level=1).inner_text() == "Mon espace"
    assert "Camille Martin" in page.locator("main").inner_text()
    assert serious_violations(axe, page) == []
    screenshot(page, "my-space")

    page.locator("summary", has_text="Mon compte").click()
    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_load_state()
    assert page.get_by_role("link", name="Se connecter").is_visible()
