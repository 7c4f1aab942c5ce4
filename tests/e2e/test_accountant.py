"""The demo accountant reads the books of Jardins du Pôle: trial balance, then revenue."""

import datetime
import re
from decimal import Decimal

import pytest

from accounting.actions import post_document
from accounting.actions.closing import set_lock
from accounting.documents import Document, DocumentLine, IdempotencyKey
from accounts.models import User
from hub.demo import DEMO_PASSWORD
from hub.models import Structure
from marketplace.models import StripeDispute
from tests.e2e.conftest import VIEWPORTS, screenshot, serious_violations

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _post_sales(structure: Structure, year: int) -> None:
    """A basket invoice (701, VAT 5.5 %) most months of the year, and a payment for some."""
    for month in range(1, 11):
        total = Decimal(100 + 37 * month).quantize(Decimal("0.01"))
        vat = (total * Decimal("5.5") / Decimal("105.5")).quantize(Decimal("0.01"))
        customer = f"C{month:04d}"
        post_document(
            Document(
                structure=structure,
                journal="VE",
                date=datetime.date(year, month, 12),
                piece_ref=f"JAR-{year}-{month:05d}",
                piece_date=datetime.date(year, month, 12),
                label=f"Facture paniers {month:02d}/{year}",
                lines=(
                    DocumentLine(account="411", debit=total, auxiliary_code=customer, auxiliary_name=f"Client {month}"),
                    DocumentLine(account="701", credit=total - vat),
                    DocumentLine(account="445713", credit=vat),
                ),
                key=IdempotencyKey(source_kind="e2e-invoice", source_id=str(month), event="issued"),
            )
        )
        if month % 3 == 0:
            post_document(
                Document(
                    structure=structure,
                    journal="BQ",
                    date=datetime.date(year, month, 25),
                    piece_ref=f"VIR-{year}-{month:02d}",
                    piece_date=datetime.date(year, month, 25),
                    label=f"Virement client {month}",
                    lines=(
                        DocumentLine(account="512", debit=total),
                        DocumentLine(
                            account="411", credit=total, auxiliary_code=customer, auxiliary_name=f"Client {month}"
                        ),
                    ),
                    key=IdempotencyKey(source_kind="e2e-payment", source_id=str(month), event="received"),
                )
            )


def test_accountant_reads_trial_balance_and_revenue(page, live_demo_hub, axe):
    jardins = Structure.objects.get(slug="jardins-du-pole")
    year = jardins.fiscal_years.order_by("-start_date").first().start_date.year
    # The demo declared this year's VAT so far, which locked those months: a hub admin unlocks them
    # (with a reason) so the journey can post a year of sales.
    admin = User.objects.get(email="admin@demo.pole.test")
    set_lock(structure=jardins, until=datetime.date(year - 1, 12, 31), by=admin, reason="Parcours de test")
    _post_sales(jardins, year)

    page.goto(live_demo_hub.url + "/auth/login/?next=/comptabilite/")
    page.get_by_label("Courriel").fill("compta@demo.pole.test")
    page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    page.wait_for_url(re.compile(r"/comptabilite/$"))
    assert page.locator(".cards .card").count() == 8
    assert serious_violations(axe, page) == []
    screenshot(page, "accounting-index")

    page.get_by_role("link", name="Jardins du Pôle", exact=True).click()
    page.wait_for_url(re.compile(r"/comptabilite/jardins-du-pole/$"))
    page.get_by_role("navigation", name="Comptabilité de la structure").get_by_role(
        "link", name="Balance générale"
    ).click()
    page.wait_for_url(re.compile(r"/comptabilite/jardins-du-pole/balance/"))
    assert page.get_by_role("heading", level=1).inner_text().startswith("Balance générale")
    totals = page.locator("tfoot td.num").all_inner_texts()
    assert totals[0] == totals[1]  # total debit = total credit
    assert totals[2] == totals[3]
    # The demo's own sales are there too (cash, cheques): ours add at least these accounts.
    assert {"411", "445713", "512", "701"} <= set(page.locator("tbody th[scope=row]").all_inner_texts())
    assert serious_violations(axe, page) == []
    page.set_viewport_size(VIEWPORTS["phone"])  # the table scrolls there: still reachable by keyboard
    assert serious_violations(axe, page) == []
    page.set_viewport_size(VIEWPORTS["desktop"])
    screenshot(page, "accounting-trial-balance")

    page.get_by_role("link", name="Chiffre d'affaires").first.click()
    page.wait_for_url(re.compile(r"/comptabilite/jardins-du-pole/chiffre-affaires/"))
    assert page.locator(".books-bars li").count() == 12
    assert page.locator(".books-bar").count() >= 10
    assert serious_violations(axe, page) == []
    screenshot(page, "accounting-revenue")

    # The journal and the general ledger of the same books.
    page.goto(live_demo_hub.url + "/comptabilite/jardins-du-pole/journal/?journal=VE")
    assert page.locator("tbody.books-entry").count() >= 10
    assert serious_violations(axe, page) == []
    screenshot(page, "accounting-journal")
    page.goto(live_demo_hub.url + "/comptabilite/jardins-du-pole/grand-livre/?compte=411")
    assert page.get_by_role("heading", level=2, name="411 Clients").is_visible()
    assert serious_violations(axe, page) == []
    screenshot(page, "accounting-ledger")

    # A bad date says so in French, without breaking the page.
    page.goto(live_demo_hub.url + "/comptabilite/jardins-du-pole/balance/?du=31/02/2026")
    assert page.get_by_text("Date invalide : saisissez-la au format JJ/MM/AAAA.").is_visible()
    assert serious_violations(axe, page) == []
    screenshot(page, "accounting-bad-date")


def test_accountant_reads_vat_per_month_and_stripes_events(page, live_demo_hub, axe):
    """The Collectif's accountant: the Blanchisserie's VAT page (services' VAT on receipts, 44587), then
    « Événements Stripe » from the books' home, which lists the demo's dispute; axe at 1366 and 390 px."""
    page.goto(live_demo_hub.url + "/auth/login/?next=/comptabilite/")
    page.get_by_label("Courriel").fill("compta@demo.pole.test")
    page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    page.wait_for_url(re.compile(r"/comptabilite/$"))

    page.goto(live_demo_hub.url + "/comptabilite/blanchisserie-solidaire/")
    page.get_by_role("navigation", name="Comptabilité de la structure").get_by_role(
        "link", name="TVA", exact=True
    ).click()
    page.wait_for_url(re.compile(r"/comptabilite/blanchisserie-solidaire/tva/"))
    assert page.get_by_role("heading", level=1).inner_text().startswith("TVA par mois")
    assert page.locator("tbody tr").count() == 12
    for viewport in ("desktop", "phone"):
        page.set_viewport_size(VIEWPORTS[viewport])
        assert serious_violations(axe, page) == []
    page.set_viewport_size(VIEWPORTS["desktop"])
    screenshot(page, "accounting-vat")

    page.goto(live_demo_hub.url + "/comptabilite/")
    page.get_by_role("link", name="Événements Stripe").click()
    page.wait_for_url(re.compile(r"/gestion/stripe/$"))
    assert page.get_by_role("heading", level=1).inner_text() == "Événements Stripe"
    assert page.get_by_role("heading", level=2, name="Litiges").is_visible()
    dispute = StripeDispute.objects.select_related("order").get()  # the demo's one, opened then won
    row = page.get_by_role("row", name=re.compile(dispute.dispute_id))
    assert row.get_by_role("cell").all_inner_texts()[:3] == [
        dispute.order.reference,
        dispute.dispute_id,
        dispute.reason,
    ]
    assert row.get_by_role("cell").last.inner_text() == dispute.get_status_display()
    for viewport in ("desktop", "phone"):
        page.set_viewport_size(VIEWPORTS[viewport])
        assert serious_violations(axe, page) == []
    page.set_viewport_size(VIEWPORTS["desktop"])
    screenshot(page, "stripe-events")
