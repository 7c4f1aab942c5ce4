"""A resident subscribes to a weekly basket, saves a card, then pauses two weeks — in a browser.

Stripe is the local fake server (`localstripe`): the card page loads its fake Stripe.js, whose
`confirmCardSetup` confirms the SetupIntent created server-side.
"""

import datetime
import re

import pytest
from django.utils import timezone

from hub.demo import DEMO_PASSWORD
from marketplace.enums import InvoiceKind
from subscriptions.actions.changes import first_changeable_date
from subscriptions.enums import DeliveryStatus, SubscriptionPaymentMode, SubscriptionStatus
from subscriptions.models import SeasonAdvance, Subscription
from tests.e2e.conftest import VIEWPORTS, screenshot, serious_violations

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

RESIDENT = "resident@demo.pole.test"


@pytest.fixture
def stripe_live(live_demo_hub, localstripe, settings):
    settings.STRIPE_SECRET_KEY = localstripe.secret_key
    settings.STRIPE_PUBLISHABLE_KEY = localstripe.publishable_key
    settings.STRIPE_API_BASE = localstripe.url
    settings.STRIPE_JS_URL = localstripe.stripe_js_url
    return live_demo_hub


def _sign_in(page, base_url: str) -> None:
    page.goto(base_url + "/auth/login/")
    page.get_by_label("Courriel").fill(RESIDENT)
    page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    page.wait_for_url(re.compile(r"/compte/espace/$"))  # a resident lands on their dashboard


def test_resident_subscribes_to_a_weekly_basket_then_pauses_two_weeks(page, stripe_live, axe):

    base = stripe_live.url
    _sign_in(page, base)

    page.goto(base + "/reservations/abonnements/")
    assert page.get_by_role("heading", level=1).inner_text() == "Abonnements paniers"
    page.get_by_label(re.compile(r"^Panier petit format \(Petit\) — chaque semaine")).check()
    page.get_by_label("Point de retrait").select_option(label="Pôle — accueil")
    page.get_by_label("Par livraison, carte enregistrée").check()
    assert serious_violations(axe, page) == []
    screenshot(page, "subscription-plans")
    page.get_by_role("button", name="M'abonner").click()

    page.wait_for_url(re.compile(r"/mes-abonnements/\d+/carte/$"))
    card = page.locator("#card-element")
    card.locator("input").first.wait_for()
    card.locator("input[placeholder=number]").fill("4242424242424242")
    card.locator("input[placeholder=exp_month]").fill("12")
    card.locator("input[placeholder=exp_year]").fill("34")
    card.locator("input[placeholder=cvc]").fill("123")
    card.locator("input[placeholder=postal_code]").fill("77140")
    assert serious_violations(axe, page) == []
    screenshot(page, "subscription-card")
    page.get_by_role("button", name="Enregistrer la carte").click()

    page.wait_for_url(re.compile(r"/mes-abonnements/$"))
    page.get_by_text("Votre carte est enregistrée pour les prochaines livraisons.").wait_for()
    subscription = Subscription.objects.get(customer__email=RESIDENT)
    assert subscription.stripe_payment_method_id.startswith("pm_")
    today = timezone.localdate()
    changeable = today + datetime.timedelta(days=subscription.plan.cutoff_days)
    first = subscription.deliveries.filter(date__gte=changeable).order_by("date").first()
    until = first.date + datetime.timedelta(days=13)
    assert serious_violations(axe, page) == []
    screenshot(page, "subscription-mine")

    page.get_by_label("En pause jusqu'au (inclus)").fill(until.isoformat())
    page.get_by_role("button", name="Mettre en pause").click()

    page.get_by_text("Votre abonnement est en pause.").wait_for()
    subscription.refresh_from_db()
    assert (subscription.status, subscription.paused_until) == (SubscriptionStatus.PAUSED, until)
    skipped = list(
        subscription.deliveries.filter(status=DeliveryStatus.SKIPPED).order_by("date").values_list("date", flat=True)
    )
    assert skipped == [first.date, first.date + datetime.timedelta(days=7)]
    assert page.get_by_role("button", name="Reprendre maintenant").is_visible()
    assert serious_violations(axe, page) == []
    screenshot(page, "subscription-paused")

    # Cancelling confirms first, on a page saying what it does, then in a dialog: dismissed, nothing
    # changes; accepted, the subscription ends.
    page.get_by_role("link", name=re.compile(r"^Résilier…")).click()
    page.wait_for_url(re.compile(r"/mes-abonnements/\d+/resilier/$"))
    assert page.get_by_role("heading", level=1).inner_text() == "Résilier l'abonnement ?"
    assert serious_violations(axe, page) == []
    screenshot(page, "subscription-cancel-confirm")
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.get_by_role("button", name="Oui, résilier l'abonnement").click()
    page.wait_for_timeout(300)
    subscription.refresh_from_db()
    assert (asked, subscription.status) == (["Résilier définitivement cet abonnement ?"], SubscriptionStatus.PAUSED)
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Oui, résilier l'abonnement").click()
    page.get_by_text("Votre abonnement est résilié.").wait_for()
    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.CANCELLED


def test_resident_signs_a_sepa_mandate_for_a_fortnightly_basket(page, stripe_live, axe):

    base = stripe_live.url
    _sign_in(page, base)
    page.goto(base + "/reservations/abonnements/")
    page.get_by_label(re.compile(r"^Panier petit format \(Petit\) — chaque semaine")).check()
    page.get_by_label("Point de retrait").select_option(label="Épicerie de Château-Landon")
    page.get_by_label("Par livraison, prélèvement SEPA").check()
    page.get_by_role("button", name="M'abonner").click()

    page.wait_for_url(re.compile(r"/mes-abonnements/\d+/carte/$"))
    assert page.get_by_role("heading", level=1).inner_text() == "Mandat de prélèvement SEPA"
    page.get_by_label("IBAN").fill("FR76 3000 6000 0112 3456 7890 189")
    page.get_by_label("Titulaire du compte").fill("Camille Martin")
    assert serious_violations(axe, page) == []
    screenshot(page, "subscription-sepa")
    page.get_by_role("button", name="Signer le mandat").click()

    page.wait_for_url(re.compile(r"/mes-abonnements/$"))
    page.get_by_text("Votre mandat de prélèvement est enregistré pour les prochaines livraisons.").wait_for()
    subscription = Subscription.objects.get(customer__email=RESIDENT, payment_mode="sepa")
    assert subscription.stripe_payment_method_id.startswith("pm_")


def test_a_prepaid_resident_skips_a_basket_and_keeps_it_as_credit(page, live_demo_hub, axe):
    """A season paid upfront: the resident's page shows the season and, for each changeable basket, the
    choice between a credit for next season and a refund (axe at 1366 and 390 px); a skip kept as credit
    issues the credit note on the deposit invoice."""

    subscription = (
        Subscription.objects.filter(payment_mode=SubscriptionPaymentMode.PREPAID, status=SubscriptionStatus.ACTIVE)
        .select_related("customer")
        .order_by("pk")
        .first()
    )
    advance = SeasonAdvance.objects.filter(subscription=subscription).order_by("-pk").first()
    before = (
        advance.credited,
        advance.credit_kept,
        advance.order.invoices.filter(kind=InvoiceKind.CREDIT_NOTE).count(),
    )
    base = live_demo_hub.url
    page.goto(base + "/auth/login/")
    page.get_by_label("Courriel").fill(subscription.customer.email)
    page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    page.wait_for_url(re.compile(r"/compte/espace/$"))  # a resident lands on their dashboard

    page.goto(base + "/reservations/mes-abonnements/")
    page.get_by_text(re.compile(r"Saison payée d'avance : \d+ paniers")).first.wait_for()
    for viewport in ("desktop", "phone"):
        page.set_viewport_size(VIEWPORTS[viewport])
        assert serious_violations(axe, page) == []
    page.set_viewport_size(VIEWPORTS["desktop"])
    screenshot(page, "subscription-prepaid")
    delivery = (
        subscription.deliveries.filter(status=DeliveryStatus.PLANNED, date__gte=first_changeable_date(subscription))
        .order_by("date")
        .first()
    )
    choice = page.locator(f"#skip-choice-{delivery.pk}")
    assert choice.input_value() == "credit"
    assert choice.locator("option").all_inner_texts() == ["Garder en avoir pour la saison suivante", "Me rembourser"]
    page.locator(f"form:has(#skip-choice-{delivery.pk})").get_by_role("button").click()
    page.locator(f"#skip-choice-{delivery.pk}").wait_for(state="detached")  # the card shows the basket skipped

    delivery.refresh_from_db()
    advance.refresh_from_db()
    credit_notes = advance.order.invoices.filter(kind=InvoiceKind.CREDIT_NOTE).count()
    assert delivery.status == DeliveryStatus.SKIPPED
    assert (advance.credited, credit_notes) == (before[0] + 1, before[2] + 1)
    assert advance.credit_kept > before[1]
