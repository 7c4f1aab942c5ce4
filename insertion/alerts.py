"""Supervisors' alerts (DOMAIN.md rule 18): contracts or PASS IAE ending within 30 days, next week's load,
and the jobs whose source changed after workers were assigned (`JobAlert`, written by `jobs.sync_jobs`)."""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Sum
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from insertion.enums import AlertKind
from insertion.models import Approval, Assignment, Contract, Job, JobAlert, Team, Worker
from insertion.rules import format_hours, to_centi
from insertion.workdays import monday_of

WARNING_DAYS = 30


@dataclass(frozen=True)
class Alert:
    kind: AlertKind
    message: str
    key: str = ""  # what makes it the same alert tomorrow: sent by e-mail once
    job_alert_id: int | None = None  # a stored `JobAlert`, which the supervisor marks as seen


def week_label(monday: datetime.date) -> str:
    """« semaine du 7 au 13 décembre 2026 » (months and years written only where they change)."""
    sunday = monday + datetime.timedelta(days=6)
    start_format = "j" if monday.month == sunday.month else ("j F" if monday.year == sunday.year else "j F Y")
    return _("semaine du %(start)s au %(end)s") % {
        "start": date_format(monday, start_format),
        "end": date_format(sunday, "j F Y"),
    }


def alerts_for(structure, *, today: datetime.date, monday: datetime.date | None = None) -> list[Alert]:
    """What the structure's supervisors must know about the week of `monday` (next week by default; the e-mail),
    and the contracts and PASS IAE ending within 30 days of today (a constant number of queries)."""
    days = getattr(settings, "INSERTION_ALERT_DAYS", WARNING_DAYS)
    horizon = today + datetime.timedelta(days=days)
    alerts = [
        Alert(AlertKind(alert.kind), alert.message, f"job-alert:{alert.pk}", alert.pk)
        for alert in JobAlert.objects.unseen().filter(structure=structure).order_by("created_at", "pk")
    ]
    workers = Worker.objects.for_structure(structure).active()
    for contract in (
        Contract.objects.filter(worker__in=workers, end_date__gte=today, end_date__lte=horizon)
        .select_related("worker")
        .order_by("end_date")
    ):
        alerts.append(
            Alert(
                AlertKind.CONTRACT_ENDING,
                _("Le contrat de %(worker)s se termine le %(date)s.")
                % {"worker": contract.worker.full_name, "date": f"{contract.end_date:%d/%m/%Y}"},
                f"contract:{contract.pk}:{contract.end_date:%Y%m%d}",
            )
        )
    for approval in (
        Approval.objects.filter(worker__in=workers, end_date__gte=today, end_date__lte=horizon)
        .select_related("worker")
        .order_by("end_date")
    ):
        alerts.append(
            Alert(
                AlertKind.APPROVAL_ENDING,
                _("Le PASS IAE de %(worker)s se termine le %(date)s.")
                % {"worker": approval.worker.full_name, "date": f"{approval.end_date:%d/%m/%Y}"},
                f"approval:{approval.pk}:{approval.end_date:%Y%m%d}",
            )
        )
    monday = monday or monday_of(today) + datetime.timedelta(days=7)
    alerts.extend(_team_load(structure, monday))
    alerts.extend(_workers_short_of_hours(structure, monday))
    return alerts


def _workers_short_of_hours(structure, monday: datetime.date) -> list[Alert]:
    """Once the week is planned, the workers given less than half their contract hours (2 queries)."""
    sunday = monday + datetime.timedelta(days=6)
    planned = dict(
        Assignment.objects.live()
        .filter(job__structure=structure, job__date__gte=monday, job__date__lte=sunday)
        .values("worker_id")
        .annotate(total=Sum("hours"))
        .values_list("worker_id", "total")
    )
    if not planned:
        return []  # the week is not planned yet: nothing to say about anyone
    alerts = []
    for contract in (
        Contract.objects.filter(
            worker__structure=structure, worker__is_active=True, start_date__lte=monday, end_date__gte=sunday
        )
        .select_related("worker")
        .order_by("worker__last_name", "worker__first_name")
    ):
        hours = to_centi(planned.get(contract.worker_id) or 0)
        if hours < to_centi(contract.weekly_hours) // 2:
            alerts.append(
                Alert(
                    AlertKind.WORKER_UNDERLOADED,
                    _("%(week)s : %(worker)s n'a que %(planned)s prévues pour %(contract)s au contrat.")
                    % {
                        "week": capfirst(week_label(monday)),
                        "worker": contract.worker.full_name,
                        "planned": format_hours(hours),
                        "contract": format_hours(to_centi(contract.weekly_hours)),
                    },
                    f"short:{contract.worker_id}:{monday:%Y%m%d}",
                )
            )
    return alerts


def _team_load(structure, monday: datetime.date) -> list[Alert]:
    """The week's open work of each team against its members' contract hours."""
    sunday = monday + datetime.timedelta(days=6)
    work = dict(
        Job.objects.open()
        .filter(structure=structure, date__gte=monday, date__lte=sunday, team__isnull=False)
        .values("team_id")
        .annotate(total=Sum("estimated_hours"))
        .values_list("team_id", "total")
    )
    capacity = dict(
        Contract.objects.filter(
            worker__structure=structure, worker__is_active=True, start_date__lte=sunday, end_date__gte=monday
        )
        .values("worker__team_id")
        .annotate(total=Sum("weekly_hours"))
        .values_list("worker__team_id", "total")
    )
    alerts = []
    for team in Team.objects.filter(structure=structure).order_by("name"):
        demand, hours = to_centi(work.get(team.pk) or 0), to_centi(capacity.get(team.pk) or 0)
        if demand > hours:
            alerts.append(
                Alert(
                    AlertKind.TEAM_OVERLOADED,
                    _("%(week)s : l'équipe « %(team)s » a %(work)s de travail pour %(hours)s au contrat.")
                    % {
                        "week": capfirst(week_label(monday)),
                        "team": team.name,
                        "work": format_hours(demand),
                        "hours": format_hours(hours),
                    },
                    f"overloaded:{team.pk}:{monday:%Y%m%d}",
                )
            )
        elif hours and demand < hours // 2:
            alerts.append(
                Alert(
                    AlertKind.TEAM_UNDERLOADED,
                    _(
                        "%(week)s : l'équipe « %(team)s » n'a que %(work)s de travail pour %(hours)s au "
                        "contrat : ses salarié·es risquent de manquer d'heures."
                    )
                    % {
                        "week": capfirst(week_label(monday)),
                        "team": team.name,
                        "work": format_hours(demand),
                        "hours": format_hours(hours),
                    },
                    f"underloaded:{team.pk}:{monday:%Y%m%d}",
                )
            )
    return alerts
