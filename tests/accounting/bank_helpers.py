"""What the bank tests share: the test account's IBAN, the sample files, 512 entries posted as the
marketplace posts them (payouts, slips, transfers, supplier payments)."""

import datetime
from decimal import Decimal
from pathlib import Path

from accounting.actions import post_document
from accounting.actions.bank import create_bank_account
from accounting.bank_formats import ParsedLine, write_camt053
from accounting.documents import DocumentLine
from accounting.models import EntryLine
from tests.accounting.factories import DocumentFactory

DATA = Path(__file__).parent / "data"
IBAN = "FR7630004000010001234567830"  # the account of every sample file in data/
OTHER_IBAN = "FR7630004000010008765432102"


def sample(name: str) -> bytes:
    return (DATA / name).read_bytes()


def make_bank_account(structure, iban: str = IBAN):
    return create_bank_account(structure=structure, label="Compte courant", iban=iban, bic="BNPAFRPPXXX")


def post_512(structure, amount: str, day: datetime.date, piece_ref: str, *, journal: str = "ST") -> EntryLine:
    """A movement of the bank account as the marketplace posts it: money in D 512 / C clearing (a
    payout, a slip), money out D 401 / C 512 (a supplier paid). Returns the 512 line."""
    amount_dec = Decimal(amount)
    if amount_dec > 0:
        lines = (DocumentLine(account="512", debit=amount_dec), DocumentLine(account="512800", credit=amount_dec))
    else:
        lines = (DocumentLine(account="401", debit=-amount_dec), DocumentLine(account="512", credit=-amount_dec))
    entry = post_document(
        DocumentFactory(structure=structure, journal=journal, date=day, piece_ref=piece_ref, lines=lines)
    )
    return entry.lines.get(account__code="512")


def camt(lines: list[tuple], iban: str = IBAN, version: int = 8) -> bytes:
    """A statement of (transaction id, date, amount, label[, reference]) tuples."""
    parsed = [
        ParsedLine(
            transaction_id=row[0],
            booking_date=row[1],
            value_date=row[1],
            amount=Decimal(row[2]),
            label=row[3],
            reference=row[4] if len(row) > 4 else "",
        )
        for row in lines
    ]
    return write_camt053(
        iban=iban,
        statement_id="TEST",
        lines=parsed,
        created_at=datetime.datetime(2025, 4, 1, 6, 0, tzinfo=datetime.UTC),
        version=version,
    )
