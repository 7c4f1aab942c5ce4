"""Benchmark: N two-seller card orders settled through the real webhook path, then the reconciliation.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pole .venv/bin/python -m bench.settlement [--orders N]

Creates a throwaway database next to the one DATABASE_URL names, migrates and seeds the demo hub
(in a child process), starts the local Stripe server (localstripe with Connect), then for each
of N orders (two sellers, two lines each): places it, creates and confirms its PaymentIntent on
the local server, and posts the signed `payment_intent.succeeded` to the webhook view with
Django's test client; Celery is eager, so the event is processed in the request (payment, shares,
postings, invoices), then, after its commit, the task making the two transfers on the local server.
`queries_per_webhook` counts the webhook (storing and processing the event), the transfers' task is
counted apart (`queries_transfers_after_commit`), and `queries_end_to_end` is both. Only the webhook posts are timed and their
SQL queries counted (e-mails suppressed). Then the marketplace's reconciliation checks run over
the whole database (the demo's orders and the N new ones); their time is scaled linearly to
10 000 orders: unless --scale-to 0, the settled orders are first copied row by row (orders, shares,
invoices, transfers, entries and their lines) until the database holds 10 000 orders, so the time is
measured, not extrapolated. The Stripe-balance check runs apart, before the copies (one HTTP call
per account). Target: ≤ 60 queries per
webhook, ≤ 5 s per 10 000 orders. Prints human lines, then one JSON object as its last line.
"""

import argparse
import hashlib
import hmac
import json
import sys
import time
from decimal import Decimal

import django
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bench.throwaway import NoPostgres, migrate_and_seed, refuse_without_postgres, throwaway_database
from devtools import localstripe_server

WEBHOOK_SECRET = "whsec_bench_settlement"


def _signature(payload: str) -> str:
    timestamp = int(time.time())
    digest = hmac.new(WEBHOOK_SECRET.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=200, help="two-seller card orders (default 200)")
    parser.add_argument(
        "--scale-to",
        type=int,
        default=10_000,
        help="orders in the database when reconciling: the settled ones are copied row by row up to this "
        "number (default 10 000; 0 to reconcile only the demo's and the N new ones)",
    )
    args = parser.parse_args()

    code, result = 1, None
    try:
        with throwaway_database("settlement") as bench_url:
            process, stripe_url = localstripe_server.start_in_background()
            print(f"serveur Stripe local : {stripe_url}")
            try:
                code, result = _run(bench_url, args.orders, stripe_url, args.scale_to)
            finally:
                localstripe_server.stop(process)
    except NoPostgres:
        return refuse_without_postgres()
    if result is not None:
        print(json.dumps(result))  # the last line: one JSON object
    return code


def _run(bench_url: str, count: int, stripe_url: str, scale_to: int) -> tuple[int, dict | None]:
    migrate_and_seed(
        bench_url,
        extra_env={
            "CELERY_BROKER_URL": "",  # eager: the webhook's task runs in the request
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "STRIPE_SECRET_KEY": localstripe_server.TEST_SECRET_KEY,
            "STRIPE_API_BASE": stripe_url,
            "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
        },
    )
    django.setup()
    # reason: the project's modules import models, which need django.setup() first.
    from accounting.reconciliation import reconcile
    from accounts.models import User
    from hub.models import Site, Structure
    from hub.notify import suppressed
    from marketplace import stripe_gateway
    from marketplace.actions import transfers as transfer_actions
    from marketplace.actions.checkout import Billing, place_order_for_items
    from marketplace.actions.payments import start_card_payment
    from marketplace.enums import PaymentStatus
    from marketplace.models import Order
    from services.enums import OfferingKind
    from services.models import Offering

    goods = Offering.objects.filter(is_active=True, kind=OfferingKind.GOODS, quantity_measured_later=False)
    sellers = list(Structure.objects.sellers().filter(pk__in=goods.values("structure_id")).order_by("position")[:2])
    client_stripe = stripe_gateway.client()
    for structure in sellers:
        account = client_stripe.v1.accounts.create(params={"type": "express", "country": "FR"})
        Structure.objects.filter(pk=structure.pk).update(stripe_account_id=account.id)
    items = []
    for structure in sellers:
        for n, price in enumerate((Decimal("12.40"), Decimal("5.25"))):
            offering = goods.filter(structure=structure).first()
            offering.pk = None
            offering.slug = f"banc-{structure.pk}-{n}"
            offering.name = f"Article de banc {n}"
            offering.price = price
            offering.stock = None
            offering.save()
            items.append((offering, Decimal(n + 1)))
    pickup = Site.objects.pickup_points().first()
    customer = User.objects.create(email="banc.carte@bench.pole.test", first_name="Banc", last_name="Carte")
    billing = Billing(name="Banc Carte", address="4 rue des Tilleuls\n77140 Nemours", email=customer.email)
    web = Client(SERVER_NAME="localhost")
    webhook = reverse("marketplace:stripe_webhook")

    # The two transfers are made by a task after the webhook's commit (no Stripe call under a lock); Celery
    # is eager here, so it runs within the request: its queries are counted apart, then in the total.
    transfer_queries: list[int] = []
    make_transfers = transfer_actions.transfer_order_shares

    def counted_transfers(*, order_id: int) -> int:
        start = len(connection.queries)
        try:
            return make_transfers(order_id=order_id)
        finally:
            transfer_queries.append(len(connection.queries) - start)

    transfer_actions.transfer_order_shares = counted_transfers
    queries: list[int] = []
    bench_orders: list[int] = []
    seconds = 0.0
    with suppressed():
        for n in range(count):
            order = place_order_for_items(
                user=customer, items=items, payment_method="card", billing=billing, pickup_point=pickup
            )
            start_card_payment(order=order)
            order.refresh_from_db()
            intent = client_stripe.v1.payment_intents.confirm(
                order.stripe_payment_intent_id, params={"payment_method": "pm_card_visa"}
            )
            payload = json.dumps(
                {"id": f"evt_bench_{n}", "object": "event", "type": "payment_intent.succeeded",
                 "api_version": "2024-06-20", "created": int(time.time()), "data": {"object": intent.to_dict()}}
            )  # fmt: skip
            connection.queries_log.clear()  # a bounded deque: a full one would count nothing
            with CaptureQueriesContext(connection) as captured:
                before = time.perf_counter()
                response = web.post(
                    webhook, data=payload, content_type="application/json", HTTP_STRIPE_SIGNATURE=_signature(payload)
                )
                seconds += time.perf_counter() - before
            if response.status_code != 200:
                print(f"ERREUR : webhook {response.status_code} pour {order.reference}", file=sys.stderr)
                return 1, None
            queries.append(len(captured))
            bench_orders.append(order.pk)
    paid = Order.objects.filter(stripe_payment_intent_id__gt="", payment_status=PaymentStatus.PAID).count()
    if paid < count:
        print(f"ERREUR : {paid} commandes payées sur {count}", file=sys.stderr)
        return 1, None
    end_to_end = max(queries)
    per_transfers = max(transfer_queries)
    per_webhook = max(total - transfers for total, transfers in zip(queries, transfer_queries, strict=True))
    print(
        f"{count} webhooks en {seconds:.1f} s ({count / seconds:.1f}/s), requêtes SQL par webhook "
        f"(stockage et traitement de l'événement) : max {per_webhook} (objectif ≤ 60) ; "
        f"virements aux deux vendeurs après commit : max {per_transfers} ; en tout : max {end_to_end}"
    )

    # Before the copies, which Stripe never saw. The demo's history has card payments Stripe never saw either.
    before = time.perf_counter()
    stripe_report = reconcile(codes=["stripe_balance"])
    print(
        f"solde Stripe : {time.perf_counter() - before:.2f} s, {len(stripe_report.differences)} écart(s)"
        + "".join(f"\n  {d.structure} : {d.message}" for d in stripe_report.differences)
    )
    if scale_to > Order.objects.count():
        before = time.monotonic()
        cloned = _clone_settled_orders(
            list(Order.objects.filter(pk__in=bench_orders)), scale_to - Order.objects.count()
        )
        print(
            f"{cloned} commandes réglées recopiées en base (lignes comptables comprises) en {time.monotonic() - before:.0f} s"
        )
    orders = Order.objects.count()
    codes = ["invoices_posted", "shares_booked", "counterparts_settled"]
    times = []
    for _attempt in range(3):
        before = time.perf_counter()
        report = reconcile(codes=codes)
        times.append(time.perf_counter() - before)
    best = min(times)
    per_10k = best * 10_000 / orders
    print(
        f"rapprochement ({', '.join(codes)}) de {orders} commandes : "
        + ", ".join(f"{t:.3f}" for t in times)
        + f" s ; {len(report.differences)} écart(s) ; soit {per_10k:.2f} s pour 10 000 commandes "
        + ("(mesuré)" if orders >= 10_000 else "(extrapolé linéairement)")
        + ", objectif ≤ 5 s"
    )
    return (0 if report.clean else 1), {
        "orders": count,
        "queries_per_webhook": per_webhook,
        "queries_transfers_after_commit": per_transfers,
        "queries_end_to_end": end_to_end,
        "webhooks_per_s": round(count / seconds, 1),
        "reconcile_seconds_per_10k_orders": round(per_10k, 2),
    }


def _clone_settled_orders(templates, count: int) -> int:
    """Copy the settled orders row by row (order, shares, invoices, transfers, every entry whose piece
    is the order or one of its invoices, and their lines), each copy under its own references, until
    `count` copies exist: a load for timing the reconciliation, not a sale (no action runs)."""
    from accounting.models import Entry, EntryLine
    from marketplace.models import Invoice, Order, OrderShare, StripeTransfer

    batch = 500
    made = 0
    sequence = 1_000_000
    entry_number = 1_000_000
    while made < count:
        size = min(batch, count - made)
        orders, shares, invoices, transfers, entries, lines = [], [], [], [], [], []
        piece_map = []
        for k in range(size):
            template = templates[(made + k) % len(templates)]
            copy = Order.objects.get(pk=template.pk)
            copy.pk = None
            copy.reference = f"B{made + k:08d}"
            copy.stripe_payment_intent_id = ""
            orders.append((template, copy))
        Order.objects.bulk_create([copy for _template, copy in orders])
        for template, copy in orders:
            refs = {template.reference: copy.reference}
            copied_invoices = []
            for share in OrderShare.objects.filter(order=template):
                share.pk, share.order = None, copy
                shares.append(share)
            for transfer in StripeTransfer.objects.filter(order=template):
                transfer.pk, transfer.order = None, copy
                transfer.stripe_transfer_id = f"tr_{copy.reference}_{transfer.structure_id}"
                transfers.append(transfer)
            for invoice in Invoice.objects.filter(order=template):
                original = (invoice.pk, invoice.number)
                sequence += 1
                invoice.pk, invoice.order, invoice.sequence = None, copy, sequence
                invoice.number = f"{invoice.number.rsplit('-', 1)[0]}-{sequence}"
                refs[original[1]] = invoice.number
                invoices.append(invoice)
                copied_invoices.append((original[0], invoice))
            piece_map.append((refs, copied_invoices))
        OrderShare.objects.bulk_create(shares)
        StripeTransfer.objects.bulk_create(transfers)
        Invoice.objects.bulk_create(invoices)
        sources = []
        for refs, copied_invoices in piece_map:
            new_invoice_ids = {original: invoice.pk for original, invoice in copied_invoices}
            for entry in Entry.objects.filter(piece_ref__in=list(refs)).prefetch_related("lines"):
                template_lines = list(entry.lines.all())
                entry_number += 1
                entry.pk, entry.number = None, entry_number
                entry.reference = f"{entry.reference[:10]}{entry_number}"[:30]
                entry.piece_ref = refs[entry.piece_ref]
                if entry.source_kind == "invoice" and int(entry.source_id) in new_invoice_ids:
                    entry.source_id = str(new_invoice_ids[int(entry.source_id)])
                else:
                    entry.source_id = f"{entry.source_id[:40]}-{entry_number}"
                entries.append(entry)
                sources.append(template_lines)
        Entry.objects.bulk_create(entries)
        for entry, template_lines in zip(entries, sources, strict=True):
            for line in template_lines:
                line.pk, line.entry = None, entry
                lines.append(line)
        EntryLine.objects.bulk_create(lines)  # one statement: each entry balances at its end
        made += size
    return made


if __name__ == "__main__":
    sys.exit(main())
