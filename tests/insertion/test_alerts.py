"""DOMAIN.md rule 18: warned 30 days before a contract or PASS IAE ends, and of next week's team load."""

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from insertion.actions import send_alerts
from insertion.alerts import alerts_for, week_label
from insertion.tasks import send_alerts as send_alerts_task
from insertion.workdays import monday_of
from tests.insertion.factories import ApprovalFactory, ContractFactory, JobFactory, TeamFactory, WorkerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def today():
    return timezone.localdate()


def next_week(today) -> str:
    return week_label(monday_of(today) + datetime.timedelta(days=7)).capitalize()


@pytest.fixture
def setup(structure, supervisor_user, today):
    team = TeamFactory(structure=structure, name="Maraîchage")
    worker = WorkerFactory(structure=structure, team=team, first_name="Inès", last_name="Garnier")
    ContractFactory(worker=worker, start_date=today - datetime.timedelta(days=200), end_date=today + datetime.timedelta(days=12),
                    weekly_hours=Decimal("20"))  # fmt: skip
    ApprovalFactory(
        worker=worker, start_date=today - datetime.timedelta(days=700), end_date=today + datetime.timedelta(days=29)
    )
    next_monday = monday_of(today) + datetime.timedelta(days=7)
    JobFactory(structure=structure, team=team, date=next_monday, estimated_hours=Decimal("24"), headcount=8)
    return team


def test_alerts_name_what_ends_and_the_overloaded_team(structure, setup, today):
    alerts = alerts_for(structure, today=today)

    ends = today + datetime.timedelta(days=12)
    approval_ends = today + datetime.timedelta(days=29)
    assert [(alert.kind, alert.message) for alert in alerts] == [
        ("contract_ending", f"Le contrat de Inès Garnier se termine le {ends:%d/%m/%Y}."),
        ("approval_ending", f"Le PASS IAE de Inès Garnier se termine le {approval_ends:%d/%m/%Y}."),
        ("team_overloaded", f"{next_week(today)} : l'équipe « Maraîchage » a 24 h de travail pour 20 h au contrat."),
    ]


def test_the_load_alerts_speak_of_the_week_asked_for_with_its_dates(structure, setup, today):
    """The board shows the alerts of the week it shows, dated (never « semaine prochaine » for any week)."""
    in_three_weeks = monday_of(today) + datetime.timedelta(days=21)
    JobFactory(structure=structure, team=setup, date=in_three_weeks, estimated_hours=Decimal("30"), headcount=8)

    alerts = [
        a.message for a in alerts_for(structure, today=today, monday=in_three_weeks) if a.kind == "team_overloaded"
    ]

    assert alerts == [
        f"{week_label(in_three_weeks).capitalize()} : l'équipe « Maraîchage » a 30 h de travail pour 0 h au contrat."
    ]


def test_a_week_label_names_its_days_and_month():
    assert week_label(datetime.date(2026, 12, 7)) == "semaine du 7 au 13 décembre 2026"
    assert week_label(datetime.date(2026, 11, 30)) == "semaine du 30 novembre au 6 décembre 2026"
    assert week_label(datetime.date(2026, 12, 28)) == "semaine du 28 décembre 2026 au 3 janvier 2027"


def test_each_alert_is_emailed_once(structure, setup, supervisor_user, today, django_capture_on_commit_callbacks):
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        send_alerts_task()
    ours = [message for message in mail.outbox if supervisor_user.email in message.to]
    with django_capture_on_commit_callbacks(execute=True):
        send_alerts(today=today)
    again = [message for message in mail.outbox if supervisor_user.email in message.to]

    assert len(ours) == 1
    assert ours[0].subject == f"[Pôle Économie Solidaire] Alertes insertion — {structure.name}"
    assert ours[0].body.count("\n") == 2
    assert len(again) == 1


def test_a_worker_given_less_than_half_their_hours_is_named_once_the_week_is_planned(structure, today):
    from insertion.models import Assignment

    team = TeamFactory(structure=structure, name="Blanchisserie")
    next_monday = monday_of(today) + datetime.timedelta(days=7)
    busy = WorkerFactory(structure=structure, team=team, first_name="Léa", last_name="Martin")
    idle = WorkerFactory(structure=structure, team=team, first_name="Omar", last_name="Diallo")
    for worker in (busy, idle):
        ContractFactory(worker=worker, start_date=today - datetime.timedelta(days=30),
                        end_date=today + datetime.timedelta(days=200), weekly_hours=Decimal("26"))  # fmt: skip
    assert [a.kind for a in alerts_for(structure, today=today)] == ["team_underloaded"]  # not planned yet

    job = JobFactory(structure=structure, team=team, date=next_monday, estimated_hours=Decimal("30"), headcount=3)
    Assignment.objects.create(job=job, worker=busy, hours=Decimal("14.00"))
    Assignment.objects.create(job=job, worker=idle, hours=Decimal("4.00"))

    assert [(a.kind, a.message) for a in alerts_for(structure, today=today) if a.kind == "worker_underloaded"] == [
        ("worker_underloaded", f"{next_week(today)} : Omar Diallo n'a que 4 h prévues pour 26 h au contrat."),
    ]
