"""The supervisor finds their work from « Mon compte »: only tools they can open, the insertion home,
then the day's timesheet — each page clean under axe at 1366 and 390 px. The resident's API tokens
page is checked the same way."""

import re

import pytest

from accounts.models import ApiToken
from hub.demo import DEMO_PASSWORD
from tests.e2e.conftest import VIEWPORTS, screenshot, serious_violations

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _sign_in(page, url: str, email: str, next_path: str) -> None:
    page.goto(f"{url}/auth/login/?next={next_path}")
    page.get_by_label("Courriel").fill(email)
    page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    page.wait_for_url(re.compile(rf"{re.escape(next_path)}$"))


def _clean_at_both_widths(page, axe, name: str) -> None:
    for viewport in ("desktop", "phone"):
        page.set_viewport_size(VIEWPORTS[viewport])
        assert serious_violations(axe, page) == [], (name, viewport)
    page.set_viewport_size(VIEWPORTS["desktop"])
    screenshot(page, name)


def test_the_supervisor_goes_from_my_account_to_the_day_s_timesheet(page, live_demo_hub, axe):
    _sign_in(page, live_demo_hub.url, "encadrant@demo.pole.test", "/compte/")
    tools = page.locator("#roles-title ~ p.actions a").all_inner_texts()
    assert tools == ["Blanchisserie : la semaine", "Listes de paniers", "Équipes d'insertion", "Back-office"]
    _clean_at_both_widths(page, axe, "account-supervisor")

    page.get_by_role("link", name="Équipes d'insertion").click()
    page.wait_for_url(re.compile(r"/insertion/$"))
    _clean_at_both_widths(page, axe, "insertion-home")

    page.get_by_role("link", name=re.compile("Relevé d'heures du jour — Jardins du Pôle")).click()
    page.wait_for_url(re.compile(r"/insertion/jardins-du-pole/releves/\d{4}-\d{2}-\d{2}/$"))
    assert page.get_by_role("heading", level=1).is_visible()
    _clean_at_both_widths(page, axe, "insertion-timesheet")


def test_a_resident_creates_then_revokes_an_api_token_after_confirming(page, live_demo_hub, axe):
    _sign_in(page, live_demo_hub.url, "resident@demo.pole.test", "/compte/jetons-api/")
    _clean_at_both_widths(page, axe, "api-tokens-empty")

    page.get_by_label("Nom du jeton").fill("Tableur de la famille")
    page.get_by_role("button", name="Créer le jeton").click()
    page.get_by_text("Copiez-le maintenant").wait_for()
    assert page.get_by_role("cell", name="Tableur de la famille", exact=True).is_visible()
    _clean_at_both_widths(page, axe, "api-tokens-created")

    page.once("dialog", lambda dialog: dialog.dismiss())
    page.get_by_role("button", name=re.compile("Révoquer")).click()
    assert page.get_by_role("button", name=re.compile("Révoquer")).is_visible()  # dismissed: nothing revoked
    assert ApiToken.objects.get(name="Tableur de la famille").revoked_at is None
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name=re.compile("Révoquer")).click()
    page.get_by_role("button", name=re.compile("Révoquer")).wait_for(state="detached")
    assert ApiToken.objects.get(name="Tableur de la famille").revoked_at is not None
