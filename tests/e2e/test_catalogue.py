import re

import pytest

from tests.e2e.conftest import screenshot, serious_violations

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_visitor_filters_the_catalogue_and_opens_an_offering(page, live_demo_hub, axe):
    page.goto(live_demo_hub.url + "/catalogue/")
    assert page.get_by_role("heading", level=1).inner_text() == "Catalogue"
    assert serious_violations(axe, page) == []
    screenshot(page, "catalogue")

    page.get_by_label("Type").select_option("home_service")
    page.wait_for_url(re.compile(r"kind=home_service"))
    titles = page.locator(".offering-card h2")
    titles.first.wait_for()
    page.wait_for_function("document.querySelectorAll('.offering-card').length === 5")
    assert "Ménage à domicile" in titles.all_inner_texts()

    page.get_by_role("link", name="Ménage à domicile").click()
    page.wait_for_url(re.compile(r"/catalogue/menage-a-domicile/$"))
    assert page.locator(".price-credit").inner_text() == "50 % de crédit d'impôt : soit 12,00\u00a0€ après crédit"
    assert serious_violations(axe, page) == []
    screenshot(page, "offering")
