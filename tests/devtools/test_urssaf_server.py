"""The URSSAF stand-in itself, spoken to in raw HTTP: bad input never gives a 500, the controls check
their input, and its log holds no personal data. Served in-process (a thread) to read its log."""

import json
import logging
import threading

import pytest
import requests

from devtools import urssaf_server

IDENTITY = {
    "civilite": "1",
    "nomNaissance": "DUPONT",
    "prenoms": "Paul",
    "dateNaissance": "1970-05-06T00:00:00Z",
    "lieuNaissance": {
        "codePaysNaissance": "99100",
        "departementNaissance": "2A",
        "communeNaissance": {"codeCommune": "2A004", "libelleCommune": "Ajaccio"},
    },
    "numeroTelephonePortable": "0712345678",
    "adresseMail": "paul.dupont@example.org",
    "adressePostale": {
        "libelleVoie": "Cours Napoléon",
        "codeTypeVoie": "CRS",
        "libelleCommune": "Ajaccio",
        "codeCommune": "2A004",
        "codePostal": "20000",
        "codePays": "99100",
    },
    "coordonneeBancaire": {
        "bic": "BNAPFRPP",
        "iban": "FR76 3000 6000 0112 3456 7890 189",
        "titulaire": "M. Paul Dupont",
    },
}


@pytest.fixture
def server():
    httpd = urssaf_server.make_server("127.0.0.1", 0)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{httpd.server_address[1]}"
    try:
        yield url
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture
def auth(server):
    response = requests.post(
        server + "/api/oauth/v1/token",
        data={
            "grant_type": "client_credentials",
            "scope": "homeplus.tiersprestations",
            "client_id": urssaf_server.TEST_CLIENT_ID,
            "client_secret": urssaf_server.TEST_CLIENT_SECRET,
        },
        timeout=5,
    )
    assert response.status_code == 200
    return {"Authorization": "Bearer " + response.json()["access_token"]}


def test_iban_check_digits():
    assert urssaf_server.iban_is_valid("FR7630006000011234567890189")
    assert urssaf_server.iban_is_valid("fr76 3000 6000 0112 3456 7890 189")
    assert not urssaf_server.iban_is_valid("FR7630006000011234567890188")
    assert not urssaf_server.iban_is_valid("not an iban")


@pytest.mark.parametrize(
    "form",
    [
        {"grant_type": "password", "scope": "homeplus.tiersprestations"},
        {"grant_type": "client_credentials", "scope": "other"},
    ],
)
def test_token_rejects_other_grants_and_scopes(server, form):
    response = requests.post(server + "/api/oauth/v1/token", data=form, timeout=5)
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/atp/v1/tiersPrestations/particulier", b"{not json"),
        ("/atp/v1/tiersPrestations/particulier", b"[1, 2]"),
        ("/atp/v1/tiersPrestations/particulier", b'{"civilite": "1", "lieuNaissance": "x", "adressePostale": 3}'),
        ("/atp/v1/tiersPrestations/demandePaiement", b"{}"),
        ("/atp/v1/tiersPrestations/demandePaiement", b"[" + b",".join([b"{}"] * 11) + b"]"),
        ("/atp/v1/tiersPrestations/demandePaiement/rechercher", b"[]"),
        ("/atp/v1/tiersPrestations/demandePaiement/rechercher", b"{}"),
        ("/atp/v1/tiersPrestations/demandePaiement/rechercher", b'{"idDemandePaiements": [1, 2]}'),
        ("/atp/v1/tiersPrestations/demandePaiement/rechercher", b'{"dateDebut": "hier"}'),
    ],
)
def test_bad_input_is_a_400_list_of_errors(server, auth, path, body):
    response = requests.post(server + path, data=body, headers={**auth, "Content-Type": "application/json"}, timeout=5)
    assert response.status_code == 400
    errors = response.json()
    assert isinstance(errors, list)
    assert errors
    assert set(errors[0]) == {"code", "message", "description"}


def test_bad_items_of_a_payment_request_list_are_errors_not_500(server, auth):
    items = [
        "text",
        {"idClient": "x"},
        {
            "idTiersFacturation": "T",
            "idClient": "x",
            "dateNaissanceClient": "1970-05-06",
            "numFactureTiers": "1",
            "dateFacture": "2026-01-31",
            "dateDebutEmploi": "2026-01-01",
            "dateFinEmploi": "2026-01-31",
            "mntFactureTTC": "HUGE",
            "inputPrestations": [{}],
        },
    ]
    body = json.dumps(items).replace('"HUGE"', "1e400")
    response = requests.post(
        server + "/atp/v1/tiersPrestations/demandePaiement",
        data=body,
        headers={**auth, "Content-Type": "application/json"},
        timeout=5,
    )
    assert response.status_code == 200
    assert all("errors" in item for item in response.json())


def test_controls_check_their_input(server):
    for path, payload in [
        ("clients/nobody/activate", {}),
        ("payment-requests/nobody/status", {"code": "70"}),
        ("fail-next", {"count": "two"}),
        ("clock/advance", {"hours": -1}),
        ("nothing", {}),
    ]:
        response = requests.post(f"{server}/__control/{path}", json=payload, timeout=5)
        assert response.status_code in (400, 404), path


def test_a_refusal_needs_a_known_reject_code(server, auth):
    id_client = requests.post(
        server + "/atp/v1/tiersPrestations/particulier", json=IDENTITY, headers=auth, timeout=5
    ).json()["idClient"]
    urssaf_server.control(server, f"clients/{id_client}/activate")
    item = {
        "idTiersFacturation": "T",
        "idClient": id_client,
        "dateNaissanceClient": "1970-05-06T00:00:00Z",
        "numFactureTiers": "F1",
        "dateFacture": "2025-01-31T00:00:00Z",
        "dateDebutEmploi": "2025-01-01T00:00:00Z",
        "dateFinEmploi": "2025-01-31T00:00:00Z",
        "mntFactureTTC": 48.00,
        "mntFactureHT": 48.00,
        "inputPrestations": [
            {
                "codeNature": "10",
                "quantite": 2,
                "unite": "HEURE",
                "mntUnitaireTTC": 24.00,
                "mntPrestationTTC": 48.00,
                "mntPrestationHT": 48.00,
                "mntPrestationTVA": 0,
            }
        ],
    }
    [sent] = requests.post(
        server + "/atp/v1/tiersPrestations/demandePaiement", json=[item, item], headers=auth, timeout=5
    ).json()[:1]
    response = requests.post(
        f"{server}/__control/payment-requests/{sent['idDemandePaiement']}/status",
        json={"code": "40", "reject_code": "NOPE"},
        timeout=5,
    )
    assert response.status_code == 400


def test_the_same_invoice_twice_in_one_call(server, auth):
    id_client = requests.post(
        server + "/atp/v1/tiersPrestations/particulier", json=IDENTITY, headers=auth, timeout=5
    ).json()["idClient"]
    urssaf_server.control(server, f"clients/{id_client}/activate")
    item = {
        "idTiersFacturation": "T",
        "idClient": id_client,
        "dateNaissanceClient": "1970-05-06",
        "numFactureTiers": "F1",
        "dateFacture": "2025-01-31",
        "dateDebutEmploi": "2025-01-01",
        "dateFinEmploi": "2025-01-31",
        "mntFactureTTC": 24.00,
        "inputPrestations": [
            {"codeNature": "10", "quantite": 1, "unite": "FORFAIT", "mntUnitaireTTC": 24.00, "mntPrestationTTC": 24.00}
        ],
    }
    first, second = requests.post(
        server + "/atp/v1/tiersPrestations/demandePaiement", json=[item, item], headers=auth, timeout=5
    ).json()
    assert first["statut"] == "10"
    assert second["errors"][0]["code"] == "ERR_FACTURE_DOUBLON"


def test_the_log_holds_method_path_and_status_only(server, auth, caplog):
    caplog.set_level(logging.INFO, logger="urssaf_server")
    id_client = requests.post(
        server + "/atp/v1/tiersPrestations/particulier", json=IDENTITY, headers=auth, timeout=5
    ).json()["idClient"]
    requests.get(
        server + "/atp/v1/tiersPrestations/particulier", params={"idClient": id_client}, headers=auth, timeout=5
    )
    requests.post(
        server + "/atp/v1/tiersPrestations/particulier",
        json={**IDENTITY, "nomNaissance": "INCONNU"},
        headers=auth,
        timeout=5,
    )
    text = caplog.text
    assert "POST /atp/v1/tiersPrestations/particulier 200" in text
    assert "POST /atp/v1/tiersPrestations/particulier 400" in text
    for secret in ("DUPONT", "INCONNU", "Paul", "1970", "FR76", "paul.dupont", id_client):
        assert secret not in text
