"""The selling journey in a browser: two structures in one cart, one card payment, two invoices;
the « Merci » page that follows the payment live; a refused card switched to a cheque.

Stripe is the local fake server (`localstripe`): the payment page loads its fake Stripe.js, whose
`confirmCardPayment` opens a "3-D Secure" box with the buttons "Complete authentication" and
"Fail authentication"; the order is paid only when localstripe delivers the signed
`payment_intent.succeeded` webhook to the live server.
"""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from hub.demo import DEMO_PASSWORD
from tests.e2e.conftest import VIEWPORTS, fill_card, screenshot, serious_violations

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

RESIDENT = "resident@demo.pole.test"
BASKET = "Panier moyen format"  # Jardins du Pôle
COFFEE = "Café équitable moulu (250 g)"  # Comptoir équitable


def _sign_in(page, base_url: str) -> None:
    page.goto(base_url + "/auth/login/")
    page.get_by_label("Courriel").fill(RESIDENT)
    page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    # A resident lands on their dashboard; one who is also an organisation's member, on its page.
    page.wait_for_url(re.compile(r"/compte/espace/$|/reservations/organisations/[a-z0-9-]+/$"))


def _add_from_catalogue(page, name: str, quantity: str = "1") -> None:
    """Search the catalogue for `name` and add it to the cart from its card (htmx)."""
    # Typing fires one debounced request (`input changed delay`), whose results replace the grid and
    # push the URL; the search box's own `change` is not a trigger, so no late swap wipes the
    # add-to-cart status message (services/templates/services/catalogue.html, hx-trigger).
    page.get_by_label("Rechercher").fill(name)
    page.get_by_label("Rechercher").press("Tab")
    page.wait_for_url(lambda url: parse_qs(urlsplit(url).query).get("q") == [name])
    card = page.locator(".offering-card").filter(has=page.get_by_role("link", name=name, exact=True))
    card.wait_for()
    card.get_by_label(re.compile(r"^Quantité")).fill(quantity)
    card.get_by_role("button", name="Ajouter au panier").click()
    status = card.get_by_role("status")
    status.get_by_text(f"« {name} » est dans votre panier.").wait_for()


def _fill_checkout(page) -> None:
    page.get_by_label("Nom et prénom").fill("Camille Martin")
    page.get_by_label("Adresse de facturation").fill("3 rue des Tilleuls\n77140 Nemours")
    page.get_by_label("Pôle — accueil").check()
    page.get_by_label("Carte bancaire").check()
    page.get_by_label("J'ai lu et j'accepte les conditions générales de vente").check()


def _no_serious_violations_at_both_widths(axe, page) -> None:
    for viewport in VIEWPORTS.values():
        page.set_viewport_size(viewport)
        assert serious_violations(axe, page) == [], viewport
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"], viewport
    page.set_viewport_size(VIEWPORTS["desktop"])


class PaymentPages:
    """Every HTML the « Merci » page and its status fragment sent, and the page's navigations."""

    def __init__(self, page):
        self.bodies: list[str] = []
        self.navigations: list[str] = []
        page.on("response", self._response)
        page.on(
            "framenavigated", lambda frame: self.navigations.append(frame.url) if frame == page.main_frame else None
        )

    def _response(self, response) -> None:
        if re.search(r"/commandes/[^/]+/(merci|paiement/etat)/", response.url) and response.status == 200:
            self.bodies.append(response.text())


def _order_being_paid(page):
    from marketplace.models import Order

    reference = re.search(r"/commandes/([^/]+)/payer/$", page.url).group(1)
    return Order.objects.get(reference=reference)


def _payment_status(page) -> str:
    return page.locator("#payment-status .payment-status-line").inner_text()


def _wait_for_live_status(page, expected: str, timeout: float = 20_000) -> str:
    """Wait, without reloading, until the polled status fragment says `expected` (the webhook's doing)."""
    page.locator("#payment-status .payment-status-line strong").filter(has_text=expected).wait_for(timeout=timeout)
    return _payment_status(page)


def test_resident_buys_from_two_structures_and_pays_by_card(page, stripe_live, axe):
    from accounts.models import User
    from hub.models import Organisation, OrganisationMembership
    from marketplace.enums import PaymentStatus

    base = stripe_live.url
    # The demo resident buys for herself; as a member of an association she is asked for whom.
    resident = User.objects.get(email=RESIDENT)
    OrganisationMembership.objects.get_or_create(
        user=resident, organisation=Organisation.objects.get(slug="as-souppes")
    )
    _sign_in(page, base)

    page.goto(base + "/catalogue/")
    assert page.get_by_role("heading", level=1).inner_text() == "Catalogue"
    assert serious_violations(axe, page) == []
    screenshot(page, "checkout-catalogue")
    _add_from_catalogue(page, BASKET)
    _add_from_catalogue(page, COFFEE)
    page.get_by_role("link", name=re.compile(r"Voir le panier \(2 articles\)")).click()

    page.wait_for_url(re.compile(r"/panier/$"))
    assert page.get_by_role("heading", level=2, name="Jardins du Pôle").is_visible()
    assert page.get_by_role("heading", level=2, name="Comptoir équitable").is_visible()
    total = page.locator(".totals dd strong")
    total_before = total.inner_text()
    coffee_quantity = page.get_by_label(f"Quantité de {COFFEE}")
    coffee_quantity.fill("2")
    coffee_quantity.locator("xpath=ancestor::form").get_by_role("button", name="Mettre à jour").click()
    page.wait_for_function(
        "before => document.querySelector('.totals dd strong').textContent !== before", arg=total_before
    )
    assert page.get_by_label(f"Quantité de {COFFEE}").input_value() == "2"
    assert serious_violations(axe, page) == []
    screenshot(page, "checkout-cart")

    page.get_by_role("link", name="Commander").click()
    page.wait_for_url(re.compile(r"/commander/$"))
    assert page.get_by_role("heading", level=1).inner_text() == "Commander"
    page.get_by_label("Moi-même (particulier)").check()
    _fill_checkout(page)
    # Each pickup point says where, when it opens and when this order would be ready there.
    pole = page.locator(".pickup-choice").filter(has=page.get_by_label("Pôle — accueil"))
    assert "12 rue des Mariniers, 77140 Nemours" in pole.inner_text()
    assert re.search(
        r"Votre commande y sera prête : (Mardi|Vendredi) \d{1,2} \w+ \d{4}, 16\sh – 19\sh", pole.inner_text()
    )
    # The summary, the terms and the legal button, in this order in the page.
    order_in_page = page.evaluate(
        """() => ['#recap-title', '#id_accept_terms', '.checkout-submit'].map(
            s => Array.from(document.querySelectorAll('*')).indexOf(document.querySelector(s)))"""
    )
    assert order_in_page == sorted(order_in_page)
    _no_serious_violations_at_both_widths(axe, page)
    screenshot(page, "checkout-form")
    page.get_by_role("button", name="Commander avec obligation de paiement").click()

    page.wait_for_url(re.compile(r"/commandes/[^/]+/payer/$"))
    assert page.get_by_role("heading", level=1).inner_text() == "Paiement par carte"
    order = _order_being_paid(page)
    assert order.customer == resident
    assert order.organisation is None
    assert order.payment_status == PaymentStatus.UNPAID
    fill_card(page)
    assert serious_violations(axe, page) == []
    screenshot(page, "checkout-payment")
    pages = PaymentPages(page)
    page.get_by_role("button", name=re.compile(r"^Payer ")).click()
    page.get_by_role("button", name="Complete authentication").click()

    # Back from Stripe on « Merci »: the pickup date, place and what to bring, and the payment status
    # followed live until « Payée », never « À payer » with « Payer par carte » meanwhile.
    page.wait_for_url(re.compile(rf"/commandes/{re.escape(order.reference)}/merci/\?payment_intent=pi_"))
    assert page.get_by_role("heading", level=1).inner_text() == "Merci !"
    arrived = len(pages.navigations)
    assert _wait_for_live_status(page, "Payée").startswith("Payée")
    assert len(pages.navigations) == arrived  # no reload
    assert pages.bodies, "the Merci page was never received"
    for body in pages.bodies:
        assert "Payer par carte" not in body
        assert "<strong>À payer</strong>" not in body
    assert 'hx-trigger="every 2s"' not in page.content()  # final: the polling stopped
    order.refresh_from_db()
    assert order.payment_status == PaymentStatus.PAID
    pickup = page.locator(".pickup-info")
    assert re.fullmatch(r"(Mardi|Vendredi) \d{1,2} \w+ \d{4}, 16\sh – 19\sh", order.pickup_window)
    assert order.pickup_window in pickup.inner_text()
    assert "Pôle — accueil" in pickup.inner_text()
    assert "Un sac ou un panier pour emporter vos produits." in pickup.inner_text()
    _no_serious_violations_at_both_widths(axe, page)
    screenshot(page, "checkout-thanks-paid")
    page.get_by_role("link", name="Voir le détail de la commande et ses factures").click()
    page.wait_for_url(re.compile(rf"/commandes/{re.escape(order.reference)}/$"))
    assert _payment_status(page).startswith("Payée")
    invoices = {invoice.structure.name: invoice.number for invoice in order.invoices.all()}
    year = order.placed_at.year
    assert set(invoices) == {"Jardins du Pôle", "Comptoir équitable"}
    assert re.fullmatch(rf"JAR-{year}-\d+", invoices["Jardins du Pôle"])
    assert re.fullmatch(rf"CEQ-{year}-\d+", invoices["Comptoir équitable"])
    items = page.locator("main h2:has-text('Factures') + ul > li")
    assert items.count() == 2
    for name, number in invoices.items():
        item = items.filter(has_text=number)
        assert item.count() == 1
        assert name in item.inner_text()
        href = item.get_by_role("link", name="Télécharger (PDF)").get_attribute("href")
        response = page.request.get(base + href)
        assert response.status == 200
        assert response.headers["content-type"] == "application/pdf"
    _no_serious_violations_at_both_widths(axe, page)  # the order lines turn into cards on a phone
    screenshot(page, "checkout-order-paid")

    # At the pickup counter, the card-paid mixed order is settled for each structure (one share each,
    # received at once although the Collectif holds the money until the transfers).
    staff = page.context.browser.new_context(locale="fr-FR", viewport={"width": 1366, "height": 900})
    counter = staff.new_page()
    counter.goto(base + "/auth/login/")
    counter.get_by_label("Courriel").fill("admin@demo.pole.test")
    counter.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
    counter.get_by_role("button", name="Connexion").click()
    counter.wait_for_url(lambda url: "/auth/login/" not in url)
    counter.goto(base + f"/gestion/commandes/{order.reference}/")
    for name in ("Jardins du Pôle", "Comptoir équitable"):
        share = counter.locator("section.panel").filter(has=counter.get_by_role("heading", level=3, name=name))
        assert re.fullmatch(r"Dû : ([\d,]+)\s€ — encaissé : \1\s€ — reste : 0,00\s€", share.locator("p").inner_text())
    assert serious_violations(axe, counter) == []
    screenshot(counter, "handover-card-mixed-order")  # at 1366 and 390 px
    staff.close()


def test_refused_card_keeps_the_order_unpaid_and_can_be_retried(page, stripe_live, axe):
    from marketplace.enums import PaymentStatus

    base = stripe_live.url
    _sign_in(page, base)
    page.goto(base + "/catalogue/")
    _add_from_catalogue(page, COFFEE)
    page.goto(base + "/commander/")
    _fill_checkout(page)
    page.get_by_role("button", name="Commander avec obligation de paiement").click()
    page.wait_for_url(re.compile(r"/commandes/[^/]+/payer/$"))
    order = _order_being_paid(page)
    pay_button = page.get_by_role("button", name=re.compile(r"^Payer "))

    pay_button.click()
    page.get_by_role("button", name="Fail authentication").click()

    # Real Stripe.js answers a failed 3-D Secure with `result.error`; the fake one with a
    # PaymentIntent back in `requires_payment_method`. The page must check the status either way.
    alert = page.get_by_role("alert").filter(has_text=re.compile(r"^Le paiement a échoué"))
    try:
        alert.wait_for(timeout=5_000)
    except PlaywrightTimeoutError:
        pytest.fail(f"no French error on the payment page after a refused authentication; now at {page.url}")
    assert page.url.endswith(f"/commandes/{order.reference}/payer/")
    assert pay_button.is_enabled()
    assert serious_violations(axe, page) == []
    screenshot(page, "checkout-payment-refused")
    page.wait_for_timeout(1500)  # a webhook would arrive about 1 s after the refusal
    order.refresh_from_db()
    assert order.payment_status == PaymentStatus.UNPAID
    order_page = page.request.get(base + f"/commandes/{order.reference}/")
    assert "<strong>À payer</strong> — Carte bancaire" in order_page.text()

    # The resident tries again from the same page, with the same PaymentIntent, and it goes through.
    pay_button.click()
    page.get_by_role("button", name="Complete authentication").click()
    page.wait_for_url(re.compile(rf"/commandes/{re.escape(order.reference)}/merci/"))
    assert _wait_for_live_status(page, "Payée").startswith("Payée")


def test_a_refused_card_switches_to_a_cheque_without_waiting_for_the_expiry(page, stripe_live, axe):
    """The decline card (4000 0000 0000 0002) and a failed authentication: the payment page offers the
    order's other means; the cheque is chosen, the intent cancelled at Stripe, the order confirmed."""
    from marketplace import stripe_gateway
    from marketplace.enums import FulfilmentStatus, PaymentMethod, PaymentStatus

    base = stripe_live.url
    _sign_in(page, base)
    page.goto(base + "/catalogue/")
    _add_from_catalogue(page, COFFEE)
    page.goto(base + "/commander/")
    _fill_checkout(page)
    page.get_by_role("button", name="Commander avec obligation de paiement").click()
    page.wait_for_url(re.compile(r"/commandes/[^/]+/payer/$"))
    order = _order_being_paid(page)
    fill_card(page, "4000000000000002")
    page.get_by_role("button", name=re.compile(r"^Payer ")).click()
    page.get_by_role("button", name="Fail authentication").click()
    page.get_by_role("alert").filter(has_text=re.compile(r"^Le paiement a échoué")).wait_for(timeout=5_000)

    other_means = page.get_by_role("region", name="Vous préférez payer autrement ?")
    assert other_means.get_by_label("Espèces au retrait").is_visible()
    assert other_means.get_by_label("Chèque au retrait").is_visible()
    _no_serious_violations_at_both_widths(axe, page)
    screenshot(page, "checkout-payment-refused-other-means")
    other_means.get_by_label("Chèque au retrait").check()
    other_means.get_by_role("button", name="Choisir ce moyen de paiement").click()

    page.wait_for_url(re.compile(rf"/commandes/{re.escape(order.reference)}/merci/$"))
    assert page.get_by_text(
        "C'est noté : vous paierez par « Chèque au retrait ». Votre commande est confirmée."
    ).is_visible()
    assert _payment_status(page) == "À payer — Chèque au retrait"
    assert re.search(
        r"Un chèque de 5,20\s€ à l'ordre de « Comptoir équitable »\.", page.locator(".pickup-info").inner_text()
    )
    order.refresh_from_db()
    assert (order.payment_method, order.fulfilment_status, order.payment_status) == (
        PaymentMethod.CHEQUE,
        FulfilmentStatus.CONFIRMED,
        PaymentStatus.UNPAID,
    )
    assert stripe_gateway.retrieve_payment_intent(order.stripe_payment_intent_id).status == "canceled"
    _no_serious_violations_at_both_widths(axe, page)
    screenshot(page, "checkout-thanks-cheque")

    # Back on the payment page (the browser's back button): nothing to pay by card any more.
    page.goto(base + f"/commandes/{order.reference}/payer/")
    page.wait_for_url(re.compile(rf"/commandes/{re.escape(order.reference)}/$"))
