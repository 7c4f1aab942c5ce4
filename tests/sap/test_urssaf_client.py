"""Our URSSAF client (sap/urssaf.py) against the local stand-in (devtools/urssaf_server.py): the token,
registration and its refusals, each payment-request status, retries. No database needed."""

import datetime as dt
import json
import logging
from decimal import Decimal

import pytest
import requests

from devtools import urssaf_server
from sap.urssaf import (
    PAYMENT_REQUEST_STATUSES,
    ClientIdentity,
    PaymentRequestInput,
    PaymentRequestLine,
    PostalAddress,
    UrssafClient,
    UrssafError,
    UrssafRefused,
    UrssafUnavailable,
    _dumps,
)

VALID_IBAN = "FR7630006000011234567890189"
PROVIDER = "AI-TEST-0001"


class CountingSession(requests.Session):
    """A real session that counts the calls per path (to see the token being cached)."""

    def __init__(self):
        super().__init__()
        self.paths: list[str] = []

    def request(self, method, url, *args, **kwargs):
        self.paths.append(requests.utils.urlparse(url).path)
        return super().request(method, url, *args, **kwargs)


def make_client(urssaf, **kwargs) -> UrssafClient:
    kwargs.setdefault("backoff", 0)
    kwargs.setdefault("timeout", 5)
    return UrssafClient(urssaf.url, urssaf.client_id, urssaf.client_secret, **kwargs)


def identity(**changes) -> ClientIdentity:
    fields = {
        "civility": "2",
        "birth_name": "MARTIN",
        "usage_name": "DURAND",
        "first_names": "Jeanne Marie",
        "birth_date": dt.date(1956, 4, 2),
        "birth_country_code": "99100",
        "birth_department": "69",
        "birth_commune_code": "69123",
        "birth_commune_label": "Lyon",
        "mobile_phone": "06 12 34 56 78",
        "email": "jeanne.martin@example.org",
        "address": PostalAddress(
            street_number="12",
            street_type_code="R",
            street_name="des Lilas",
            city_label="Lyon",
            city_code="69381",
            postcode="69001",
        ),
        "iban": VALID_IBAN,
        "bic": "BNAPFRPPXXX",
        "account_holder": "Mme Jeanne Martin",
    }
    fields.update(changes)
    return ClientIdentity(**fields)


def last_month() -> tuple[dt.date, dt.date]:
    end = dt.datetime.now(dt.UTC).date().replace(day=1) - dt.timedelta(days=1)
    return end.replace(day=1), end


def payment_request(id_client: str, number: str = "F2026-0001", **changes) -> PaymentRequestInput:
    start, end = last_month()
    line = PaymentRequestLine(
        nature_code="10",
        quantity=Decimal("12.5"),
        unit="HEURE",
        unit_price=Decimal("24.00"),
        amount_ttc=Decimal("300.00"),
        amount_ht=Decimal("300.00"),
        complement2="SAP123456789",
    )
    fields = {
        "provider_billing_id": PROVIDER,
        "client_id": id_client,
        "client_birth_date": dt.date(1956, 4, 2),
        "invoice_number": number,
        "invoice_date": end,
        "period_start": start,
        "period_end": end,
        "total_ttc": Decimal("300.00"),
        "total_ht": Decimal("300.00"),
        "lines": (line,),
    }
    fields.update(changes)
    return PaymentRequestInput(**fields)


def active_client(urssaf, client) -> str:
    id_client = client.register_client(identity())
    urssaf.control(f"clients/{id_client}/activate")
    return id_client


# --- Token --------------------------------------------------------------------------------------------


def test_the_token_is_fetched_once_and_reused(urssaf):
    session = CountingSession()
    client = make_client(urssaf, session=session)
    id_client = client.register_client(identity())
    client.client_status(id_client)
    client.client_status(id_client)
    assert session.paths.count("/api/oauth/v1/token") == 1
    assert session.paths.count("/atp/v1/tiersPrestations/particulier") == 3


def test_an_expired_token_is_fetched_again_once_on_401(urssaf):
    session = CountingSession()
    client = make_client(urssaf, session=session)
    id_client = client.register_client(identity())
    urssaf.control("tokens/expire")
    assert client.client_status(id_client).code == "APPAREILLAGE_EC"
    assert session.paths.count("/api/oauth/v1/token") == 2


def test_unknown_credentials_are_refused_in_french(urssaf):
    client = UrssafClient(urssaf.url, "someone", "wrong", backoff=0)
    with pytest.raises(UrssafRefused) as refused:
        client.client_status("C1")
    assert refused.value.urssaf_code == "invalid_client"
    assert "identifiants" in refused.value.message


def test_the_token_endpoint_accepts_http_basic(urssaf):
    response = requests.post(
        urssaf.url + "/api/oauth/v1/token",
        data={"grant_type": "client_credentials", "scope": "homeplus.tiersprestations"},
        auth=(urssaf.client_id, urssaf.client_secret),
        timeout=5,
    )
    assert response.status_code == 200
    assert response.json()["expires_in"] == 3600


def test_a_call_without_token_gets_401(urssaf):
    response = requests.get(urssaf.url + "/atp/v1/tiersPrestations/particulier", params={"idClient": "x"}, timeout=5)
    assert response.status_code == 401


# --- Registration -------------------------------------------------------------------------------------


def test_registration_then_activation(urssaf):
    client = make_client(urssaf)
    id_client = client.register_client(identity())
    status = client.client_status(id_client)
    assert (status.code, status.kind, status.is_active) == ("APPAREILLAGE_EC", "pending", False)
    urssaf.control(f"clients/{id_client}/activate")
    status = client.client_status(id_client)
    assert (status.code, status.kind, status.is_active) == ("APPAREILLAGE_VALIDE", "active", True)
    for code, kind in [
        ("PARTICULIER_BLOQUE", "blocked"),
        ("MANDAT_ECHU", "expired"),
        ("APPAREILLAGE_NF", "not_finalised"),
    ]:
        urssaf.control(f"clients/{id_client}/status", {"code": code})
        assert client.client_status(id_client).kind == kind


def test_registering_the_same_person_again_gives_the_same_id(urssaf):
    client = make_client(urssaf)
    assert client.register_client(identity()) == client.register_client(identity())


def test_a_person_born_abroad_needs_no_department(urssaf):
    client = make_client(urssaf)
    born_abroad = identity(
        birth_country_code="99134", birth_department="", birth_commune_code="", birth_commune_label="Madrid"
    )
    assert client.register_client(born_abroad)


@pytest.mark.parametrize(
    ("changes", "code", "words"),
    [
        ({"birth_name": "INCONNU"}, "ERR_DGFIP_R2P_INCONNU", "ne reconnaît pas"),
        ({"first_names": "SANSDECLARATION"}, "ERR_DGFIP_IMPOTPART_INCONNU", "déclaration de revenus"),
        ({"birth_date": dt.date(2011, 1, 1)}, "ERR_DGFIP_IMPOTPART_INCONNU", "déclaration de revenus"),
        ({"iban": "FR7630006000011234567890188"}, "ERR_COORDONNEES_BANCAIRES", "IBAN"),
        ({"birth_name": "BLOQUE"}, "ERR_COMPTE_BLOQUE", "bloqué"),
        ({"birth_department": ""}, "ERREUR_LIEU_NAISSANCE_DEPT", "département"),
        ({"email": "pas-une-adresse"}, "ERR_CONTACT", "adresse électronique"),
        ({"birth_date": dt.datetime.now(dt.UTC).date() + dt.timedelta(days=2)}, "ERR_DATE_NAISSANCE_FUTUR", "futur"),
    ],
)
def test_registration_refusals_carry_a_french_message(urssaf, changes, code, words):
    client = make_client(urssaf)
    with pytest.raises(UrssafRefused) as refused:
        client.register_client(identity(**changes))
    assert refused.value.urssaf_code == code
    assert refused.value.http_status == 400
    assert words in refused.value.message
    assert isinstance(refused.value, UrssafError)


def test_a_malformed_registration_is_a_400_with_the_detail(urssaf):
    client = make_client(urssaf)
    with pytest.raises(UrssafRefused) as refused:
        client.register_client(identity(civility="3"))
    assert refused.value.urssaf_code == "ERREUR_VALIDATION"
    assert refused.value.message.startswith("L'URSSAF refuse des informations mal formées")
    assert "civilite" in refused.value.message


def test_an_unknown_client_status_is_refused(urssaf):
    with pytest.raises(UrssafRefused) as refused:
        make_client(urssaf).client_status("nobody")
    assert refused.value.urssaf_code == "ERR_RECHERCHE_PARTICULIER"


# --- Payment requests ---------------------------------------------------------------------------------


def test_serialization_of_a_payment_request():
    start, end = last_month()
    body = _dumps([payment_request("C1").to_api()])
    assert '"mntFactureTTC": 300.00' in body
    assert '"quantite": 12.50' in body
    item = json.loads(body, parse_float=Decimal)[0]
    assert item["dateDebutEmploi"] == f"{start.isoformat()}T00:00:00Z"
    assert item["inputPrestations"][0]["mntUnitaireTTC"] == Decimal("24.00")


def test_submit_then_follow_a_request_until_paid(urssaf):
    client = make_client(urssaf)
    id_client = active_client(urssaf, client)
    sent = client.submit_payment_request(payment_request(id_client))
    assert sent.status == "10"

    [found] = client.search_payment_requests(ids=[sent.id])
    assert (found.id, found.invoice_number, found.status_code, found.kind) == (sent.id, "F2026-0001", "10", "waiting")
    [found] = client.search_payment_requests(ids=[sent.id])
    assert (found.status_code, found.status_label) == ("20", "En attente de validation")

    urssaf.control(f"payment-requests/{sent.id}/status", {"code": "30"})
    assert client.search_payment_requests(ids=[sent.id])[0].kind == "validated"
    urssaf.control(f"payment-requests/{sent.id}/status", {"code": "50"})
    assert client.search_payment_requests(ids=[sent.id])[0].kind == "debited"
    urssaf.control(f"payment-requests/{sent.id}/status", {"code": "70", "amount": "300.00", "date": "2026-02-10"})
    [paid] = client.search_payment_requests(ids=[sent.id])
    assert (paid.status_code, paid.kind, paid.final) == ("70", "paid", True)
    assert paid.transfer_amount == Decimal("300.00")
    assert paid.transfer_date == dt.date(2026, 2, 10)
    assert paid.reject_code == ""


def test_search_by_invoice_dates(urssaf):
    client = make_client(urssaf)
    id_client = active_client(urssaf, client)
    first = client.submit_payment_request(payment_request(id_client, "F-1"))
    second = client.submit_payment_request(payment_request(id_client, "F-2"))
    start, end = last_month()
    assert {r.id for r in client.search_payment_requests(start=start, end=end)} == {first.id, second.id}
    assert client.search_payment_requests(start=end + dt.timedelta(days=1)) == []


def test_search_by_more_than_ten_ids_is_split(urssaf):
    client = make_client(urssaf)
    id_client = active_client(urssaf, client)
    ids = [client.submit_payment_request(payment_request(id_client, f"F-{n}")).id for n in range(12)]
    assert sorted(r.id for r in client.search_payment_requests(ids=ids)) == sorted(ids)


def test_a_contested_request_carries_its_reject_code(urssaf):
    client = make_client(urssaf)
    sent = client.submit_payment_request(payment_request(active_client(urssaf, client)))
    urssaf.control(
        f"payment-requests/{sent.id}/status",
        {"code": "40", "reject_code": "CONTEST_ERR_FACT", "comment": "2 h de trop"},
    )
    [found] = client.search_payment_requests(ids=[sent.id])
    assert (found.status_code, found.kind, found.final) == ("40", "refused", True)
    assert (found.reject_code, found.reject_comment) == ("CONTEST_ERR_FACT", "2 h de trop")
    assert found.transfer_amount is None


def test_a_refused_debit_then_a_cancelled_request(urssaf):
    client = make_client(urssaf)
    id_client = active_client(urssaf, client)
    debit = client.submit_payment_request(payment_request(id_client, "F-1"))
    urssaf.control(f"payment-requests/{debit.id}/status", {"code": "60"})
    assert client.search_payment_requests(ids=[debit.id])[0].kind == "debit_failed"
    cancelled = client.submit_payment_request(payment_request(id_client, "F-2"))
    urssaf.control(f"payment-requests/{cancelled.id}/status", {"code": "110", "reject_code": "ANNUL_ERR_MNT"})
    [found] = client.search_payment_requests(ids=[cancelled.id])
    assert (found.status_code, found.kind, found.reject_code) == ("110", "cancelled", "ANNUL_ERR_MNT")


def test_a_waiting_request_is_validated_after_48_hours(urssaf):
    client = make_client(urssaf)
    sent = client.submit_payment_request(payment_request(active_client(urssaf, client)))
    client.search_payment_requests(ids=[sent.id])  # 10 → 20, the client is notified
    urssaf.control("clock/advance", {"hours": 47})
    assert client.search_payment_requests(ids=[sent.id])[0].status_code == "20"
    urssaf.control("clock/advance", {"hours": 2})
    # the server's clock also expired our token: fetched again on the 401
    assert client.search_payment_requests(ids=[sent.id])[0].status_code == "30"


def test_the_same_invoice_number_is_refused_the_second_time(urssaf):
    client = make_client(urssaf)
    id_client = active_client(urssaf, client)
    client.submit_payment_request(payment_request(id_client, "F-1"))
    with pytest.raises(UrssafRefused) as refused:
        client.submit_payment_request(payment_request(id_client, "F-1"))
    assert refused.value.urssaf_code == "ERR_FACTURE_DOUBLON"
    assert "déjà été envoyée" in refused.value.message


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (None, "ERR_LIEN_PARTICULIER_PRESTATAIRE"),
        ("PARTICULIER_BLOQUE", "ERR_CMPT_BLOQUE"),
        ("MANDAT_ECHU", "ERR_MANDAT_ECHU"),
    ],
)
def test_a_request_for_a_client_not_active_is_refused(urssaf, status, code):
    client = make_client(urssaf)
    id_client = client.register_client(identity())
    if status:
        urssaf.control(f"clients/{id_client}/status", {"code": status})
    with pytest.raises(UrssafRefused) as refused:
        client.submit_payment_request(payment_request(id_client))
    assert refused.value.urssaf_code == code


def test_inconsistent_requests_are_refused(urssaf):
    client = make_client(urssaf)
    id_client = active_client(urssaf, client)
    start, end = last_month()
    cases = [
        (payment_request(id_client, total_ttc=Decimal("299.00")), "ERR_TOTAL_PRESTATIONS"),
        (payment_request(id_client, period_end=end + dt.timedelta(days=1)), "ERR_PERIODE_EMPLOI_MOIS_NON_UNIQUE"),
        (payment_request(id_client, period_start=end, period_end=start), "ERR_DATE_FIN_AVANT_DATE_DEB"),
        (payment_request(id_client, client_birth_date=dt.date(1956, 4, 3)), "ERR_PARTICULIER_INCONNU"),
        (payment_request("unknown"), "ERR_PARTICULIER_INCONNU"),
        (
            payment_request(
                id_client,
                lines=(
                    PaymentRequestLine(
                        "10", Decimal("10"), "HEURE", Decimal("24.00"), Decimal("300.00"), Decimal("300.00")
                    ),
                ),
            ),
            "ERR_MNT_PREST_TTC",
        ),
    ]
    for request, code in cases:
        with pytest.raises(UrssafRefused) as refused:
            client.submit_payment_request(request)
        assert refused.value.urssaf_code == code, request


def test_every_status_code_has_a_kind():
    assert set(PAYMENT_REQUEST_STATUSES) == {"10", "20", "30", "40", "50", "60", "70", "110", "111", "112", "120"}
    assert {s.kind for s in PAYMENT_REQUEST_STATUSES.values()} == {
        "waiting",
        "validated",
        "refused",
        "debited",
        "debit_failed",
        "paid",
        "cancelled",
    }


# --- Retries ------------------------------------------------------------------------------------------


def test_two_503_then_success(urssaf):
    client = make_client(urssaf, retries=3)
    urssaf.control("fail-next", {"count": 2, "status": 503})
    assert client.register_client(identity())


def test_503_beyond_the_retries_is_unavailable(urssaf):
    client = make_client(urssaf, retries=2)
    urssaf.control("fail-next", {"count": 3, "status": 503})
    with pytest.raises(UrssafUnavailable) as unavailable:
        client.register_client(identity())
    assert "réessayez plus tard" in unavailable.value.message
    assert isinstance(unavailable.value, UrssafError)
    urssaf.control("fail-next", {"count": 0})


def test_a_closed_port_is_unavailable():
    client = UrssafClient(
        f"http://127.0.0.1:{urssaf_server.free_port()}", "id", "secret", retries=1, backoff=0, timeout=1
    )
    with pytest.raises(UrssafUnavailable):
        client.client_status("C1")


def test_a_retried_submission_finds_the_request_already_recorded(urssaf, monkeypatch):
    """The first attempt reached the URSSAF but its answer was lost: the retry gets
    ERR_FACTURE_DOUBLON and the client returns the request already there."""
    client = make_client(urssaf)
    id_client = active_client(urssaf, client)
    request = payment_request(id_client, "F-LOST")
    original = client.session.request
    calls = {"n": 0}

    def lose_first_answer(method, url, *args, **kwargs):
        response = original(method, url, *args, **kwargs)
        if url.endswith("/demandePaiement") and calls["n"] == 0:
            calls["n"] += 1
            raise requests.ConnectionError("answer lost")
        return response

    monkeypatch.setattr(client.session, "request", lose_first_answer)
    sent = client.submit_payment_request(request)
    [found] = client.search_payment_requests(ids=[sent.id])
    assert found.invoice_number == "F-LOST"


def test_no_personal_data_in_the_client_logs(urssaf, caplog):
    caplog.set_level(logging.DEBUG, logger="sap.urssaf")
    client = make_client(urssaf)
    client.register_client(identity())
    text = caplog.text
    assert "/atp/v1/tiersPrestations/particulier" in text
    for secret in ("MARTIN", "Jeanne", VALID_IBAN, "1956", "jeanne.martin"):
        assert secret not in text
