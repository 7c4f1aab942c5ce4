"""At 390 px wide, every main page of every demo role fits the screen (no horizontal scroll) and is clean
under axe (no serious or critical violation): tables read as cards, form controls are touch-sized.

Pages are gathered per role and checked together, so one run names every page that does not fit."""

import datetime
import re

import pytest
from django.utils import timezone

from hub.demo import DEMO_PASSWORD
from tests.e2e.conftest import VIEWPORTS, screenshot, serious_violations

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PHONE_WIDTH = VIEWPORTS["phone"]["width"]


def _sign_in(page, url: str, email: str) -> None:
    page.goto(f"{url}/auth/login/")
    page.get_by_label("Courriel").fill(email)
    page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    page.wait_for_url(re.compile(r"^(?!.*/auth/login/)"))


def _check(page, axe, base: str, paths: list[str], role: str) -> list[str]:
    """Each page at phone width: its status, its width and its axe violations; the problems found."""
    page.set_viewport_size(VIEWPORTS["phone"])
    problems = []
    for path in paths:
        response = page.goto(base + path)
        page.wait_for_load_state("load")
        if response is None or response.status != 200:
            problems.append(f"{role} {path}: HTTP {response and response.status}")
            continue
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE_WIDTH:
            problems.append(f"{role} {path}: {width} px wide, scrolls sideways on a {PHONE_WIDTH} px phone")
        problems.extend(f"{role} {path}: {violation}" for violation in serious_violations(axe, page))
        screenshot(page, f"phone-{role}-" + (path.strip("/").replace("/", "-") or "home"))
        page.set_viewport_size(VIEWPORTS["phone"])
    return problems


def test_public_pages_fit_a_phone(page, live_demo_hub, axe):
    from hub.models import Structure

    paths = ["/", "/catalogue/", "/catalogue/panier-petit-format/", "/reservations/", "/reservations/abonnements/",
             "/pages/mentions-legales/", "/pages/conditions-generales-de-vente/",
             "/pages/politique-de-confidentialite/", "/auth/login/"]  # fmt: skip
    paths += [
        f"/catalogue/structures/{slug}/"
        for slug in Structure.objects.active().of_the_hub().values_list("slug", flat=True)
    ]

    assert _check(page, axe, live_demo_hub.url, paths, "public") == []


def test_a_resident_s_pages_fit_a_phone(page, live_demo_hub, axe):
    from marketplace.models import Order

    _sign_in(page, live_demo_hub.url, "resident@demo.pole.test")
    page.goto(f"{live_demo_hub.url}/catalogue/panier-petit-format/")
    page.get_by_role("button", name="Ajouter au panier").click()
    page.get_by_role("status").filter(has_text=re.compile("panier", re.I)).wait_for()
    orders = list(
        Order.objects.filter(customer__email="resident@demo.pole.test").values_list("reference", flat=True)[:2]
    )
    paths = ["/compte/", "/compte/jetons-api/", "/panier/", "/commander/", "/commandes/",
             *[f"/commandes/{reference}/" for reference in orders],
             "/reservations/mes-reservations/", "/reservations/mes-abonnements/",
             "/reservations/linge-plat-au-kilo/", "/reservations/menage-a-domicile/",
             "/reservations/location-de-voiture-a-la-journee/", "/reservations/seance-de-code-de-la-route/"]  # fmt: skip

    assert _check(page, axe, live_demo_hub.url, paths, "resident") == []


def test_an_organisation_s_pages_fit_a_phone(page, live_demo_hub, axe):
    from marketplace.models import Order

    _sign_in(page, live_demo_hub.url, "asso@demo.pole.test")
    orders = list(Order.objects.filter(customer__email="asso@demo.pole.test").values_list("reference", flat=True)[:2])
    paths = ["/compte/", "/commandes/", *[f"/commandes/{reference}/" for reference in orders],
             "/reservations/mes-reservations/", "/reservations/linge-plat-au-kilo/"]  # fmt: skip

    assert _check(page, axe, live_demo_hub.url, paths, "organisation") == []


def test_the_supervisor_s_pages_fit_a_phone(page, live_demo_hub, axe):
    from insertion.models import Worker

    _sign_in(page, live_demo_hub.url, "encadrant@demo.pole.test")
    today = timezone.localdate()
    iso = today.isocalendar()
    worker = Worker.objects.filter(structure__slug="jardins-du-pole").order_by("pk").first()
    base = "/insertion/jardins-du-pole"
    paths = ["/compte/", "/insertion/", f"{base}/", f"{base}/semaine/{iso.year}-W{iso.week:02d}/", f"{base}/salaries/",
             f"{base}/salaries/{worker.pk}/", f"{base}/releves/{today.isoformat()}/",
             f"{base}/releves/{(today - datetime.timedelta(days=1)).isoformat()}/",
             f"{base}/heures/{today.year}/{today.month}/", "/reservations/gestion/paniers/"]  # fmt: skip

    assert _check(page, axe, live_demo_hub.url, paths, "supervisor") == []


def test_laundry_staff_s_pages_fit_a_phone(page, live_demo_hub, axe):
    _sign_in(page, live_demo_hub.url, "linge@demo.pole.test")

    assert _check(page, axe, live_demo_hub.url, ["/compte/", "/reservations/gestion/blanchisserie/"], "laundry") == []


def test_the_accountant_s_pages_fit_a_phone(page, live_demo_hub, axe):
    _sign_in(page, live_demo_hub.url, "compta@demo.pole.test")
    base = "/comptabilite/jardins-du-pole"
    paths = ["/compte/", "/comptabilite/", "/comptabilite/rapprochement/", f"{base}/", f"{base}/journal/",
             f"{base}/grand-livre/", f"{base}/balance/", f"{base}/clients/", f"{base}/chiffre-affaires/",
             f"{base}/tva/", f"{base}/ecriture/"]  # fmt: skip

    assert _check(page, axe, live_demo_hub.url, paths, "accountant") == []


def test_the_hub_admin_s_back_office_fits_a_phone(page, live_demo_hub, axe):
    from marketplace.models import Order

    _sign_in(page, live_demo_hub.url, "admin@demo.pole.test")
    reference = Order.objects.order_by("-placed_at").values_list("reference", flat=True).first()
    paths = ["/compte/", "/gestion/commandes/", f"/gestion/commandes/{reference}/", "/gestion/retraits/",
             "/gestion/cheques/", "/gestion/caisse/", "/gestion/stripe/"]  # fmt: skip

    assert _check(page, axe, live_demo_hub.url, paths, "admin") == []


def test_a_table_becomes_cards_on_a_phone_and_stays_a_table_on_a_desktop(page, live_demo_hub, axe):
    _sign_in(page, live_demo_hub.url, "compta@demo.pole.test")
    page.goto(f"{live_demo_hub.url}/comptabilite/jardins-du-pole/journal/")
    cell = page.locator("table.table-cards tbody td[data-label]").first

    page.set_viewport_size(VIEWPORTS["desktop"])
    assert cell.evaluate("cell => getComputedStyle(cell).display") == "table-cell"
    page.set_viewport_size(VIEWPORTS["phone"])
    assert cell.evaluate("cell => getComputedStyle(cell).display") == "block"
    assert cell.get_attribute("data-label") == "Date"
    assert cell.evaluate("cell => getComputedStyle(cell, '::before').content") == '"Date : "'


def test_the_pages_this_issue_changed_are_clean_on_a_desktop_too(page, live_demo_hub, axe):
    base = live_demo_hub.url
    page.set_viewport_size(VIEWPORTS["desktop"])
    problems = []
    for path in ("/", "/catalogue/structures/jardins-du-pole/", "/catalogue/panier-petit-format/"):
        page.goto(base + path)
        problems.extend(f"{path}: {violation}" for violation in serious_violations(axe, page))
    page.get_by_role("link", name="Jardins du Pôle").first.click()
    page.wait_for_url(re.compile(r"/catalogue/structures/jardins-du-pole/$"))

    _sign_in(page, base, "encadrant@demo.pole.test")
    today = timezone.localdate()
    timesheets = "/insertion/jardins-du-pole/releves/"
    for path in (f"{timesheets}{today + datetime.timedelta(days=1)}/", f"{timesheets}{today - datetime.timedelta(days=1)}/",
                 f"/insertion/jardins-du-pole/heures/{today.year}/{today.month}/", "/insertion/jardins-du-pole/salaries/"):  # fmt: skip
        page.goto(base + path)
        problems.extend(f"{path}: {violation}" for violation in serious_violations(axe, page))
        screenshot(page, "desktop-" + path.strip("/").replace("/", "-"))

    assert problems == []
