"""Benchmark: a year of 50 000 bank lines matched against 60 000 open items of account 512.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pole .venv/bin/python -m bench.bank_matching [--lines N] [--items N]

Creates a throwaway database next to the one DATABASE_URL names, migrates it (in a child process),
sets up one structure's books for 2025 and loads the open items in SQL (bypassing post_document: a
load, not a posting benchmark; the immutability triggers allow INSERT): Stripe payouts, cheque
deposit slips, transfers received, cash deposits and supplier payments, on 512, dated over the year.
The bank's side is twelve monthly CAMT.053 files written from most of those items as a bank prints
them (a payout two or three days later, a slip up to four; a reference in the label for most, none
for a share of transfers and cash deposits), plus bank charges the books do not know. The files are
imported without matching (timed apart), then `auto_match` runs once: `seconds` is its time. Each
generated bank line names the item it stands for, so wrong matches are counted too (target 0).
Target: ≥ 95 % matched, ≤ 10 s. Prints human lines, then one JSON object as its last line.
"""

import argparse
import datetime
import json
import random
import sys
import time
from decimal import Decimal

import django
from django.db import connection

from bench.throwaway import NoPostgres, migrate_and_seed, refuse_without_postgres, throwaway_database

YEAR_START = datetime.date(2025, 1, 1)
SEED = 13
# (kind, share of the items, piece_ref prefix, sign, delay days (min, max), share with a reference in the bank label)
KINDS = [
    ("payout", 0.40, "po_", 1, (2, 3), 1.0),
    ("slip", 0.10, "REM-", 1, (1, 4), 0.95),
    ("transfer", 0.25, "CMD-", 1, (0, 2), 0.75),
    ("cash", 0.05, "VERS-", 1, (1, 2), 0.5),
    ("supplier", 0.20, "FA-", -1, (0, 1), 0.9),
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=50_000, help="bank lines (default 50 000)")
    parser.add_argument("--items", type=int, default=60_000, help="open 512 items (default 60 000)")
    parser.add_argument("--keep", action="store_true", help="keep the throwaway database, print its URL")
    args = parser.parse_args()
    try:
        with throwaway_database("bank", keep=args.keep) as bench_url:
            figures = _run(bench_url, args.lines, args.items)
    except NoPostgres:
        return refuse_without_postgres()
    print(json.dumps(figures))  # the last line: one JSON object
    return 0


def _generate(lines: int, items: int):
    """The open items (piece_ref, date, signed amount) and the bank lines standing for most of them."""
    rng = random.Random(SEED)
    fees = max(1, lines // 50)  # bank charges and the like: on the bank only
    mirrored = lines - fees
    weights = [kind[1] for kind in KINDS]
    open_items, bank_lines, truth = [], [], {}
    for n in range(items):
        kind, _share, prefix, sign, (low, high), with_ref = rng.choices(KINDS, weights)[0]
        day = YEAR_START + datetime.timedelta(days=rng.randrange(0, 358))
        # Cheques and cash in round-ish sums, the rest to the cent: equal amounts do happen.
        cents = rng.randrange(500, 50_000, 500) if kind in {"slip", "cash"} else rng.randrange(100, 300_000)
        amount = sign * Decimal(cents) / 100
        piece_ref = f"{prefix}{n:06d}" if prefix != "po_" else f"po_{rng.getrandbits(64):016x}"
        open_items.append((piece_ref, day, amount))
        if n < mirrored:
            booked = day + datetime.timedelta(days=rng.randint(low, high))
            has_ref = rng.random() < with_ref
            label = {
                "payout": "VIR STRIPE PAYMENTS EUROPE",
                "slip": "REMISE CHEQUES",
                "transfer": f"VIR SEPA RECU CLIENT {n % 997}",
                "cash": "VERSEMENT ESPECES",
                "supplier": f"VIR SEPA EMIS FOURNISSEUR {n % 89}",
            }[kind]
            bank_lines.append((f"I{n}", booked, amount, f"{label} {piece_ref}" if has_ref else label))
            truth[f"I{n}"] = piece_ref
    for n in range(fees):
        day = YEAR_START + datetime.timedelta(days=rng.randrange(0, 360))
        bank_lines.append((f"F{n}", day, -Decimal(rng.randrange(50, 3000)) / 100, "FRAIS COMMISSION"))
    rng.shuffle(open_items)  # posting order is not the bank's order
    return open_items, bank_lines, truth


def _run(bench_url: str, line_count: int, item_count: int) -> dict:
    migrate_and_seed(bench_url, seed=False)
    django.setup()
    # reason: the project's modules import models, which need django.setup() first.

    from accounting.actions import setup_books
    from accounting.actions.bank import auto_match, create_bank_account, import_statement
    from accounting.bank_formats import ParsedLine, french_iban, write_camt053
    from accounting.models import Account, BankLine, BankMatch, EntryCounter, FiscalYear, Journal
    from hub.enums import StructureKind, VatRegime
    from hub.models import Structure

    structure = Structure.objects.create(
        name="Banc d'essai banque",
        slug="banc-essai-banque",
        kind=StructureKind.ACI,
        legal_form="Association loi 1901",
        siret="73282932000074",
        vat_regime=VatRegime.NOT_LIABLE,
        vat_exemption_mention="TVA non applicable",
        invoice_prefix="BANK",
        address_line1="1 place de la Mairie",
        postcode="77000",
        city="Melun",
    )
    setup_books(structure=structure, on=datetime.date(2025, 6, 1))
    fiscal_year = FiscalYear.objects.get(structure=structure)
    journal = Journal.objects.get(structure=structure, code="BQ")
    accounts = dict(Account.objects.filter(structure=structure).values_list("code", "pk"))
    bank_account = create_bank_account(
        structure=structure, label="Compte courant", iban=french_iban("42559", "10000", "00000000001")
    )

    started = time.monotonic()
    open_items, bank_rows, truth = _generate(line_count, item_count)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO accounting_entry (structure_id, journal_id, fiscal_year_id, number, reference, date,
                piece_ref, piece_date, label, validation_date, posted_at, source_kind, source_id, event)
            SELECT %s, %s, %s, n, 'BQ-2025-' || lpad(n::text, 6, '0'), d, ref, d, 'Mouvement ' || ref, d, now(),
                   'bench', ref, 'bank'
            FROM unnest(%s::int[], %s::date[], %s::text[]) AS t(n, d, ref)
            """,
            [
                structure.pk,
                journal.pk,
                fiscal_year.pk,
                list(range(1, len(open_items) + 1)),
                [item[1] for item in open_items],
                [item[0] for item in open_items],
            ],
        )
        cursor.execute(
            """
            INSERT INTO accounting_entryline (entry_id, position, account_id, debit, credit, label,
                auxiliary_code, auxiliary_name, lettering_code, lettering_date)
            SELECT e.id, p, CASE WHEN (p = 1) = (t.amount > 0) THEN %s ELSE %s END,
                   CASE WHEN p = 1 THEN abs(t.amount) ELSE 0 END, CASE WHEN p = 2 THEN abs(t.amount) ELSE 0 END,
                   '', '', '', '', NULL
            FROM unnest(%s::text[], %s::numeric[]) AS t(ref, amount)
            JOIN accounting_entry e ON e.structure_id = %s AND e.source_kind = 'bench' AND e.source_id = t.ref
            CROSS JOIN generate_series(1, 2) AS p
            """,
            [
                accounts["512"],
                accounts["512800"],
                [item[0] for item in open_items],
                [item[2] for item in open_items],
                structure.pk,
            ],
        )
    EntryCounter.objects.filter(fiscal_year=fiscal_year, journal=journal).update(last_number=len(open_items))
    with connection.cursor() as cursor:  # VACUUM cannot run inside a transaction block: autocommit here
        cursor.execute("VACUUM ANALYZE accounting_entry, accounting_entryline")
    print(f"{len(open_items)} écritures ouvertes sur 512 chargées en {time.monotonic() - started:.1f} s")

    started = time.monotonic()
    files = 0
    for month in range(1, 13):
        rows = sorted((row for row in bank_rows if row[1].month == month and row[1].year == 2025), key=lambda r: r[1])
        if not rows:
            continue
        data = write_camt053(
            iban=bank_account.iban,
            statement_id=f"BENCH-2025-{month:02d}",
            lines=[ParsedLine(tid, day, day, amount, label) for tid, day, amount, label in rows],
            created_at=datetime.datetime(2025, month, 28, tzinfo=datetime.UTC),
        )
        import_statement(bank_account=bank_account, data=data, file_name=f"{month:02d}.xml", match=False)
        files += 1
    lines = BankLine.objects.filter(bank_account=bank_account).count()
    import_seconds = time.monotonic() - started
    print(f"{lines} opérations importées de {files} relevés CAMT.053 en {import_seconds:.1f} s")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE accounting_bankline")

    started = time.monotonic()
    matched = auto_match(bank_account=bank_account)
    seconds = time.monotonic() - started
    # Each mirrored line's id names its item (I<n> ↔ the n-th generated piece_ref): count the wrong ones.
    wrong = sum(
        1
        for tid, piece_ref in BankMatch.objects.filter(bank_line__bank_account=bank_account).values_list(
            "bank_line__transaction_id", "entry_line__entry__piece_ref"
        )
        if truth.get(tid) != piece_ref
    )
    share = matched / lines if lines else 0
    print(f"rapprochement automatique : {matched} / {lines} ({share:.1%}) en {seconds:.2f} s, {wrong} erreurs")
    print("objectif : ≥ 95 % rapprochées, ≤ 10 s")
    return {
        "lines": lines,
        "matched": matched,
        "seconds": round(seconds, 3),
        "open_items": len(open_items),
        "wrong": wrong,
        "import_seconds": round(import_seconds, 3),
    }


if __name__ == "__main__":
    sys.exit(main())
