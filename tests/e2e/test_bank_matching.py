"""The demo accountant matches by hand a bank line the automatic matching left (two equal amounts)."""

import datetime
import re
from decimal import Decimal

import pytest
from django.utils import timezone

from accounting.actions import post_document
from accounting.actions.bank import import_statement
from accounting.bank_formats import ParsedLine, write_camt053
from accounting.documents import Document, DocumentLine, IdempotencyKey
from accounting.models import BankAccount, BankLine
from hub.demo import DEMO_PASSWORD
from tests.e2e.conftest import serious_violations

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

AMOUNT = Decimal("64.20")


def _two_transfers_and_their_bank_line() -> BankLine:
    today = timezone.localdate()
    bank_account = BankAccount.objects.get(structure__slug="jardins-du-pole")
    for n, ref in enumerate(("CMD-E2E-A", "CMD-E2E-B"), start=2):
        day = today - datetime.timedelta(days=n)
        post_document(
            Document(
                structure=bank_account.structure,
                journal="BQ",
                date=day,
                piece_ref=ref,
                piece_date=day,
                label=f"Virement reçu {ref}",
                lines=(
                    DocumentLine(account="512", debit=AMOUNT),
                    DocumentLine(account="411", credit=AMOUNT, auxiliary_code="C9999", auxiliary_name="Client e2e"),
                ),
                key=IdempotencyKey("e2e-transfer", ref, "received"),
            )
        )
    day = today - datetime.timedelta(days=1)
    line = ParsedLine("E2E-1", day, day, AMOUNT, "VIR SEPA RECU MME DURAND", "", "MME DURAND")
    data = write_camt053(iban=bank_account.iban, statement_id="E2E", lines=[line], created_at=timezone.now())
    result = import_statement(bank_account=bank_account, data=data)
    assert result.matched == 0  # two entries of 64,20 €, no reference: left to a person
    return BankLine.objects.get(bank_account=bank_account, transaction_id="E2E-1")


def test_accountant_matches_a_bank_line_by_hand(page, live_demo_hub, axe):
    line = _two_transfers_and_their_bank_line()
    page.goto(live_demo_hub.url + "/auth/login/?next=/comptabilite/jardins-du-pole/")
    page.get_by_label("Courriel").fill("compta@demo.pole.test")
    page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Connexion").click()

    page.get_by_role("navigation", name="Comptabilité de la structure").get_by_role("link", name="Banque").click()
    row = page.get_by_role("row").filter(has_text="VIR SEPA RECU MME DURAND")
    row.get_by_role("link", name=re.compile("^Rapprocher")).click()

    assert page.get_by_role("heading", level=1).inner_text().endswith("64,20\u00a0€")
    page.get_by_label(re.compile("CMD-E2E-A")).check()
    assert serious_violations(axe, page) == []
    page.get_by_role("button", name="Rapprocher", exact=True).click()

    assert "Ligne rapprochée (lettrage" in page.get_by_role("status").first.inner_text()
    line.refresh_from_db()
    assert (line.match_kind, line.matched_by.email) == ("manual", "compta@demo.pole.test")
    assert line.entry_lines.get().entry.piece_ref == "CMD-E2E-A"
