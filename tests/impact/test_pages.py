"""The impact dashboard, its CSV and PDF, and the summary API: who sees what, bad parameters, exact content,
pinned query counts."""

import datetime
import html
import json
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts import staff_tools
from hub.enums import StaffRole
from insertion.enums import JobSourceKind
from tests.accounts.factories import UserFactory
from tests.hub.factories import StructureFactory, staff_of
from tests.impact.factories import TimesheetEntryFactory, assign, contract
from tests.insertion.factories import WorkerFactory
from tests.marketplace.factories import CustomerFactory
from tests.services.factories import OfferingFactory

pytestmark = pytest.mark.django_db
DASHBOARD = reverse("impact:dashboard")
CSV = reverse("impact:dashboard_csv")
PDF = reverse("impact:dashboard_pdf")
SUMMARY = "/api/v1/impact/summary/"
D = datetime.date


@pytest.fixture
def workshop():
    """A structure selling goods, one worker with a contract and 6 validated hours on 2 March 2026."""
    structure = StructureFactory()
    OfferingFactory(structure=structure)
    worker = WorkerFactory(structure=structure)
    contract(worker, D(2026, 1, 1), D(2026, 12, 31), "35")
    TimesheetEntryFactory(worker=worker, date=D(2026, 3, 2), hours=Decimal("6"))
    return structure


def _manager(structure):
    return staff_of(structure, role=StaffRole.MANAGER)


# --- Who sees what -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("admin", 200),
        ("manager", 200),
        ("accountant", 200),
        ("supervisor", 404),
        ("staff", 404),
        ("customer", 404),
        ("other_manager", 404),
    ],
)
def test_dashboard_of_a_structure_by_role(client, workshop, who, status):
    people = {
        "admin": lambda: UserFactory(hub_admin=True),
        "manager": lambda: _manager(workshop),
        "accountant": lambda: staff_of(workshop, role=StaffRole.ACCOUNTANT),
        "supervisor": lambda: staff_of(workshop, role=StaffRole.SUPERVISOR),
        "staff": lambda: staff_of(workshop, role=StaffRole.STAFF),
        "customer": lambda: CustomerFactory(),
        "other_manager": lambda: _manager(StructureFactory()),
    }
    client.force_login(people[who]())

    response = client.get(DASHBOARD, {"structure": workshop.slug, "annee": "2026", "mois": "3"})

    assert response.status_code == status
    csv = client.get(CSV, {"structure": workshop.slug, "annee": "2026"})
    assert csv.status_code == status


def test_anonymous_is_sent_to_login(client, workshop):
    response = client.get(DASHBOARD)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_a_manager_lands_on_their_structure_and_cannot_choose_the_hub(client, workshop):
    client.force_login(_manager(workshop))

    response = client.get(DASHBOARD, {"annee": "2026", "mois": "3"})

    assert response.status_code == 200
    assert response.context["structure"] == workshop
    assert response.context["summary"].hours_total == Decimal("6.00")
    assert "Tout le pôle" not in response.content.decode()


def test_a_hub_admin_sees_the_whole_hub_by_default(client, workshop):
    client.force_login(UserFactory(hub_admin=True))

    response = client.get(DASHBOARD, {"annee": "2026", "mois": "3"})

    assert response.status_code == 200
    assert response.context["structure"] is None
    assert response.context["summary"].hours_total >= Decimal("6.00")


def test_the_menu_offers_the_dashboard_only_to_those_who_may_open_it(workshop):
    def names(user):
        return {link[0] for _section, links in staff_tools.compute_menu(user) for link in links}

    assert "impact:dashboard" in names(_manager(workshop))
    assert "impact:dashboard" in names(staff_of(workshop, role=StaffRole.ACCOUNTANT))
    assert "impact:dashboard" not in names(staff_of(workshop, role=StaffRole.SUPERVISOR))
    assert "impact:dashboard" not in names(CustomerFactory())


# --- Bad parameters ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"annee": "0"}, "L'année « 0 » n'est pas valide"),
        ({"annee": "99999"}, "L'année « 99999 » n'est pas valide"),
        ({"annee": "abc"}, "L'année « abc » n'est pas valide"),
        ({"annee": "2026", "mois": "13"}, "Le mois « 13 » n'est pas valide"),
        ({"annee": "2026", "mois": "x"}, "Le mois « x » n'est pas valide"),
    ],
)
def test_bad_period_is_a_french_400(client, workshop, params, message):
    client.force_login(_manager(workshop))

    response = client.get(DASHBOARD, params)

    assert response.status_code == 400
    assert message in html.unescape(response.content.decode())


def test_nul_byte_and_unknown_structure(client, workshop):
    client.force_login(UserFactory(hub_admin=True))

    assert client.get(DASHBOARD + "?annee=20%0026").status_code == 400
    assert client.get(DASHBOARD, {"structure": "nope" * 40}).status_code == 404


# --- CSV and PDF ----------------------------------------------------------------------------------------------


def test_csv_has_bom_semicolons_and_decimal_commas(client, workshop):
    client.force_login(_manager(workshop))

    response = client.get(CSV, {"structure": workshop.slug, "annee": "2026", "mois": "3"})

    assert response["Content-Disposition"] == f'attachment; filename="impact-{workshop.slug}-2026-03.csv"'
    text = b"".join(response.streaming_content).decode("utf-8")
    lines = text.split("\r\n")
    assert lines[0] == "\ufeffIndicateur;Activité;Valeur;Unité"
    # 6 validated hours, goods being the structure's only activity; 35 h a week over March's 31 days
    # is 155 h planned = 155 / (1 607 × 31 / 365) = 1,14 FTE; 6 h = 0,04 FTE.
    assert lines[1:] == [
        "Chiffre d'affaires HT;Total;0,00;€",
        "Heures d'insertion validées;Épicerie et produits;6,00;h",
        "Heures d'insertion validées;Total;6,00;h",
        "Chiffre d'affaires par heure d'insertion;Épicerie et produits;0,00;€/h",
        "Chiffre d'affaires par heure d'insertion;Total;0,00;€/h",
        "ETP prévus (contrats);;1,14;ETP",
        "ETP réalisés (heures validées);;0,04;ETP",
        "Entrées;;0;personnes",
        "Sorties;;0;personnes",
        "Sorties enregistrées;Emploi durable;0;personnes",
        "Sorties enregistrées;Emploi de transition;0;personnes",
        "Sorties enregistrées;Sortie positive;0;personnes",
        "Sorties enregistrées;Autre sortie;0;personnes",
        "Sorties enregistrées;Situation inconnue;0;personnes",
        "Sorties enregistrées;Retrait des sorties constatées;0;personnes",
        "Taux de sorties en emploi durable;;;%",
        "Taux de sorties dynamiques;;;%",
        "Présent·es en fin de période;;1;personnes",
        "Ménages servis;;0;ménages",
        "Organisations servies;;0;organisations",
        "Ménages au tarif solidaire;;0;ménages",
        "Part des ménages au tarif solidaire;;;%",
        "Paniers livrés;;0;paniers",
        "Linge traité;;0,00;kg",
        "Heures d'intervention à domicile;;0,00;h",
        "Transport solidaire;;0,00;km",
        "",
    ]


def test_pdf_report_is_served(client, workshop):
    client.force_login(_manager(workshop))

    response = client.get(PDF, {"structure": workshop.slug, "annee": "2026"})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")


# --- Pinned query counts ----------------------------------------------------------------------------------------


def _grow(structure, days: int) -> None:
    worker = WorkerFactory(structure=structure)
    contract(worker, D(2026, 1, 1), D(2026, 12, 31))
    for day in range(days):
        TimesheetEntryFactory(worker=worker, date=D(2026, 3, 9 + day), hours=Decimal("7"))
        assign(
            worker,
            on=D(2026, 3, 9 + day),
            hours="7",
            source_kind=JobSourceKind.DELIVERY,
            source_id=f"r-{worker.pk}-{day}",
        )


def test_page_and_api_query_counts_do_not_grow_with_the_data(client, workshop, django_assert_num_queries):
    manager = _manager(workshop)
    client.force_login(manager)
    params = {"structure": workshop.slug, "annee": "2026", "mois": "3"}
    api_params = {"structure": workshop.slug, "year": "2026", "month": "3"}
    _grow(workshop, 1)
    client.get(DASHBOARD, params)  # the session and the menu, once
    with django_assert_num_queries(19):
        assert client.get(DASHBOARD, params).status_code == 200
    with django_assert_num_queries(19):
        assert client.get(SUMMARY, api_params).status_code == 200
    _grow(workshop, 10)
    with django_assert_num_queries(19):
        assert client.get(DASHBOARD, params).status_code == 200
    with django_assert_num_queries(19):
        assert client.get(SUMMARY, api_params).status_code == 200


# --- The API ----------------------------------------------------------------------------------------------------


def test_summary_api_for_a_manager(client, workshop):
    client.force_login(_manager(workshop))

    response = client.get(SUMMARY, {"year": "2026", "month": "3", "structure": workshop.slug})

    assert response.status_code == 200
    body = response.json()
    assert body["structure"] == workshop.slug
    assert (body["year"], body["month"]) == (2026, 3)
    assert body["hours"] == {"goods": "6.00"}
    assert body["fte"] == {"planned": "1.14", "done": "0.04", "planned_hours": "155.00", "done_hours": "6.00"}
    assert body["people"] == {
        "entries": 0, "exits": 0, "present": 1, "durable_rate": None, "dynamic_rate": None,
        "exit_categories": {"durable": 0, "transitional": 0, "positive": 0, "other": 0, "unknown": 0, "withdrawn": 0},
    }  # fmt: skip


@pytest.mark.parametrize(
    ("who", "structure", "status"),
    [
        ("admin", None, 200),
        ("admin", "mine", 200),
        ("manager", "mine", 200),
        ("manager", None, 404),
        ("manager", "other", 404),
        ("accountant", "mine", 200),
        ("supervisor", "mine", 404),
        ("customer", "mine", 404),
    ],
)
def test_summary_api_permissions(client, workshop, who, structure, status):
    other = StructureFactory()
    people = {
        "admin": lambda: UserFactory(hub_admin=True),
        "manager": lambda: _manager(workshop),
        "accountant": lambda: staff_of(workshop, role=StaffRole.ACCOUNTANT),
        "supervisor": lambda: staff_of(workshop, role=StaffRole.SUPERVISOR),
        "customer": lambda: CustomerFactory(),
    }
    client.force_login(people[who]())
    params = {"year": "2026"}
    if structure:
        params["structure"] = workshop.slug if structure == "mine" else other.slug

    response = client.get(SUMMARY, params)

    assert response.status_code == status
    if status == 404:
        assert response.json() == {"code": "not_found", "message": "Ressource introuvable."}


def test_summary_api_refuses_anonymous_callers(client):
    response = client.get(SUMMARY, {"year": "2026"})
    assert response.status_code in {401, 403}
    assert response.json()["code"] == "not_authenticated"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"year": "0"}, "year"),
        ({"year": "99999"}, "year"),
        ({"year": "abc"}, "year"),
        ({}, "year"),
        ({"year": "2026", "month": "13"}, "month"),
        ({"year": "2026", "structure": "bad slug!"}, "structure"),
    ],
)
def test_summary_api_bad_parameters_are_json_400(client, params, field):
    client.force_login(UserFactory(hub_admin=True))

    response = client.get(SUMMARY, params)

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert list(body["errors"]) == [field]


def test_nul_byte_in_the_api_is_json_400(client):
    client.force_login(UserFactory(hub_admin=True))
    response = client.get(SUMMARY + "?year=20%0026")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


def test_impact_endpoints_are_in_the_openapi_schema(client):
    schema = json.loads(client.get("/api/schema/", {"format": "json"}).content)
    summary = schema["paths"]["/api/v1/impact/summary/"]["get"]
    assert {"year", "month", "structure"} <= {parameter["name"] for parameter in summary["parameters"]}
    assert {"200", "400", "404"} <= summary["responses"].keys()
    public = schema["paths"]["/api/v1/impact/public/"]["get"]
    assert {"200", "400"} <= public["responses"].keys()
