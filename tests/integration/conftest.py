"""Throwaway PostgreSQL databases next to the test database, for tests that run real processes or
tools (pg_dump, gunicorn, Celery) on them; each one is dropped at the end of its test."""

import contextlib
import subprocess
import uuid
from collections.abc import Callable, Iterator
from urllib.parse import urlunsplit

import psycopg
import pytest
from django.db import connection


def database_url(name: str) -> str:
    settings = connection.settings_dict
    credentials = settings["USER"] or "postgres"
    if settings["PASSWORD"]:
        credentials += f":{settings['PASSWORD']}"
    netloc = f"{credentials}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}"
    return urlunsplit(("postgres", netloc, f"/{name}", "", ""))


def test_database_url() -> str:
    return database_url(connection.settings_dict["NAME"])


test_database_url.__test__ = False  # a helper, not a test


@pytest.fixture
def empty_database(db) -> Iterator[Callable[[], str]]:
    """`empty_database()` creates `<test db>_<hex>` and returns its URL."""
    made: list[str] = []
    admin = psycopg.connect(database_url("postgres"), autocommit=True)

    def make() -> str:
        name = f"{connection.settings_dict['NAME']}_{uuid.uuid4().hex[:8]}"
        admin.execute(f'CREATE DATABASE "{name}"')
        made.append(name)
        return database_url(name)

    try:
        yield make
    finally:
        for name in made:
            with contextlib.suppress(psycopg.Error):
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def copy_database(source_url: str, target_url: str) -> None:
    """What docs/deploy.md says to do: `pg_dump --format=custom`, then `pg_restore` into an empty database."""
    dump = subprocess.run(
        ["pg_dump", "--format=custom", "--no-owner", source_url], check=True, capture_output=True, timeout=300
    ).stdout
    subprocess.run(
        ["pg_restore", "--no-owner", "--exit-on-error", "--single-transaction", f"--dbname={target_url}"],
        input=dump,
        check=True,
        capture_output=True,
        timeout=300,
    )
