"""Two years of history for the impact dashboard (issue 15): January 2025 to November 2026, so that the
figures tell a story month by month — sales by activity, people entering and leaving their insertion
contracts, the hours they worked.

- **Sales** (`seed_demo`): an EHPAD and households of the Gâtinais buy from the Jardins (the EHPAD's
  kitchen takes family baskets, more in summer; a household its month of baskets, tomato plants in
  spring, potatoes in autumn), the laundry (the EHPAD's flat linen by the kilo, duvets), the mobility ACI
  (car hire), the Comptoir (coffee, honey) and the training centre (driving-code lessons, a hygiene
  course for the EHPAD). One order per customer, activity and month, with the month's quantity, through
  the real actions: placed, weighed, invoiced (numbered in date order in each structure's yearly series,
  posted), paid — by a household by cheque when collected (deposited at the bank early the next month),
  by the EHPAD by transfer 25 days later. A little more in 2026 (baskets, linen, car hire, lessons).
  Pôle Services' sales are the sap demo's (its 2025 clients, then the immediate advance of 2026).
  Seeded right before the marketplace's demo (`SEED_BEFORE`), after the sap demo's: a structure's
  history stops the day before the marketplace's recent orders of that structure begin (its invoice
  series is numbered in date order). The liable structures' 2025 VAT returns, which lock each period,
  come after (accounting's `seed_demo_last`).
- **Insertion** (`seed_demo_last`, once the insertion demo has made the teams and the jobs of these
  orders): `HISTORY_WORKERS`, former workers whose contracts started between late 2024 and spring 2026
  and ended by October 2026, each exit recorded with its reason (every category); then the validated
  timesheets of every contract (theirs and the current workers') on each working day from January 2025
  to last month, the day's contract hours, except days already there and absences; the preparation
  jobs of the history's orders are done by a worker of the structure under contract that day.

Left out when `settings.DEMO_HISTORY` is off: the browser tests, which seed the demo again after each
flush, have no use for two years of history (it costs a dozen seconds a seed).

Idempotent: nothing is added once the history's customers have orders (sales) or its workers exist.
"""

import datetime
import heapq
import itertools
import unicodedata
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import F
from django.utils import timezone

from accounting.models import FiscalYear
from hub import notify
from hub.demo import demo_person
from hub.enums import OrganisationRole
from hub.models import Organisation, OrganisationMembership, Site, Structure, StructureRole
from insertion.actions import create_contract, record_exit
from insertion.enums import ExitReason, JobSourceKind, JobStatus
from insertion.models import Absence, Approval, Assignment, Contract, Job, Team, TimesheetEntry, Worker
from insertion.perms import PLANNING_ROLES
from insertion.workdays import is_working_day
from marketplace import demo as marketplace_demo
from marketplace.actions import settlement
from marketplace.actions.checkout import Billing, place_order_for_items
from marketplace.actions.invoicing import issue_order_invoices
from marketplace.actions.payments import (
    create_deposit_slip,
    mark_collected,
    record_final_quantity,
    record_offline_payment,
)
from marketplace.enums import PaymentMethod
from marketplace.models import Invoice, Order, Payment
from services.models import Offering

SEED_BEFORE = "marketplace"
FIRST_DAY = datetime.date(2025, 1, 1)
LAST_DAY = datetime.date(2026, 11, 30)

# The history's customers: households of the Gâtinais (fictional), and an EHPAD.
HOUSEHOLDS = [
    ("martine.leroy@demo.pole.test", "Martine", "Leroy", "3 rue Gambetta\n77140 Nemours"),
    ("julien.caron@demo.pole.test", "Julien", "Caron", "15 avenue de la Gare\n77460 Souppes-sur-Loing"),
    ("sylvie.morel@demo.pole.test", "Sylvie", "Morel", "2 impasse des Lavandières\n77167 Bagneaux-sur-Loing"),
    ("kevin.lambert@demo.pole.test", "Kévin", "Lambert", "9 rue du Château\n77570 Château-Landon"),
    ("nora.haddou@demo.pole.test", "Nora", "Haddou", "21 rue de Paris\n77140 Nemours"),
    ("bernard.collin@demo.pole.test", "Bernard", "Collin", "4 place de l'Église\n77620 Égreville"),
    ("amelie.petit@demo.pole.test", "Amélie", "Petit", "6 chemin de la Vallée\n77140 Saint-Pierre-lès-Nemours"),
    ("thomas.gauthier@demo.pole.test", "Thomas", "Gauthier", "11 Grande Rue\n77760 Larchant"),
]
EHPAD = "ehpad"  # the customer of the organisation's orders, in `_plan`
EHPAD_ORGANISATION = {
    "slug": "ehpad-les-tilleuls",
    "name": "EHPAD Les Tilleuls",
    "siren": "267700125",
    "address_line1": "18 avenue Carnot",
    "postcode": "77140",
    "city": "Nemours",
    "email": "direction@ehpad-tilleuls.test",
    "vat_registered": False,
}
EHPAD_MEMBER = ("ehpad@demo.pole.test", "Florence", "Vallet")
EHPAD_ADDRESS = "18 avenue Carnot\n77140 Nemours"
EHPAD_PAYS_AFTER = datetime.timedelta(days=25)

# The EHPAD's kitchen buys family baskets each month, more in summer (three more a month in 2026).
EHPAD_BASKETS = {1: 8, 2: 8, 3: 10, 4: 12, 5: 14, 6: 16, 7: 16, 8: 12, 9: 16, 10: 14, 11: 12, 12: 10}
# The EHPAD's flat linen (kg weighed) by month of 2025; 12 kg more each month of 2026.
EHPAD_LINEN = {1: "62.4", 2: "58.1", 3: "64.8", 4: "61.2", 5: "66.5", 6: "70.3", 7: "74.9", 8: "71.6",
               9: "65.2", 10: "63.7", 11: "60.8", 12: "67.9"}  # fmt: skip


def _plan(year: int, month: int) -> list[tuple[int, str, object, dict[str, str], dict[str, str]]]:
    """The month's orders: (day of the month, structure slug, customer — a household's index in HOUSEHOLDS,
    or EHPAD —, {offering slug: quantity}, {offering slug: final quantity weighed}). Few rows, the
    month's quantities: each household comes back every few months for each activity."""
    growth = year - FIRST_DAY.year
    baskets = {"panier-moyen-format": "4"}  # a household's month: four distributions
    if month in (4, 5):
        baskets["plants-de-tomates-barquette-de-6"] = "2"
    if month in (10, 11):
        baskets["pommes-de-terre-sac-de-5-kg"] = "1"
    linen = Decimal(EHPAD_LINEN[month]) + 12 * growth
    orders = [
        (3, "jardins-du-pole", EHPAD, {"panier-familial": f"{EHPAD_BASKETS[month] + 3 * growth}"}, {}),
        (6, "jardins-du-pole", month % 8, baskets, {}),
        (20, "blanchisserie-solidaire", EHPAD, {"linge-plat-au-kilo": "60"}, {"linge-plat-au-kilo": f"{linen}"}),
        (8, "mobilite-solidaire", (month + 3) % 8, {"location-de-voiture-a-la-journee": f"{2 + month % 3 + growth}"}, {}),
        (10, "comptoir-equitable", (month + 5) % 8,
         {"cafe-equitable-moulu-250-g": "2", "miel-toutes-fleurs-du-gatinais-500-g": "1"}, {}),
    ]  # fmt: skip
    if month in (4, 10):
        orders.append((14, "blanchisserie-solidaire", (month + 6) % 8, {"couette-ou-couverture": "2"}, {}))
    if month != 8:
        orders.append((12, "atelier-formation", (month + 1) % 8, {"seance-de-code-de-la-route": f"{4 + growth}"}, {}))
    if month in (3, 9):
        orders.append((17, "atelier-formation", EHPAD, {"formation-hygiene-alimentaire-haccp": "1"}, {}))
    return orders


HISTORY_EMAIL_DOMAIN = "@historique.exemple.test"
# The former workers of the two years: structure, team, name, contract (start, end, weekly hours), where
# they went on leaving (every exit category; none in the last month, which the insertion demo fills).
HISTORY_WORKERS = (
    ("jardins-du-pole", "Maraîchage — parcelle haute", "Agathe", "Arnaud", datetime.date(2024, 9, 2), datetime.date(2025, 6, 30), 26, ExitReason.CDI),
    ("jardins-du-pole", "Maraîchage — serres", "Benoît", "Besson", datetime.date(2024, 10, 7), datetime.date(2025, 8, 29), 24, ExitReason.SHORT_FIXED_TERM),
    ("blanchisserie-solidaire", "Lavage et séchage", "Capucine", "Collet", datetime.date(2024, 11, 4), datetime.date(2025, 7, 31), 26, ExitReason.TRAINING),
    ("mobilite-solidaire", "Transport solidaire", "Damien", "Dumas", datetime.date(2024, 10, 1), datetime.date(2025, 9, 30), 30, ExitReason.LONG_FIXED_TERM),
    ("pole-services", "Ménage à domicile", "Estelle", "Even", datetime.date(2024, 9, 16), datetime.date(2025, 5, 30), 20, ExitReason.JOB_SEEKER),
    ("comptoir-equitable", "Épicerie", "Florian", "Fleury", datetime.date(2024, 12, 2), datetime.date(2025, 11, 28), 26, ExitReason.OTHER_SIAE),
    ("jardins-du-pole", "Paniers et distribution", "Gwenaëlle", "Gilles", datetime.date(2025, 1, 6), datetime.date(2025, 12, 19), 26, ExitReason.CDI),
    ("jardins-du-pole", "Maraîchage — parcelle haute", "Hakim", "Huet", datetime.date(2025, 2, 3), datetime.date(2026, 1, 30), 26, ExitReason.SUBSIDISED_CONTRACT),
    ("blanchisserie-solidaire", "Repassage et collecte", "Isabelle", "Jourdan", datetime.date(2025, 3, 3), datetime.date(2025, 10, 31), 24, ExitReason.UNKNOWN),
    ("mobilite-solidaire", "Atelier véhicules", "Jérémy", "Klein", datetime.date(2025, 3, 17), datetime.date(2026, 3, 13), 26, ExitReason.BUSINESS_CREATION),
    ("pole-services", "Jardins et petits travaux", "Kenza", "Laurent", datetime.date(2025, 4, 1), datetime.date(2026, 3, 31), 24, ExitReason.CDI),
    ("jardins-du-pole", "Maraîchage — serres", "Loïc", "Masson", datetime.date(2025, 4, 14), datetime.date(2026, 4, 10), 26, ExitReason.TRAINING),
    ("blanchisserie-solidaire", "Lavage et séchage", "Malika", "Poirier", datetime.date(2025, 5, 5), datetime.date(2026, 2, 27), 20, ExitReason.INACTIVE),
    ("comptoir-equitable", "Épicerie", "Nathan", "Rey", datetime.date(2025, 6, 2), datetime.date(2026, 5, 29), 26, ExitReason.SHORT_FIXED_TERM),
    ("mobilite-solidaire", "Transport solidaire", "Ophélie", "Schmitt", datetime.date(2025, 7, 1), datetime.date(2026, 6, 30), 30, ExitReason.CDI),
    ("jardins-du-pole", "Paniers et distribution", "Pascal", "Thomas", datetime.date(2025, 8, 25), datetime.date(2026, 7, 31), 26, ExitReason.JOB_SEEKER),
    ("pole-services", "Ménage à domicile", "Rania", "Vasseur", datetime.date(2025, 9, 1), datetime.date(2026, 8, 28), 24, ExitReason.LONG_FIXED_TERM),
    ("blanchisserie-solidaire", "Repassage et collecte", "Sébastien", "Weber", datetime.date(2025, 9, 15), datetime.date(2026, 9, 11), 26, ExitReason.OTHER_SIAE),
    ("jardins-du-pole", "Maraîchage — parcelle haute", "Tiphaine", "Adam", datetime.date(2026, 1, 5), datetime.date(2026, 9, 30), 26, ExitReason.CDI),
    ("jardins-du-pole", "Maraîchage — serres", "Wassila", "Dupuis", datetime.date(2026, 2, 16), datetime.date(2026, 8, 14), 24, ExitReason.SHORT_FIXED_TERM),
    ("mobilite-solidaire", "Atelier véhicules", "Ulysse", "Blanc", datetime.date(2026, 2, 2), datetime.date(2026, 10, 30), 26, ExitReason.TRAINING),
    ("comptoir-equitable", "Épicerie", "Victor", "Colin", datetime.date(2026, 3, 2), datetime.date(2026, 10, 23), 24, ExitReason.UNKNOWN),
    ("blanchisserie-solidaire", "Lavage et séchage", "Xavier", "Besnard", datetime.date(2026, 3, 16), datetime.date(2026, 10, 16), 20, ExitReason.INACTIVE),
    ("pole-services", "Jardins et petits travaux", "Yasmine", "Bertin", datetime.date(2026, 4, 6), datetime.date(2026, 9, 25), 24, ExitReason.BUSINESS_CREATION),
)  # fmt: skip


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def _months():
    year, month = FIRST_DAY.year, FIRST_DAY.month
    while datetime.date(year, month, 1) <= LAST_DAY:
        yield year, month
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def _working_day(day: datetime.date) -> datetime.date:
    while not is_working_day(day):
        day += datetime.timedelta(days=1)
    return day


def _at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


class _Agenda:
    """Steps run in time order, so that each series (invoices, entries, deposit slips) follows the dates;
    a step due after now is dropped (a transfer not received yet, cheques still in the till)."""

    def __init__(self) -> None:
        self.now = timezone.now()
        self._steps: list[tuple[datetime.datetime, int, Callable[[datetime.datetime], None]]] = []
        self._count = itertools.count()

    def plan(self, at: datetime.datetime, step: Callable[[datetime.datetime], None]) -> None:
        if at < self.now:
            heapq.heappush(self._steps, (at, next(self._count), step))

    def run(self) -> None:
        while self._steps:
            at, _n, step = heapq.heappop(self._steps)
            step(at)


def _cutoffs(today: datetime.date) -> dict[str, datetime.date]:
    """{structure slug: the day the marketplace demo's orders of that structure begin}: its invoices come
    after the history's in the structure's series (numbered in date order)."""
    firsts: dict[str, int] = defaultdict(int)
    rows = [(days_ago, items) for days_ago, _who, items, *_rest in marketplace_demo.HISTORY]
    rows += [(days_ago, items) for days_ago, items, _levels in marketplace_demo.OVERDUE_B2B]
    slugs = {slug for _days, items in rows for slug in items}
    structure_of = dict(Offering.objects.filter(slug__in=slugs).values_list("slug", "structure__slug"))
    for days_ago, items in rows:
        for slug in items:
            firsts[structure_of[slug]] = max(firsts[structure_of[slug]], days_ago)
    return {slug: today - datetime.timedelta(days=days_ago) for slug, days_ago in firsts.items()}


def _sellers(today: datetime.date) -> dict[str, datetime.date]:
    """{structure slug: the first day its history may no longer reach} for the structures whose series
    are still empty from 2025 on (books seeded before this history stay as they are)."""
    slugs = {slug for year, month in _months() for _d, slug, *_rest in _plan(year, month)}
    cutoffs = _cutoffs(today)
    sellers = {}
    for structure in Structure.objects.filter(slug__in=slugs):
        open_2025 = FiscalYear.objects.filter(structure=structure, start_date=FIRST_DAY, is_closed=False).exists()
        issued = Invoice.objects.filter(structure=structure, issue_date__gte=FIRST_DAY).exclude(number="").exists()
        if open_2025 and not issued:
            sellers[structure.slug] = min(cutoffs.get(structure.slug, today), today.replace(day=1))
    return sellers


def seed_demo() -> dict[str, int]:
    if not settings.DEMO_HISTORY:
        return {}
    households = [demo_person(email, first, last) for email, first, last, _address in HOUSEHOLDS]
    staff = get_user_model().objects.filter(email="admin@demo.pole.test").first()
    if staff is None or Order.objects.filter(customer__in=households).exists():
        return {}
    values = dict(EHPAD_ORGANISATION)
    ehpad, _created = Organisation.objects.get_or_create(slug=values.pop("slug"), defaults=values)
    email, first, last = EHPAD_MEMBER
    member = demo_person(email, first, last)
    OrganisationMembership.objects.get_or_create(user=member, organisation=ehpad,
                                                 defaults={"role": OrganisationRole.ADMIN})  # fmt: skip
    sellers = _sellers(timezone.localdate())
    planned = []
    for year, month in _months():
        for day, slug, who, items, finals in _plan(year, month):
            date = _working_day(datetime.date(year, month, day))
            if slug in sellers and date < min(sellers[slug], LAST_DAY + datetime.timedelta(days=1)):
                planned.append((date, slug, who, items, finals))
    offerings = {offering.slug: offering for offering in Offering.objects.select_related("structure")
                 .filter(slug__in={slug for *_rest, items, _f in planned for slug in items})}  # fmt: skip
    # The Comptoir and the Jardins restocked over two years: their shelves end as they were.
    needed: dict[str, Decimal] = defaultdict(Decimal)
    for *_rest, items, _finals in planned:
        for slug, quantity in items.items():
            if offerings[slug].stock is not None:
                needed[slug] += Decimal(quantity)
    for slug, quantity in needed.items():
        Offering.objects.filter(pk=offerings[slug].pk).update(stock=F("stock") + quantity)
    pickup_points = list(Site.objects.pickup_points().order_by("name"))
    agenda = _Agenda()
    customers = dict(enumerate(households)) | {EHPAD: member}
    for number, (date, slug, who, items, finals) in enumerate(planned):
        order = {
            "user": customers[who],
            "organisation": ehpad if who == EHPAD else None,
            "address": EHPAD_ADDRESS if who == EHPAD else HOUSEHOLDS[who][3],
            "items": [(offerings[slug], Decimal(quantity)) for slug, quantity in items.items()],
            "finals": {slug: Decimal(quantity) for slug, quantity in finals.items()},
            "pickup_point": pickup_points[(who if who != EHPAD else 0) % len(pickup_points)],
            "cheque_number": f"{4100000 + number}",
            # The EHPAD's linen is collected and brought back at its door; its baskets wait at the Pôle.
            "at_address": who == EHPAD and slug == "blanchisserie-solidaire",
        }
        agenda.plan(_at(date, 10, number % 50), lambda at, order=order: _place(agenda, staff, order, at))
    for year, month in _months():
        first_of_next = datetime.date(year + month // 12, month % 12 + 1, 1)
        agenda.plan(_at(_working_day(first_of_next), 9), lambda at: _deposit(staff, at))
    with notify.suppressed():
        agenda.run()
    return {"commandes de l'historique 2025-2026": len(planned)}


def _place(agenda: _Agenda, staff, details: dict, at: datetime.datetime) -> None:
    """One month's order, invoiced (once weighed), paid: by cheque when collected, by the EHPAD by transfer."""
    user, organisation = details["user"], details["organisation"]
    order = place_order_for_items(
        user=user, items=details["items"],
        payment_method=PaymentMethod.TRANSFER if organisation else PaymentMethod.CHEQUE,
        billing=Billing(name=user.get_full_name(), address=details["address"], email=user.email),
        organisation=organisation, pickup_point=details["pickup_point"], at=at, at_address=details["at_address"],
    )  # fmt: skip
    if details["finals"]:
        for line in order.lines.filter(quantity_measured_later=True).select_related("offering"):
            record_final_quantity(line=line, quantity=details["finals"][line.offering.slug], by=None, issue=False)
        issue_order_invoices(order=order, at=at + datetime.timedelta(hours=2))
    if organisation is None:
        agenda.plan(at + datetime.timedelta(hours=7), lambda when: _collect(order, details, staff, when))
    else:
        agenda.plan(at + datetime.timedelta(hours=6), lambda when: mark_collected(order=order, by=staff, at=when))
        agenda.plan(at + EHPAD_PAYS_AFTER, lambda when: _paid(order, staff, PaymentMethod.TRANSFER, when))


def _paid(order: Order, staff, method: str, at: datetime.datetime, details: dict | None = None) -> None:
    order.refresh_from_db()
    for structure_id, due in settlement.owed_by_seller(order).items():
        cheque = method == PaymentMethod.CHEQUE
        record_offline_payment(
            order=order, structure=Structure.objects.get(pk=structure_id), method=method, amount=due, by=staff,
            site=order.pickup_point, at=at, cheque_number=details["cheque_number"] if cheque else "",
            cheque_bank="Caisse d'Épargne Île-de-France" if cheque else "",
            cheque_drawer=order.customer.get_full_name() if cheque else "",
        )  # fmt: skip


def _collect(order: Order, details: dict, staff, at: datetime.datetime) -> None:
    """Collected at the pickup point (or the service done), paid there by cheque."""
    _paid(order, staff, PaymentMethod.CHEQUE, at, details)
    order.refresh_from_db()
    mark_collected(order=order, by=staff, at=at)


def _deposit(staff, at: datetime.datetime) -> None:
    """Early in the month, each structure takes the history's cheques of the month before to the bank."""
    cheques = Payment.objects.filter(
        method=PaymentMethod.CHEQUE, deposit_slip__isnull=True, succeeded_at__lt=at,
        order__customer__email__in=[email for email, *_rest in HOUSEHOLDS],
    )  # fmt: skip
    by_structure: dict[int, list[Payment]] = defaultdict(list)
    for payment in cheques.order_by("pk"):
        by_structure[payment.received_by_id].append(payment)
    for structure_id, payments in sorted(by_structure.items()):
        create_deposit_slip(structure=Structure.objects.get(pk=structure_id), payments=payments, by=staff, at=at)


def history_orders():
    """The history's orders: its households' and the EHPAD's."""
    return Order.objects.filter(customer__email__in=[email for email, *_rest in HOUSEHOLDS] + [EHPAD_MEMBER[0]])


# --- Insertion: the former workers, the validated hours, the orders' preparation ----------------------------


def seed_demo_last() -> dict[str, int]:
    """Once the insertion demo has made the teams (and the jobs of the history's orders)."""
    if not settings.DEMO_HISTORY:
        return {}
    if Worker.objects.filter(email__endswith=HISTORY_EMAIL_DOMAIN).exists():
        return {}
    today = timezone.localdate()
    teams = {(team.structure.slug, team.name): team for team in Team.objects.select_related("structure")}
    authors = _authors()
    workers = 0
    for slug, team_name, first, last, start, end, weekly, reason in HISTORY_WORKERS:
        team = teams.get((slug, team_name))
        if team is None or end >= today or slug not in authors:
            continue
        worker = Worker.objects.create(
            structure=team.structure, team=team, first_name=first, last_name=last,
            birth_date=datetime.date(1968 + (len(first) * 7 + len(last) * 3) % 36, 1 + len(last) % 12, 1 + len(first) * 2),
            email=f"{_ascii(first)}.{_ascii(last)}{HISTORY_EMAIL_DOMAIN}", phone="06 00 00 00 00",
        )  # fmt: skip
        contract = create_contract(worker=worker, start_date=start, end_date=end, weekly_hours=Decimal(weekly))
        Approval.objects.create(worker=worker, number=f"99997{worker.pk:07d}", start_date=start,
                                end_date=Approval.default_end_date(start))  # fmt: skip
        record_exit(contract=contract, reason=reason, date=end, by=authors[slug], today=today)
        workers += 1
    last_day = today.replace(day=1) - datetime.timedelta(days=1)
    jobs = _prepared_orders(authors)
    entries = _validated_days(FIRST_DAY, min(last_day, LAST_DAY), authors)
    return {"salarié·es des deux ans passés": workers, "préparations passées": jobs, "jours validés": entries}


def _authors() -> dict[str, object]:
    """{structure slug: who plans and validates its hours}: a supervisor or manager, else the demo's supervisor."""
    fallback = get_user_model().objects.filter(email="encadrant@demo.pole.test").first()
    authors = {}
    for structure in Structure.objects.all():
        role = StructureRole.objects.filter(structure=structure, role__in=PLANNING_ROLES).select_related("user").first()
        if role or fallback:
            authors[structure.slug] = role.user if role else fallback
    return authors


def _prepared_orders(authors) -> int:
    """The history's preparation jobs (goods: baskets, plants, coffee), done by a worker of the job's team
    (else of its structure) under contract that day."""
    jobs = list(
        Job.objects.filter(
            source_kind=JobSourceKind.ORDER, status=JobStatus.OPEN,
            source_id__in=[str(pk) for pk in history_orders().values_list("pk", flat=True)],
        ).select_related("structure").order_by("date", "pk")
    )  # fmt: skip
    contracts = list(
        Contract.objects.filter(worker__structure__in={job.structure_id for job in jobs})
        .select_related("worker")
        .order_by("start_date", "pk")
    )
    assignments, done = [], []
    for job in jobs:
        under_contract = [c.worker for c in contracts if c.worker.structure_id == job.structure_id
                          and c.start_date <= job.date <= c.end_date]  # fmt: skip
        worker = next((w for w in under_contract if w.team_id == job.team_id), None) or next(iter(under_contract), None)
        if worker is None:
            continue
        assignments.append(Assignment(job=job, worker=worker, hours=job.estimated_hours,
                                      created_by=authors.get(job.structure.slug)))  # fmt: skip
        done.append(job.pk)
    Assignment.objects.bulk_create(assignments)
    Job.objects.filter(pk__in=done).update(status=JobStatus.DONE)
    return len(done)


def _validated_days(first: datetime.date, last: datetime.date, authors) -> int:
    """A day's contract hours (weekly / 5) on each working day a contract covers, up to its exit, absences
    and days already there excepted; validated that evening by the structure's supervisor."""
    existing = set(
        TimesheetEntry.objects.filter(date__gte=first, date__lte=last).values_list("worker_id", "date").order_by()
    )
    absent = set()
    for absence in Absence.objects.filter(start_date__lte=last, end_date__gte=first):
        day = max(first, absence.start_date)
        while day <= min(last, absence.end_date):
            absent.add((absence.worker_id, day))
            day += datetime.timedelta(days=1)
    entries = []
    contracts = Contract.objects.filter(start_date__lte=last, end_date__gte=first).select_related(
        "exit", "worker__structure"
    )
    for contract in contracts.order_by("pk"):
        author = authors.get(contract.worker.structure.slug)
        exit_ = getattr(contract, "exit", None)
        end = min(last, contract.end_date, exit_.date if exit_ else last)
        hours = (contract.weekly_hours / 5).quantize(Decimal("0.01"))
        day = max(first, contract.start_date)
        while day <= end:
            key = (contract.worker_id, day)
            if is_working_day(day) and key not in existing and key not in absent:
                entries.append(TimesheetEntry(worker_id=contract.worker_id, date=day, hours=hours,
                                              validated_at=_at(day, 18), validated_by=author))  # fmt: skip
                existing.add(key)
            day += datetime.timedelta(days=1)
    TimesheetEntry.objects.bulk_create(entries, batch_size=2000)
    return len(entries)
