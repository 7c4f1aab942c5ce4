"""The issue's journey in the browser: the CCAS's social worker opens a support for a family, has the CCAS pay
half of its baskets, and subscribes it to a weekly basket paid at the pickup point. The first basket's order
costs the family half; the CCAS's half is billed to it on account at month end, by the market garden; the
budget page shows it consumed. Each page axe-clean and without horizontal scroll at 1366 and 390 px."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from hub import money
from marketplace.actions.third_party import bill_third_party_shares
from marketplace.models import Invoice, OrderLine
from prescribers.models import Funding, OrderForPerson, Support
from subscriptions.actions.payments import charge_due_deliveries
from subscriptions.enums import SubscriptionPaymentMode
from subscriptions.models import Delivery, Subscription
from tests.e2e.test_purchases_and_basket_size import _clean_at_both_widths, _sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
WORKER = "social.ccas@demo.pole.test"
FAMILY = "fatou.traore@exemple.test"


def test_a_social_worker_orders_a_basket_subscription_half_paid_by_the_ccas(page, live_demo_hub, axe):
    base = live_demo_hub.url
    _sign_in(page, base, WORKER, "/accompagnements/ouvrir/")
    page.get_by_label("Adresse e-mail de la personne").fill(FAMILY)
    page.get_by_label("Prénom (facultatif)").fill("Fatou")
    page.get_by_label("Nom (facultatif)", exact=True).fill("Traoré")
    page.get_by_label("Motif").select_option("minima_sociaux")
    page.get_by_label("Accord recueilli par écrit").check()
    page.get_by_role("button", name="Ouvrir l'accompagnement").click()
    support = Support.objects.get(person__email=FAMILY)
    page.wait_for_url(f"**/accompagnements/{support.pk}/")

    # Half of every basket, no monthly cap, until the support ends.
    page.get_by_label("Part prise en charge (%)").fill("50")
    assert page.get_by_label("Paniers de légumes").is_checked()
    page.get_by_role("button", name="Enregistrer la prise en charge").click()
    page.wait_for_url(f"**/accompagnements/{support.pk}/")
    assert "CCAS de Nemours paie 50 % de paniers de légumes" in page.locator("#funding-current").inner_text()
    _clean_at_both_widths(page, axe, "prescriber-support-funded")
    assert Funding.objects.get(support=support).share_percent == 50

    page.get_by_role("link", name="Abonner à un panier de légumes").click()
    page.wait_for_url(f"**/accompagnements/{support.pk}/panier/")
    first_price_row = page.locator("#plan-prices tbody tr").first.inner_text().split("\t")
    _clean_at_both_widths(page, axe, "prescriber-subscribe-for")
    page.get_by_label("Formule").select_option(index=0)
    page.get_by_label("Point de retrait").select_option(index=2)
    start = timezone.localdate() + datetime.timedelta(days=7)
    page.get_by_label("À partir du").fill(start.isoformat())
    page.get_by_role("button", name="Abonner").click()
    page.wait_for_url(f"**/accompagnements/{support.pk}/")
    assert "chaque panier se règle au retrait" in page.locator(".messages, [role=status], main").first.inner_text()

    subscription = Subscription.objects.get(customer=support.person)
    assert subscription.payment_mode == SubscriptionPaymentMode.AT_PICKUP
    assert OrderForPerson.objects.get(support=support).subscription == subscription
    price = subscription.plan.offering.price
    half = money.quantize(price / 2)
    assert first_price_row[1:] == [money.format_eur(price), money.format_eur(half), money.format_eur(price - half)]
    assert "Abonnement « " in page.locator(".support-ordered").inner_text()

    # The first basket's cut-off passes: its order is placed, half for the family, paid at the pickup point.
    delivery = Delivery.objects.filter(subscription=subscription).order_by("date").first()
    charge_due_deliveries(today=delivery.cutoff_date + datetime.timedelta(days=1))
    line = OrderLine.objects.get(pk=Delivery.objects.get(pk=delivery.pk).order_line_id)
    assert (line.order.customer, line.order.payment_method) == (support.person, "cash")
    assert (line.unit_price, line.third_party_unit_price) == (price - half, half)
    family_invoice = line.order.invoices.get()
    assert family_invoice.total_incl == price - half

    # At month end, the CCAS is invoiced its half by the market garden, on account.
    placed = timezone.localdate(line.order.placed_at)
    bill_third_party_shares(year=placed.year, month=placed.month)
    line.refresh_from_db()
    ccas_invoice = Invoice.objects.get(order=line.third_party_billed_line.order)
    assert (ccas_invoice.organisation.name, ccas_invoice.structure) == ("CCAS de Nemours", line.seller)
    # (The demo family's basket of the same week is on the same invoice: one per payer and seller.)
    billed = ccas_invoice.lines.get(order_line=line.third_party_billed_line)
    assert (billed.total_incl, billed.description) == (
        half, f"{line.name} — prise en charge, commande {line.order.reference} (F. Traoré)",
    )  # fmt: skip

    page.goto(base + f"/accompagnements/budget/?annee={placed.year}")
    rows = [row.split("\t") for row in page.locator(".budget-people tbody tr").all_inner_texts()]
    assert ["Fatou Traoré", money.format_eur(half)] in rows
    assert ccas_invoice.number in page.locator(".budget-invoices").first.inner_text()
    _clean_at_both_widths(page, axe, "prescriber-budget")

    # Booking for the family too: the services to book, then one's week of slots.
    page.goto(base + f"/accompagnements/{support.pk}/reserver/")
    assert page.locator(".book-for-offerings li").count() > 0
    _clean_at_both_widths(page, axe, "prescriber-book-for-list")
    page.locator(".book-for-offerings a").first.click()
    page.wait_for_url(f"**/accompagnements/{support.pk}/reserver/*/")
    assert page.get_by_role("button", name="Réserver pour la personne").is_visible()
    _clean_at_both_widths(page, axe, "prescriber-book-for")
    assert Decimal(half) > 0
