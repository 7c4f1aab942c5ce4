"""In a browser, at 1366 and 390 px (axe: 0 serious/critical): the crèche books its laundry collected at
its address, sees the estimated price and confirms; its treasurer opens the organisation page (invoices,
outstanding total, statement); a resident terminates a basket subscription through its confirmation
step, dismissed first (nothing changes), then confirmed."""

import datetime
import re

import pytest
from django.utils import timezone

from hub.demo import DEMO_PASSWORD
from tests.e2e.conftest import VIEWPORTS, screenshot, serious_violations

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TREASURER = "asso@demo.pole.test"  # administrator of the crèche Les P'tits Loups


def _sign_in(page, base_url: str, email: str) -> None:
    page.goto(base_url + "/auth/login/")
    page.get_by_label("Courriel").fill(email)
    page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    page.wait_for_url(lambda url: "/auth/login/" not in url)  # each lands on their work (test_staff_tools)


def _clean_at_both_widths(axe, page) -> list[str]:
    """axe at desktop then phone width; the page scrolls no wider than the phone."""
    violations = []
    for viewport in VIEWPORTS.values():
        page.set_viewport_size(viewport)
        violations += serious_violations(axe, page)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > viewport["width"]:
            violations.append(f"scrolls sideways at {viewport['width']} px ({width} px wide)")
    page.set_viewport_size(VIEWPORTS["desktop"])
    return violations


def test_the_creche_books_a_collection_at_its_address_sees_the_price_and_confirms(live_demo_hub, page, axe):
    from bookings.models import Booking
    from hub.models import Organisation

    creche = Organisation.objects.get(slug="creche-les-ptits-loups")
    today = timezone.localdate()
    monday = today - datetime.timedelta(days=today.weekday()) + datetime.timedelta(weeks=3)
    thursday = monday + datetime.timedelta(days=3)
    _sign_in(page, live_demo_hub.url, TREASURER)

    page.goto(live_demo_hub.url + f"/reservations/linge-plat-au-kilo/?semaine={monday.isoformat()}")
    page.get_by_role("group", name=re.compile(r"^jeudi")).get_by_label(re.compile(r"^11:00–12:00")).check()
    page.get_by_label("L'organisation « Crèche associative Les P'tits Loups »").check()
    page.get_by_label("Poids estimé (kg)").fill("15")
    page.get_by_label(re.compile(r"^Collecte et livraison à l'adresse de l'organisation")).check()
    page.get_by_label("Virement à réception de facture").check()
    assert _clean_at_both_widths(axe, page) == []
    screenshot(page, "laundry-collection-form")
    page.get_by_role("button", name="Voir le prix estimé").click()

    page.get_by_role("heading", name="Vérifiez votre réservation").wait_for()
    # 15 kg × 4,20 € + the 6,00 € collection and delivery, excl. and incl. VAT for an organisation.
    assert page.locator("#estimate-total").inner_text() == "69,00\u00a0€"
    assert "5 rue des Écoles" in page.locator(".facts").inner_text()
    assert not Booking.objects.filter(organisation=creche, starts_at__date=thursday).exists()
    assert _clean_at_both_widths(axe, page) == []
    screenshot(page, "laundry-collection-estimate")

    page.get_by_role("button", name="Confirmer la réservation").click()
    page.wait_for_url(re.compile(r"/reservations/mes-reservations/$"))
    assert "collecté et livré à l'adresse de l'organisation" in page.locator(".messages").inner_text()
    booking = Booking.objects.get(organisation=creche, starts_at__date=thursday)
    assert (booking.collection_fee.name, booking.pickup_point, booking.status) == (
        "Collecte et livraison du linge",
        None,
        "confirmed",
    )


def test_the_treasurer_sees_invoices_and_the_outstanding_total(live_demo_hub, page, axe):
    from bookings.statements import outstanding_balance
    from hub.models import Organisation
    from hub.money import format_eur
    from marketplace.models import Invoice

    creche = Organisation.objects.get(slug="creche-les-ptits-loups")
    latest = Invoice.objects.issued().filter(organisation=creche).order_by("-issue_date", "-pk").first()
    _sign_in(page, live_demo_hub.url, TREASURER)

    # A member lands on their organisation's page (its first tool in the « Mon organisation » menu).
    page.wait_for_url(re.compile(r"/reservations/organisations/creche-les-ptits-loups/$"))
    assert page.locator("#outstanding").inner_text() == format_eur(outstanding_balance(creche))
    assert page.get_by_role("link", name=re.compile(rf"{latest.number}")).is_visible()
    assert _clean_at_both_widths(axe, page) == []
    screenshot(page, "organisation-page")

    page.get_by_role("button", name="Voir le relevé").click()
    page.wait_for_url(re.compile(r"/releve/\?du="))
    assert page.locator("#closing-balance").inner_text() == format_eur(outstanding_balance(creche))
    assert _clean_at_both_widths(axe, page) == []
    screenshot(page, "organisation-statement")


def test_a_resident_terminates_a_subscription_after_confirming(live_demo_hub, page, axe):
    from subscriptions.enums import SubscriptionStatus
    from subscriptions.models import Subscription

    subscription = Subscription.objects.filter(customer__email="abonne07@demo.pole.test").get()
    planned = subscription.deliveries.filter(status="planned").count()
    _sign_in(page, live_demo_hub.url, "abonne07@demo.pole.test")

    page.goto(live_demo_hub.url + "/reservations/mes-abonnements/")
    page.get_by_role("link", name=re.compile(r"^Résilier…")).click()
    page.wait_for_url(re.compile(r"/mes-abonnements/\d+/resilier/$"))
    assert page.get_by_role("heading", level=1).inner_text() == "Résilier l'abonnement ?"
    assert "distributions prévues sont annulées" in page.locator(".consequences").inner_text()
    assert _clean_at_both_widths(axe, page) == []
    screenshot(page, "subscription-terminate-confirm")

    # Dismissed: nothing changes.
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.get_by_role("button", name="Oui, résilier l'abonnement").click()
    page.wait_for_timeout(300)
    subscription.refresh_from_db()
    assert asked == ["Résilier définitivement cet abonnement ?"]
    assert (subscription.status, subscription.deliveries.filter(status="planned").count()) == (
        SubscriptionStatus.ACTIVE,
        planned,
    )

    # Confirmed: it ends.
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Oui, résilier l'abonnement").click()
    page.get_by_text("Votre abonnement est résilié.").wait_for()
    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.CANCELLED
    assert _clean_at_both_widths(axe, page) == []
