"""The 2025 tax certificates of the demo in the browser: the client finds hers and its PDF in her account;
the hub admin reads Pôle Services' list and the issue confirmation (nothing left to issue for 2025) — each
page axe-clean and without horizontal scroll at 1366 and 390 px."""

import pytest

from sap.models import TaxCertificate
from tests.e2e.test_purchases_and_basket_size import _clean_at_both_widths, _sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
CLIENT = "avance.active@demo.pole.test"
ADMIN = "admin@demo.pole.test"


def test_the_client_and_the_staff_read_the_2025_certificates(page, live_demo_hub, axe):
    base = live_demo_hub.url
    mine = TaxCertificate.objects.get(customer__email=CLIENT, year=2025)
    _sign_in(page, base, CLIENT, "/services-a-la-personne/attestations/")
    table = page.locator("#my-certificates").inner_text()
    assert "2025\tPôle Services\t2\u202f256,00\xa0€\t902,40\xa0€" in table
    link = page.get_by_role("link", name=f"Télécharger (PDF) {mine.number}")
    assert link.get_attribute("href") == f"/services-a-la-personne/attestations/{mine.pk}/pdf/"
    pdf = page.request.get(base + link.get_attribute("href"))
    assert (pdf.status, pdf.headers["content-type"]) == (200, "application/pdf")
    _clean_at_both_widths(page, axe, "my-tax-certificates")

    page.context.clear_cookies()
    path = "/services-a-la-personne/pole-services/attestations/"
    _sign_in(page, base, ADMIN, path)
    page.get_by_label("Année").select_option("2025")
    page.get_by_role("button", name="Afficher").click()
    text = page.locator("main").inner_text()
    numbers = list(TaxCertificate.objects.filter(structure__slug="pole-services", year=2025)
                   .order_by("customer_name").values_list("number", flat=True))  # fmt: skip
    assert numbers == ["ATT-PSV-2025-00001", "ATT-PSV-2025-00002"]
    rows = [row.split("\t")[:8] for row in page.locator("#structure-certificates tbody tr").all_inner_texts()]
    nbsp, thin = "\xa0", "\u202f"
    assert rows == [
        [numbers[0], "Madeleine Perrot", f"2{thin}256,00{nbsp}€", f"0,00{nbsp}€", f"0,00{nbsp}€",
         f"1{thin}353,60{nbsp}€", f"902,40{nbsp}€", "94"],
        [numbers[1], "Odette Lemaire", f"1{thin}152,00{nbsp}€", f"420,00{nbsp}€", f"0,00{nbsp}€", f"0,00{nbsp}€",
         f"732,00{nbsp}€", "48"],
    ]  # fmt: skip
    assert "n'a pas encore son attestation" not in text
    _clean_at_both_widths(page, axe, "structure-tax-certificates")

    page.goto(base + "/services-a-la-personne/pole-services/attestations/emettre/?annee=2025")
    assert page.get_by_role("heading", level=1).inner_text() == "Émettre les attestations fiscales 2025 ?"
    assert "Toutes les attestations de cette année sont déjà émises." in page.locator("main").inner_text()
    _clean_at_both_widths(page, axe, "issue-tax-certificates")
    assert TaxCertificate.objects.filter(structure__slug="pole-services", year=2025).count() == 2
