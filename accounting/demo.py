"""Demo books: every structure of the demo hub gets its chart, journals and current fiscal year;
once every app has seeded (`seed_demo_late`), a bank account and one CAMT.053 statement built from
the demo's own bank (512) lines, imported and matched — plus a bank charge left to match by hand."""

import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from accounting.actions import setup_books
from accounting.actions.bank import create_bank_account, import_statement
from accounting.bank_formats import ParsedLine, french_iban, write_camt053
from accounting.models import Account, BankLine, BankStatement, EntryLine, FiscalYear, Journal
from hub.models import Structure

DEMO_BANK_CODE, DEMO_BRANCH_CODE = "42559", "10000"  # Crédit Coopératif, a plausible branch
DEMO_BANK_FEE = Decimal("-7.50")


@transaction.atomic
def seed_demo() -> dict[str, int]:
    # After the structures exist, so each chart gets one 467 per other structure.
    # The demo's history starts four weeks back: the fiscal year must cover it (the sales open the
    # following year themselves when they reach it).
    since = timezone.localdate() - datetime.timedelta(days=60)
    for structure in Structure.objects.order_by("pk"):
        setup_books(structure=structure, on=since)
    return {
        "comptes": Account.objects.count(),
        "journaux": Journal.objects.count(),
        "exercices comptables": FiscalYear.objects.count(),
    }


def _bank_line_for(entry_line: EntryLine, today: datetime.date) -> ParsedLine:
    """What the bank prints for a 512 line: a payout two days later, the rest the next day."""
    entry = entry_line.entry
    amount = entry_line.debit - entry_line.credit
    delay = 2 if entry.journal.code == "ST" else 1
    booked = min(entry.date + datetime.timedelta(days=delay), today)
    ref = entry.piece_ref
    if ref.startswith("po_"):
        # A negative payout is Stripe debiting the account (a negative balance to cover).
        kind = "VIR" if amount > 0 else "PRLV SEPA"
        label, party = f"{kind} STRIPE PAYMENTS EUROPE {ref}", "STRIPE PAYMENTS EUROPE LTD"
    elif ref.startswith("REM-"):
        label, party = f"REMISE CHEQUES {ref}", ""
    elif amount > 0:
        label, party = f"VIR SEPA RECU {entry.label.upper()} REF {ref}", ""
    else:
        label, party = f"VIR SEPA EMIS {entry.label.upper()} REF {ref}", ""
    return ParsedLine(
        transaction_id=f"DEMO{entry_line.pk:010d}",
        booking_date=booked,
        value_date=booked,
        amount=amount,
        label=label[:140],
        reference=ref[:35],
        counterparty=party,
    )


def seed_demo_late() -> dict[str, int]:
    """A statement per structure, from the bank lines the other apps' demos posted (hub's seed_demo
    runs this after every app's `seed_demo`). Idempotent: an account with a statement is left alone."""
    today = timezone.localdate()
    for structure in Structure.objects.order_by("pk"):
        bank_account = create_bank_account(
            structure=structure,
            label="Compte courant",
            iban=french_iban(DEMO_BANK_CODE, DEMO_BRANCH_CODE, f"{structure.pk:011d}"),
            bic="CCOPFRPPXXX",
        )
        if BankStatement.objects.filter(bank_account=bank_account).exists():
            continue
        entry_lines = (
            EntryLine.objects.filter(account=bank_account.ledger_account, lettering_code="", entry__date__lt=today)
            .select_related("entry__journal")
            .order_by("entry__date", "pk")
        )
        lines = [_bank_line_for(line, today) for line in entry_lines]
        lines.append(
            ParsedLine(
                transaction_id=f"DEMO-FRAIS-{structure.pk}",
                booking_date=today - datetime.timedelta(days=1),
                value_date=today - datetime.timedelta(days=1),
                amount=DEMO_BANK_FEE,
                label="FRAIS TENUE DE COMPTE ET COTISATION CARTE",
                reference="",
                counterparty="",
            )
        )
        lines.sort(key=lambda line: (line.booking_date, line.transaction_id))
        data = write_camt053(
            iban=bank_account.iban,
            statement_id=f"RLV-{structure.slug[:20]}-{today:%Y%m%d}",
            lines=lines,
            opening_balance=Decimal("1500.00"),
            created_at=timezone.now().replace(microsecond=0),
        )
        import_statement(bank_account=bank_account, data=data, file_name=f"releve-{structure.slug}.xml")
    return {"opérations bancaires": BankLine.objects.count(), "rapprochées": BankLine.objects.matched().count()}
