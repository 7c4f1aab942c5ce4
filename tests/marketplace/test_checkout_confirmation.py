"""Checkout says when and where to collect, asks for the terms of sale, and ends on a « Merci » page.

Rules: the collection date is the pickup point's first opening at least the sellers' longest
preparation time after the order (ADR 0015); the terms of sale are accepted with a required box
whose moment and version are kept on the order; the summary comes before the submit button in the
page, and the button carries the legal words (Code de la consommation, L221-14).
"""

import datetime
import re
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from hub.enums import LegalPageKind
from marketplace.models import Cart, Order
from tests.hub.factories import LegalPageFactory, SiteClosureFactory, SiteFactory, SiteOpeningFactory
from tests.marketplace.factories import CartFactory, OrderFactory, SellerSettingsFactory

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
NBSP = "\u00a0"
FRIDAY_11 = f"Vendredi 11 décembre 2026, 17{NBSP}h – 18{NBSP}h{NBSP}30"
# Friday 4 December 2026, 10:00 in Nemours.
NOW = datetime.datetime(2026, 12, 4, 10, 0, tzinfo=PARIS)


def paris(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=PARIS)


@pytest.fixture
def frozen_now(monkeypatch):
    """The request's « now » is Friday 4 December 2026, 10:00 (no clock library in the project)."""
    monkeypatch.setattr(timezone, "now", lambda: NOW)
    return NOW


@pytest.fixture
def larchant(db):
    """A pickup point open on Friday, 17 h – 18 h 30."""
    site = SiteFactory(
        pickup_point=True,
        name="Salle des fêtes de Larchant",
        address_line1="Rue de la Mairie",
        postcode="77760",
        city="Larchant",
    )
    SiteOpeningFactory(site=site, weekday=4, starts_at=datetime.time(17), ends_at=datetime.time(18, 30))
    return site


@pytest.fixture
def terms(db):
    return LegalPageFactory(kind=LegalPageKind.TERMS_OF_SALE, title="Conditions générales de vente")


def _form(point, **extra) -> dict:
    return {
        "buyer": "self",
        "billing_name": "Camille Martin",
        "billing_address": "4 rue des Tilleuls\n77140 Nemours",
        "pickup_point": point.pk,
        "payment_method": "cheque",
        "accept_terms": "on",
        **extra,
    }


# --- Terms of sale -------------------------------------------------------------------------------


def test_checkout_without_accepting_the_terms_is_refused_in_french_and_creates_nothing(
    client, resident, coffee, larchant, terms
):
    CartFactory(user=resident, items=[(coffee, "2")])
    client.force_login(resident)
    form = _form(larchant)
    del form["accept_terms"]

    response = client.post(reverse("marketplace:checkout"), form)

    assert response.status_code == 400
    assert response.context["form"].errors == {
        "accept_terms": ["Acceptez les conditions générales de vente pour commander."]
    }
    assert "La commande n'est pas passée : corrigez les champs signalés." in response.content.decode()
    assert not Order.objects.filter(customer=resident).exists()
    assert [(item.offering, item.quantity) for item in Cart.objects.get(user=resident).items.all()] == [(coffee, 2)]
    coffee.refresh_from_db()
    assert coffee.stock == 40
    assert mail.outbox == []


def test_checkout_keeps_when_the_terms_were_accepted_and_which_version(
    client, resident, coffee, larchant, terms, frozen_now
):
    CartFactory(user=resident, items=[(coffee, "1")])
    client.force_login(resident)

    response = client.post(reverse("marketplace:checkout"), _form(larchant))

    order = Order.objects.get(customer=resident)
    assert response["Location"] == reverse("marketplace:order_thanks", args=[order.reference])
    assert (order.terms_accepted_at, order.terms_version) == (NOW, terms.updated_at)


def test_an_order_taken_without_the_checkout_form_records_no_acceptance(resident, coffee, larchant):
    order = OrderFactory(customer=resident, items=[(coffee, "1")], pickup_point=larchant)
    assert (order.terms_accepted_at, order.terms_version) == (None, None)


def test_the_checkout_page_links_the_terms_and_puts_the_summary_before_the_legal_button(
    client, resident, coffee, larchant, terms, frozen_now
):
    CartFactory(user=resident, items=[(coffee, "1")])
    client.force_login(resident)

    html = client.get(reverse("marketplace:checkout")).content.decode()

    summary = html.index('<h2 id="recap-title">Récapitulatif</h2>')
    total = html.index("Total TTC : 5,20")
    box = html.index('name="accept_terms"')
    button = html.index('<button type="submit" class="checkout-submit">Commander avec obligation de paiement</button>')
    assert summary < total < box < button
    assert html.count("<form") == 1 + html.count('class="link-button"')  # one checkout form (header forms aside)
    assert html.index('<form method="post" class="checkout-grid"') < summary
    assert re.search(r'href="/pages/conditions-generales-de-vente/"[^>]*>conditions générales de vente', html)
    assert "Valider la commande" not in html


# --- Pickup date ----------------------------------------------------------------------------------


def test_the_checkout_page_shows_each_point_with_address_hours_and_next_collection(
    client, resident, coffee, larchant, frozen_now
):
    closed_friday = SiteFactory(pickup_point=True, name="Épicerie fermée vendredi prochain")
    SiteOpeningFactory(site=closed_friday, weekday=4, starts_at=datetime.time(17), ends_at=datetime.time(19))
    SiteClosureFactory(site=closed_friday, first_day=datetime.date(2026, 12, 11), last_day=datetime.date(2026, 12, 11))
    no_hours = SiteFactory(pickup_point=True, name="Mairie", opening_hours="Sur rendez-vous")
    CartFactory(user=resident, items=[(coffee, "1")])
    client.force_login(resident)

    response = client.get(reverse("marketplace:checkout"))

    mine = {larchant.pk, closed_friday.pk, no_hours.pk}  # (the demo hub's points are there too)
    choices = {choice.point.name: choice for choice in response.context["pickup_choices"] if choice.point.pk in mine}
    assert {name: (c.hours, c.next_collection) for name, c in choices.items()} == {
        "Salle des fêtes de Larchant": (f"Vendredi 17{NBSP}h – 18{NBSP}h{NBSP}30", FRIDAY_11),
        "Épicerie fermée vendredi prochain": (
            f"Vendredi 17{NBSP}h – 19{NBSP}h",
            f"Vendredi 18 décembre 2026, 17{NBSP}h – 19{NBSP}h",
        ),
        "Mairie": ("Sur rendez-vous", ""),
    }
    html = response.content.decode()
    assert "Rue de la Mairie, 77760 Larchant" in html
    assert f"Votre commande y sera prête : <strong>{FRIDAY_11}</strong>" in html
    assert "Pas de retrait possible dans les semaines à venir." in html


def test_the_order_stores_the_collection_window_computed_at_checkout(resident, coffee, larchant):
    order = OrderFactory(customer=resident, items=[(coffee, "1")], pickup_point=larchant, at=NOW)
    assert (order.pickup_starts_at, order.pickup_ends_at) == (paris(2026, 12, 11, 17), paris(2026, 12, 11, 18, 30))
    assert order.pickup_window == FRIDAY_11


def test_the_longest_preparation_time_of_the_sellers_decides(resident, coffee, basket, larchant, garden):
    # Placed Tuesday 1 December, 10:00: the grocer needs 24 h (Friday 4th would do), the garden 4 days.
    SellerSettingsFactory(structure=garden, preparation_hours=96)
    order = OrderFactory(
        customer=resident, items=[(coffee, "1"), (basket, "1")], pickup_point=larchant, at=paris(2026, 12, 1, 10)
    )
    assert order.pickup_starts_at == paris(2026, 12, 11, 17)


def test_an_order_placed_after_the_cut_off_is_collected_the_week_after(resident, coffee, larchant):
    # Thursday 3 December, 18:00 + 24 h is past Friday's 17 h: the next Friday.
    order = OrderFactory(customer=resident, items=[(coffee, "1")], pickup_point=larchant, at=paris(2026, 12, 3, 18))
    assert order.pickup_starts_at == paris(2026, 12, 11, 17)


def test_an_order_is_not_collected_on_a_day_the_point_is_closed(resident, coffee, larchant):
    SiteClosureFactory(site=larchant, first_day=datetime.date(2026, 12, 11), last_day=datetime.date(2026, 12, 11))
    order = OrderFactory(customer=resident, items=[(coffee, "1")], pickup_point=larchant, at=NOW)
    assert order.pickup_starts_at == paris(2026, 12, 18, 17)


def test_a_point_without_hours_leaves_the_date_empty(resident, coffee):
    point = SiteFactory(pickup_point=True, opening_hours="Sur rendez-vous")
    order = OrderFactory(customer=resident, items=[(coffee, "1")], pickup_point=point, at=NOW)
    assert (order.pickup_starts_at, order.pickup_ends_at, order.pickup_window) == (None, None, "")


def test_the_order_page_the_thanks_page_and_the_email_give_the_date_place_and_what_to_bring(
    client, resident, coffee, larchant, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        order = OrderFactory(
            customer=resident, items=[(coffee, "2")], pickup_point=larchant, payment_method="cheque", at=NOW
        )
    client.force_login(resident)
    cheque = f"Un chèque de 10,40{NBSP}€ à l&#x27;ordre de « {coffee.structure.name} »."
    for name in ("marketplace:order", "marketplace:order_thanks"):
        html = client.get(reverse(name, args=[order.reference])).content.decode()
        assert f"<dt>Quand</dt>\n      <dd><strong>{FRIDAY_11}</strong></dd>" in html
        assert "<strong>Salle des fêtes de Larchant</strong><br>Rue de la Mairie, 77760 Larchant" in html
        assert cheque in html
        assert "Un sac ou un panier pour emporter vos produits." in html
    placed = next(m for m in mail.outbox if "Nous avons bien reçu votre commande" in m.body)
    assert f"Retrait : {FRIDAY_11}\nLieu : Salle des fêtes de Larchant, Rue de la Mairie, 77760 Larchant\n" in (
        placed.body
    )
    assert cheque.replace("&#x27;", "'") in placed.body


def test_a_cash_order_ends_on_the_thanks_page_in_its_final_state(client, resident, coffee, larchant, terms):
    CartFactory(user=resident, items=[(coffee, "1")])
    client.force_login(resident)
    response = client.post(reverse("marketplace:checkout"), _form(larchant, payment_method="cash"), follow=True)
    html = response.content.decode()
    assert response.redirect_chain[-1][0].endswith("/merci/")
    assert "<h1>Merci !</h1>" in html
    assert "<strong>À payer</strong> — Espèces au retrait" in html
    assert f"Vous réglerez 5,20{NBSP}€ au retrait de la commande." in html
    assert f"Le montant en espèces : 5,20{NBSP}€." in html
    assert "hx-trigger" not in html  # nothing will change by itself: no polling
