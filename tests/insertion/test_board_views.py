"""The supervisor's board: the week view, assigning by hand (with the refusal shown), planning, accepting."""

import datetime
import json
from decimal import Decimal

import pytest

from insertion.models import Assignment, TimesheetEntry
from insertion.workdays import format_week
from tests.accounts.factories import UserFactory
from tests.insertion.factories import MONDAY, JobFactory, TeamFactory, WorkerFactory, day, skill

pytestmark = pytest.mark.django_db
WEEK = format_week(MONDAY)


@pytest.fixture
def team(structure):
    team = TeamFactory(structure=structure, name="Maraîchage")
    team.skills.add(skill())
    return team


@pytest.fixture
def workers(structure, team):
    return [
        WorkerFactory(structure=structure, team=team, ready=True, skills=["maraichage"], first_name=name)
        for name in ("Alice", "Bruno", "Chloé")
    ]


@pytest.fixture
def jobs(structure, team):
    return [
        JobFactory(
            structure=structure,
            team=team,
            title=f"Récolte {offset}",
            date=day(offset),
            required_skill=skill(),
            headcount=2,
            estimated_hours=Decimal("7.00"),
        )  # fmt: skip
        for offset in range(5)
    ]


@pytest.fixture
def supervisor(client, supervisor_user):
    client.force_login(supervisor_user)
    return client


def board_url(structure) -> str:
    return f"/insertion/{structure.slug}/semaine/{WEEK}/"


def test_the_board_shows_teams_days_jobs_and_hours_in_a_fixed_number_of_queries(
    supervisor, structure, workers, jobs, django_assert_num_queries
):
    Assignment.objects.create(job=jobs[0], worker=workers[0], hours=Decimal("3.50"))
    # 20 since issue 10: one more for the stored alerts of jobs whose source changed (`JobAlert`).
    with django_assert_num_queries(20):
        response = supervisor.get(board_url(structure))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Semaine du 2 mars 2026" in page
    assert page.count('<article class="ins-job') == 5
    assert "Récolte 0" in page
    assert "1 / 2 personne(s)" in page
    assert "Alice" in page


def test_more_jobs_and_workers_cost_no_more_queries(
    supervisor, structure, team, workers, jobs, django_assert_num_queries
):
    for offset in range(5):
        JobFactory(structure=structure, team=team, date=day(offset), start_time=datetime.time(13, 30),
                   end_time=datetime.time(16), estimated_hours=Decimal("2.50"))  # fmt: skip
        WorkerFactory(structure=structure, team=team, ready=True)
    Assignment.objects.create(job=jobs[1], worker=workers[1], hours=Decimal("3.50"))
    with django_assert_num_queries(20):
        supervisor.get(board_url(structure))


def test_assigning_by_hand_with_htmx_redraws_the_board(supervisor, structure, workers, jobs):
    response = supervisor.post(
        f"/insertion/{structure.slug}/interventions/{jobs[0].pk}/affecter/",
        {"worker": workers[0].pk},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 200
    assert Assignment.objects.filter(job=jobs[0], worker=workers[0]).count() == 1
    assert 'id="board"' in response.content.decode()


def test_a_refusal_is_shown_on_the_job_card(supervisor, structure, workers, jobs):
    overlapping = JobFactory(structure=structure, title="Livraison", date=day(0), start_time=datetime.time(10),
                             end_time=datetime.time(11), estimated_hours=Decimal("1"))  # fmt: skip
    Assignment.objects.create(job=jobs[0], worker=workers[0], hours=Decimal("3.50"))

    response = supervisor.post(
        f"/insertion/{structure.slug}/interventions/{overlapping.pk}/affecter/",
        {"worker": workers[0].pk},
        HTTP_HX_REQUEST="true",
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert '<p class="ins-refusal" role="alert">Règle « chevauchement » : Alice Nom' in page.replace(
        workers[0].last_name, "Nom"
    )
    assert Assignment.objects.filter(job=overlapping).count() == 0


def test_without_htmx_the_refusal_comes_back_as_a_message(supervisor, structure, workers, jobs):
    outsider = WorkerFactory(ready=True)

    response = supervisor.post(
        f"/insertion/{structure.slug}/interventions/{jobs[0].pk}/affecter/", {"worker": outsider.pk}, follow=True
    )

    assert "Choisissez une personne de la structure." in response.content.decode()
    assert Assignment.objects.filter(job=jobs[0]).count() == 0


def test_lock_and_unassign(supervisor, structure, workers, jobs):
    assignment = Assignment.objects.create(job=jobs[0], worker=workers[0], hours=Decimal("3.50"))

    supervisor.post(f"/insertion/{structure.slug}/affectations/{assignment.pk}/verrouiller/", {"locked": "1"})
    response = supervisor.post(f"/insertion/{structure.slug}/affectations/{assignment.pk}/retirer/", follow=True)

    assert "Cette affectation est verrouillée" in response.content.decode()
    assert Assignment.objects.filter(pk=assignment.pk, locked=True).count() == 1


def test_planning_shows_a_proposal_and_accepting_saves_it(supervisor, structure, workers, jobs, settings):
    settings.INSERTION_PLANNER_SECONDS = 2

    response = supervisor.post(f"/insertion/{structure.slug}/semaine/{WEEK}/planifier/", HTTP_HX_REQUEST="true")

    page = response.content.decode()
    assert "Proposition du planificateur" in page
    assert "Heures couvertes : 35 h sur 35 h (100 %)." in page
    assert Assignment.objects.count() == 0
    pairs = json.loads(response.context["pairs"])
    assert len(pairs) == 10

    response = supervisor.post(f"/insertion/{structure.slug}/semaine/{WEEK}/accepter/", {"pairs": json.dumps(pairs)})

    assert response.status_code == 302
    assert sorted(Assignment.objects.values_list("job_id", "worker_id")) == sorted(map(tuple, pairs))


def test_synchronise_button(supervisor, structure):
    response = supervisor.post(f"/insertion/{structure.slug}/semaine/{WEEK}/synchroniser/", follow=True)

    assert "Interventions synchronisées : 0 créée(s), 0 mise(s) à jour, 0 annulée(s)." in response.content.decode()


def test_timesheet_is_prefilled_recorded_validated_then_locked(supervisor, structure, workers, jobs):
    Assignment.objects.create(job=jobs[0], worker=workers[0], hours=Decimal("3.50"))
    url = f"/insertion/{structure.slug}/releves/{day(0).isoformat()}/"

    assert 'value="3,50"' in supervisor.get(url).content.decode()
    supervisor.post(url, {f"hours-{workers[0].pk}": "4,25"})
    supervisor.post(url, {"validate": "1"})
    response = supervisor.post(url, {f"hours-{workers[0].pk}": "8"}, follow=True)

    entry = TimesheetEntry.objects.get(worker=workers[0], date=day(0))
    assert (entry.hours, entry.is_validated) == (Decimal("4.25"), True)
    assert "Le relevé du 02/03/2026 est validé : il ne peut plus être modifié." in response.content.decode()


def test_monthly_hours_csv(client, structure, workers, jobs):

    Assignment.objects.create(job=jobs[0], worker=workers[0], hours=Decimal("3.50"))
    TimesheetEntry.objects.create(worker=workers[0], date=day(0), hours=Decimal("4.00"))
    client.force_login(UserFactory(hub_admin=True))

    response = client.get(f"/insertion/{structure.slug}/heures/2026/3/?format=csv")

    lines = response.content.decode().splitlines()
    assert lines[0] == "Nom;Prénom;Heures prévues;Heures réalisées;Heures validées"
    assert f"{workers[0].last_name};Alice;3,50;4,00;0,00" in lines
    assert lines[-2] == "Total structure;;3,50;4,00;0,00"
    assert lines[-1] == "ETP;;;;0,00"


def test_monthly_hours_csv_neutralises_a_formula_in_a_worker_name(client, structure, team):
    worker = WorkerFactory(structure=structure, team=team, first_name="@SUM(A1)", last_name='=HYPERLINK("http://x")')
    TimesheetEntry.objects.create(worker=worker, date=day(0), hours=Decimal("4.00"))
    client.force_login(UserFactory(hub_admin=True))

    response = client.get(f"/insertion/{structure.slug}/heures/2026/3/?format=csv")

    assert response.content.decode().splitlines()[1] == '"\'=HYPERLINK(""http://x"")";\'@SUM(A1);0,00;4,00;0,00'


def test_hours_per_activity_share_each_day_among_its_jobs(client, structure, team, workers):
    from insertion.reports import hours_per_activity

    harvest = JobFactory(
        structure=structure, team=team, date=day(0), required_skill=skill(), estimated_hours=Decimal("3")
    )
    packing = JobFactory(structure=structure, team=team, date=day(0), required_skill=skill("preparation-commandes"),
                         estimated_hours=Decimal("1"), start_time=datetime.time(13, 30), end_time=datetime.time(14, 30))  # fmt: skip
    Assignment.objects.create(job=harvest, worker=workers[0], hours=Decimal("3.00"))
    Assignment.objects.create(job=packing, worker=workers[0], hours=Decimal("1.00"))
    TimesheetEntry.objects.create(worker=workers[0], date=day(0), hours=Decimal("6.00"))  # worked 6 h for 4 planned

    rows = [(row.activity, row.planned, row.actual) for row in hours_per_activity(structure, 2026, 3)]

    assert rows == [
        ("Maraîchage", Decimal("3.00"), Decimal("4.50")),
        ("Préparation de commandes", Decimal("1.00"), Decimal("1.50")),
    ]
    client.force_login(UserFactory(hub_admin=True))
    html = client.get(f"/insertion/{structure.slug}/heures/2026/3/").content.decode()
    assert '<td>Préparation de commandes</td><td class="num">1\u00a0h</td><td class="num">1,5\u00a0h</td>' in html
