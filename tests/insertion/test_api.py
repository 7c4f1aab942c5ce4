"""/api/v1/insertion/: staff only, object-level permissions, the rules' refusals as {"code", "message"}."""

from decimal import Decimal

import pytest

from hub.enums import StaffRole
from insertion.models import Assignment, TimesheetEntry
from insertion.workdays import format_week
from tests.accounts.factories import UserFactory
from tests.hub.factories import StructureRoleFactory
from tests.insertion.factories import MONDAY, JobFactory, TeamFactory, WorkerFactory, day, skill

pytestmark = pytest.mark.django_db


def _ours():
    """The assignments of the test's own structures (the demo hub has its own: the AI's 2025 visits)."""
    return Assignment.objects.filter(job__structure__slug__startswith="structure-essai-")


@pytest.fixture
def api(client, supervisor_user):
    client.force_login(supervisor_user)
    return client


def test_teams(api, structure):
    team = TeamFactory(structure=structure, name="Maraîchage")
    team.skills.add(skill())

    body = api.get("/api/v1/insertion/teams/").json()

    assert body["results"] == [
        {"id": team.pk, "name": "Maraîchage", "structure": structure.slug, "base_site": None, "skills": ["maraichage"]}
    ]


def test_jobs_of_a_week_in_a_fixed_number_of_queries(api, structure, django_assert_num_queries):
    worker = WorkerFactory(structure=structure, ready=True)
    for offset in range(3):
        job = JobFactory(structure=structure, date=day(offset))
        Assignment.objects.create(job=job, worker=worker, hours=Decimal("3.50"))
    JobFactory(structure=structure, date=day(7))

    with django_assert_num_queries(6):
        body = api.get(f"/api/v1/insertion/jobs/?week={format_week(MONDAY)}").json()

    assert body["count"] == 3
    first = body["results"][0]
    assert (first["date"], first["start_time"], first["end_time"], first["estimated_hours"]) == (
        "2026-03-02", "08:30", "12:00", "3.50"
    )  # fmt: skip
    assert first["assignments"][0]["worker"] == worker.pk


def test_creating_an_assignment(api, structure):
    worker = WorkerFactory(structure=structure, ready=True)
    job = JobFactory(structure=structure)

    response = api.post(
        "/api/v1/insertion/assignments/", {"job": job.pk, "worker": worker.pk}, content_type="application/json"
    )

    assert response.status_code == 201
    assert response.json()["hours"] == "3.50"
    assert Assignment.objects.filter(job=job, worker=worker).count() == 1


def test_a_refused_assignment_answers_the_rule_as_json(api, structure):
    worker = WorkerFactory(structure=structure, ready=True, skills=["menage"])
    job = JobFactory(structure=structure, required_skill=skill("maraichage"))

    response = api.post(
        "/api/v1/insertion/assignments/", {"job": job.pk, "worker": worker.pk}, content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json() == {
        "code": "missing_skill",
        "message": f"Règle « compétence » : {worker.full_name} n'a pas la compétence « Maraîchage ».",
    }
    assert _ours().count() == 0


def test_deleting_an_assignment_and_a_locked_one(api, structure):
    worker = WorkerFactory(structure=structure, ready=True)
    free = Assignment.objects.create(job=JobFactory(structure=structure), worker=worker, hours=Decimal("1"))
    locked = Assignment.objects.create(
        job=JobFactory(structure=structure, date=day(1)), worker=worker, hours=Decimal("1"), locked=True
    )

    assert api.delete(f"/api/v1/insertion/assignments/{free.pk}/").status_code == 204
    response = api.delete(f"/api/v1/insertion/assignments/{locked.pk}/")

    assert (response.status_code, response.json()["code"]) == (400, "locked")
    assert list(_ours().values_list("pk", flat=True)) == [locked.pk]


def test_another_structures_objects_are_404(api, structure):
    job = JobFactory()  # another structure
    worker = WorkerFactory(structure=job.structure, ready=True)
    assignment = Assignment.objects.create(job=job, worker=worker, hours=Decimal("1"))

    create = api.post(
        "/api/v1/insertion/assignments/", {"job": job.pk, "worker": worker.pk}, content_type="application/json"
    )
    delete = api.delete(f"/api/v1/insertion/assignments/{assignment.pk}/")
    plan = api.post("/api/v1/insertion/plan/", {"structure": job.structure.slug, "week": "2026-W10"},
                    content_type="application/json")  # fmt: skip

    assert (create.status_code, delete.status_code, plan.status_code) == (404, 404, 404)
    assert Assignment.objects.filter(pk=assignment.pk).count() == 1


@pytest.mark.parametrize("who", ["customer", "accountant", "anonymous"])
def test_customers_accountants_and_anonymous_cannot_plan_or_assign(client, structure, who):
    if who == "customer":
        client.force_login(UserFactory())
    elif who == "accountant":  # the structure's own accountant
        client.force_login(StructureRoleFactory(structure=structure, role=StaffRole.ACCOUNTANT).user)
    job = JobFactory(structure=structure)

    assert client.get("/api/v1/insertion/jobs/").status_code == 404
    response = client.post(
        "/api/v1/insertion/assignments/", {"job": job.pk, "worker": 1}, content_type="application/json"
    )
    assert response.status_code == 404


def test_plan_returns_a_proposal_and_saves_nothing(api, structure, settings):
    settings.INSERTION_PLANNER_SECONDS = 1
    worker = WorkerFactory(structure=structure, ready=True)
    job = JobFactory(structure=structure)

    response = api.post("/api/v1/insertion/plan/", {"structure": structure.slug, "week": "2026-W10"},
                        content_type="application/json")  # fmt: skip

    body = response.json()
    assert (body["status"], body["coverage"], body["assignments"], body["unassigned"]) == (
        "OPTIMAL", 1.0, [{"job": job.pk, "worker": worker.pk}], []
    )  # fmt: skip
    assert _ours().count() == 0


def test_timesheets_record_and_list(api, structure):
    worker = WorkerFactory(structure=structure, ready=True)

    created = api.post("/api/v1/insertion/timesheets/", {"worker": worker.pk, "date": "2026-03-02", "hours": "6.5"},
                       content_type="application/json")  # fmt: skip
    listed = api.get("/api/v1/insertion/timesheets/?month=2026-03").json()

    assert created.status_code == 201
    assert [(row["worker"], row["date"], row["hours"], row["validated"]) for row in listed["results"]] == [
        (worker.pk, "2026-03-02", "6.50", False)
    ]
    assert TimesheetEntry.objects.get(worker=worker).hours == Decimal("6.50")


def test_a_manager_of_another_structure_sees_only_their_teams(client, structure):
    theirs = TeamFactory()
    TeamFactory(structure=structure)
    client.force_login(StructureRoleFactory(structure=theirs.structure, role=StaffRole.MANAGER).user)

    body = client.get("/api/v1/insertion/teams/").json()

    assert {row["structure"] for row in body["results"]} == {theirs.structure.slug}
