"""The immediate advance in the browser: the hub admin opts a demo resident in for Pôle Services through the
form, the URSSAF (stand-in) activates the client, the month's invoice goes out as a payment request the
client validates, then the client signs in and sees « 50 % payés par l'avance immédiate » — each page
axe-clean and without horizontal scroll at 1366 and 390 px."""

import re
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model

from devtools import urssaf_server
from hub.models import Structure
from marketplace.actions.checkout import Billing, place_order_for_items
from marketplace.enums import PaymentMethod
from marketplace.models import Invoice
from sap import advance
from sap.enums import EnrolmentStatus, RequestStatus
from sap.models import AdvanceClient, PaymentRequest
from tests.e2e.test_purchases_and_basket_size import _clean_at_both_widths, _sign_in
from tests.services.factories import OfferingFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
RESIDENT = "resident@demo.pole.test"
ADMIN = "admin@demo.pole.test"  # a hub admin: manages every structure, Pôle Services included


@pytest.fixture(scope="module")
def urssaf_url():
    process, url = urssaf_server.start_in_background()
    try:
        yield url
    finally:
        urssaf_server.stop(process)


@pytest.fixture
def advance_live(live_demo_hub, urssaf_url, settings):
    """The live server talks to the stand-in with Pôle Services' credentials (as the unit tests do)."""
    urssaf_server.control(urssaf_url, "reset")
    settings.URSSAF_API_BASE = urssaf_url
    settings.URSSAF_CREDENTIALS = {
        "pole-services": {
            "client_id": urssaf_server.TEST_CLIENT_ID,
            "client_secret": urssaf_server.TEST_CLIENT_SECRET,
            "billing_id": "TP-PSV",
        }
    }
    settings.URSSAF_RETRIES = 0
    settings.URSSAF_BACKOFF = 0
    return live_demo_hub


def _fill_enrolment(page) -> None:
    values = {
        "customer_email": RESIDENT, "birth_name": "Martin", "first_names": "Camille Anne", "birth_date": "1975-06-14",
        "birth_department": "77", "birth_commune_code": "77099", "birth_commune_label": "Château-Landon",
        "mobile_phone": "06 12 34 56 78", "email": RESIDENT, "street_number": "8", "street_type_code": "R",
        "street_name": "des Tilleuls", "postcode": "77140", "city_code": "77333", "city_label": "Nemours",
        "iban": "FR76 3000 6000 0112 3456 7890 189", "bic": "BNPAFRPPXXX", "account_holder": "Camille Martin",
    }  # fmt: skip
    page.get_by_label("Madame").check()
    for name, value in values.items():
        page.locator(f"#id_{name}").fill(value)


def _month_invoice(structure: Structure, customer) -> Invoice:
    """The month's home services of the client, paid by the advance (as bookings' monthly invoicing does)."""
    housework = OfferingFactory(sap=True, structure=structure, name="Ménage du mois", price=Decimal("25.00"))
    order = place_order_for_items(
        user=customer,
        items=[(housework, Decimal("6"))],
        payment_method=PaymentMethod.URSSAF,
        billing=Billing(name="Camille Martin", address="8 rue des Tilleuls\n77140 Nemours", email=RESIDENT),
        urssaf_advance=True,
    )
    return Invoice.objects.issued().get(order=order)


def test_staff_opt_a_client_in_and_the_client_sees_half_paid_by_the_advance(page, advance_live, urssaf_url, axe):
    base = advance_live.url
    structure = Structure.objects.get(slug="pole-services")
    resident = get_user_model().objects.get(email=RESIDENT)
    list_path = "/services-a-la-personne/pole-services/avance-immediate/"
    _sign_in(page, base, ADMIN, list_path)
    assert "Madeleine PERROT" in page.locator("main").inner_text()  # the demo's clients
    _clean_at_both_widths(page, axe, "advance-list-empty")

    page.get_by_role("link", name="Inscrire un client").click()
    page.wait_for_url(re.compile(r"/avance-immediate/inscrire/$"))
    _fill_enrolment(page)
    _clean_at_both_widths(page, axe, "advance-enrol-form")
    page.get_by_role("button", name="Inscrire le client").click()
    page.wait_for_url(re.compile(r"/avance-immediate/clients/\d+/$"))

    client = AdvanceClient.objects.get(structure=structure, customer=resident)
    assert (client.status, client.urssaf_id != "") == (EnrolmentStatus.PENDING, True)
    assert page.get_by_text("Inscription enregistrée et transmise à l'URSSAF.").is_visible()
    assert "FR76 •••• 0189" in page.locator("#advance-identity").inner_text()
    _clean_at_both_widths(page, axe, "advance-client-pending")

    # The client activates their URSSAF account; the beat sees it, then the month's invoice goes out.
    urssaf_server.control(urssaf_url, f"clients/{client.urssaf_id}/activate")
    advance.follow_clients()
    client.refresh_from_db()
    assert client.status == EnrolmentStatus.ACTIVE
    invoice = _month_invoice(structure, resident)
    advance.sweep_requests()
    request = PaymentRequest.objects.get(invoice=invoice)
    urssaf_server.control(urssaf_url, f"payment-requests/{request.urssaf_id}/status", {"code": "30"})
    advance.follow_requests()
    request.refresh_from_db()
    assert request.status == RequestStatus.VALIDATED

    page.reload()
    assert invoice.number in page.locator("main").inner_text()
    assert "Validée" in page.locator(".advance-request").first.inner_text()
    _clean_at_both_widths(page, axe, "advance-client-validated")
    page.goto(base + list_path)
    assert invoice.number in page.locator("#advance-requests").inner_text()
    _clean_at_both_widths(page, axe, "advance-list")

    page.context.clear_cookies()
    _sign_in(page, base, RESIDENT, "/services-a-la-personne/avance-immediate/")
    text = page.locator("main").inner_text().replace("\xa0", " ").replace("\u202f", " ")
    assert "Pôle Services" in text
    assert "50 % payés par l'avance immédiate : 75,00 € ; prélevés sur votre compte par l'URSSAF : 75,00 €" in text
    _clean_at_both_widths(page, axe, "advance-mine")
