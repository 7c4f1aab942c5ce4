"""The day's timesheet: planned hours and absences beside actual hours; a day is validated once it has ended."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from insertion.actions import validate_timesheets
from insertion.enums import AbsenceKind, JobStatus
from insertion.exceptions import TimesheetRefused
from insertion.models import Assignment, TimesheetEntry
from tests.insertion.factories import AbsenceFactory, JobFactory, TeamFactory, WorkerFactory, day, skill

pytestmark = pytest.mark.django_db
NBSP = "\u00a0"


@pytest.fixture
def crew(structure):
    team = TeamFactory(structure=structure, name="Maraîchage")
    return [
        WorkerFactory(structure=structure, team=team, ready=True, first_name=name, last_name=last)
        for name, last in (("Alice", "Arnaud"), ("Bruno", "Bernard"), ("Chloé", "Charpentier"))
    ]


def _worked_day(structure, crew, on: datetime.date):
    job = JobFactory(structure=structure, date=on, required_skill=skill(), headcount=1, estimated_hours=Decimal("6.50"))
    Assignment.objects.create(job=job, worker=crew[0], hours=Decimal("6.50"))
    return job


def _url(structure, on: datetime.date) -> str:
    return f"/insertion/{structure.slug}/releves/{on.isoformat()}/"


@pytest.mark.parametrize("offset", [0, 1, 30])
def test_a_day_that_has_not_ended_is_refused_and_nothing_changes(client, structure, crew, supervisor_user, offset):
    on = timezone.localdate() + datetime.timedelta(days=offset)
    job = _worked_day(structure, crew, on)
    client.force_login(supervisor_user)
    client.get(_url(structure, on))  # prefilled with the planned hours
    before = list(
        TimesheetEntry.objects.filter(worker__structure=structure).values_list(
            "worker_id", "date", "hours", "validated_at", "validated_by"
        )
    )

    response = client.post(_url(structure, on), {"validate": "1"})

    assert response.status_code == 400
    page = response.content.decode()
    assert (
        f"Les heures du {_long(on)} ne peuvent pas encore être validées : une journée se valide une fois finie, "
        f"à partir du {_long(on + datetime.timedelta(days=1))}."
    ) in page.replace("&#x27;", "'")
    assert (
        list(
            TimesheetEntry.objects.filter(worker__structure=structure).values_list(
                "worker_id", "date", "hours", "validated_at", "validated_by"
            )
        )
        == before
    )
    assert before == [(crew[0].pk, on, Decimal("6.50"), None, None)]
    job.refresh_from_db()
    assert job.status == JobStatus.OPEN


def test_the_action_refuses_a_period_running_into_today(structure, crew, supervisor_user):
    today = timezone.localdate()
    TimesheetEntry.objects.create(worker=crew[0], date=today - datetime.timedelta(days=1), hours=Decimal("7"))

    with pytest.raises(TimesheetRefused):
        validate_timesheets(
            structure=structure, start=today - datetime.timedelta(days=1), end=today, by=supervisor_user
        )

    assert TimesheetEntry.objects.filter(worker__structure=structure, validated_at__isnull=False).count() == 0


def test_yesterday_is_validated(client, structure, crew, supervisor_user):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    _worked_day(structure, crew, yesterday)
    client.force_login(supervisor_user)
    client.get(_url(structure, yesterday))

    response = client.post(_url(structure, yesterday), {"validate": "1"}, follow=True)

    assert "1 relevé(s) validé(s)." in response.content.decode()
    assert TimesheetEntry.objects.get(worker=crew[0], date=yesterday).is_validated is True


def test_a_future_day_has_no_validate_button_and_says_when_it_can_be_validated(
    client, structure, crew, supervisor_user
):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    _worked_day(structure, crew, tomorrow)
    client.force_login(supervisor_user)

    page = client.get(_url(structure, tomorrow)).content.decode()

    assert 'name="validate"' not in page
    assert (
        f"La journée n'est pas finie : ses heures pourront être validées à partir du "
        f"{_long(tomorrow + datetime.timedelta(days=1))}."
    ) in page
    assert 'name="save"' in page


def test_planned_hours_and_absences_are_shown_beside_actual_hours(client, structure, crew, supervisor_user):
    on = day(0)
    _worked_day(structure, crew, on)
    AbsenceFactory(worker=crew[1], kind=AbsenceKind.SICKNESS, start_date=on, end_date=on + datetime.timedelta(days=2))
    AbsenceFactory(
        worker=crew[2],
        kind=AbsenceKind.LEAVE,
        start_date=on + datetime.timedelta(days=1),
        end_date=on + datetime.timedelta(days=1),
    )
    client.force_login(supervisor_user)

    page = client.get(_url(structure, on)).content.decode()

    assert "Relevé d'heures du lundi 2 mars 2026" in page
    assert (
        f'<td class="num">6,5{NBSP}h</td>\n                <td>—</td>\n'
        f'                <td><input id="hours-{crew[0].pk}" name="hours-{crew[0].pk}" value="6,50"'
    ) in page
    assert (
        f'<th scope="row">Bruno Bernard</th>\n                <td class="num">0{NBSP}h</td>\n                <td>Arrêt maladie</td>'
        in page
    )
    assert "Chloé" not in page  # on leave the next day only


def _long(on: datetime.date) -> str:
    from hub.formatting import date_long

    return date_long(on)
