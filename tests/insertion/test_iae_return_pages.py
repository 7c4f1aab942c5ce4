"""The monthly IAE return's screen, CSV and API: who may read it, what bad input answers, exact content."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from hub.enums import StaffRole
from insertion.enums import AbsenceKind, ExitReason
from tests.accounts.factories import UserFactory
from tests.hub.factories import StructureFactory, StructureRoleFactory
from tests.insertion.factories import (
    AbsenceFactory,
    ApprovalFactory,
    ContractExitFactory,
    ContractFactory,
    TimesheetEntryFactory,
    WorkerFactory,
)

pytestmark = pytest.mark.django_db

D = datetime.date
SCREEN = "/insertion/jardins-tilleul/etat-mensuel/2026/3/"
API = "/api/v1/insertion/iae-return/?structure=jardins-tilleul&month=2026-03"
SECRET = "999880000001"


@pytest.fixture
def jardins():
    return StructureFactory(name="Jardins du Tilleul", slug="jardins-tilleul")


@pytest.fixture
def anne(jardins):
    anne = WorkerFactory(structure=jardins, first_name="Anne", last_name="Alpha", birth_date=D(1990, 5, 4))
    ContractFactory(worker=anne, start_date=D(2026, 1, 1), end_date=D(2026, 6, 30), weekly_hours=Decimal("26"))
    ApprovalFactory(worker=anne, number=SECRET, start_date=D(2025, 12, 1))
    TimesheetEntryFactory(worker=anne, date=D(2026, 3, 2), hours=Decimal("7.25"), validated=True)
    TimesheetEntryFactory(worker=anne, date=D(2026, 3, 3), hours=Decimal("7"))  # not validated
    AbsenceFactory(worker=anne, kind=AbsenceKind.LEAVE, start_date=D(2026, 3, 9), end_date=D(2026, 3, 9))
    bruno = WorkerFactory(structure=jardins, first_name="Bruno", last_name="Bravo")
    contract = ContractFactory(worker=bruno, start_date=D(2025, 11, 1), end_date=D(2026, 3, 13))
    ApprovalFactory(worker=bruno, number="999880000002", start_date=D(2025, 10, 1))
    ContractExitFactory(contract=contract, reason=ExitReason.SHORT_FIXED_TERM)
    return anne


def staff(structure, role):
    return StructureRoleFactory(structure=structure, role=role).user


def who(name, structure):
    return {
        "hub admin": lambda: UserFactory(hub_admin=True),
        "supervisor": lambda: staff(structure, StaffRole.SUPERVISOR),
        "manager": lambda: staff(structure, StaffRole.MANAGER),
        "accountant": lambda: staff(structure, StaffRole.ACCOUNTANT),
        "other structure's supervisor": lambda: staff(StructureFactory(), StaffRole.SUPERVISOR),
        "customer": lambda: UserFactory(),
        "anonymous": lambda: None,
    }[name]()


MATRIX = [
    ("hub admin", True),
    ("supervisor", True),
    ("manager", True),
    # The accountant reads names and hours for payroll, never PASS IAE numbers nor absences (DOMAIN rule 17).
    ("accountant", False),
    ("other structure's supervisor", False),
    ("customer", False),
    ("anonymous", False),
]


@pytest.mark.parametrize(("name", "allowed"), MATRIX)
def test_screen_and_csv_for_the_structures_supervisors_and_managers_only(client, anne, name, allowed):
    user = who(name, anne.structure)
    if user is not None:
        client.force_login(user)

    page = client.get(SCREEN)
    csv = client.get(SCREEN + "?format=csv")

    assert (page.status_code, csv.status_code) == ((200, 200) if allowed else (404, 404))
    for response, number in ((page, "99988 00 00001"), (csv, SECRET)):
        body = (b"".join(response.streaming_content) if response.streaming else response.content).decode()
        assert (number in body) == allowed
        assert ("Alpha" in body) == allowed


@pytest.mark.parametrize(("name", "allowed"), MATRIX)
def test_api_for_the_structures_supervisors_and_managers_only(client, anne, name, allowed):
    user = who(name, anne.structure)
    if user is not None:
        client.force_login(user)

    response = client.get(API)

    if allowed:
        assert response.status_code == 200
        return
    assert SECRET not in response.content.decode()
    if user is None:
        assert response.status_code == 401
        assert response.json()["code"] == "not_authenticated"
    else:
        assert response.status_code == 403
        assert response.json() == {
            "code": "permission_denied",
            "message": "Seul l'encadrement de la structure consulte son état mensuel IAE.",
        }


def test_screen_lists_the_blockers_before_the_figures(client, anne):
    client.force_login(staff(anne.structure, StaffRole.SUPERVISOR))

    page = client.get(SCREEN).content.decode()

    assert "À corriger avant de déclarer le mois : 1 point" in page
    assert "Anne Alpha : 1 relevé(s) d&#x27;heures non validé(s) (03/03/2026)." in page
    assert page.index("À corriger avant") < page.index("99988 00 00001")
    assert "7,25\N{NO-BREAK SPACE}h" in page  # worked: the validated entry only
    assert "12,45\N{NO-BREAK SPACE}h" in page  # paid: 7,25 + one day of leave (26 / 5)


def test_csv_content_is_exact(client, anne):
    client.force_login(staff(anne.structure, StaffRole.MANAGER))

    response = client.get(SCREEN + "?format=csv")

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="jardins-tilleul-etat-mensuel-iae-2026-03.csv"'
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    assert body[1:].split("\r\n") == [
        "N° PASS IAE;Nom;Prénom;Date de naissance;Type de contrat;Début du contrat;Fin du contrat;"
        "Heures travaillées;Heures payées;Absences Congé (jours);Absences Arrêt maladie (jours);"
        "Absences Formation (jours);Absences Rendez-vous avec un·e travailleur·se social·e (jours);"
        "Date de sortie;Catégorie de sortie;Motif de sortie",
        "999880000001;Alpha;Anne;04/05/1990;CDD d'insertion (CDDI);01/01/2026;30/06/2026;7,25;12,45;1;0;0;0;;;",
        "999880000002;Bravo;Bruno;;CDD d'insertion (CDDI);01/11/2025;13/03/2026;0,00;0,00;0;0;0;0;13/03/2026;"
        "Emploi de transition;CDD ou mission d'intérim de moins de 6 mois",
        "",
    ]


def test_api_body_is_exact(client, anne):
    client.force_login(staff(anne.structure, StaffRole.SUPERVISOR))

    body = client.get(API).json()

    assert body["structure"] == "jardins-tilleul"
    assert body["month"] == "2026-03"
    assert body["can_declare"] is False
    assert body["blockers"] == [
        {
            "code": "unvalidated_hours",
            "message": "Anne Alpha : 1 relevé(s) d'heures non validé(s) (03/03/2026).",
            "worker": anne.pk,
        }
    ]
    assert (body["hours_worked"], body["hours_paid"]) == ("7.25", "12.45")
    assert body["rows"][0] == {
        "worker": anne.pk,
        "approval_number": SECRET,
        "last_name": "Alpha",
        "first_name": "Anne",
        "birth_date": "1990-05-04",
        "contract_kind": "cddi",
        "contract_start": "2026-01-01",
        "contract_end": "2026-06-30",
        "hours_worked": "7.25",
        "hours_paid": "12.45",
        "absence_days": {"leave": 1, "sickness": 0, "training": 0, "social_appointment": 0},
        "exit": None,
    }
    assert body["rows"][1]["exit"] == {"date": "2026-03-13", "category": "transitional", "reason": "short_fixed_term"}


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("", "invalid"),
        ("?structure=jardins-tilleul", "invalid"),
        ("?structure=jardins-tilleul&month=2026-3", "invalid"),
        ("?structure=jardins-tilleul&month=mars", "invalid"),
        ("?structure=jardins-tilleul&month=2026-13", "month_out_of_range"),
        ("?structure=jardins-tilleul&month=2026-00", "month_out_of_range"),
        ("?structure=jardins-tilleul&month=1999-12", "month_out_of_range"),
        ("?structure=inconnue&month=2026-03", "unknown_structure"),
        ("?structure=pas%20un%20slug&month=2026-03", "invalid"),
        ("?structure=" + "x" * 60 + "&month=2026-03", "invalid"),
    ],
)
def test_api_bad_input_is_a_json_400(client, anne, query, code):
    client.force_login(staff(anne.structure, StaffRole.SUPERVISOR))

    response = client.get("/api/v1/insertion/iae-return/" + query)

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == code
    assert body["message"]


def test_api_refuses_a_nul_byte(client, anne):
    client.force_login(staff(anne.structure, StaffRole.SUPERVISOR))

    response = client.get("/api/v1/insertion/iae-return/?structure=jardins%00&month=2026-03")

    assert response.status_code == 400


def test_screen_out_of_range_month_is_404(client, anne):
    client.force_login(staff(anne.structure, StaffRole.SUPERVISOR))

    assert client.get("/insertion/jardins-tilleul/etat-mensuel/2026/13/").status_code == 404
    assert client.get("/insertion/jardins-tilleul/etat-mensuel/1999/3/").status_code == 404


def test_latest_month_redirects_to_the_previous_month(client, anne):
    client.force_login(staff(anne.structure, StaffRole.SUPERVISOR))
    today = timezone.localdate()
    last = today.replace(day=1) - datetime.timedelta(days=1)

    response = client.get("/insertion/jardins-tilleul/etat-mensuel/")

    assert response.status_code == 302
    assert response["Location"] == f"/insertion/jardins-tilleul/etat-mensuel/{last.year}/{last.month}/"


def _more_workers(structure, count):
    for _index in range(count):
        worker = WorkerFactory(structure=structure)
        ContractFactory(worker=worker, start_date=D(2026, 1, 1), end_date=D(2026, 6, 30))
        ApprovalFactory(worker=worker, start_date=D(2025, 12, 1))
        TimesheetEntryFactory(worker=worker, date=D(2026, 3, 4), validated=True)
        AbsenceFactory(worker=worker, start_date=D(2026, 3, 5), end_date=D(2026, 3, 5))


@pytest.mark.parametrize("extra", [0, 5])
def test_screen_and_api_query_counts_are_pinned(client, anne, extra, django_assert_max_num_queries):
    _more_workers(anne.structure, extra)
    client.force_login(staff(anne.structure, StaffRole.SUPERVISOR))

    with django_assert_max_num_queries(10):
        assert client.get(SCREEN).status_code == 200
    with django_assert_max_num_queries(10):
        assert client.get(API).status_code == 200
