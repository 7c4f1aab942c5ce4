"""The demo accountant runs the reconciliation from the books' home page and reads the differences."""

import re

import pytest

from hub.demo import DEMO_PASSWORD
from marketplace.models import Invoice
from tests.e2e.conftest import SCREENSHOTS, serious_violations

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WIDTHS = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}


def _shots(page, name: str) -> None:
    if SCREENSHOTS is None:
        return
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for label, viewport in WIDTHS.items():
        page.set_viewport_size(viewport)
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{label}.png"), full_page=True)
    page.set_viewport_size(WIDTHS["desktop"])


def test_accountant_runs_the_reconciliation_and_sees_a_planted_difference(page, live_demo_hub, axe):
    # An invoice written behind the platform's back, never posted: the reconciliation must find it.
    invoice = Invoice.objects.issued().filter(structure__slug="jardins-du-pole").order_by("-sequence").first()
    invoice.pk = None
    invoice.sequence = 99999
    invoice.number = f"{invoice.number[:-5]}99999"
    Invoice.objects.bulk_create([invoice])

    page.set_viewport_size(WIDTHS["desktop"])
    page.goto(live_demo_hub.url + "/auth/login/?next=/comptabilite/")
    page.get_by_label("Courriel").fill("compta@demo.pole.test")
    page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    page.wait_for_url(re.compile(r"/comptabilite/$"))
    page.get_by_role("link", name="Rapprochement des comptes").click()
    page.wait_for_url(re.compile(r"/comptabilite/rapprochement/$"))
    assert page.get_by_text("Aucun rapprochement n'a encore été lancé.").is_visible()

    page.get_by_role("button", name="Lancer le rapprochement").click()
    page.wait_for_load_state()
    # Found twice: no sales entry for the invoice, and its customer's 411 short of what the invoices say.
    assert page.get_by_text("Rapprochement terminé : 2 écart(s).").is_visible()
    assert page.locator("tbody tr", has_text="les factures ouvertes font").count() == 1
    row = page.locator("tbody tr", has_text=invoice.number)
    assert row.locator("th").inner_text() == invoice.number
    cells = row.locator("td").all_inner_texts()
    assert cells[0] == "Jardins du Pôle"
    assert cells[1] == f"{invoice.total_incl:.2f}".replace(".", ",") + "\u00a0€"
    assert cells[2] == "—"
    assert "n'a pas d'écriture au journal des ventes" in cells[3]
    assert serious_violations(axe, page) == []
    page.set_viewport_size(WIDTHS["phone"])
    assert serious_violations(axe, page) == []
    _shots(page, "accounting-reconciliation")
