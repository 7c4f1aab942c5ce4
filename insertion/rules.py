"""DOMAIN.md rule 16 in one place, on plain data: the assignment action and the planner both ask here.

Hours are integer hundredths of an hour ("centihours", exact for our 2-place decimals) and times
are minutes after midnight, so the planner's integer model and the action agree to the unit.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from insertion.workdays import is_working_day


def to_centi(hours: Decimal) -> int:
    return int((Decimal(hours) * 100).to_integral_value())


def from_centi(centi: int) -> Decimal:
    return (Decimal(centi) / 100).quantize(Decimal("0.01"))


def format_hours(centi: int) -> str:
    """1250 → '12,5 h' (French decimal comma, no useless zeros)."""
    text = f"{from_centi(centi).normalize():f}".replace(".", ",")
    return f"{text} h"


def to_minutes(value: datetime.time) -> int:
    return value.hour * 60 + value.minute


@dataclass(frozen=True)
class Refusal:
    code: str
    message: str
    short: str = ""  # the reason in a few words, next to the person's name in the board's picker


@dataclass(frozen=True)
class JobFacts:
    id: int
    structure_id: int
    title: str
    date: datetime.date
    start: int  # minutes after midnight
    end: int
    centi: int  # hours per person
    headcount: int
    skill_id: int | None
    skill_name: str = ""
    team_id: int | None = None


@dataclass(frozen=True)
class Period:
    start: datetime.date
    end: datetime.date

    def covers(self, day: datetime.date) -> bool:
        return self.start <= day <= self.end


@dataclass(frozen=True)
class ContractFacts(Period):
    weekly_centi: int = 0


@dataclass(frozen=True)
class ApprovalFacts(Period):
    suspensions: tuple[Period, ...] = ()


@dataclass(frozen=True)
class AbsenceFacts(Period):
    label: str = ""


@dataclass
class WorkerFacts:
    id: int
    name: str
    structure_id: int
    structure_name: str
    team_id: int | None
    skill_ids: frozenset[int]
    contracts: list[ContractFacts] = field(default_factory=list)
    approvals: list[ApprovalFacts] = field(default_factory=list)
    absences: list[AbsenceFacts] = field(default_factory=list)

    def contract_on(self, day: datetime.date) -> ContractFacts | None:
        return next((contract for contract in self.contracts if contract.covers(day)), None)

    def day_refusal(self, day: datetime.date) -> Refusal | None:
        """Contract, PASS IAE and absence rules for one day."""
        if self.contract_on(day) is None:
            return Refusal(
                "outside_contract",
                _("Règle « contrat » : %(worker)s n'a pas de contrat en cours le %(date)s.")
                % {"worker": self.name, "date": f"{day:%d/%m/%Y}"},
                _("Pas de contrat ce jour-là"),
            )
        approval = next((approval for approval in self.approvals if approval.covers(day)), None)
        if approval is None:
            return Refusal(
                "approval_expired",
                _("Règle « PASS IAE » : %(worker)s n'a pas de PASS IAE valide le %(date)s (expiré ou absent).")
                % {"worker": self.name, "date": f"{day:%d/%m/%Y}"},
                _("PASS IAE non valide ce jour-là"),
            )
        if any(suspension.covers(day) for suspension in approval.suspensions):
            return Refusal(
                "approval_suspended",
                _("Règle « PASS IAE » : le PASS IAE de %(worker)s est suspendu le %(date)s.")
                % {"worker": self.name, "date": f"{day:%d/%m/%Y}"},
                _("PASS IAE suspendu"),
            )
        absence = next((absence for absence in self.absences if absence.covers(day)), None)
        if absence is not None:
            return Refusal(
                "absence",
                _("Règle « absence » : %(worker)s est absent·e le %(date)s (%(reason)s).")
                % {"worker": self.name, "date": f"{day:%d/%m/%Y}", "reason": absence.label},
                _("Absent·e (%(reason)s)") % {"reason": absence.label},
            )
        return None

    def is_available(self, day: datetime.date) -> bool:
        return self.day_refusal(day) is None

    def cap_centi(self, days: list[datetime.date]) -> int:
        """The weekly ceiling: the smallest weekly hours of the contracts running that week."""
        weekly = [contract.weekly_centi for contract in self.contracts if any(contract.covers(day) for day in days)]
        return min(weekly, default=0)

    def target_centi(self, days: list[datetime.date]) -> int:
        """Contract hours prorated for absences: weekly hours / 5 for each working day the person can work."""
        total = 0
        for day in days:
            if is_working_day(day) and self.is_available(day):
                total += self.contract_on(day).weekly_centi
        return round(total / 5)


@dataclass(frozen=True)
class Booked:
    """An assignment the worker already holds, as the rules need it."""

    job_id: int
    title: str
    date: datetime.date
    start: int
    end: int
    centi: int


def seat_refusal(job: JobFacts, *, is_open: bool, taken: list[int], worker: WorkerFacts) -> Refusal | None:
    """The job's own limits: still open, not already holding the person, a seat left (before rule 16)."""
    if not is_open:
        return Refusal(
            "job_closed",
            _("Cette intervention est annulée ou terminée : on ne peut plus y affecter personne."),
            _("Intervention close"),
        )
    if worker.id in taken:
        return Refusal(
            "already_assigned",
            _("%(worker)s est déjà affecté·e à cette intervention.") % {"worker": worker.name},
            _("Déjà sur cette intervention"),
        )
    if len(taken) >= job.headcount:
        return Refusal(
            "headcount_full",
            _("Règle « effectif » : l'intervention a déjà ses %(count)d personne(s).") % {"count": job.headcount},
            _("Intervention complète"),
        )
    return None


def refusal(worker: WorkerFacts, job: JobFacts, booked: list[Booked], *, week: list[datetime.date]) -> Refusal | None:
    """The first rule of DOMAIN.md rule 16 that `worker` on `job` breaks, given their other assignments."""
    if worker.structure_id != job.structure_id:
        return Refusal(
            "wrong_structure",
            _("Règle « structure » : %(worker)s travaille pour %(structure)s, pas pour la structure de l'intervention.")
            % {"worker": worker.name, "structure": worker.structure_name},
            _("Autre structure"),
        )
    day_refusal = worker.day_refusal(job.date)
    if day_refusal is not None:
        return day_refusal
    if job.skill_id is not None and job.skill_id not in worker.skill_ids:
        return Refusal(
            "missing_skill",
            _("Règle « compétence » : %(worker)s n'a pas la compétence « %(skill)s ».")
            % {"worker": worker.name, "skill": job.skill_name},
            _("Sans la compétence « %(skill)s »") % {"skill": job.skill_name},
        )
    for other in booked:
        if other.job_id != job.id and other.date == job.date and other.start < job.end and job.start < other.end:
            return Refusal(
                "overlap",
                _("Règle « chevauchement » : %(worker)s est déjà sur « %(other)s » de %(start)s à %(end)s.")
                % {
                    "worker": worker.name,
                    "other": other.title,
                    "start": _clock(other.start),
                    "end": _clock(other.end),
                },
                _("Occupé·e : « %(other)s » de %(start)s à %(end)s")
                % {"other": other.title, "start": _clock(other.start), "end": _clock(other.end)},
            )
    contract = worker.contract_on(job.date)
    planned = sum(other.centi for other in booked if other.date in week and other.job_id != job.id)
    if planned + job.centi > contract.weekly_centi:
        return Refusal(
            "over_hours",
            _(
                "Règle « heures du contrat » : %(worker)s aurait %(total)s cette semaine "
                "pour %(contract)s par semaine au contrat."
            )
            % {
                "worker": worker.name,
                "total": format_hours(planned + job.centi),
                "contract": format_hours(contract.weekly_centi),
            },
            _("%(planned)s déjà planifiées sur %(contract)s")
            % {"planned": format_hours(planned), "contract": format_hours(contract.weekly_centi)},
        )
    return None


def _clock(minutes: int) -> str:
    return f"{minutes // 60:d} h {minutes % 60:02d}"
