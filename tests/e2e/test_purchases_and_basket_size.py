"""Pages of this round that had no browser check: the accountant's purchases, supplier balances and
chart of accounts; a subscriber changing the size of their basket — axe-clean and without horizontal
scroll at 1366 and 390 px, the size change applied only once confirmed."""

import re

import pytest

from hub.demo import DEMO_PASSWORD
from tests.e2e.conftest import VIEWPORTS, screenshot, serious_violations

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _sign_in(page, base_url: str, email: str, next_path: str) -> None:
    page.goto(f"{base_url}/auth/login/?next={next_path}")
    page.get_by_label("Courriel").fill(email)
    page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    page.wait_for_url(re.compile(re.escape(next_path) + "$"))


def _clean_at_both_widths(page, axe, name: str) -> None:
    for label, viewport in VIEWPORTS.items():
        page.set_viewport_size(viewport)
        assert serious_violations(axe, page) == [], (name, label)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), (name, label)
    page.set_viewport_size(VIEWPORTS["desktop"])
    screenshot(page, name)


def test_accountant_reads_purchases_suppliers_and_chart(page, live_demo_hub, axe):
    base = live_demo_hub.url
    _sign_in(page, base, "compta@demo.pole.test", "/comptabilite/jardins-du-pole/achats/")
    assert "Semences du Gâtinais" in page.locator("main").inner_text()
    _clean_at_both_widths(page, axe, "purchases")

    page.locator("main").get_by_role("link", name="Fournisseurs", exact=True).first.click()
    page.wait_for_url(re.compile(r"/comptabilite/jardins-du-pole/fournisseurs/$"))
    assert "Garage Moreau" in page.locator("main").inner_text()
    _clean_at_both_widths(page, axe, "supplier-balances")

    page.goto(base + "/comptabilite/jardins-du-pole/achats/nouvelle/")
    assert page.get_by_role("heading", level=1).is_visible()
    _clean_at_both_widths(page, axe, "purchase-new")

    page.goto(base + "/comptabilite/jardins-du-pole/plan-comptable/")
    assert "6063" in page.locator("main").inner_text()
    _clean_at_both_widths(page, axe, "chart-of-accounts")


def test_subscriber_changes_the_size_of_their_basket_after_confirming(page, live_demo_hub, axe):
    from subscriptions.actions.changes import check_size_changeable, other_sizes
    from subscriptions.exceptions import SubscriptionError
    from subscriptions.models import Subscription

    def changeable(subscription) -> bool:
        try:
            check_size_changeable(subscription)
        except SubscriptionError:
            return False
        return other_sizes(subscription).exists()

    subscription = next(
        s
        for s in Subscription.objects.filter(customer__email__startswith="abonne").select_related("plan", "customer")
        if changeable(s)
    )
    before = subscription.plan_id
    path = f"/reservations/mes-abonnements/{subscription.pk}/taille/"
    _sign_in(page, live_demo_hub.url, subscription.customer.email, path)
    _clean_at_both_widths(page, axe, "basket-size-choice")

    page.locator("main input[name=plan]").first.check()
    page.get_by_role("button", name="Voir le récapitulatif").click()
    page.get_by_role("heading", name="Confirmer la nouvelle taille ?").wait_for()
    subscription.refresh_from_db()
    assert subscription.plan_id == before  # nothing changed before confirming
    _clean_at_both_widths(page, axe, "basket-size-summary")

    page.get_by_role("button", name="Confirmer le changement de taille").click()
    page.wait_for_url(re.compile(r"/reservations/mes-abonnements/$"))
    assert "C'est noté : à partir de la distribution du" in page.locator(".messages").inner_text()
    subscription.refresh_from_db()
    assert subscription.plan_id != before
