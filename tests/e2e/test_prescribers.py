"""The demo's supports in the browser: the CCAS's social worker reads « Mes accompagnements », a support's
page (its history, the person's orders) and the form to open one; the resident reads « Qui m'accompagne »
with the CCAS's support awaiting her consent — each page axe-clean and without horizontal scroll at 1366
and 390 px. The Mission locale's support, withdrawn, shows nowhere on the CCAS's side."""

import pytest

from prescribers.models import Support
from tests.e2e.test_purchases_and_basket_size import _clean_at_both_widths, _sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
WORKER = "social.ccas@demo.pole.test"
RESIDENT = "resident@demo.pole.test"


def test_the_social_worker_and_the_person_read_the_supports(page, live_demo_hub, axe):
    base = live_demo_hub.url
    _sign_in(page, base, WORKER, "/accompagnements/")
    rows = page.locator("#supports tbody tr").all_inner_texts()
    assert [row.split("\t")[:3] for row in rows] == [
        ["Aminata Diallo", "Minima sociaux", "En cours"],
        ["Camille Martin", "Difficulté passagère", "En attente de l'accord"],
    ]
    assert "Kévin Morel" not in page.locator("main").inner_text()
    _clean_at_both_widths(page, axe, "prescriber-supports")

    family = Support.objects.get(person__email="aminata.diallo@demo.pole.test")
    page.get_by_role("link", name="Aminata Diallo").click()
    page.wait_for_url(f"**/accompagnements/{family.pk}/")
    main = page.locator("main").inner_text()
    assert "Tarif solidaire accordé" in main
    assert "Commandes passées pour cette personne" in main
    _clean_at_both_widths(page, axe, "prescriber-support")

    page.goto(base + "/accompagnements/ouvrir/")
    assert page.get_by_role("heading", level=1).inner_text() == "Ouvrir un accompagnement"
    _clean_at_both_widths(page, axe, "prescriber-open-support")

    page.context.clear_cookies()
    _sign_in(page, base, RESIDENT, "/accompagnements/qui-m-accompagne/")
    section = page.locator(".my-support").inner_text()
    assert "CCAS de Nemours" in section
    assert "En attente de l'accord" in section
    assert page.get_by_role("button", name="Je donne mon accord").is_visible()
    _clean_at_both_widths(page, axe, "my-supports")
