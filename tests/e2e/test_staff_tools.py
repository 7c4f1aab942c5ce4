"""Each role lands on its work after login and finds its tools in the header's menu (issue 12): the
supervisor on this week's board, the accountant on the books, the resident on their dashboard; on a
phone the « Menu » button opens the menu, every header target is at least 44 px tall and no page
scrolls sideways; each page clean under axe at 1366 and 390 px. The resident's API tokens page is
checked the same way."""

import re

import pytest

from accounts.models import ApiToken
from hub.demo import DEMO_PASSWORD
from tests.e2e.conftest import SCREENSHOTS, VIEWPORTS, screenshot, serious_violations

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _sign_in(page, url: str, email: str, next_path: str = "", lands_on: str = "") -> None:
    page.goto(f"{url}/auth/login/" + (f"?next={next_path}" if next_path else ""))
    page.get_by_label("Courriel").fill(email)
    page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    page.wait_for_url(re.compile(rf"{lands_on or re.escape(next_path)}$"))


def _clean_at_both_widths(page, axe, name: str) -> None:
    for viewport in ("desktop", "phone"):
        page.set_viewport_size(VIEWPORTS[viewport])
        assert serious_violations(axe, page) == [], (name, viewport)
    page.set_viewport_size(VIEWPORTS["desktop"])
    screenshot(page, name)


def _no_sideways_scroll_on_a_phone(page) -> None:
    page.set_viewport_size(VIEWPORTS["phone"])
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.set_viewport_size(VIEWPORTS["desktop"])


def _small_header_targets(page) -> list[str]:
    """The header's visible links, buttons and menu titles less than 44 px tall."""
    return page.evaluate(
        """() => Array.from(document.querySelectorAll('.site-header a, .site-header button, .site-header summary'))
            .filter((element) => element.offsetParent !== null)
            .filter((element) => element.getBoundingClientRect().height < 44)
            .map((element) => element.textContent.trim())"""
    )


def test_the_supervisor_lands_on_this_week_s_board_and_finds_the_day_s_timesheet(page, live_demo_hub, axe):
    _sign_in(
        page,
        live_demo_hub.url,
        "encadrant@demo.pole.test",
        lands_on=r"/insertion/jardins-du-pole/semaine/\d{4}-W\d{2}/",
    )
    _clean_at_both_widths(page, axe, "landing-supervisor")
    _no_sideways_scroll_on_a_phone(page)

    page.locator("summary", has_text="Encadrement").click()
    menu = page.locator("details[open] > ul a")
    assert menu.all_inner_texts() == [
        "Planning de la semaine", "Équipes d'insertion", "Blanchisserie : la semaine", "État mensuel IAE",
        "Listes de paniers", "Back-office",
    ]  # fmt: skip
    screenshot(page, "menu-supervisor")
    page.get_by_role("link", name="Équipes d'insertion").click()
    page.wait_for_url(re.compile(r"/insertion/$"))
    _clean_at_both_widths(page, axe, "insertion-home")
    _no_sideways_scroll_on_a_phone(page)

    page.get_by_role("link", name=re.compile("Relevé d'heures du jour — Jardins du Pôle")).click()
    page.wait_for_url(re.compile(r"/insertion/jardins-du-pole/releves/\d{4}-\d{2}-\d{2}/$"))
    assert page.get_by_role("heading", level=1).is_visible()
    _clean_at_both_widths(page, axe, "insertion-timesheet")


def test_the_accountant_lands_on_the_books(page, live_demo_hub, axe):
    _sign_in(page, live_demo_hub.url, "compta@demo.pole.test", lands_on="/comptabilite/")
    assert page.get_by_role("heading", level=1).is_visible()
    _clean_at_both_widths(page, axe, "landing-accountant")
    _no_sideways_scroll_on_a_phone(page)

    page.goto(live_demo_hub.url + "/compte/espace/")
    assert page.locator("main h2").all_inner_texts() == ["Comptabilité", "Mes services"]
    _clean_at_both_widths(page, axe, "my-space-accountant")
    _no_sideways_scroll_on_a_phone(page)


def test_the_resident_lands_on_their_dashboard_and_opens_the_menu_on_a_phone(page, live_demo_hub, axe):
    _sign_in(page, live_demo_hub.url, "resident@demo.pole.test", lands_on="/compte/espace/")
    assert page.get_by_role("heading", level=3, name="Mes prochaines réservations").is_visible()
    _clean_at_both_widths(page, axe, "dashboard-resident")
    assert _small_header_targets(page) == []

    page.set_viewport_size(VIEWPORTS["phone"])
    button = page.get_by_role("button", name="Menu")
    assert button.get_attribute("aria-expanded") == "false"
    assert button.get_attribute("aria-controls") == "site-menu"
    assert not page.locator(".site-header").get_by_role("link", name="Catalogue", exact=True).is_visible()
    assert page.evaluate("document.querySelector('.site-header').getBoundingClientRect().height") < 80
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    button.click()
    assert button.get_attribute("aria-expanded") == "true"
    assert page.locator(".site-header").get_by_role("link", name="Catalogue", exact=True).is_visible()
    page.locator("summary", has_text="Mes services").click()
    assert page.locator(".site-header").get_by_role("link", name="Mes abonnements").is_visible()
    assert _small_header_targets(page) == []
    assert serious_violations(axe, page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    if SCREENSHOTS is not None:
        page.screenshot(path=str(SCREENSHOTS / "menu-resident-phone-open.png"), full_page=True)

    page.keyboard.press("Escape")  # closes the open role menu, then the menu itself
    page.keyboard.press("Escape")
    assert button.get_attribute("aria-expanded") == "false"
    assert not page.locator(".site-header").get_by_role("link", name="Catalogue", exact=True).is_visible()


def test_without_javascript_the_phone_menu_is_an_open_list(browser, live_demo_hub):
    context = browser.new_context(viewport=VIEWPORTS["phone"], locale="fr-FR", java_script_enabled=False)
    page = context.new_page()
    page.goto(live_demo_hub.url + "/")

    assert not page.get_by_role("button", name="Menu").is_visible()
    assert page.locator(".site-header").get_by_role("link", name="Catalogue", exact=True).is_visible()
    assert page.get_by_role("link", name="Se connecter").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    context.close()


def test_a_resident_creates_then_revokes_an_api_token_after_confirming(page, live_demo_hub, axe):
    _sign_in(page, live_demo_hub.url, "resident@demo.pole.test", next_path="/compte/jetons-api/")
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
