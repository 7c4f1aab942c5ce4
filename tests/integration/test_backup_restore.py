"""docs/deploy.md's backup recipe, run for real: `pg_dump -Fc` of the (throwaway, seeded) test
database, `pg_restore` into an empty one, and the same rows on the other side — the immutable
ledgers and their triggers included."""

import psycopg
import pytest

from tests.integration.conftest import copy_database, test_database_url

pytestmark = pytest.mark.postgres

# The users, a table per app, and the books (immutable, guarded by triggers).
TABLES = [
    "accounts_user",
    "hub_structure",
    "services_offering",
    "marketplace_order",
    "marketplace_invoice",
    "accounting_entry",
    "accounting_entryline",
    "bookings_booking",
    "subscriptions_subscription",
    "insertion_worker",
]


def _counts(url: str) -> dict[str, int]:
    with psycopg.connect(url) as conn:
        return {table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in TABLES}  # noqa: S608


def test_a_dump_restores_into_an_empty_database_with_the_same_rows(empty_database):
    source = test_database_url()
    target = empty_database()
    with psycopg.connect(target) as conn:
        assert conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()[0] == 0

    copy_database(source, target)

    before = _counts(source)
    assert before["accounting_entryline"] > 0
    assert before["marketplace_invoice"] > 0  # the demo hub's books and invoices
    assert _counts(target) == before
    with (
        psycopg.connect(target) as conn,
        pytest.raises(psycopg.errors.IntegrityConstraintViolation, match="Écriture validée"),
    ):
        conn.execute("UPDATE accounting_entryline SET label = 'modifiée'")  # the immutability trigger came back
