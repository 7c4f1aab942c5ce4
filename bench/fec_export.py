"""Benchmark: FEC export of 1 000 000 entry lines against a plain PostgreSQL COPY of the same rows.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pole .venv/bin/python -m bench.fec_export [--lines N]

Creates a throwaway database next to the one DATABASE_URL names, migrates it (in a child
process, so this process's peak RSS is the export's), loads the lines in SQL (bypassing
post_document: a load, not a posting benchmark), exports the FEC to a temporary file with the
exporter, times a plain `COPY (SELECT * FROM accounting_entryline) TO STDOUT` of the same rows,
then drops the database. Prints human lines, then one JSON object as its last line.
"""

import argparse
import datetime
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

import django
from django.db import connection

from bench.throwaway import NoPostgres, migrate_and_seed, refuse_without_postgres, throwaway_database

LINES_PER_ENTRY = 4
ROUNDS = 3


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000, help="entry lines to load (default 1 000 000)")
    parser.add_argument(
        "--keep", action="store_true", help="keep the throwaway database (to inspect it), print its URL"
    )
    args = parser.parse_args()
    entries = args.lines // LINES_PER_ENTRY

    try:
        with throwaway_database("fec", keep=args.keep) as bench_url:
            figures = _run(bench_url, entries)
    except NoPostgres:
        return refuse_without_postgres()
    if figures is None:
        return 1
    print(json.dumps(figures))  # the last line: one JSON object
    return 0


def _run(bench_url: str, entries: int) -> dict | None:
    migrate_and_seed(bench_url, seed=False)  # in a child process: this one's peak RSS is the export's
    django.setup()
    # reason: the project's modules import models, which need django.setup() first.

    from accounting.actions import setup_books
    from accounting.fec import fec_filename, write_fec
    from accounting.models import Account, EntryCounter, FiscalYear, Journal
    from hub.enums import StructureKind, VatRegime
    from hub.models import Structure

    structure = Structure.objects.create(
        name="Banc d'essai FEC",
        slug="banc-essai-fec",
        kind=StructureKind.ACI,
        legal_form="Association loi 1901",
        siret="73282932000074",
        vat_regime=VatRegime.NOT_LIABLE,
        vat_exemption_mention="TVA non applicable",
        invoice_prefix="BENCH",
        address_line1="1 place de la Mairie",
        postcode="77000",
        city="Melun",
    )
    setup_books(structure=structure, on=datetime.date(2025, 6, 1))
    fiscal_year = FiscalYear.objects.select_related("structure").get(structure=structure)
    journal = Journal.objects.get(structure=structure, code="VE")
    accounts = dict(Account.objects.filter(structure=structure).values_list("code", "pk"))

    started = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO accounting_entry (structure_id, journal_id, fiscal_year_id, number, reference, date,
                piece_ref, piece_date, label, validation_date, posted_at, source_kind, source_id, event)
            SELECT %s, %s, %s, g, 'VE-2025-' || lpad(g::text, 6, '0'), d, 'FAC-2025-' || g, d,
                   'Facture n° ' || g, d, now(), 'bench', g::text, 'issued'
            FROM generate_series(1, %s) AS g, LATERAL (SELECT date '2025-01-01' + (g * 365 / %s) AS d) AS day
            """,
            [structure.pk, journal.pk, fiscal_year.pk, entries, entries + 1],
        )
        cursor.execute(
            """
            INSERT INTO accounting_entryline (entry_id, position, account_id, debit, credit, label,
                auxiliary_code, auxiliary_name, lettering_code, lettering_date)
            SELECT e.id, p,
                   (ARRAY[%s, %s, %s, %s]::bigint[])[p],
                   CASE WHEN p = 1 THEN 120.00 ELSE 0 END,
                   (ARRAY[0, 60.00, 40.00, 20.00])[p],
                   '',
                   CASE WHEN p = 1 THEN 'C' || lpad((e.number %% 5000)::text, 5, '0') ELSE '' END,
                   CASE WHEN p = 1 THEN 'Client n° ' || (e.number %% 5000) ELSE '' END,
                   '', NULL
            FROM accounting_entry e CROSS JOIN generate_series(1, 4) AS p
            WHERE e.fiscal_year_id = %s
            """,
            [accounts["411"], accounts["7061"], accounts["706"], accounts["445711"], fiscal_year.pk],
        )
    with connection.cursor() as cursor:  # VACUUM cannot run inside a transaction block: autocommit here
        # Long-lived ledger rows are frozen and visible to all: measure that, not the first read's
        # hint-bit writes on freshly loaded pages.
        cursor.execute("VACUUM (FREEZE, ANALYZE) accounting_entry, accounting_entryline")
    EntryCounter.objects.filter(fiscal_year=fiscal_year, journal=journal).update(last_number=entries)
    lines = entries * LINES_PER_ENTRY
    print(f"{lines} lignes ({entries} écritures) chargées en {time.monotonic() - started:.1f} s")

    with tempfile.TemporaryDirectory() as directory:
        copy_path = Path(directory) / "copy.tsv"

        def plain_copy() -> float:
            started = time.monotonic()
            with connection.cursor():
                raw = connection.connection
                with (
                    raw.cursor() as cursor,
                    copy_path.open("wb") as output,
                    cursor.copy("COPY (SELECT * FROM accounting_entryline) TO STDOUT") as copy,
                ):
                    for block in copy:
                        output.write(block)
            return time.monotonic() - started

        def export() -> float:
            started = time.monotonic()
            write_fec(fiscal_year, Path(directory))
            return time.monotonic() - started

        plain_copy()  # warm the cache, so every timing reads the same pages from memory
        # Best of ROUNDS, alternating the two: the machine may be shared, the minimum is the
        # least disturbed run of each.
        copy_times, export_times = [], []
        for _round in range(ROUNDS):
            copy_times.append(plain_copy())
            export_times.append(export())
        copy_seconds, seconds = min(copy_times), min(export_times)
        print(
            "COPY brut : " + ", ".join(f"{t:.2f}" for t in copy_times) + f" s ({copy_path.stat().st_size / 1e6:.0f} Mo)"
        )
        print("export FEC : " + ", ".join(f"{t:.2f}" for t in export_times) + " s")
        path = Path(directory) / fec_filename(fiscal_year)
        size = path.stat().st_size
        with path.open("rb") as handle:
            written = sum(1 for _ in handle) - 1  # minus the header
    if written != lines:
        print(f"ERREUR : {written} lignes écrites pour {lines} attendues", file=sys.stderr)
        return None
    ratio = seconds / copy_seconds
    peak = _peak_rss_mb()
    rate = f"{lines / seconds:,.0f}".replace(",", " ")
    print(f"export FEC (meilleur) : {seconds:.2f} s, {rate} lignes/s, {size / 1e6:.0f} Mo")
    print(f"COPY brut (meilleur) : {copy_seconds:.2f} s")
    print(f"rapport export / COPY brut : {ratio:.2f} (objectif ≤ 3), pic de mémoire : {peak:.0f} Mo (objectif < 150)")
    return {
        "lines": lines,
        "seconds": round(seconds, 3),
        "copy_seconds": round(copy_seconds, 3),
        "ratio": round(ratio, 2),
        "peak_rss_mb": round(peak, 1),
    }


if __name__ == "__main__":
    sys.exit(main())
