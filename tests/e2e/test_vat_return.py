"""The accountant posts a month's VAT return: the CA3 boxes, one box's lines, the confirmation, the
settlement entry and the lock — at desktop width, with axe at desktop and phone widths."""

import datetime
import re
from decimal import Decimal

import pytest

from accounting.actions import post_document
from accounting.documents import Document, DocumentLine, IdempotencyKey
from accounting.models import Books, VatReturn
from hub.enums import StaffRole
from tests.accounting.factories import StructureFactory
from tests.accounts.factories import PASSWORD, UserFactory
from tests.e2e.conftest import VIEWPORTS, screenshot, serious_violations
from tests.hub.factories import StructureRoleFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _line(account, debit="0", credit="0"):
    return DocumentLine(account=account, debit=Decimal(debit), credit=Decimal(credit))


def test_accountant_posts_a_months_vat_return(page, live_server, axe):
    structure = StructureFactory(liable=True, name="Atelier vélo", slug="atelier-velo", books=datetime.date(2025, 6, 1))
    user = UserFactory(email="compta-velo@example.test", verified=True)
    StructureRoleFactory(structure=structure, role=StaffRole.ACCOUNTANT, user=user)
    for n, (journal, lines) in enumerate([
        ("VE", (_line("411", "240.00"), _line("706", credit="200.00"), _line("445711", credit="40.00"))),
        ("AC", (_line("628", "50.00"), _line("44566", "10.00"), _line("401", credit="60.00"))),
    ]):  # fmt: skip
        day = datetime.date(2025, 1, 10 + n)
        post_document(Document(structure=structure, journal=journal, date=day, piece_ref=f"P{n}", piece_date=day,
                               label=f"Pièce {n}", lines=lines, key=IdempotencyKey("e2e", str(n), "posted")))  # fmt: skip

    page.goto(live_server.url + "/auth/login/?next=/comptabilite/atelier-velo/declarations-tva/%3Fexercice%3D2025")
    page.get_by_label("Courriel").fill(user.email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    page.wait_for_url(re.compile(r"/declarations-tva/"))
    page.get_by_role("link", name="Janvier 2025").click()
    page.wait_for_url(re.compile(r"/declarations-tva/2025-01/$"))
    assert page.locator("#box-08 td.num").all_inner_texts() == ["200,00\u00a0€", "40,00\u00a0€"]
    assert page.locator("#box-28 td.num").last.inner_text() == "30,00\u00a0€"
    for viewport in ("desktop", "phone"):
        page.set_viewport_size(VIEWPORTS[viewport])
        assert serious_violations(axe, page) == []
    page.set_viewport_size(VIEWPORTS["desktop"])
    screenshot(page, "vat-return")

    page.get_by_role("link", name="Lignes de la case 20").click()
    assert page.get_by_role("cell", name="10,00\u00a0€").is_visible()
    page.go_back()

    page.get_by_role("link", name="Valider la déclaration…").click()
    assert "30,00\u00a0€" in page.locator("#vat-outcome").inner_text()
    assert serious_violations(axe, page) == []
    page.get_by_role("button", name="Oui, valider et verrouiller").click()
    page.wait_for_url(re.compile(r"/declarations-tva/2025-01/$"))
    assert page.locator("#vat-posted").is_visible()
    vat_return = VatReturn.objects.get(structure=structure)
    assert (vat_return.figures["28"], vat_return.posted_by) == ("30.00", user)
    assert Books.objects.get(structure=structure).locked_until == datetime.date(2025, 1, 31)
    screenshot(page, "vat-return-posted")
