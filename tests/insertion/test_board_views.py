"""The supervisor's board: the week view, assigning by hand (with the refusal shown), planning, accepting."""

import datetime
from decimal import Decimal
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from insertion import actions
from insertion.models import Assignment, TimesheetEntry
from insertion.workdays import format_week
from tests.accounts.factories import UserFactory
from tests.insertion.factories import (
    MONDAY,
    AbsenceFactory,
    ApprovalFactory,
    ContractFactory,
    JobFactory,
    TeamFactory,
    WorkerFactory,
    day,
    skill,
)

pytestmark = pytest.mark.django_db


def _ours():
    """The assignments of the test's own structures (the demo hub has its own: the AI's 2025 visits)."""
    return Assignment.objects.filter(job__structure__slug__startswith="structure-essai-")


WEEK = format_week(MONDAY)


@pytest.fixture
def team(structure):
    team = TeamFactory(structure=structure, name="Maraîchage")
    team.skills.add(skill())
    return team


def board_url(structure) -> str:
    return f"/insertion/{structure.slug}/semaine/{WEEK}/"


def test_the_board_is_a_grid_of_workers_by_days_with_a_lane_of_jobs_to_staff_in_a_fixed_number_of_queries(
    supervisor, structure, workers, jobs, django_assert_num_queries
):
    Assignment.objects.create(job=jobs[0], worker=workers[0], hours=Decimal("3.50"))
    # 21: structure, session, user, roles (4), the week's jobs and their assignments (2), the pending
    # proposal (1, new with issue 12), workers and their rule facts (6), alerts (8).
    with django_assert_num_queries(21):
        response = supervisor.get(board_url(structure))
    page = response.content.decode()
    board = response.context["board"]
    assert response.status_code == 200
    assert "Semaine du 2 au 8 mars 2026" in page
    assert [row.worker.first_name for row in board.rows] == ["Alice", "Bruno", "Chloé"]
    assert [(row.line.planned_centi, row.line.cap_centi) for row in board.rows] == [(350, 2600), (0, 2600), (0, 2600)]
    # Alice holds one seat of Monday's job; the lane keeps every job with a seat left.
    assert [[block.job.title for block in blocks] for _day, blocks in board.rows[0].cells] == [
        ["Récolte 0"],
        [],
        [],
        [],
        [],
    ]
    assert [[(block.job.title, block.taken, block.missing) for block in blocks] for _day, blocks in board.lane] == [
        [("Récolte 0", 1, 1)], [("Récolte 1", 0, 2)], [("Récolte 2", 0, 2)], [("Récolte 3", 0, 2)],
        [("Récolte 4", 0, 2)],
    ]  # fmt: skip
    assert page.count('draggable="true"') == 6  # five jobs in the lane, one in Alice's row
    assert "3,5 / 26 h" in page
    assert "<select" not in page  # no list of names that a stray click would use


def test_more_jobs_and_workers_cost_no_more_queries(
    supervisor, structure, team, workers, jobs, django_assert_num_queries
):
    for offset in range(5):
        JobFactory(structure=structure, team=team, date=day(offset), start_time=datetime.time(13, 30),
                   end_time=datetime.time(16), estimated_hours=Decimal("2.50"))  # fmt: skip
        WorkerFactory(structure=structure, team=team, ready=True)
    Assignment.objects.create(job=jobs[1], worker=workers[1], hours=Decimal("3.50"))
    actions.propose_plan(structure=structure, monday=MONDAY, by=None, seconds=1)
    with django_assert_num_queries(21):
        supervisor.get(board_url(structure))


# The picker: only the people who may take the job, the others apart with their reason ---------


def picker_url(structure, job, **query) -> str:
    return f"/insertion/{structure.slug}/interventions/{job.pk}/choisir/" + (f"?{urlencode(query)}" if query else "")


def test_the_picker_lists_only_eligible_people_and_the_others_with_their_reason(supervisor, structure, team, jobs):
    alice = WorkerFactory(structure=structure, team=team, ready=True, skills=["maraichage"], first_name="Alice")
    WorkerFactory(structure=structure, team=team, ready=True, skills=["conduite-vl"], first_name="Bruno")
    full = WorkerFactory(structure=structure, team=team, ready=True, skills=["maraichage"], first_name="Chloé")
    busy = WorkerFactory(structure=structure, team=team, ready=True, skills=["maraichage"], first_name="Driss")
    absent = WorkerFactory(structure=structure, team=team, ready=True, skills=["maraichage"], first_name="Emma")
    expired = WorkerFactory(structure=structure, team=team, skills=["maraichage"], first_name="Farid")
    ContractFactory(worker=expired)
    ApprovalFactory(worker=expired, start_date=day(-800), end_date=day(-1))
    AbsenceFactory(worker=absent, start_date=day(1), end_date=day(1))
    for offset in (0, 2, 3, 4):  # 4 × 3,5 h + a long day: 26 h of 26
        Assignment.objects.create(job=jobs[offset], worker=full, hours=Decimal("3.50"))
    long_day = JobFactory(structure=structure, date=day(1), start_time=datetime.time(13), end_time=datetime.time(20),
                          estimated_hours=Decimal("12.00"))  # fmt: skip
    Assignment.objects.create(job=long_day, worker=full, hours=Decimal("12.00"))
    clash = JobFactory(structure=structure, title="Livraison", date=day(1), start_time=datetime.time(9),
                       end_time=datetime.time(10))  # fmt: skip
    Assignment.objects.create(job=clash, worker=busy, hours=Decimal("1.00"))

    response = supervisor.get(picker_url(structure, jobs[1]), HTTP_HX_REQUEST="true")

    page = response.content.decode()
    assert response.status_code == 200
    assert [worker for worker, _refusal, _hours in response.context["eligible"]] == [alice]
    assert {worker.first_name: refusal.short for worker, refusal, _hours in response.context["ineligible"]} == {
        "Bruno": "Sans la compétence « Maraîchage »",
        "Chloé": "26 h déjà planifiées sur 26 h",
        "Driss": "Occupé·e : « Livraison » de 9 h 00 à 10 h 00",
        "Emma": "Absent·e (Congé)",
        "Farid": "PASS IAE non valide ce jour-là",
    }
    assert page.count('name="worker"') == 1  # one button per eligible person, nobody preselected
    assert "selected" not in page
    assert "checked" not in page
    assert '<span class="ins-reason">Sans la compétence « Maraîchage »</span>' in page


def test_the_picker_costs_the_same_queries_whatever_the_number_of_people_and_jobs(
    supervisor, structure, team, workers, jobs
):
    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            supervisor.get(picker_url(structure, jobs[0]), HTTP_HX_REQUEST="true")
        return len(captured)

    few = count()
    for offset in range(5):
        WorkerFactory(structure=structure, team=team, ready=True, skills=["maraichage"])
        JobFactory(structure=structure, team=team, date=day(offset), start_time=datetime.time(13, 30),
                   end_time=datetime.time(16), estimated_hours=Decimal("2.50"))  # fmt: skip
    Assignment.objects.create(job=jobs[0], worker=workers[0], hours=Decimal("3.50"))

    assert count() == few == 15


def test_the_picker_for_a_seat_held_offers_to_replace_that_person(supervisor, structure, workers, jobs):
    Assignment.objects.create(job=jobs[0], worker=workers[0], hours=Decimal("3.50"))

    response = supervisor.get(picker_url(structure, jobs[0], remplace=workers[0].pk), HTTP_HX_REQUEST="true")

    assert [worker for worker, _refusal, _hours in response.context["eligible"]] == workers[1:]
    assert response.context["replacing"] == workers[0]
    assert f'name="remplace" value="{workers[0].pk}"' in response.content.decode()


def test_the_picker_page_works_without_javascript(supervisor, structure, workers, jobs):
    response = supervisor.get(picker_url(structure, jobs[0]))

    assert response.status_code == 200
    assert "<h1>Planning" in response.content.decode()


# Assigning by hand: the server checks every rule ----------------------------------------------


def assign_url(structure, job) -> str:
    return f"/insertion/{structure.slug}/interventions/{job.pk}/affecter/"


def test_assigning_by_hand_with_htmx_redraws_the_board(supervisor, structure, workers, jobs):
    response = supervisor.post(assign_url(structure, jobs[0]), {"worker": workers[0].pk}, HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert list(_ours().values_list("job_id", "worker_id")) == [(jobs[0].pk, workers[0].pk)]
    assert 'id="board"' in response.content.decode()


def test_an_assignment_breaking_a_rule_is_refused_by_the_server_and_changes_nothing(
    supervisor, structure, workers, jobs
):
    overlapping = JobFactory(structure=structure, title="Livraison", date=day(0), start_time=datetime.time(10),
                             end_time=datetime.time(11), estimated_hours=Decimal("1"))  # fmt: skip
    Assignment.objects.create(job=jobs[0], worker=workers[0], hours=Decimal("3.50"))
    before = list(_ours().values_list("pk", "job_id", "worker_id"))

    response = supervisor.post(assign_url(structure, overlapping), {"worker": workers[0].pk}, HTTP_HX_REQUEST="true")

    page = response.content.decode().replace(workers[0].last_name, "Nom")
    assert response.status_code == 200
    assert (
        '<p id="board-status" class="ins-status ins-refusal" role="status" aria-live="polite">Règle « chevauchement » '
        ": Alice Nom est déjà sur « Récolte 0 » de 8 h 30 à 12 h 00.</p>"
    ) in page
    assert list(_ours().values_list("pk", "job_id", "worker_id")) == before


@pytest.mark.parametrize("worker", ["", "abc", "-3", "99999999999", "²"])
def test_a_bad_worker_id_is_refused_in_french(supervisor, structure, workers, jobs, worker):
    response = supervisor.post(assign_url(structure, jobs[0]), {"worker": worker}, follow=True)

    assert "Choisissez une personne de la structure." in response.content.decode()
    assert _ours().count() == 0


def test_without_htmx_the_refusal_comes_back_as_a_message(supervisor, structure, workers, jobs):
    outsider = WorkerFactory(ready=True)

    response = supervisor.post(assign_url(structure, jobs[0]), {"worker": outsider.pk}, follow=True)

    assert "Choisissez une personne de la structure." in response.content.decode()
    assert Assignment.objects.filter(job=jobs[0]).count() == 0


def test_moving_a_seat_to_another_person_is_both_steps_or_neither(supervisor, structure, team, workers, jobs):
    held = Assignment.objects.create(job=jobs[0], worker=workers[0], hours=Decimal("3.50"))
    unskilled = WorkerFactory(structure=structure, team=team, ready=True, first_name="Zoé")

    supervisor.post(assign_url(structure, jobs[0]), {"worker": unskilled.pk, "remplace": workers[0].pk})
    assert list(_ours().values_list("pk", "worker_id")) == [(held.pk, workers[0].pk)]

    supervisor.post(assign_url(structure, jobs[0]), {"worker": workers[1].pk, "remplace": workers[0].pk})
    assert list(_ours().values_list("job_id", "worker_id")) == [(jobs[0].pk, workers[1].pk)]


def test_taking_a_person_off_a_job_frees_the_seat_once_confirmed(supervisor, structure, workers, jobs):
    Assignment.objects.create(job=jobs[0], worker=workers[0], hours=Decimal("3.50"))
    url = f"/insertion/{structure.slug}/interventions/{jobs[0].pk}/retirer/"

    supervisor.post(url, {"worker": workers[0].pk, "confirm": "1"})

    assert _ours().count() == 0


@pytest.mark.parametrize("htmx", [False, True])
def test_taking_a_person_off_a_job_asks_first_and_changes_nothing(supervisor, structure, workers, jobs, htmx):
    held = Assignment.objects.create(job=jobs[0], worker=workers[0], hours=Decimal("3.50"))
    url = f"/insertion/{structure.slug}/interventions/{jobs[0].pk}/retirer/"
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}

    response = supervisor.post(url, {"worker": workers[0].pk}, **headers)

    page = response.content.decode()
    name = workers[0].full_name
    assert response.status_code == 200
    assert f"Retirer {name} de l'intervention ?" in page
    assert "sa place revient dans « À attribuer »" in page
    assert 'name="confirm" value="1"' in page
    assert f"Oui, retirer {name}" in page
    assert ("<!doctype html>" in page) is not htmx  # htmx: the question only, for the picker's dialog
    assert ('<form method="dialog">' in page) is htmx  # « Garder » closes the dialog, or goes back to the board
    assert list(_ours().values_list("pk", "worker_id")) == [(held.pk, workers[0].pk)]


def test_asking_to_take_off_someone_not_on_the_job_says_so_and_changes_nothing(supervisor, structure, workers, jobs):
    held = Assignment.objects.create(job=jobs[0], worker=workers[0], hours=Decimal("3.50"))
    url = f"/insertion/{structure.slug}/interventions/{jobs[0].pk}/retirer/"

    response = supervisor.post(url, {"worker": workers[1].pk}, HTTP_HX_REQUEST="true")

    assert f"{workers[1].full_name} n&#x27;est plus sur cette intervention" in response.content.decode()
    assert response["HX-Retarget"] == "#board"
    assert list(_ours().values_list("pk", "worker_id")) == [(held.pk, workers[0].pk)]


def test_taking_a_person_off_a_proposal_asks_first_then_leaves_the_real_board_alone(
    supervisor, structure, workers, jobs
):
    proposal = actions.propose_plan(structure=structure, monday=MONDAY, by=None, seconds=1)
    job_id, worker_id = proposal.pairs[0]
    url = f"/insertion/{structure.slug}/interventions/{job_id}/retirer/"

    asked = supervisor.post(url, {"worker": worker_id})
    proposal.refresh_from_db()
    pairs_after_asking = sorted(map(tuple, proposal.pairs))
    supervisor.post(url, {"worker": worker_id, "confirm": "1"})
    proposal.refresh_from_db()

    assert "sort de la proposition" in asked.content.decode()
    assert (job_id, worker_id) in pairs_after_asking
    assert (job_id, worker_id) not in set(map(tuple, proposal.pairs))
    assert _ours().count() == 0


def test_the_picker_s_remove_button_asks_in_the_dialog(supervisor, structure, workers, jobs):
    Assignment.objects.create(job=jobs[0], worker=workers[0], hours=Decimal("3.50"))

    page = supervisor.get(f"/insertion/{structure.slug}/interventions/{jobs[0].pk}/choisir/").content.decode()

    assert 'hx-target="#picker-body" hx-swap="innerHTML"' in page
    assert "Retirer…" in page


def test_lock_and_unassign(supervisor, structure, workers, jobs):
    assignment = Assignment.objects.create(job=jobs[0], worker=workers[0], hours=Decimal("3.50"))
    url = f"/insertion/{structure.slug}/affectations/{assignment.pk}/retirer/"

    asked = supervisor.post(url)
    supervisor.post(f"/insertion/{structure.slug}/affectations/{assignment.pk}/verrouiller/", {"locked": "1"})
    response = supervisor.post(url, {"confirm": "1"}, follow=True)

    assert f'action="{url}"' in asked.content.decode()

    assert "Cette affectation est verrouillée" in response.content.decode()
    assert Assignment.objects.filter(pk=assignment.pk, locked=True).count() == 1


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
