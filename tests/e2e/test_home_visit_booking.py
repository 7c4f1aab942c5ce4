"""A resident books a 2-hour garden visit at 10:00, sees its price and tax credit before confirming,
confirms, then cancels it through the confirmation page — in a browser, axe-checked at 1366 and 390 px."""

import datetime
import re
from decimal import Decimal

import pytest
from django.utils import timezone

from bookings.selectors import is_public_holiday
from hub.demo import DEMO_PASSWORD
from tests.e2e.conftest import VIEWPORTS, fill_card, screenshot, serious_violations

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

RESIDENT = "resident@demo.pole.test"
NBSP = "\u00a0"


def _sign_in(page, base_url: str) -> None:
    page.goto(base_url + "/auth/login/")
    page.get_by_label("Courriel").fill(RESIDENT)
    page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    page.wait_for_url(lambda url: "/auth/login/" not in url)


def _clean_at_both_widths(page, axe, name: str) -> None:
    """0 serious or critical axe violations and no horizontal scroll, at desktop then phone width."""
    for label, viewport in VIEWPORTS.items():
        page.set_viewport_size(viewport)
        assert serious_violations(axe, page) == [], label
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), label
    page.set_viewport_size(VIEWPORTS["desktop"])
    screenshot(page, name)


def _a_tuesday_ahead() -> datetime.date:
    today = timezone.localdate()
    day = today + datetime.timedelta(days=(1 - today.weekday()) % 7 + 14)
    while is_public_holiday(day):
        day += datetime.timedelta(weeks=1)
    return day


def test_resident_books_a_garden_visit_sees_the_price_then_cancels_it(live_demo_hub, page, axe):
    from bookings.models import Booking

    tuesday = _a_tuesday_ahead()
    monday = tuesday - datetime.timedelta(days=1)
    _sign_in(page, live_demo_hub.url)

    page.goto(f"{live_demo_hub.url}/reservations/petits-travaux-de-jardinage/?semaine={monday.isoformat()}")
    assert "l'intervention dure 2 h" in page.locator(".visit-hint").inner_text()
    page.get_by_role("group", name=re.compile(r"^mardi")).locator("label").filter(
        has_text=re.compile(r"^10:00")
    ).click()
    assert page.get_by_role("group", name=re.compile(r"^mardi")).get_by_label("10:00 – 12:00").is_checked()
    # The address of the resident's last visit is offered.
    assert page.get_by_label("Adresse d'intervention").input_value() == "4 rue des Tilleuls, 77140 Nemours"
    assert page.get_by_label("Code postal").input_value() == "77140"
    assert "au retrait" not in page.locator("main").inner_text()
    page.get_by_label("Chèque, à réception de la facture").check()
    _clean_at_both_widths(page, axe, "home-visit-calendar")

    page.get_by_role("button", name="Voir le prix et confirmer").click()
    page.get_by_role("heading", name="Vérifiez votre réservation").wait_for()
    summary = page.locator(".visit-summary").inner_text()
    assert f"2 h × 27,00{NBSP}€ de l'heure" in summary
    assert f"Total\t54,00{NBSP}€" in summary
    assert f"50 % de crédit d'impôt, soit 27,00{NBSP}€ ; il vous en coûte 27,00{NBSP}€ après crédit" in summary
    assert "de 10:00 à 12:00" in summary
    assert not Booking.objects.filter(customer__email=RESIDENT, offering__slug="petits-travaux-de-jardinage").exists()
    _clean_at_both_widths(page, axe, "home-visit-review")

    page.get_by_role("button", name="Confirmer la réservation").click()
    page.wait_for_url(re.compile(r"/reservations/mes-reservations/$"))
    message = page.locator(".messages").inner_text()
    assert "C'est réservé : « Petits travaux de jardinage » le mardi" in message
    assert "de 10:00 à 12:00, à votre adresse." in message
    booking = Booking.objects.get(customer__email=RESIDENT, offering__slug="petits-travaux-de-jardinage")
    assert timezone.localtime(booking.starts_at).time() == datetime.time(10)
    assert (booking.ends_at - booking.starts_at, booking.status) == (datetime.timedelta(hours=2), "confirmed")
    _clean_at_both_widths(page, axe, "home-visit-mine")

    # « Déplacer » offers the days and start times; nothing changes unless one is chosen.
    page.get_by_role("link", name="Déplacer Petits travaux de jardinage").click()
    page.get_by_role("heading", name="Déplacer une réservation").wait_for()
    _clean_at_both_widths(page, axe, "home-visit-reschedule")
    page.get_by_role("link", name="Ne rien changer").click()
    page.wait_for_url(re.compile(r"/reservations/mes-reservations/$"))

    page.get_by_role("link", name="Annuler… Petits travaux de jardinage").click()
    page.get_by_role("heading", name="Annuler cette intervention ?").wait_for()
    assert "Sans frais" in page.locator("main").inner_text()
    _clean_at_both_widths(page, axe, "home-visit-cancel")

    page.get_by_role("button", name="Oui, annuler").click()
    page.wait_for_url(re.compile(r"/reservations/mes-reservations/$"))
    assert "Réservation annulée. Sans frais." in page.locator(".messages").inner_text()
    booking.refresh_from_db()
    assert booking.status == "cancelled"


def test_resident_pays_a_garden_visit_by_card_when_booking_it(stripe_live, page, axe):
    """A visit booked by start time has a fixed price: paid by card at once, invoiced at 54,00 €."""
    from bookings.models import Booking
    from marketplace.enums import PaymentStatus
    from marketplace.models import Invoice

    tuesday = _a_tuesday_ahead()
    monday = tuesday - datetime.timedelta(days=1)
    _sign_in(page, stripe_live.url)

    page.goto(f"{stripe_live.url}/reservations/petits-travaux-de-jardinage/?semaine={monday.isoformat()}")
    page.get_by_role("group", name=re.compile(r"^mardi")).locator("label").filter(
        has_text=re.compile(r"^14:00")
    ).click()
    page.get_by_label("Carte bancaire, dès la réservation").check()
    page.get_by_role("button", name="Voir le prix et confirmer").click()
    page.get_by_role("heading", name="Vérifiez votre réservation").wait_for()
    assert f"Vous payez 54,00{NBSP}€ par carte à l'étape suivante." in page.locator(".visit-summary").inner_text()
    _clean_at_both_widths(page, axe, "home-visit-review-card")

    page.get_by_role("button", name="Confirmer et payer").click()
    page.wait_for_url(re.compile(r"/commandes/[^/]+/payer/$"))
    booking = Booking.objects.select_related("order_line__order").get(
        customer__email=RESIDENT, offering__slug="petits-travaux-de-jardinage", status="held"
    )
    assert booking.order_line.order.total_incl == Decimal("54.00")
    fill_card(page)
    page.get_by_role("button", name=re.compile(r"^Payer ")).click()
    page.get_by_role("button", name="Complete authentication").click()
    page.wait_for_url(re.compile(r"/merci/\?payment_intent=pi_"))
    page.locator("#payment-status .payment-status-line strong").filter(has_text="Payée").wait_for(timeout=20_000)
    _clean_at_both_widths(page, axe, "home-visit-paid")

    booking.refresh_from_db()
    order = booking.order_line.order
    order.refresh_from_db()
    invoice = Invoice.objects.get(order=order)
    assert (booking.status, order.payment_status) == ("confirmed", PaymentStatus.PAID)
    assert (invoice.total_incl, invoice.lines.get().quantity) == (Decimal("54.00"), Decimal("2.000"))
