"""The impact dashboard (the hub admin: the whole hub, then one structure and one month) and the public
activity report: SVG charts each with its table, clean under axe at 1366 and 390 px, no sideways scroll on a
phone."""

import re

import pytest
from django.utils import timezone

from hub.demo import DEMO_PASSWORD
from tests.e2e.conftest import VIEWPORTS, screenshot, serious_violations

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _clean_at_both_widths(page, axe, name: str) -> None:
    for viewport in ("desktop", "phone"):
        page.set_viewport_size(VIEWPORTS[viewport])
        assert serious_violations(axe, page) == [], (name, viewport)
        assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORTS[viewport]["width"], (name, viewport)
    page.set_viewport_size(VIEWPORTS["desktop"])
    screenshot(page, name)


def _sign_in(page, url: str, email: str) -> None:
    page.goto(f"{url}/auth/login/?next=/impact/")
    page.get_by_label("Courriel").fill(email)
    page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    page.wait_for_url(re.compile(r"/impact/$"))


def test_the_hub_admin_reads_the_hub_then_a_structure_s_month(page, live_demo_hub, axe):
    _sign_in(page, live_demo_hub.url, "admin@demo.pole.test")
    year = timezone.localdate().year
    assert page.get_by_role("heading", level=1).inner_text().startswith("Tableau de bord d'impact")
    assert page.locator("figure.impact-chart").count() == 3
    # Each chart drawn has its table, a row per bar.
    for chart in page.locator("figure.impact-chart:has(svg)").all():
        assert chart.locator("svg[role=img] rect").count() == chart.locator("table tbody tr").count() > 0
    _clean_at_both_widths(page, axe, "impact-hub")

    page.get_by_label("Périmètre").select_option(label="Jardins du Pôle")
    page.get_by_label("Mois").select_option(str(timezone.localdate().month))
    page.get_by_role("button", name="Afficher").click()
    page.wait_for_url(re.compile(rf"structure=jardins-du-pole&annee={year}&mois=\d+"))
    assert "Jardins du Pôle" in page.get_by_role("heading", level=1).inner_text()
    _clean_at_both_widths(page, axe, "impact-structure-month")

    with page.expect_download() as download:
        page.get_by_role("link", name="Télécharger en CSV").click()
    assert download.value.suggested_filename.startswith("impact-jardins-du-pole-")


def test_the_public_report_needs_no_login(page, live_demo_hub, axe):
    year = timezone.localdate().year
    page.goto(f"{live_demo_hub.url}/")
    page.get_by_role("link", name="Rapport d'activité").click()
    page.wait_for_url(re.compile(rf"/rapport-activite/{year - 1}/$"))
    page.get_by_role("link", name=str(year), exact=True).click()
    page.wait_for_url(re.compile(rf"/rapport-activite/{year}/$"))
    assert page.get_by_role("heading", level=1).inner_text().startswith(f"Rapport d'activité {year}")
    _clean_at_both_widths(page, axe, "impact-public")
