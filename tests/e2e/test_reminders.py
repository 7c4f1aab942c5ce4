"""The demo accountant sends the next reminder of an overdue invoice by hand, after confirming."""

import re

import pytest

from hub.demo import DEMO_PASSWORD
from marketplace.models import Invoice, ReminderSent
from tests.e2e.conftest import screenshot, serious_violations

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_accountant_sends_a_reminder_by_hand(page, live_demo_hub, axe):
    # The sports club's car rental, due 15 days ago, reminded once (friendly) by the demo.
    invoice = Invoice.objects.issued().get(structure__slug="mobilite-solidaire", organisation__slug="as-souppes")
    assert list(ReminderSent.objects.filter(invoice=invoice).values_list("level__kind", flat=True)) == ["friendly"]

    page.goto(live_demo_hub.url + "/auth/login/?next=/comptabilite/mobilite-solidaire/")
    page.get_by_label("Courriel").fill("compta@demo.pole.test")
    page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    page.wait_for_url(re.compile(r"/comptabilite/mobilite-solidaire/$"))
    page.get_by_role("link", name="Relances", exact=True).click()
    page.wait_for_url(re.compile(r"/creances/relances/$"))
    row = page.locator(f"#invoice-{invoice.pk}")
    assert "Relance amiable" in row.inner_text()
    assert serious_violations(axe, page) == []
    screenshot(page, "receivables-reminders")

    row.get_by_role("link", name="Relancer…").click()
    page.wait_for_url(re.compile(rf"/creances/factures/{invoice.pk}/relancer/$"))
    assert page.locator("#reminder-to").inner_text() == "tresorier@as-souppes.test"
    assert ReminderSent.objects.filter(invoice=invoice).count() == 1  # nothing sent before confirming
    page.get_by_role("button", name="Oui, envoyer « Deuxième relance »").click()
    page.wait_for_url(re.compile(r"/creances/relances/$"))

    assert page.get_by_text(f"« Deuxième relance » de la facture {invoice.number} envoyée").is_visible()
    assert list(
        ReminderSent.objects.filter(invoice=invoice).order_by("level__rank").values_list("level__kind", flat=True)
    ) == ["friendly", "second"]
    page.get_by_role("link", name="Historique des relances").click()
    assert page.locator("#reminders-sent tbody tr").first.inner_text().count(invoice.number) == 1
