"""Benchmark: 50 simulated residents browse the catalogue, fill a cart and check out with cash,
against the production processes of `make serve`.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pole CELERY_BROKER_URL=redis://127.0.0.1:6379/0 \\
        .venv/bin/python -m bench.load

Creates a throwaway PostgreSQL database, migrates it, loads the demo hub, adds 50 residents (each
with an API token) and tops up the stock of the offerings they buy, collects static files, then
runs the Procfile with honcho — gunicorn (WEB_CONCURRENCY workers, 3 by default), a Celery worker
and beat, production settings (config.settings.base) — on 127.0.0.1 only, and reads every
catalogue page a few times so that each worker's caches are warm (as in bench/catalogue.py). Locust
(bench/load_residents.py) drives it headless for LOAD_SECONDS (60 by default) once every user has
started. Without CELERY_BROKER_URL only the web process runs, tasks eagerly inside it (and it says
so). Prints human lines, then one JSON object as its last line:
    {"users": 50, "requests": …, "errors": 0, "p95_ms": …, "orders": …}
Drops the database at the end.
"""

import csv
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path

import psycopg

from bench.throwaway import NoPostgres, migrate_and_seed, refuse_without_postgres, throwaway_database

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
USERS = 50
SPAWN_RATE = 10  # users started per second
SECONDS = int(os.environ.get("LOAD_SECONDS", "60"))
EMAIL_DOMAIN = "charge.bench.test"


def prepare(path: str, users: int) -> None:
    """Inside Django (the bench database): the residents and their tokens, the offerings a resident
    can put in a cart and pay cash (stock topped up so that no run sells out), a pickup point."""
    # reason: this runs inside `manage.py shell` on the bench database; the module itself is imported
    # before django.setup() by `python -m bench.load`, so models can only be imported here.
    from allauth.account.models import EmailAddress

    from accounts.actions import create_api_token
    from accounts.models import User
    from bookings.selectors import bookable_offerings
    from hub.models import Site
    from marketplace.actions.cart import add_to_cart, summarise
    from marketplace.actions.checkout import available_payment_methods
    from marketplace.enums import PaymentMethod
    from marketplace.exceptions import MarketplaceError
    from marketplace.models import Cart
    from services.enums import Audience
    from services.models import Offering

    tokens = []
    for number in range(users):
        user = User.objects.create_user(
            email=f"resident{number}@{EMAIL_DOMAIN}",
            password="bench-only-2026",
            first_name="Charge",
            last_name=str(number),
        )
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
        tokens.append(create_api_token(user=user, name="banc de charge")[1])

    probe = User.objects.get(email=f"resident0@{EMAIL_DOMAIN}")
    bookable = set(bookable_offerings().values_list("pk", flat=True))
    offerings = []
    candidates = Offering.objects.for_catalogue().filter(audience__in=[Audience.RESIDENTS, Audience.BOTH])
    for offering in candidates.exclude(pk__in=bookable).select_related("structure"):
        if offering.stock is not None:
            Offering.objects.filter(pk=offering.pk).update(stock=1_000_000)
            offering.refresh_from_db()
        cart, _created = Cart.objects.get_or_create(user=probe)
        cart.items.all().delete()
        try:
            add_to_cart(cart=cart, offering=offering, quantity=Decimal(1))
        except MarketplaceError:
            continue
        summary = summarise(cart)
        if any(line.problem for line in summary.lines):
            continue
        if PaymentMethod.CASH in available_payment_methods(summary=summary, organisation=None):
            offerings.append({"id": offering.pk, "slug": offering.slug, "kind": offering.kind})
    Cart.objects.filter(user=probe).delete()
    pickup_point = Site.objects.pickup_points().order_by("name").first()
    with open(path, "w", encoding="utf-8") as out:
        json.dump({"tokens": tokens, "offerings": offerings, "pickup_point": pickup_point.slug}, out)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait(url: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 — loopback only
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(url)


def _warm_up(base: str, fixture: dict, workers: int) -> None:
    """Every page the residents read, a few times from as many threads as gunicorn has workers: each
    worker fills its own catalogue caches (and compiles its templates) before the measure starts."""
    paths = ["/catalogue/", "/catalogue/?page=2"]
    paths += sorted({f"/catalogue/?kind={offering['kind']}" for offering in fixture["offerings"]})
    paths += [f"/catalogue/{offering['slug']}/" for offering in fixture["offerings"]]

    def get(path: str) -> None:
        with urllib.request.urlopen(base + path, timeout=30) as response:  # noqa: S310 — loopback only
            response.read()

    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(get, paths * 2 * workers))


def _stats(prefix: str) -> tuple[list[dict], dict]:
    with open(f"{prefix}_stats.csv", encoding="utf-8") as stats:
        rows = list(csv.DictReader(stats))
    return [row for row in rows if row["Name"] != "Aggregated"], next(
        row for row in rows if row["Name"] == "Aggregated"
    )


def main() -> int:
    try:
        with throwaway_database("load") as bench_url:
            return run(bench_url)
    except NoPostgres:
        return refuse_without_postgres()


def run(bench_url: str) -> int:
    broker = os.environ.get("CELERY_BROKER_URL", "")
    work = Path(tempfile.mkdtemp(prefix="pole-bench-load-"))
    port = _free_port()
    env = {
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DJANGO_SECRET_KEY": "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_SECURE_COOKIES": "false",
        "CELERY_BROKER_URL": "",  # the set-up runs its tasks eagerly; the served processes get the broker
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        "STATIC_ROOT": str(work / "static"),
        "MEDIA_ROOT": str(work / "media"),
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "LOG_LEVEL": "WARNING",
        "PATH": f"{BIN}:{os.environ.get('PATH', '')}",
    }
    honcho = None
    try:
        migrate_and_seed(bench_url, extra_env=env)  # also points this process's environment at it
        fixture = work / "fixture.json"
        manage = [sys.executable, str(ROOT / "manage.py")]
        setup = f"from bench.load import prepare; prepare({str(fixture)!r}, {USERS})"
        subprocess.run([*manage, "shell", "-c", setup], cwd=ROOT, env=os.environ, check=True)
        subprocess.run([*manage, "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=os.environ, check=True)
        offerings = json.loads(fixture.read_text())["offerings"]
        print(f"{USERS} habitants, {len(offerings)} offres achetables en espèces")
        processes = [] if broker else ["web"]  # no broker: tasks run eagerly in the web process
        with open(work / "serve.log", "w") as serve_log:
            honcho = subprocess.Popen(
                [str(BIN / "honcho"), "start", "-f", "Procfile", *processes],
                cwd=ROOT,
                env={**os.environ, "CELERY_BROKER_URL": broker},
                stdout=serve_log,
                stderr=subprocess.STDOUT,
            )
        base = f"http://127.0.0.1:{port}"
        _wait(f"{base}/healthz")
        workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
        print(f"make serve : gunicorn ({workers} workers)" + (", worker et beat Celery" if broker else ", sans broker"))
        warm_started = time.monotonic()
        _warm_up(base, json.loads(fixture.read_text()), workers)
        print(f"pages du catalogue préchauffées en {time.monotonic() - warm_started:.1f} s")
        prefix = str(work / "locust")
        started = time.monotonic()
        subprocess.run(
            [str(BIN / "locust"), "-f", str(ROOT / "bench" / "load_residents.py"), "--headless",
             "--host", base, "--users", str(USERS), "--spawn-rate", str(SPAWN_RATE),
             "--run-time", f"{SECONDS + USERS // SPAWN_RATE}s", "--stop-timeout", "30",
             "--csv", prefix, "--only-summary", "--loglevel", "WARNING"],
            cwd=ROOT,
            env={**os.environ, "LOAD_FIXTURE": str(fixture)},
            check=False,  # locust exits 1 when a request failed: the figures say so
        )  # fmt: skip
        elapsed = time.monotonic() - started
        endpoints, total = _stats(prefix)
        for row in endpoints:
            print(
                f"{row['Type']:4} {row['Name']:24} {row['Request Count']:>6} requêtes, "
                f"{row['Failure Count']} erreurs, p50 {row['50%']} ms, p95 {row['95%']} ms"
            )
        with psycopg.connect(bench_url) as conn:
            orders = conn.execute(
                "SELECT count(*) FROM marketplace_order o JOIN accounts_user u ON u.id = o.customer_id "
                "WHERE u.email LIKE %s",
                (f"%@{EMAIL_DOMAIN}",),
            ).fetchone()[0]
        result = {
            "users": USERS,
            "requests": int(total["Request Count"]),
            "errors": int(total["Failure Count"]),
            "p95_ms": float(total["95%"]),
            "orders": orders,
            "rps": round(float(total["Requests/s"]), 1),
            "seconds": round(elapsed),
        }
        print(json.dumps(result))
        return 0
    finally:
        if honcho is not None:
            honcho.terminate()
            honcho.wait(timeout=60)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
