"""The books over the API: entries, trial balance, FEC; 404 for anyone but the accountants."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from hub.enums import StaffRole
from tests.accounting.factories import StructureFactory
from tests.accounting.test_pages import post_more_invoices, post_small_ledger
from tests.accounts.factories import UserFactory
from tests.hub.factories import StructureRoleFactory

pytestmark = pytest.mark.django_db

NOT_FOUND = {"code": "not_found", "message": "Ressource introuvable."}


@pytest.fixture
def ledger(structure):
    post_small_ledger(structure)
    return structure


@pytest.fixture
def api(structure):
    """Signed in through a session, as a browser would: every request loads its user and roles."""
    client = APIClient()
    client.force_login(StructureRoleFactory(structure=structure, role=StaffRole.ACCOUNTANT).user)
    return client


def url(name, structure):
    return reverse(f"api:accounting-{name}", kwargs={"structure": structure.slug})


# --- Entries ------------------------------------------------------------------------------


def test_entries_filtered_by_journal_and_period(api, ledger):
    response = api.get(url("entries", ledger), {"journal": "BQ", "from": "2025-03-01", "to": "2025-03-31"})

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    (entry,) = body["results"]
    assert {key: entry[key] for key in ("reference", "journal", "number", "date", "label", "reversal_of")} == {
        "reference": "BQ-2025-000002",
        "journal": "BQ",
        "number": 2,
        "date": "2025-03-05",
        "label": "Règlement C0002",
        "reversal_of": None,
    }
    assert [(line["account"], line["auxiliary_code"], line["debit"], line["credit"]) for line in entry["lines"]] == [
        ("512", "", "100.00", "0.00"),
        ("411", "C0002", "0.00", "100.00"),
    ]


def test_entries_default_to_the_current_fiscal_year_and_paginate(api, structure):
    post_more_invoices(structure, count=55)

    first = api.get(url("entries", structure)).json()
    second = api.get(url("entries", structure), {"page": 2}).json()

    assert first["count"] == 55
    assert len(first["results"]) == 50
    assert len(second["results"]) == 5
    assert second["next"] is None


@pytest.mark.parametrize(
    ("params", "errors"),
    [
        ({"from": "2025-02-30"}, {"from": ["Date invalide : utilisez le format AAAA-MM-JJ."]}),
        ({"journal": "ZZ"}, {"journal": ["Journal inconnu : AN, VE, AC, BQ, ST, CA, OD attendu."]}),
        ({"from": "2025-06-01", "to": "2025-01-01"}, {"to": ["La date de fin doit suivre la date de début."]}),
    ],
)
def test_entries_bad_parameters(api, ledger, params, errors):
    response = api.get(url("entries", ledger), params)

    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid",
        "message": "Les données envoyées ne sont pas valides.",
        "errors": errors,
    }


def test_entries_query_count_does_not_grow(api, ledger, django_assert_num_queries):
    # structure, session, user, roles, default period, count, entries, their lines
    with django_assert_num_queries(8):
        api.get(url("entries", ledger))
    post_more_invoices(ledger, count=50)
    with django_assert_num_queries(8):
        api.get(url("entries", ledger))


# --- Trial balance ------------------------------------------------------------------------


def test_trial_balance(api, ledger):
    response = api.get(url("trial-balance", ledger), {"from": "2025-01-01", "to": "2025-12-31"})

    assert response.status_code == 200
    assert response.json() == {
        "structure": ledger.slug,
        "from": "2025-01-01",
        "to": "2025-12-31",
        "rows": [
            {"account": "411", "label": "Clients", "debit": "360.00", "credit": "220.00", "balance": "140.00"},
            {
                "account": "445711",
                "label": "TVA collectée 20 %",
                "debit": "0.00",
                "credit": "60.00",
                "balance": "-60.00",
            },
            {"account": "512", "label": "Banque", "debit": "220.00", "credit": "0.00", "balance": "220.00"},
            {
                "account": "701",
                "label": "Ventes de produits finis",
                "debit": "0.00",
                "credit": "200.00",
                "balance": "-200.00",
            },
            {
                "account": "706",
                "label": "Prestations de services",
                "debit": "0.00",
                "credit": "100.00",
                "balance": "-100.00",
            },
        ],
        "totals": {
            "debit": "580.00",
            "credit": "580.00",
            "debit_balance": "360.00",
            "credit_balance": "360.00",
            "balanced": True,
        },
    }


def test_trial_balance_bad_date(api, ledger):
    response = api.get(url("trial-balance", ledger), {"to": "31/12/2025"})

    assert response.status_code == 400
    assert response.json()["errors"] == {"to": ["Date invalide : utilisez le format AAAA-MM-JJ."]}


def test_trial_balance_query_count_does_not_grow(api, ledger, django_assert_num_queries):
    with django_assert_num_queries(6):  # structure, session, user, roles, default period, GROUP BY
        api.get(url("trial-balance", ledger))
    post_more_invoices(ledger, count=50)
    with django_assert_num_queries(6):
        api.get(url("trial-balance", ledger))


# --- FEC ----------------------------------------------------------------------------------


def test_fec(api, ledger):
    response = api.get(url("fec", ledger), {"year": 2025})

    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="{ledger.siren}FEC20251231.txt"'
    lines = b"".join(response.streaming_content).decode().split("\n")
    assert lines[0].startswith("JournalCode\tJournalLib\tEcritureNum\t")
    assert lines[1].startswith("VE\tVentes\tVE-2025-000001\t20250115\t411\t")


@pytest.mark.parametrize(
    ("params", "errors"),
    [
        ({}, {"year": ["Indiquez l'année de début de l'exercice (year=AAAA)."]}),
        ({"year": "deux-mille"}, {"year": ["L'année est un nombre à quatre chiffres."]}),
    ],
)
def test_fec_bad_year(api, ledger, params, errors):
    response = api.get(url("fec", ledger), params)

    assert response.status_code == 400
    assert response.json()["errors"] == errors


def test_fec_of_a_missing_year_is_404(api, ledger):
    response = api.get(url("fec", ledger), {"year": 2019})

    assert response.status_code == 404
    assert response.json() == NOT_FOUND


# --- Who may call -------------------------------------------------------------------------


def _caller(kind, structure):
    if kind == "accountant":
        return StructureRoleFactory(structure=structure, role=StaffRole.ACCOUNTANT).user
    if kind == "hub_admin":
        return UserFactory(hub_admin=True)
    if kind == "other_accountant":
        return StructureRoleFactory(structure=StructureFactory(), role=StaffRole.ACCOUNTANT).user
    if kind == "supervisor":
        return StructureRoleFactory(structure=structure, role=StaffRole.SUPERVISOR).user
    if kind == "resident":
        return UserFactory()
    return None


@pytest.mark.parametrize(("name", "params"), [("entries", {}), ("trial-balance", {}), ("fec", {"year": 2025})])
@pytest.mark.parametrize(
    ("kind", "status"),
    [
        ("accountant", 200),
        ("hub_admin", 200),
        ("other_accountant", 404),
        ("supervisor", 404),
        ("resident", 404),
        ("anonymous", 404),
    ],
)
def test_permission_matrix(ledger, name, params, kind, status):
    client = APIClient()
    if caller := _caller(kind, ledger):
        client.force_authenticate(caller)

    response = client.get(url(name, ledger), params)

    assert response.status_code == status
    if status == 404:
        assert response.json() == NOT_FOUND


def test_an_unknown_structure_is_the_same_404(api):
    response = api.get(reverse("api:accounting-trial-balance", kwargs={"structure": "inconnue"}))

    assert response.status_code == 404
    assert response.json() == NOT_FOUND


def test_a_forbidden_caller_with_bad_parameters_still_gets_404(ledger):
    """Parameters are read after the permission check: a 400 would reveal the structure."""
    client = APIClient()
    client.force_authenticate(UserFactory())

    response = client.get(url("entries", ledger), {"from": "pas une date"})

    assert response.status_code == 404


def test_the_endpoints_are_in_the_openapi_schema(client):
    response = client.get(reverse("schema"), {"format": "json"})

    paths = response.json()["paths"]
    entries = paths["/api/v1/accounting/{structure}/entries/"]["get"]
    assert {p["name"] for p in entries["parameters"]} == {"structure", "journal", "from", "to", "page"}
    assert set(entries["responses"]) == {"200", "400", "401", "404"}  # 401: a bad token
    trial_balance = paths["/api/v1/accounting/{structure}/trial-balance/"]["get"]
    assert trial_balance["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/TrialBalanceOutput"
    }
    fec = paths["/api/v1/accounting/{structure}/fec/"]["get"]
    assert [p for p in fec["parameters"] if p["name"] == "year"][0]["required"] is True
    assert "text/plain" in fec["responses"]["200"]["content"]


def test_dates_are_dates(api, ledger):
    assert api.get(url("entries", ledger), {"from": datetime.date(2025, 1, 1).isoformat()}).status_code == 200
    assert Decimal("580.00") == Decimal(api.get(url("trial-balance", ledger)).json()["totals"]["debit"])
