"""Demo selling data: who accepts what (DOMAIN.md rule 6), the shared-services plan, and four weeks
of past orders from demo customers, paid by every means, some refunded, one cancelled, one paid in
two transfers, two a sports club never paid (overdue, reminded once and up to the formal notice), last month's shared
services billed by the Collectif (one member paid on receipt) — so that every structure, the Collectif
included, has invoices and entries to show.

The orders go through the real actions, dated in the past with their `at` arguments and replayed in
time order (an agenda), so that every invoice series is numbered in date order (ADR 0009): a weighed
line is invoiced the day it is weighed, cancellations and refunds are credited today, last.

Stripe: the demo is seeded before any Stripe server runs. A one-seller card order of the past is
recorded as the webhook records it, at its date. Today's two-seller card orders go through the real
webhook path (a stored `payment_intent.succeeded` processed by `process_stripe_event`, which posts
the Collectif's 467 entries and the transfers); only the transfer calls are answered here, with the
ids Stripe would return. Every charge's fee comes as Stripe's `charge.succeeded` event (627 in the
Collectif's books), and two days later Stripe takes it from the Collectif's bank account by a
negative `payout.paid` (512). Last, the Collectif bills last month's shared services to each member
(706 in its books, 628/401 in each member's).
"""

import contextlib
import datetime
import functools
import heapq
import itertools
import random
import types
from collections.abc import Callable
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from hub import notify
from hub.demo import demo_person
from hub.enums import OrganisationRole
from hub.models import Organisation, OrganisationMembership, Site, Structure
from marketplace import postings, stripe_gateway
from marketplace.actions import dunning, settlement
from marketplace.actions.cart import add_to_cart
from marketplace.actions.checkout import Billing, confirm_order, place_order
from marketplace.actions.invoice_payments import record_invoice_payment
from marketplace.actions.invoicing import issue_order_invoices
from marketplace.actions.payments import (
    _mark_paid_if_settled,
    create_deposit_slip,
    mark_collected,
    process_stripe_event,
    record_final_quantity,
    record_offline_payment,
)
from marketplace.actions.refunds import cancel_order, refund_order
from marketplace.actions.shared_services import issue_shared_services_invoices
from marketplace.actions.transfers import transfer_order_shares
from marketplace.enums import AllocationMethod, InvoicePaymentMethod, PaymentMethod, PaymentState
from marketplace.models import (
    Cart,
    Invoice,
    Order,
    Payment,
    SellerSettings,
    SharedServicesPlan,
    SharedServicesShare,
    StripeEvent,
)
from services.models import Offering

CESU = {"pole-services"}
SHARED_SERVICES_LABEL = "Services mutualisés : comptabilité, accueil, informatique"
BOOKKEEPING_LABEL = "Tenue de la comptabilité des associations adhérentes"
BOOKKEEPING_SHARES = {"amis-du-lavoir": Decimal("100")}
SHARES = {
    "jardins-du-pole": Decimal("25"),
    "blanchisserie-solidaire": Decimal("20"),
    "pole-services": Decimal("20"),
    "mobilite-solidaire": Decimal("10"),
    "comptoir-equitable": Decimal("15"),
    "atelier-formation": Decimal("10"),
}
PAID_AT_PICKUP = {"collected", "done", "refund", "part"}
CANCEL_REASON = "Commande annulée à la demande de la cliente"
CUSTOMERS = [
    ("resident@demo.pole.test", "Camille", "Martin", "4 rue des Tilleuls\n77140 Nemours"),
    ("jeanne.roche@demo.pole.test", "Jeanne", "Roche", "8 chemin des Rochers\n77140 Saint-Pierre-lès-Nemours"),
    ("ahmed.benali@demo.pole.test", "Ahmed", "Benali", "7 place du Champ de Foire\n77460 Souppes-sur-Loing"),
    ("lucie.faure@demo.pole.test", "Lucie", "Faure", "Le Bourg\n77710 Lorrez-le-Bocage-Préaux"),
    ("paul.michaud@demo.pole.test", "Paul", "Michaud", "12 route de Nemours\n77890 Beaumont-du-Gâtinais"),
]

# (days ago, customer index or "asso", {offering slug: quantity}, method, final quantities, what happens next)
HISTORY = [
    (27, 0, {"panier-moyen-format": "1", "cafe-equitable-moulu-250-g": "1"}, "cash", {}, "collected"),
    (27, 1, {"panier-familial": "1"}, "cheque", {}, "collected"),
    (
        26,
        "asso",
        {"linge-plat-au-kilo": "18", "collecte-et-livraison-du-linge": "1"},
        "transfer",
        {"linge-plat-au-kilo": "19.4"},
        "collected",
    ),
    (25, 2, {"menage-a-domicile": "3"}, "cesu", {"menage-a-domicile": "3"}, "done"),
    (24, 3, {"location-de-voiture-a-la-journee": "2"}, "card", {}, "done"),
    (23, 4, {"seance-de-code-de-la-route": "2"}, "cheque", {}, "done"),
    (20, 0, {"panier-moyen-format": "1", "miel-toutes-fleurs-du-gatinais-500-g": "1"}, "cheque", {}, "collected"),
    (
        20,
        1,
        {"panier-familial": "1", "lentilles-vertes-en-vrac": "1"},
        "cash",
        {"lentilles-vertes-en-vrac": "1.150"},
        "collected",
    ),
    (19, 2, {"bougie-a-la-cire-vegetale": "1", "the-vert-bio-100-g": "2"}, "card", {}, "collected"),
    # The crèche pays this one in two transfers (a part-payment: its services' VAT becomes due pro rata).
    (18, "asso", {"tenues-sportives-au-kilo": "6"}, "transfer", {"tenues-sportives-au-kilo": "5.8"}, "part"),
    (18, 3, {"petits-travaux-de-jardinage": "2"}, "cheque", {"petits-travaux-de-jardinage": "2.5"}, "done"),
    (17, 4, {"transport-solidaire-au-kilometre": "34"}, "cash", {"transport-solidaire-au-kilometre": "37"}, "done"),
    (13, 0, {"panier-moyen-format": "1"}, "cash", {}, "refund"),
    (13, 1, {"panier-familial": "1", "jus-de-pomme-local-1-l": "3"}, "cheque", {}, "collected"),
    (
        12,
        2,
        {"menage-a-domicile": "2", "repassage-a-domicile": "1"},
        "cesu",
        {"menage-a-domicile": "2.5", "repassage-a-domicile": "1"},
        "done",
    ),
    (11, 3, {"couette-ou-couverture": "2", "repassage-dune-chemise": "5"}, "cash", {}, "collected"),
    (11, "asso", {"formation-hygiene-alimentaire-haccp": "1"}, "transfer", {}, "done"),
    (10, 4, {"stage-de-code-intensif-5-seances": "1"}, "card", {}, "done"),
    (6, 0, {"panier-moyen-format": "1", "chocolat-noir-70-100-g": "2"}, "cash", {}, "collected"),
    (6, 1, {"panier-familial": "1"}, "cheque", {}, "refund"),
    (5, 2, {"location-de-scooter-a-la-journee": "3"}, "cash", {}, "done"),
    (
        5,
        "asso",
        {"linge-plat-au-kilo": "20", "collecte-et-livraison-du-linge": "1"},
        "transfer",
        {"linge-plat-au-kilo": "21.2"},
        "unpaid",
    ),
    (4, 3, {"petit-bricolage-homme-toutes-mains": "2"}, "cesu", {"petit-bricolage-homme-toutes-mains": "2"}, "unpaid"),
    (3, 4, {"cafe-equitable-en-grains-1-kg": "1", "sucre-de-canne-complet-1-kg": "1"}, "cheque", {}, "cancel"),
    (2, 0, {"panier-moyen-format": "1", "plants-de-tomates-barquette-de-6": "1"}, "cash", {}, "waiting"),
    (2, 1, {"panier-familial": "1"}, "cheque", {}, "waiting"),
    (1, 2, {"riz-basmati-equitable-1-kg": "2", "quinoa-equitable-500-g": "1"}, "cash", {}, "waiting"),
    (1, "asso", {"nappes-et-serviettes-de-table-au-kilo": "8"}, "transfer", {}, "waiting"),
]
# Two invoices the sports club never paid (days ago, {offering slug: quantity}, reminder levels sent): due 30
# days after they were issued, one reminded once (friendly), the other up to the formal notice.
OVERDUE_B2B = [
    (70, {"formation-hygiene-alimentaire-haccp": "2"}, (1, 2, 3)),
    (45, {"location-de-voiture-a-la-journee": "2"}, (1,)),
]
TREASURER = ("tresorier@demo.pole.test", "Marc", "Lefèvre", "Stade municipal, avenue du Stade\n77460 Souppes-sur-Loing")
# Two-seller card orders placed minutes before the seed, paid through the webhook path:
# (minutes ago, customer index, {offering slug: quantity}, what happens next).
MIXED_CARD_ORDERS = [
    (40, 3, {"panier-moyen-format": "1", "cafe-equitable-moulu-250-g": "2"}, "collected"),
    (25, 4, {"couette-ou-couverture": "1", "the-vert-bio-100-g": "1"}, "waiting"),
]
# A card order of the past its customer disputes (days ago, customer index): Stripe withdraws the funds
# and its dispute fee `DISPUTE_OPENED` days ago; the evidence wins it back `DISPUTE_WON` days ago.
DISPUTED = (19, 2)
DISPUTE_OPENED, DISPUTE_WON = 9, 2
DISPUTE_FEE_CENTS = 1500
# Stripe's price for European cards: 1,5 % + 0,25 € per charge, borne by the Collectif.
STRIPE_FEE_PERCENT, STRIPE_FEE_FIXED_CENTS = Decimal("1.5"), 25


def seed_demo() -> dict[str, int]:
    for structure in Structure.objects.sellers():
        SellerSettings.objects.get_or_create(structure=structure, defaults={"accepts_cesu": structure.slug in CESU})
    plan, _created = SharedServicesPlan.objects.get_or_create(
        label=SHARED_SERVICES_LABEL,
        defaults={"monthly_amount": Decimal("2400.00"), "method": AllocationMethod.FIXED_SHARES},
    )
    for structure in Structure.objects.filter(slug__in=SHARES):
        SharedServicesShare.objects.get_or_create(
            plan=plan, structure=structure, defaults={"percent": SHARES[structure.slug]}
        )
    # The bookkeeping of the outside association whose books the Collectif keeps: a plan of its own.
    bookkeeping, _created = SharedServicesPlan.objects.get_or_create(
        label=BOOKKEEPING_LABEL,
        defaults={"monthly_amount": Decimal("90.00"), "method": AllocationMethod.FIXED_SHARES},
    )
    for structure in Structure.objects.filter(slug__in=BOOKKEEPING_SHARES):
        SharedServicesShare.objects.get_or_create(
            plan=bookkeeping, structure=structure, defaults={"percent": BOOKKEEPING_SHARES[structure.slug]}
        )
    customers = _customers()
    if not Order.objects.filter(customer__in=customers).exists():
        with notify.suppressed():
            _history(customers)
    # Last month's bookkeeping invoice (the history above issued it with the others on a first seed).
    last_month = timezone.localdate().replace(day=1) - datetime.timedelta(days=1)
    with notify.suppressed():
        issue_shared_services_invoices(year=last_month.year, month=last_month.month)
    return {"réglages de vente": SellerSettings.objects.count(), "commandes": Order.objects.count()}


def _customers():
    return [demo_person(email, first_name, last_name) for email, first_name, last_name, _address in CUSTOMERS]


class _Agenda:
    """The demo's clock: steps run in time order and never before an earlier one.

    Invoices are numbered as they are issued, and a series refuses an invoice dated before its last
    one (ADR 0009): replaying four weeks order by order would issue a weighing's invoice of day 26
    after the orders of day 25. Steps planned in the future (a weighing after the last order) run now.
    """

    def __init__(self) -> None:
        self.now = timezone.now()
        self._steps: list[tuple[datetime.datetime, int, Callable[[datetime.datetime], None]]] = []
        self._count = itertools.count()

    def plan(self, at: datetime.datetime, step: Callable[[datetime.datetime], None]) -> None:
        heapq.heappush(self._steps, (min(at, self.now), next(self._count), step))

    def run(self) -> None:
        while self._steps:
            at, _n, step = heapq.heappop(self._steps)
            step(at)


@transaction.atomic
def _history(customers) -> None:
    User = get_user_model()
    staff = User.objects.get(email="admin@demo.pole.test")  # a hub admin records and refunds in the demo
    asso = User.objects.get(email="asso@demo.pole.test")
    creche = Organisation.objects.get(slug="creche-les-ptits-loups")
    pickup_points = list(Site.objects.pickup_points().order_by("name"))
    rng = random.Random(2026)
    today = timezone.localdate()
    agenda = _Agenda()
    for days_ago, who, items, method, finals, outcome in HISTORY:
        day = today - datetime.timedelta(days=days_ago)
        at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(9 + rng.randrange(8), rng.randrange(60))))
        user = asso if who == "asso" else customers[who]
        order_details = {
            "user": user,
            "address": "5 rue des Écoles\n77140 Nemours" if who == "asso" else CUSTOMERS[who][3],
            "items": items,
            "method": method,
            "organisation": creche if who == "asso" else None,
            "pickup_point": rng.choice(pickup_points),
            "purchase_order_number": f"BC-{day:%m%d}" if who == "asso" else "",
        }
        if method == PaymentMethod.CHEQUE and outcome in PAID_AT_PICKUP:
            # One cheque per selling structure, drawn here to keep the seeded sequence of the demo.
            sellers = Offering.objects.filter(slug__in=items).values("structure").distinct().count()
            order_details["cheque_numbers"] = [f"{rng.randrange(1000000, 9999999)}" for _ in range(sellers)]
        order_details["disputed"] = (days_ago, who) == DISPUTED
        agenda.plan(at, functools.partial(_place, agenda, staff, order_details, finals, outcome))
    for minutes_ago, who, items, outcome in MIXED_CARD_ORDERS:
        order_details = {
            "user": customers[who],
            "address": CUSTOMERS[who][3],
            "items": items,
            "method": PaymentMethod.CARD,
            "organisation": None,
            "pickup_point": pickup_points[0],
            "purchase_order_number": "",
        }
        at = agenda.now - datetime.timedelta(minutes=minutes_ago)
        agenda.plan(at, functools.partial(_place, agenda, staff, order_details, {}, outcome))
    overdue = _plan_overdue_b2b(agenda, staff, pickup_points[0], rng)
    # Last month's shared services, billed by the Collectif once the month is over (its invoices are
    # dated the day they are issued: today, after every other step).
    last_month = today.replace(day=1) - datetime.timedelta(days=1)
    agenda.plan(agenda.now, lambda _at: issue_shared_services_invoices(year=last_month.year, month=last_month.month))
    with _stripe_transfers_answered_here():
        agenda.run()
    _deposit_old_cheques(staff)
    _remind_overdue(overdue)
    _shared_services_paid_on_receipt()


def _plan_overdue_b2b(agenda: _Agenda, staff, pickup_point, rng) -> list[tuple[list[Order], tuple[int, ...]]]:
    """The sports club's treasurer orders twice by transfer and never pays: two overdue B2B invoices."""
    email, first_name, last_name, address = TREASURER
    treasurer = demo_person(email, first_name, last_name)
    club = Organisation.objects.get(slug="as-souppes")
    OrganisationMembership.objects.get_or_create(user=treasurer, organisation=club,
                                                 defaults={"role": OrganisationRole.ADMIN})  # fmt: skip
    today = timezone.localdate()
    planned = []
    for days_ago, items, levels in OVERDUE_B2B:
        day = today - datetime.timedelta(days=days_ago)
        at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(10, rng.randrange(60))))
        placed: list[Order] = []
        details = {
            "user": treasurer,
            "address": address,
            "items": items,
            "method": PaymentMethod.TRANSFER,
            "organisation": club,
            "pickup_point": pickup_point,
            "purchase_order_number": f"AS-{day:%m%d}",
            "placed": placed,
        }
        agenda.plan(at, functools.partial(_place, agenda, staff, details, {}, "unpaid"))
        planned.append((placed, levels))
    return planned


def _shared_services_paid_on_receipt() -> None:
    """The first member structure paid last month's shared services by transfer the day it got the invoice;
    the others have not yet (their invoices stay open in the Collectif's aged balance)."""
    collective = Structure.objects.collective()
    invoice = (
        Invoice.objects.issued()
        .filter(structure=collective, order__isnull=True, buyer_structure__isnull=False, kind="invoice")
        .order_by("buyer_structure__position", "pk")
        .first()
    )
    accountant = get_user_model().objects.filter(email="compta@demo.pole.test").first()
    if invoice is None or accountant is None or invoice.payments.exists():
        return
    record_invoice_payment(
        invoice=invoice,
        amount=invoice.total_incl,
        method=InvoicePaymentMethod.TRANSFER,
        received_on=invoice.issue_date,
        reference=f"VIR {invoice.number}",
        by=accountant,
    )


def _remind_overdue(planned) -> None:
    """The reminders each overdue invoice got, each on its day (no e-mail: the demo's past is silent)."""
    for placed, ranks in planned:
        for order in placed:
            for invoice in order.invoices.issued().select_related("structure"):
                levels = {level.rank: level for level in dunning.ensure_default_levels(invoice.structure)}
                for rank in ranks:
                    day = invoice.due_date + datetime.timedelta(days=levels[rank].days_after_due)
                    item = dunning.find_item(invoice.structure, invoice.pk, on=day)
                    at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(8, 15)))
                    dunning.send_reminder(item=item, level=levels[rank], at=at)


def _place(agenda: _Agenda, staff, details: dict, finals: dict, outcome: str, at: datetime.datetime) -> None:
    """One past order, placed at `at`; what happens to it next is planned on the agenda."""
    user, method = details["user"], details["method"]
    cart, _created = Cart.objects.get_or_create(user=user)
    for slug, quantity in details["items"].items():
        add_to_cart(cart=cart, offering=Offering.objects.get(slug=slug), quantity=Decimal(quantity))
    order = place_order(
        user=user,
        cart=cart,
        payment_method=method,
        billing=Billing(name=user.get_full_name(), address=details["address"], email=user.email),
        organisation=details["organisation"],
        pickup_point=details["pickup_point"],
        purchase_order_number=details["purchase_order_number"],
        at=at,
    )
    if "placed" in details:
        details["placed"].append(order)
    if method == PaymentMethod.CARD:
        paid = _card_webhook if len(settlement.owed_by_seller(order)) > 1 else _card_paid
        agenda.plan(at + datetime.timedelta(minutes=2), functools.partial(paid, agenda, order))
    if details.get("disputed"):
        _plan_dispute(agenda, order)
    if finals:
        # Weighed (or hours done) the next day, and invoiced that day: after the payment for a card.
        agenda.plan(at + datetime.timedelta(hours=26), functools.partial(_weigh, order, finals, staff))
    if outcome == "cancel":
        # cancel_order credits the invoices today: it waits for the rest of the history.
        agenda.plan(agenda.now, lambda _at: cancel_order(order=order, by=staff, reason=CANCEL_REASON))
    if outcome in PAID_AT_PICKUP | {"unpaid"}:
        agenda.plan(
            at + datetime.timedelta(hours=30), functools.partial(_collect, agenda, order, details, staff, outcome)
        )
    if outcome == "refund":
        # refund_order credits today as well.
        agenda.plan(agenda.now, functools.partial(_refund_half_of_first_line, order, staff))


def _weigh(order: Order, finals: dict, staff, at: datetime.datetime) -> None:
    for line in order.lines.filter(quantity_measured_later=True, offering__slug__in=finals).select_related("offering"):
        record_final_quantity(line=line, quantity=Decimal(finals[line.offering.slug]), by=staff, issue=False)
    issue_order_invoices(order=order, at=at)


def _collect(agenda: _Agenda, order: Order, details: dict, staff, outcome: str, at: datetime.datetime) -> None:
    """Paid at the pickup point (unless it stays unpaid or was paid by card), and handed over."""
    method, user = details["method"], details["user"]
    order.refresh_from_db()
    if method != PaymentMethod.CARD and outcome in PAID_AT_PICKUP:
        cheque = method == PaymentMethod.CHEQUE
        cheque_numbers = iter(details.get("cheque_numbers", []))
        for structure_id, due in settlement.owed_by_seller(order).items():
            if outcome == "part":
                # Half now, the rest by a second transfer eight days later.
                first = (due / 2).quantize(Decimal("0.01"))
                agenda.plan(at + datetime.timedelta(days=8),
                            functools.partial(_transfer_received, order, structure_id, due - first, staff))  # fmt: skip
                due = first
            record_offline_payment(
                order=order,
                structure=Structure.objects.get(pk=structure_id),
                method=method,
                amount=due,
                by=staff,
                site=order.pickup_point,
                cheque_number=next(cheque_numbers) if cheque else "",
                cheque_bank="Crédit Agricole Centre Ouest" if cheque else "",
                cheque_drawer=user.get_full_name() if cheque else "",
                at=at,
            )
        order.refresh_from_db()
    mark_collected(order=order, by=staff, at=at)


def _refund_half_of_first_line(order: Order, staff, _at: datetime.datetime) -> None:
    order.refresh_from_db()
    line = order.lines.first()
    refund_order(order=order, by=staff, amounts={line.pk: (line.total_incl / 2).quantize(Decimal("0.01"))},
                 reason="Légumes abîmés : remboursement de la moitié du panier")  # fmt: skip


def _deposit_old_cheques(staff) -> None:
    """Cheques older than a week went to the bank, one slip per structure."""
    week_ago = timezone.now() - datetime.timedelta(days=7)
    old = Payment.objects.filter(
        method=PaymentMethod.CHEQUE, state=PaymentState.SUCCEEDED, deposit_slip__isnull=True, succeeded_at__lt=week_ago
    )
    for structure in Structure.objects.filter(pk__in=old.values("received_by")):
        create_deposit_slip(structure=structure, payments=list(old.filter(received_by=structure)), by=staff)


def _card_paid(agenda: _Agenda, order: Order, at: datetime.datetime) -> None:
    """What the webhook records when Stripe confirms a single-structure card payment, at its date; then
    Stripe's `charge.succeeded` with the fee, through the real action."""
    ((seller_id, amount),) = settlement.owed_by_seller(order).items()
    payment = Payment.objects.create(
        order=order,
        method=PaymentMethod.CARD,
        state=PaymentState.SUCCEEDED,
        amount=amount,
        received_by_id=seller_id,
        stripe_payment_intent_id=f"pi_demo_{order.reference}",
        stripe_charge_id=f"ch_demo_{order.reference}",
        created_at=at,
        succeeded_at=at,
    )
    settlement.record_receipt(payment=payment)
    postings.post_payment(payment)
    _mark_paid_if_settled(order, at=at)
    confirm_order(order=order, at=at)
    _stripe_fee_charged(agenda, order, at)


def _transfer_received(order: Order, structure_id: int, amount: Decimal, staff, at: datetime.datetime) -> None:
    """The second transfer of a part-paid order (the organisation's accountant paid the rest)."""
    record_offline_payment(order=order, structure=Structure.objects.get(pk=structure_id),
                           method=PaymentMethod.TRANSFER, amount=amount, by=staff, at=at)  # fmt: skip


def _card_webhook(agenda: _Agenda, order: Order, at: datetime.datetime) -> None:
    """A two-seller card order paid the way Stripe confirms it: `payment_intent.succeeded`, stored as the
    webhook stores it and processed by the real action (the Collectif's charge, then one transfer per
    seller); then the charge's `charge.succeeded` with its fee. Both are dated when Stripe says they
    happened (the events' `created`), the transfers when they are made: such orders are placed minutes
    before the seed."""
    cents = int(order.total_incl * 100)
    intent = {
        "id": f"pi_demo_{order.reference}",
        "object": "payment_intent",
        "amount": cents,
        "amount_received": cents,
        "currency": "eur",
        "status": "succeeded",
        "latest_charge": f"ch_demo_{order.reference}",
        "transfer_group": order.reference,
        "metadata": {"order": order.reference},
    }
    _stripe_event(intent, event_type="payment_intent.succeeded", at=at)
    # The transfers follow the payment's commit in production (a task); here, at once, answered below.
    transfer_order_shares(order_id=order.pk)
    _stripe_fee_charged(agenda, order, at)


def _stripe_fee_charged(agenda: _Agenda, order: Order, at: datetime.datetime) -> None:
    """Stripe's `charge.succeeded`, with the fee it kept (627 in the Collectif's books). The platform
    earns nothing on Stripe, so the fee leaves its balance negative: two days later Stripe takes it from
    the Collectif's bank account, as a negative payout (512), unless that day is still to come."""
    cents = int(order.total_incl * 100)
    fee = int((cents * STRIPE_FEE_PERCENT / 100).quantize(Decimal("1"))) + STRIPE_FEE_FIXED_CENTS
    charge = {
        "id": f"ch_demo_{order.reference}",
        "object": "charge",
        "amount": cents,
        "created": int(at.timestamp()),
        "payment_intent": f"pi_demo_{order.reference}",
        "metadata": {"order": order.reference},
        "balance_transaction": {"id": f"txn_demo_{order.reference}", "amount": cents, "fee": fee, "net": cents - fee},
    }
    _stripe_event(charge, at=at)
    withdrawn_at = at + datetime.timedelta(days=2)
    if withdrawn_at < agenda.now:
        payout = {
            "id": f"po_demo_{order.reference}",
            "object": "payout",
            "amount": -fee,
            "currency": "eur",
            "arrival_date": int(withdrawn_at.timestamp()),
            "automatic": True,
            "status": "paid",
        }
        agenda.plan(withdrawn_at, lambda when: _stripe_event(payout, at=when, event_type="payout.paid"))


def _plan_dispute(agenda: _Agenda, order: Order) -> None:
    """The customer disputes the card payment (« paiement non reconnu »): Stripe's `charge.dispute.created`
    withdraws the amount and its fee from the Collectif's balance (the order is unpaid again, the seller
    owes the amount back on 467), the fee is taken from the bank two days later; the evidence wins:
    `charge.dispute.funds_reinstated` then `charge.dispute.closed` (won) give the amount back, not the fee."""
    today = timezone.localdate(agenda.now)

    def at(days_ago: int, hour: int) -> datetime.datetime:
        day = today - datetime.timedelta(days=days_ago)
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))

    def dispute(status: str, *, reinstated: bool) -> dict:
        cents = int(order.total_incl * 100)
        withdrawal = {"id": f"txn_demo_dp_out_{order.reference}", "object": "balance_transaction", "amount": -cents,
                      "fee": DISPUTE_FEE_CENTS, "net": -cents - DISPUTE_FEE_CENTS, "currency": "eur",
                      "type": "adjustment", "reporting_category": "dispute"}  # fmt: skip
        back = {"id": f"txn_demo_dp_back_{order.reference}", "object": "balance_transaction", "amount": cents,
                "fee": 0, "net": cents, "currency": "eur", "type": "adjustment",
                "reporting_category": "dispute_reversal"}  # fmt: skip
        return {
            "id": f"dp_demo_{order.reference}",
            "object": "dispute",
            "amount": cents,
            "currency": "eur",
            "charge": f"ch_demo_{order.reference}",
            "payment_intent": f"pi_demo_{order.reference}",
            "reason": "unrecognized",
            "status": status,
            "is_charge_refundable": False,
            "created": int(at(DISPUTE_OPENED, 11).timestamp()),
            "balance_transactions": [withdrawal, back] if reinstated else [withdrawal],
        }

    opened_at, fee_taken_at, won_at = at(DISPUTE_OPENED, 11), at(DISPUTE_OPENED - 2, 6), at(DISPUTE_WON, 15)
    opened = dispute("needs_response", reinstated=False)
    agenda.plan(opened_at, functools.partial(_event_at, opened, "charge.dispute.created"))
    payout = {"id": f"po_demo_dp_{order.reference}", "object": "payout", "amount": -DISPUTE_FEE_CENTS,
              "currency": "eur", "arrival_date": int(fee_taken_at.timestamp()), "automatic": True,
              "status": "paid"}  # fmt: skip
    agenda.plan(fee_taken_at, functools.partial(_event_at, payout, "payout.paid"))
    for event_type in ("charge.dispute.funds_reinstated", "charge.dispute.closed"):
        agenda.plan(won_at, functools.partial(_event_at, dispute("won", reinstated=True), event_type))


def _event_at(data: dict, event_type: str, at: datetime.datetime) -> None:
    """A Stripe event as an agenda step."""
    _stripe_event(data, at=at, event_type=event_type)


def _stripe_event(data: dict, *, at: datetime.datetime, event_type: str = "charge.succeeded") -> None:
    """Store a Stripe event as the webhook does, then process it through the real action, now (the demo
    queues nothing: a worker would find it processed). A dispute's events share its id: theirs is the
    type's last word too."""
    event_id = f"evt_demo_{data['id']}"
    if data["object"] == "dispute":
        event_id += f"_{event_type.rsplit('.', 1)[-1]}"
    payload = {"id": event_id, "object": "event", "type": event_type, "created": int(at.timestamp()),
               "data": {"object": data}}  # fmt: skip
    event = StripeEvent.objects.create(event_id=event_id, type=event_type, payload=payload, received_at=at)
    process_stripe_event(event_pk=event.pk)


@contextlib.contextmanager
def _stripe_transfers_answered_here():
    """No Stripe server runs while the demo is seeded: a mixed order's transfers (the one Stripe call of
    the webhook path) get the id Stripe would return, and everything around them is the real code."""
    real = stripe_gateway.create_transfer

    def create_transfer(*, reference: str, structure: Structure, amount: Decimal, charge_id: str):
        return types.SimpleNamespace(id=f"tr_demo_{reference}_{structure.pk}", amount=int(amount * 100))

    stripe_gateway.create_transfer = create_transfer
    try:
        yield
    finally:
        stripe_gateway.create_transfer = real
