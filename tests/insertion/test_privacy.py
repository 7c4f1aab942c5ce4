"""Workers' data is sensitive: who sees what (ARCHITECTURE.md, Privacy; DOMAIN.md rule 17).

supervisor/manager of the worker's structure, hub admin → everything; the structure's accountant
→ names and hours only; everyone else (other structures' staff, permanent staff, customers,
anonymous) → 404. Never in public pages, customer API responses or logs.
"""

import datetime
import logging

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from hub.enums import StaffRole
from insertion import perms
from insertion.workdays import format_week
from tests.accounts.factories import UserFactory
from tests.hub.factories import StructureFactory, StructureRoleFactory
from tests.insertion.factories import MONDAY, AbsenceFactory, ApprovalFactory, ContractFactory, WorkerFactory

pytestmark = pytest.mark.django_db

SECRETS = ["06 98 76 54 32", "zephyrine@exemple.test", "99999 00 04242", "Arrêt maladie"]
NAME = "Quillebeuf"
FULL, HOURS_ONLY, NOTHING = "full", "hours", "nothing"


@pytest.fixture
def jardins(db):
    return StructureFactory(name="Jardins d'insertion", slug="jardins-insertion")


@pytest.fixture
def worker(jardins):
    worker = WorkerFactory(
        structure=jardins,
        first_name="Zéphyrine",
        last_name=NAME,
        email="zephyrine@exemple.test",
        phone="06 98 76 54 32",
    )
    today = timezone.localdate()
    ContractFactory(
        worker=worker, start_date=today - datetime.timedelta(days=30), end_date=today + datetime.timedelta(days=200)
    )
    ApprovalFactory(worker=worker, number="999990004242")
    AbsenceFactory(worker=worker, kind="sickness")
    return worker


def staff(structure, role: str):
    return StructureRoleFactory(structure=structure, role=role).user


def who(name: str, jardins):
    return {
        "hub admin": lambda: UserFactory(hub_admin=True),
        "supervisor": lambda: staff(jardins, StaffRole.SUPERVISOR),
        "manager": lambda: staff(jardins, StaffRole.MANAGER),
        "accountant": lambda: staff(jardins, StaffRole.ACCOUNTANT),
        "permanent staff": lambda: staff(jardins, StaffRole.STAFF),
        "other structure's supervisor": lambda: staff(StructureFactory(), StaffRole.SUPERVISOR),
        "customer": lambda: UserFactory(),
        "anonymous": lambda: None,
    }[name]()


MATRIX = [
    ("hub admin", FULL),
    ("supervisor", FULL),
    ("manager", FULL),
    ("accountant", HOURS_ONLY),
    ("permanent staff", NOTHING),
    ("other structure's supervisor", NOTHING),
    ("customer", NOTHING),
    ("anonymous", NOTHING),
]


def login(client, user) -> None:
    if user is not None:
        client.force_login(user)


@pytest.mark.parametrize(("name", "access"), MATRIX)
def test_worker_page(client, worker, name, access):
    login(client, who(name, worker.structure))

    response = client.get(f"/insertion/{worker.structure.slug}/salaries/{worker.pk}/")

    if access == NOTHING:
        assert response.status_code == 404
        assert NAME not in response.content.decode()
        return
    page = response.content.decode()
    assert response.status_code == 200
    assert "Zéphyrine Quillebeuf" in page
    assert "Heures du mois" in page
    for secret in SECRETS:
        assert (secret in page) == (access == FULL), secret


@pytest.mark.parametrize(("name", "access"), MATRIX)
def test_worker_list(client, worker, name, access):
    login(client, who(name, worker.structure))

    response = client.get(f"/insertion/{worker.structure.slug}/salaries/")

    assert response.status_code == (404 if access == NOTHING else 200)
    page = response.content.decode()
    assert (NAME in page) == (access != NOTHING)
    for secret in SECRETS:
        assert secret not in page


@pytest.mark.parametrize(("name", "access"), MATRIX)
def test_board(client, worker, name, access):
    login(client, who(name, worker.structure))

    response = client.get(f"/insertion/{worker.structure.slug}/semaine/{format_week(MONDAY)}/")

    assert response.status_code == (200 if access == FULL else 404)


@pytest.mark.parametrize(("name", "access"), MATRIX)
def test_worker_api(client, worker, name, access):
    login(client, who(name, worker.structure))

    response = client.get(f"/api/v1/insertion/workers/{worker.pk}/")

    if access == NOTHING:
        assert response.status_code == 404
        assert response.json() == {"code": "not_found", "message": "Ressource introuvable."}
        return
    body = response.json()
    assert response.status_code == 200
    assert (body["first_name"], body["last_name"], body["weekly_hours"]) == ("Zéphyrine", NAME, "26.00")
    expected = {"id", "first_name", "last_name", "structure", "weekly_hours"}
    if access == FULL:
        expected |= {"team", "email", "phone", "skills"}
    assert set(body) == expected


@pytest.mark.parametrize(("name", "access"), MATRIX)
def test_worker_list_api(client, worker, name, access):
    login(client, who(name, worker.structure))

    response = client.get(f"/api/v1/insertion/workers/?structure={worker.structure.slug}")

    if name == "other structure's supervisor":  # their own structure's list, which does not hold her
        assert (response.status_code, response.json()["count"]) == (200, 0)
        return
    if access == NOTHING:
        assert response.status_code == 404
        return
    rows = [row for row in response.json()["results"] if row["last_name"] == NAME]
    assert len(rows) == 1
    assert ("phone" in rows[0]) == (access == FULL)


def test_perms_functions_for_anonymous(worker):
    anonymous = AnonymousUser()
    assert (perms.can_view_worker(anonymous, worker), perms.can_view_worker_hours(anonymous, worker)) == (False, False)


def test_public_pages_and_customer_api_never_show_workers(client, worker):
    pages = ["/", "/catalogue/"]
    for url in pages:
        assert NAME not in client.get(url).content.decode()
    client.force_login(UserFactory())
    for url in [*pages, "/api/v1/orders/", "/api/v1/cart/", "/compte/"]:
        response = client.get(url)
        assert NAME not in response.content.decode(), url


def test_board_actions_log_no_worker_data(client, worker, caplog):
    from tests.insertion.factories import JobFactory

    job = JobFactory(structure=worker.structure)  # no PASS IAE trouble: the absence refuses it
    client.force_login(staff(worker.structure, StaffRole.SUPERVISOR))
    with caplog.at_level(logging.DEBUG):
        response = client.post(
            f"/insertion/{worker.structure.slug}/interventions/{job.pk}/affecter/", {"worker": worker.pk}
        )

    assert response.status_code == 302
    assert NAME not in caplog.text
    for secret in SECRETS:
        assert secret not in caplog.text
