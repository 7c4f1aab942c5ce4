"""The organisation member books a recurring laundry pickup, in a browser (axe: 0 serious/critical)."""

import datetime
import re
from decimal import Decimal

import pytest
from django.utils import timezone

from hub.demo import DEMO_PASSWORD
from tests.e2e.conftest import screenshot, serious_violations

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

MEMBER = "asso@demo.pole.test"


def _sign_in(page, base_url: str) -> None:
    page.goto(base_url + "/auth/login/")
    page.get_by_label("Courriel").fill(MEMBER)
    page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    # An organisation member lands on its organisation's page.
    page.wait_for_url(re.compile(r"/reservations/organisations/[a-z0-9-]+/$"))


def test_member_books_a_weekly_laundry_pickup(live_demo_hub, page, axe):
    from bookings.models import Booking, RecurringBooking
    from hub.models import Organisation

    today = timezone.localdate()
    monday = today - datetime.timedelta(days=today.weekday()) + datetime.timedelta(weeks=2)
    tuesday = monday + datetime.timedelta(days=1)
    _sign_in(page, live_demo_hub.url)

    page.goto(live_demo_hub.url + "/reservations/")
    page.get_by_role("link", name="Linge plat au kilo").click()
    page.wait_for_url(re.compile(r"/reservations/linge-plat-au-kilo/$"))
    # Two weeks ahead, through the htmx week navigation.
    for week in (monday - datetime.timedelta(weeks=1), monday):
        page.get_by_role("link", name="Semaine suivante →").click()
        page.wait_for_url(re.compile(rf"semaine={week.isoformat()}$"))
    page.get_by_role("group", name=re.compile(r"^mardi")).get_by_label(re.compile(r"^10:00–11:00")).check()
    page.get_by_label("L'organisation « Crèche associative Les P'tits Loups »").check()
    page.get_by_label("Poids estimé (kg)").fill("15")
    page.get_by_label("Chaque semaine").check()
    page.get_by_label("Je dépose le linge à un point de dépôt").check()
    page.get_by_label("Point de dépôt du linge").select_option(label="Pôle — accueil")
    page.get_by_label("Virement à réception de facture").check()
    assert serious_violations(axe, page) == []
    screenshot(page, "laundry-booking-calendar")

    page.get_by_role("button", name="Voir le prix estimé").click()
    page.get_by_role("heading", name="Vérifiez votre réservation").wait_for()
    assert "Pôle — accueil" in page.locator(".facts").inner_text()
    page.get_by_role("button", name="Confirmer la réservation").click()
    page.wait_for_url(re.compile(r"/reservations/mes-reservations/$"))
    assert "C'est réservé" in page.locator(".messages").inner_text()
    assert serious_violations(axe, page) == []
    screenshot(page, "laundry-booking-mine")

    series = RecurringBooking.objects.get(
        organisation=Organisation.objects.get(slug="creche-les-ptits-loups"), frequency="weekly", quantity=15
    )
    first = series.occurrences.order_by("starts_at").first()
    assert timezone.localtime(first.starts_at) == timezone.make_aware(
        datetime.datetime.combine(tuesday, datetime.time(10))
    )
    assert first.status == "confirmed"  # the crèche is served on account
    assert Booking.objects.filter(series=series).count() >= 1


def test_laundry_staff_move_a_pickup_along_its_steps(live_demo_hub, page, axe):
    from bookings.enums import LaundryStep
    from bookings.models import Booking

    page.goto(live_demo_hub.url + "/auth/login/")
    page.get_by_label("Courriel").fill("linge@demo.pole.test")
    page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    page.wait_for_url(re.compile(r"/reservations/gestion/blanchisserie/$"))  # laundry staff land on their week
    booking = (
        Booking.objects.filter(laundry_step=LaundryStep.SCHEDULED, status="confirmed", starts_at__gt=timezone.now())
        .order_by("starts_at")
        .first()
    )
    day = timezone.localdate(booking.starts_at)
    page.goto(live_demo_hub.url + f"/reservations/gestion/blanchisserie/?semaine={day.isoformat()}")
    assert serious_violations(axe, page) == []
    screenshot(page, "laundry-staff-week")
    row = page.locator(f"#laundry-{booking.pk}")
    row.get_by_role("button", name=re.compile(r"^Linge collecté")).click()
    row.get_by_label("Poids (kg)").wait_for()
    row.get_by_label("Poids (kg)").fill("13.4")
    row.get_by_role("button", name=re.compile(r"^Enregistrer la pesée")).click()
    row.get_by_text("13,400 kg pesés").wait_for()
    assert serious_violations(axe, page) == []
    booking.refresh_from_db()
    assert (booking.laundry_step, booking.final_quantity) == (LaundryStep.WEIGHED, Decimal("13.400"))


def test_member_moves_a_laundry_pickup_to_another_slot(live_demo_hub, page, axe):
    from accounts.models import User
    from bookings.enums import LaundryStep
    from bookings.models import Booking

    member = User.objects.get(email=MEMBER)
    booking = (
        Booking.objects.visible_to(member)
        .filter(status="confirmed", laundry_step=LaundryStep.SCHEDULED, starts_at__gt=timezone.now())
        .order_by("starts_at")
        .first()
    )
    assert booking is not None, "the demo hub gives the crèche future laundry pickups"
    was = booking.starts_at
    _sign_in(page, live_demo_hub.url)

    page.goto(live_demo_hub.url + f"/reservations/mes-reservations/{booking.pk}/deplacer/")
    assert page.get_by_role("heading", level=1).inner_text() == "Déplacer une réservation"
    assert serious_violations(axe, page) == []
    screenshot(page, "booking-reschedule")
    choice = page.get_by_role("group", name="Nouveau créneau").get_by_role("radio").first
    chosen = datetime.datetime.fromisoformat(choice.get_attribute("value"))
    choice.check()
    page.get_by_role("button", name="Déplacer").click()
    page.wait_for_url(re.compile(r"/reservations/mes-reservations/$"))

    assert "Réservation déplacée au" in page.locator(".messages").inner_text()
    booking.refresh_from_db()
    assert (booking.starts_at, booking.status) == (chosen, "confirmed")
    assert chosen != was
