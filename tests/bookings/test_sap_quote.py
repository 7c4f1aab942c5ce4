import io
from decimal import Decimal

import pytest
from django.urls import reverse
from pypdf import PdfReader

from bookings.quotes import make_quote
from tests.accounts.factories import UserFactory
from tests.bookings.factories import BookableOfferingFactory

pytestmark = pytest.mark.django_db


def test_quote_amounts_and_threshold():
    housework = BookableOfferingFactory(home_visit=True)  # 24,00 € an hour
    customer = UserFactory()
    quote = make_quote(offering=housework, hours_per_visit=Decimal("2"), visits_per_month=4, customer=customer)
    assert (quote.monthly_hours, quote.monthly_amount, quote.tax_credit, quote.net_amount) == (
        Decimal("8"), Decimal("192.00"), Decimal("96.00"), Decimal("96.00"))  # fmt: skip
    assert quote.is_mandatory is True
    small = make_quote(offering=housework, hours_per_visit=Decimal("1"), visits_per_month=4, customer=customer)
    assert (small.monthly_amount, small.is_mandatory) == (Decimal("96.00"), False)


def test_quote_pdf_has_the_mentions(client):
    housework = BookableOfferingFactory(home_visit=True, structure__name="Services du Lunain")
    client.force_login(UserFactory())
    response = client.get(reverse("bookings:sap_quote", args=[housework.slug]), {"heures": "2", "interventions": "4"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    content = b"".join(response.streaming_content)  # rendered by a task (eager here), served from storage
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    text = " ".join(text.split())
    assert "Devis gratuit" in text
    assert "Services du Lunain" in text
    assert "Déclaration de services à la personne n° SAP845678937 du 01/03/2019" in text
    assert "192,00" in text
    assert (
        "Crédit d'impôt de 50 % (art. 199 sexdecies du CGI) : 96,00 € par mois, soit 96,00 € par mois après crédit d'impôt"
        in text
    )
    assert "TVA non applicable, art. 261-7-1° bis du CGI" in text
    assert "Mode d'intervention : Mise à disposition." in text  # the AI's mode, not a fixed « prestataire »
    assert "valable jusqu'au" in text
    assert (
        "Ce devis gratuit vous est dû dès 100,00 € TTC par mois, et sur simple demande en dessous. "
        "Un double en est conservé un an par Services du Lunain."
    ) in text


def test_quote_needs_valid_figures_and_a_sap_offering(client):
    housework = BookableOfferingFactory(home_visit=True)
    car = BookableOfferingFactory(vehicle_rental=True)
    client.force_login(UserFactory())
    bad = client.get(reverse("bookings:sap_quote", args=[housework.slug]), {"heures": "20", "interventions": "4"})
    assert bad.status_code == 302
    not_sap = client.get(reverse("bookings:sap_quote", args=[car.slug]), {"heures": "2", "interventions": "4"})
    assert not_sap.status_code == 404
