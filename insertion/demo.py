"""Demo insertion data: 10 teams across the three ACI, the AI and the Scop, ~80 workers (fake names).

Contracts and PASS IAE are dated relative to today (some end within 30 days, some PASS are
suspended), with absences and two weeks of jobs. Deterministic (fixed seed) and idempotent:
workers are created only for a team that has none, jobs are keyed by their source.

For the monthly IAE return and the exit rates, last month is filled in too: two former workers per
structure whose contract ended then, with their exit recorded, and validated timesheets of every
worker under contract that month (once: a structure with entries that month is left as it is).
"""

import datetime
import random
import unicodedata
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from hub.models import Site, Skill, Structure, StructureRole
from insertion.actions import create_contract, record_exit
from insertion.enums import AbsenceKind, ContractKind, ExitReason, JobSourceKind, SuspensionReason
from insertion.jobs import sync_jobs
from insertion.models import (
    Absence,
    Approval,
    ApprovalSuspension,
    Contract,
    ContractExit,
    Job,
    Team,
    TimesheetEntry,
    Worker,
    WorkerSkill,
)
from insertion.perms import PLANNING_ROLES
from insertion.workdays import is_working_day, monday_of

SEED = 2026
WORKERS_PER_TEAM = 8
STAFFING = 3  # headcount multiplier of JOB_PATTERNS: enough work for most contract hours

# structure slug → [(team name, skills, base site slug)]
TEAMS = {
    "jardins-du-pole": [
        ("Maraîchage — parcelle haute", ["maraichage"], "jardins-parcelles"),
        ("Maraîchage — serres", ["maraichage"], "jardins-parcelles"),
        ("Paniers et distribution", ["preparation-commandes", "conduite-vl"], "pole-accueil"),
    ],
    "blanchisserie-solidaire": [
        ("Lavage et séchage", ["lavage-sechage"], None),
        ("Repassage et collecte", ["repassage", "conduite-vl"], None),
    ],
    "mobilite-solidaire": [
        ("Transport solidaire", ["transport-personnes", "conduite-vl"], None),
        ("Atelier véhicules", ["petit-bricolage", "conduite-vl"], None),
    ],
    "pole-services": [
        ("Ménage à domicile", ["menage"], None),
        ("Jardins et petits travaux", ["jardinage", "petit-bricolage"], None),
    ],
    "comptoir-equitable": [
        ("Épicerie", ["accueil-vente", "preparation-commandes"], "pole-accueil"),
    ],
}

# team name → [(weekdays, start, end, headcount, skill, title)]
JOB_PATTERNS = {
    "Maraîchage — parcelle haute": [
        ((0, 1, 2, 3, 4), "08:30", "12:00", 3, "maraichage", "Récolte et lavage des légumes"),
        ((0, 2, 4), "13:30", "16:30", 2, "maraichage", "Désherbage et paillage"),
    ],
    "Maraîchage — serres": [
        ((0, 1, 2, 3), "08:30", "12:00", 2, "maraichage", "Semis et repiquage sous serre"),
        ((1, 3), "13:30", "16:30", 2, "maraichage", "Arrosage et entretien des serres"),
    ],
    "Paniers et distribution": [
        ((1, 4), "13:30", "16:00", 3, "preparation-commandes", "Préparation des paniers"),
        ((1, 4), "16:00", "19:00", 1, "conduite-vl", "Tournée de distribution des paniers"),
        ((0, 3), "09:00", "11:30", 1, "preparation-commandes", "Inventaire de la chambre froide"),
    ],
    "Lavage et séchage": [
        ((0, 1, 2, 3, 4), "08:30", "12:00", 3, "lavage-sechage", "Lot de linge — lavage"),
        ((0, 2, 4), "13:30", "16:30", 2, "lavage-sechage", "Lot de linge — séchage et pliage"),
    ],
    "Repassage et collecte": [
        ((0, 1, 2, 3, 4), "13:30", "17:00", 2, "repassage", "Repassage des commandes"),
        ((1, 3), "08:30", "11:30", 1, "conduite-vl", "Collecte du linge chez les clients"),
    ],
    "Transport solidaire": [
        ((0, 1, 2, 3, 4), "08:30", "12:00", 2, "transport-personnes", "Transports vers les rendez-vous"),
        ((1, 3), "13:30", "17:00", 1, "transport-personnes", "Transport vers le marché"),
    ],
    "Atelier véhicules": [
        ((0, 2, 4), "08:30", "12:00", 2, "petit-bricolage", "Entretien des scooters"),
        ((1, 3), "13:30", "16:00", 1, "conduite-vl", "Remise des véhicules de location"),
    ],
    "Ménage à domicile": [
        ((0, 1, 2, 3, 4), "08:30", "11:30", 3, "menage", "Ménage chez des particuliers"),
        ((0, 2, 4), "14:00", "17:00", 2, "menage", "Ménage des locaux associatifs"),
    ],
    "Jardins et petits travaux": [
        ((1, 3), "08:30", "12:00", 2, "jardinage", "Tonte et taille chez des particuliers"),
        ((0, 2), "13:30", "16:30", 1, "petit-bricolage", "Petites réparations à domicile"),
    ],
    "Épicerie": [
        ((1, 2, 3, 4), "09:00", "12:30", 2, "accueil-vente", "Tenue de la boutique"),
        ((0, 3), "14:00", "16:30", 1, "preparation-commandes", "Mise en rayon et commandes"),
    ],
}

FIRST_NAMES = [
    "Amina", "Bastien", "Chloé", "Dylan", "Élodie", "Fatou", "Gaël", "Hélène", "Ibrahim", "Jessica", "Kevin",
    "Laetitia", "Mamadou", "Nadia", "Olivier", "Pauline", "Quentin", "Rachid", "Sandrine", "Thierry", "Valérie",
    "Yanis", "Zoé", "Aurélien", "Brigitte", "Cédric", "Djamila", "Émilie", "Franck", "Ginette", "Hugo", "Inès",
    "Jordan", "Karine", "Ludovic", "Maryse", "Nicolas", "Océane", "Patrice", "Samia",
]  # fmt: skip
LAST_NAMES = [
    "Aubert", "Barbier", "Chauvet", "Delmas", "Étienne", "Fabre", "Garnier", "Hamon", "Imbert", "Jacquet",
    "Koné", "Lacroix", "Marchand", "Noël", "Ouattara", "Perrin", "Renaud", "Sanchez", "Tessier", "Vidal",
    "Bouvier", "Carré", "Diallo", "Ferrand", "Guillot", "Hoarau", "Lemaire", "Mercier", "Pichon", "Roussel",
]  # fmt: skip


def _time(value: str) -> datetime.time:
    hours, minutes = value.split(":")
    return datetime.time(int(hours), int(minutes))


@transaction.atomic
def seed_demo() -> dict[str, int]:
    rng = random.Random(SEED)
    today = timezone.localdate()
    skills = {skill.slug: skill for skill in Skill.objects.all()}
    sites = {site.slug: site for site in Site.objects.all()}
    supervisor = get_user_model().objects.filter(email="encadrant@demo.pole.test").first()
    names = _names(rng)
    for structure in Structure.objects.filter(slug__in=TEAMS):
        for team_name, team_skills, site_slug in TEAMS[structure.slug]:
            team, _created = Team.objects.get_or_create(
                structure=structure, name=team_name, defaults={"base_site": sites.get(site_slug)}
            )
            team.skills.add(*[skills[slug] for slug in team_skills])
            if supervisor is not None and structure.slug == "jardins-du-pole":
                team.supervisors.add(supervisor)
            if not team.workers.exists():
                for _index in range(WORKERS_PER_TEAM):
                    _worker(rng, next(names), structure, team, team_skills, skills, today)
            _jobs(team, skills, sites, today)
    _last_month(names, today)
    sync_jobs()
    return {"salarié·es en insertion": Worker.objects.count(), "interventions": Job.objects.count()}


# The exits of the former workers, two per structure, in this order.
DEMO_EXITS = [
    ExitReason.CDI,
    ExitReason.SHORT_FIXED_TERM,
    ExitReason.TRAINING,
    ExitReason.JOB_SEEKER,
    ExitReason.LONG_FIXED_TERM,
    ExitReason.OTHER_SIAE,
    ExitReason.SUBSIDISED_CONTRACT,
    ExitReason.UNKNOWN,
    ExitReason.BUSINESS_CREATION,
    ExitReason.INACTIVE,
]


def _last_month(names, today: datetime.date) -> None:
    """Last month's former workers with their exits, then everyone's validated timesheets of that month."""
    end = today.replace(day=1) - datetime.timedelta(days=1)
    start = end.replace(day=1)
    reasons = iter(DEMO_EXITS)
    for structure in Structure.objects.filter(slug__in=TEAMS).order_by("position", "name"):
        role = StructureRole.objects.filter(structure=structure, role__in=PLANNING_ROLES).select_related("user").first()
        author = role.user if role else get_user_model().objects.filter(email="encadrant@demo.pole.test").first()
        if author is None:
            continue
        if not ContractExit.objects.for_structure(structure).exists():
            for index in range(2):
                _former_worker(next(names), structure, next(reasons), start, index, author, today)
        _validated_month(structure, start, end, author)


def _former_worker(name, structure, reason, month_start, index, author, today) -> None:
    first_name, last_name = name
    worker = Worker.objects.create(structure=structure, first_name=first_name, last_name=last_name)
    end = month_start + datetime.timedelta(days=9 + 10 * index)
    start = end - datetime.timedelta(days=240)
    contract = create_contract(worker=worker, start_date=start, end_date=end, weekly_hours=Decimal(26))
    Approval.objects.create(
        worker=worker, number=f"99998{worker.pk:07d}", start_date=start, end_date=Approval.default_end_date(start)
    )
    if index == 0:  # two days of paid leave in the month: paid hours exceed worked ones
        Absence.objects.create(worker=worker, kind=AbsenceKind.LEAVE, start_date=end - datetime.timedelta(days=3),
                               end_date=end - datetime.timedelta(days=2))  # fmt: skip
    record_exit(contract=contract, reason=reason, date=end, by=author, today=today)


def _validated_month(structure, start: datetime.date, end: datetime.date, author) -> None:
    """A day's contract hours (weekly / 5) on each working day a contract covers, absences excepted."""
    if TimesheetEntry.objects.filter(worker__structure=structure, date__gte=start, date__lte=end).exists():
        return
    absent = {
        (absence.worker_id, day)
        for absence in Absence.objects.filter(worker__structure=structure, start_date__lte=end, end_date__gte=start)
        for day in _each_day(absence.start_date, absence.end_date)
    }
    now = timezone.now()
    entries = []
    for contract in Contract.objects.filter(worker__structure=structure).overlapping(start, end).select_related("exit"):
        exit_ = getattr(contract, "exit", None)
        last = min(end, contract.end_date, exit_.date if exit_ else end)
        for day in _each_day(max(start, contract.start_date), last):
            if is_working_day(day) and (contract.worker_id, day) not in absent:
                hours = (contract.weekly_hours / 5).quantize(Decimal("0.01"))
                entries.append(TimesheetEntry(worker_id=contract.worker_id, date=day, hours=hours,
                                              validated_at=now, validated_by=author))  # fmt: skip
    TimesheetEntry.objects.bulk_create(entries, ignore_conflicts=True)


def _each_day(first: datetime.date, last: datetime.date):
    day = first
    while day <= last:
        yield day
        day += datetime.timedelta(days=1)


def _names(rng: random.Random):
    pairs = [(first, last) for first in FIRST_NAMES for last in LAST_NAMES]
    rng.shuffle(pairs)
    yield from pairs


def _worker(rng, name, structure, team, team_skills, skills, today) -> Worker:
    first_name, last_name = name
    worker = Worker.objects.create(
        structure=structure,
        team=team,
        first_name=first_name,
        last_name=last_name,
        birth_date=datetime.date(1960 + rng.randrange(45), 1 + rng.randrange(12), 1 + rng.randrange(28)),
        email=f"{_ascii(first_name)}.{_ascii(last_name)}@exemple.test",
        phone=f"06 {rng.randrange(10, 99)} {rng.randrange(10, 99)} {rng.randrange(10, 99)} {rng.randrange(10, 99)}",
        address=f"{rng.randrange(1, 60)} rue du Gâtinais\n77140 Nemours",
    )
    own = list(team_skills)
    extra = rng.choice(list(skills))
    if rng.random() < 0.3 and extra not in own:
        own.append(extra)
    if len(own) > 1 and rng.random() < 0.25:
        own.pop()  # not everyone holds every skill of the team
    for slug in own:
        WorkerSkill.objects.create(worker=worker, skill=skills[slug], level=rng.choice([1, 1, 2, 2, 3]))

    roll = rng.random()
    start = today - datetime.timedelta(days=rng.randrange(60, 420))
    months = rng.choice([6, 8, 12, 12, 18, 24])
    end = start + datetime.timedelta(days=months * 30)
    if end < today + datetime.timedelta(days=45):
        end = today + datetime.timedelta(days=rng.randrange(45, 300))
    if roll < 0.08:
        end = today + datetime.timedelta(days=rng.randrange(5, 28))  # ends within 30 days: an alert
    elif roll < 0.11:
        end = monday_of(today) + datetime.timedelta(days=9)  # ends on Wednesday next week
    kind = ContractKind.CDD_USAGE if structure.slug == "pole-services" and rng.random() < 0.3 else ContractKind.CDDI
    months_long = (end - start).days / 30.4
    reason = "Fin de la formation qualifiante en cours" if months_long > 24 else ""
    if kind == ContractKind.CDDI and months_long < 4:
        start = end - datetime.timedelta(days=125)
    create_contract(
        worker=worker,
        kind=kind,
        start_date=start,
        end_date=end,
        weekly_hours=Decimal(rng.choice([20, 24, 26, 26, 30, 35])),
        extension_reason=reason,
    )

    approval_start = start - datetime.timedelta(days=rng.randrange(0, 60))
    approval_end = Approval.default_end_date(approval_start)
    if rng.random() < 0.05:
        approval_end = today + datetime.timedelta(days=rng.randrange(3, 28))  # PASS IAE ends soon
    approval = Approval.objects.create(
        worker=worker,
        number=f"99999{rng.randrange(10**7):07d}",
        start_date=approval_start,
        end_date=max(approval_end, approval_start),
    )
    if rng.random() < 0.04:
        ApprovalSuspension.objects.create(
            approval=approval,
            start_date=today - datetime.timedelta(days=3),
            end_date=today + datetime.timedelta(days=rng.randrange(10, 40)),
            reason=rng.choice([SuspensionReason.SICKNESS, SuspensionReason.CONTRACT_SUSPENDED]),
        )

    if rng.random() < 0.2:
        first = monday_of(today) + datetime.timedelta(days=7 + rng.randrange(5))
        kind = rng.choice(list(AbsenceKind))
        length = 0 if kind in (AbsenceKind.TRAINING, AbsenceKind.SOCIAL_APPOINTMENT) else rng.randrange(1, 4)
        Absence.objects.create(
            worker=worker, kind=kind, start_date=first, end_date=first + datetime.timedelta(days=length)
        )
    return worker


def _jobs(team: Team, skills, sites, today) -> None:
    place = team.base_site
    for week_offset in (0, 7):
        monday = monday_of(today) + datetime.timedelta(days=week_offset)
        for index, (weekdays, start, end, headcount, skill, title) in enumerate(JOB_PATTERNS[team.name]):
            for weekday in weekdays:
                day = monday + datetime.timedelta(days=weekday)
                if not is_working_day(day):
                    continue
                staff = headcount * STAFFING
                length = (
                    datetime.datetime.combine(day, _time(end)) - datetime.datetime.combine(day, _time(start))
                ).seconds
                Job.objects.get_or_create(
                    structure=team.structure,
                    source_kind=JobSourceKind.MANUAL,
                    source_id=f"demo-{team.pk}-{index}-{day:%Y%m%d}",
                    defaults={
                        "title": title,
                        "team": team,
                        "place": place,
                        "date": day,
                        "start_time": _time(start),
                        "end_time": _time(end),
                        "estimated_hours": (Decimal(length * staff) / 3600).quantize(Decimal("0.01")),
                        "headcount": staff,
                        "required_skill": skills[skill],
                    },
                )


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
