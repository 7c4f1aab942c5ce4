"""What the database benchmarks share: a throwaway PostgreSQL database next to the one DATABASE_URL
names, migrated and seeded with the demo hub in a child process, dropped at the end (unless kept)."""

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

ROOT = Path(__file__).resolve().parent.parent


class NoPostgres(Exception):
    """DATABASE_URL does not name a PostgreSQL server."""


def with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


@contextlib.contextmanager
def throwaway_database(kind: str, *, keep: bool = False) -> Iterator[str]:
    """Create `pole_bench_<kind>_<pid>` and yield its URL; drop it when done (Django's connections first)."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        raise NoPostgres
    name = f"pole_bench_{kind}_{os.getpid()}"
    bench_url = with_database(url, name)
    # The server's maintenance database: the one DATABASE_URL names may not even exist yet.
    admin = psycopg.connect(with_database(url, "postgres"), autocommit=True)
    admin.execute(f'CREATE DATABASE "{name}"')
    print(f"base jetable {name} créée")
    try:
        yield bench_url
    finally:
        with contextlib.suppress(Exception):  # Django may not even be set up; the forced drop copes anyway
            from django.db import connections  # reason: only once the benchmark has set Django up

            connections.close_all()
        if keep:
            print(f"base conservée (--keep) : {bench_url}")
        else:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            print(f"base jetable {name} supprimée")
        admin.close()


def refuse_without_postgres() -> int:
    print("Ce banc d'essai exige PostgreSQL : définissez DATABASE_URL=postgres://…", file=sys.stderr)
    return 2


def migrate_and_seed(bench_url: str, *, seed: bool = True, extra_env: dict | None = None) -> None:
    """Migrate (and seed the demo hub) in a child process, then point this process's Django at it
    (with `extra_env` in both)."""
    env = {
        **os.environ,
        "DATABASE_URL": bench_url,
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        **(extra_env or {}),
    }
    started = time.monotonic()
    commands = [["migrate", "--noinput", "-v", "0"]] + ([["seed_demo", "--force", "-v", "0"]] if seed else [])
    for command in commands:
        subprocess.run([sys.executable, str(ROOT / "manage.py"), *command], check=True, env=env, cwd=ROOT)
    print(f"base migrée{' et démo chargée' if seed else ''} en {time.monotonic() - started:.1f} s")
    os.environ.update(env)
