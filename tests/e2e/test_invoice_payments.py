"""The Collectif's accountant records a member's transfer for last month's shared services from the aged
balance, sees the invoice leave it, then cancels a payment recorded by mistake after confirming —
axe-clean and without horizontal scroll at 1366 and 390 px."""

import re
from decimal import Decimal

import pytest

from marketplace.models import Invoice
from tests.e2e.test_purchases_and_basket_size import _clean_at_both_widths, _sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_accountant_records_then_cancels_a_shared_services_payment(page, live_demo_hub, axe):
    # The laundry's shared services of last month, not paid yet (the demo's first member paid on receipt).
    invoice = Invoice.objects.issued().get(
        structure__kind="collective", buyer_structure__slug="blanchisserie-solidaire", kind="invoice"
    )
    assert not invoice.payments.exists()
    base = live_demo_hub.url
    _sign_in(page, base, "compta@demo.pole.test", "/comptabilite/collectif-du-pole/creances/")
    row = page.locator("tr.aged-invoice", has_text=invoice.number)
    row.get_by_role("link", name="Règlement reçu…").click()
    page.wait_for_url(re.compile(rf"/creances/factures/{invoice.pk}/reglements/$"))
    assert page.locator("#invoice-remaining").inner_text().replace("\xa0", " ") == "480,00 €"
    _clean_at_both_widths(page, axe, "invoice-payments-form")

    page.get_by_label("Montant").fill("480,00")
    page.get_by_label("Virement").check()
    page.get_by_label("Référence").fill("VIR BLANCHISSERIE")
    page.get_by_role("button", name="Enregistrer le règlement").click()
    page.wait_for_url(re.compile(rf"/creances/factures/{invoice.pk}/reglements/$"))

    assert page.get_by_text(f"enregistré sur la facture {invoice.number}.").is_visible()
    assert "Cette facture est soldée." in page.locator("main").inner_text()
    [payment] = invoice.payments.all()
    assert (payment.amount, payment.reference, payment.is_cancelled) == (Decimal("480.00"), "VIR BLANCHISSERIE", False)
    _clean_at_both_widths(page, axe, "invoice-payments-paid")
    page.goto(base + "/comptabilite/collectif-du-pole/creances/")
    assert invoice.number not in page.locator("#aged-balance").inner_text()

    page.goto(base + f"/comptabilite/collectif-du-pole/creances/factures/{invoice.pk}/reglements/")
    page.get_by_role("link", name="Annuler…").click()
    page.wait_for_url(re.compile(rf"/creances/reglements/{payment.pk}/annuler/$"))
    _clean_at_both_widths(page, axe, "invoice-payment-cancel")
    payment.refresh_from_db()
    assert not payment.is_cancelled  # nothing before confirming
    page.get_by_label("Motif de l'annulation").fill("Virement d'une autre structure")
    page.get_by_role("button", name="Oui, annuler ce règlement").click()
    page.wait_for_url(re.compile(rf"/creances/factures/{invoice.pk}/reglements/$"))

    assert page.get_by_text("Règlement annulé : ses écritures sont contrepassées.").is_visible()
    payment.refresh_from_db()
    assert (payment.is_cancelled, payment.cancel_reason) == (True, "Virement d'une autre structure")
    assert page.locator("#invoice-remaining").inner_text().replace("\xa0", " ") == "480,00 €"
