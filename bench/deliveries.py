"""Benchmark: generate the next 4 weeks of basket deliveries for 10 000 active subscriptions, then re-run it.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pole .venv/bin/python -m bench.deliveries [--subscriptions N]

Creates a throwaway database next to the one DATABASE_URL names, migrates and seeds the demo hub
(in a child process), bulk-loads N residents and their subscriptions (a load, not a subscribe
benchmark), times `generate_deliveries(weeks=4)` and its idempotent re-run, then drops the
database. Target: ≤ 10 s for the first run. Prints human lines, then one JSON object as its last line.
"""

import argparse
import datetime
import json
import sys
import time

import django
from django.db import connection
from django.utils import timezone

from bench.throwaway import NoPostgres, migrate_and_seed, refuse_without_postgres, throwaway_database


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscriptions", type=int, default=10_000, help="active subscriptions (default 10 000)")
    args = parser.parse_args()

    code, result = 1, None
    try:
        with throwaway_database("deliveries") as bench_url:
            code, result = _run(bench_url, args.subscriptions)
    except NoPostgres:
        return refuse_without_postgres()
    if result is not None:
        print(json.dumps(result))  # the last line: one JSON object
    return code


def _run(bench_url: str, count: int) -> tuple[int, dict | None]:
    migrate_and_seed(bench_url)
    django.setup()
    # reason: the project's modules import models, which need django.setup() first.
    from accounts.models import User
    from hub.enums import Frequency
    from hub.models import Site
    from hub.notify import suppressed
    from services.models import Offering
    from subscriptions.actions.deliveries import generate_deliveries
    from subscriptions.enums import SubscriptionPaymentMode
    from subscriptions.models import Delivery, Subscription, SubscriptionPlan

    today = timezone.localdate()
    started = time.monotonic()
    plans = [
        SubscriptionPlan.objects.create(
            offering=Offering.objects.get(slug=slug),
            size_label=label,
            frequency=frequency,
            season_start=today - datetime.timedelta(days=30),
            season_end=today + datetime.timedelta(days=180),
            weekday=weekday,
        )
        for slug, label, frequency, weekday in [
            ("panier-petit-format", "Petit", Frequency.WEEKLY, 1),
            ("panier-moyen-format", "Moyen", Frequency.WEEKLY, 3),
            ("panier-familial", "Familial", Frequency.FORTNIGHTLY, 4),
        ]
    ]
    points = list(Site.objects.pickup_points())
    # The demo's own residents are subscribed already: load the rest, so exactly `count` are live.
    demo_live = Subscription.objects.live().count()
    users = User.objects.bulk_create(
        [User(email=f"banc{n:05d}@bench.pole.test", password="!", first_name="Banc", last_name=str(n)) for n in range(count - demo_live)],
        batch_size=2000,
    )  # fmt: skip
    Subscription.objects.bulk_create(
        [
            Subscription(
                customer=user,
                plan=plans[n % len(plans)],
                pickup_point=points[n % len(points)],
                start_date=today - datetime.timedelta(days=n % 14),
                payment_mode=SubscriptionPaymentMode.CARD,
            )
            for n, user in enumerate(users)
        ],
        batch_size=2000,
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    live = Subscription.objects.live().count()
    print(f"{live} abonnements actifs ({demo_live} de la démo) chargés en {time.monotonic() - started:.1f} s")
    before = Delivery.objects.count()

    with suppressed():
        started = time.monotonic()
        generated = generate_deliveries(weeks=4, today=today)
        seconds = time.monotonic() - started
        print(f"première génération : {generated} livraisons en {seconds:.2f} s (objectif ≤ 10 s)")
        started = time.monotonic()
        rerun_generated = generate_deliveries(weeks=4, today=today)
        rerun_seconds = time.monotonic() - started
        print(f"seconde génération : {rerun_generated} livraisons en {rerun_seconds:.2f} s")
    stored = Delivery.objects.count() - before
    if stored != generated or rerun_generated:
        print(f"ERREUR : {stored} livraisons créées en base pour {generated} annoncées", file=sys.stderr)
        return 1, None
    return 0, {
        "subscriptions": live,
        "generated": generated,
        "seconds": round(seconds, 2),
        "rerun_generated": rerun_generated,
        "rerun_seconds": round(rerun_seconds, 2),
    }


if __name__ == "__main__":
    sys.exit(main())
