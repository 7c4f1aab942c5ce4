"""The immediate advance over the API: a registration sent again (202), the payment requests of the structures
the person follows (filters, events), structured JSON errors, the schema, no bank account nor birth data."""

import json

import pytest

from hub.enums import StaffRole
from sap import advance
from sap.enums import EnrolmentStatus, RequestStatus
from sap.models import AdvanceClient
from tests.hub.factories import StructureFactory, staff_of
from tests.marketplace.factories import CustomerFactory, SellerSettingsFactory
from tests.sap.test_immediate_advance import IBAN, _enrol, _month_invoice

pytestmark = pytest.mark.django_db
REQUESTS = "/api/v1/sap/payment-requests/"


@pytest.fixture
def provider(urssaf, settings):
    structure = StructureFactory(name="Services du Plateau", invoice_prefix="SDP", ai=True)
    SellerSettingsFactory(structure=structure, cesu=True)
    settings.URSSAF_API_BASE = urssaf.url
    settings.URSSAF_CREDENTIALS = {
        structure.slug: {"client_id": urssaf.client_id, "client_secret": urssaf.client_secret, "billing_id": "TP-1"}
    }
    settings.URSSAF_RETRIES = 0
    settings.URSSAF_BACKOFF = 0
    return structure


@pytest.fixture
def manager(provider):
    return staff_of(provider, role=StaffRole.MANAGER)


def _register_url(client_id: int) -> str:
    return f"/api/v1/sap/clients/{client_id}/register/"


def test_a_refused_registration_is_sent_again_and_answers_202(
    client, provider, urssaf, manager, django_capture_on_commit_callbacks
):
    refused = _enrol(provider, CustomerFactory(), django_capture_on_commit_callbacks, birth_name="INCONNU")
    assert refused.status == EnrolmentStatus.REFUSED
    # Corrected since (e.g. in the back office): sent again.
    AdvanceClient.objects.filter(pk=refused.pk).update(birth_name="Durand")
    client.force_login(manager)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_register_url(refused.pk))

    assert response.status_code == 202
    body = response.json()
    assert (body["id"], body["status"], body["structure"]) == (refused.pk, EnrolmentStatus.TO_REGISTER, provider.slug)
    assert "birth_date" not in body
    assert IBAN not in response.content.decode()
    refused.refresh_from_db()
    assert (refused.status, refused.urssaf_id != "") == (EnrolmentStatus.PENDING, True)
    # Registered now: not sent again (400, structured); not the caller's structure or unknown: 404.
    again = client.post(_register_url(refused.pk))
    assert again.status_code == 400
    assert again.json()["code"] == "not_resendable"
    assert "inscription" in again.json()["message"]
    assert client.post(_register_url(2**40)).json() == {"code": "not_found", "message": "Ressource introuvable."}


@pytest.mark.parametrize("who", ["accountant", "other_manager", "supervisor", "the_client", "resident"])
def test_only_the_structures_managers_send_a_registration_again(
    client, provider, who, django_capture_on_commit_callbacks
):
    refused = _enrol(provider, CustomerFactory(), django_capture_on_commit_callbacks, birth_name="INCONNU")
    person = {
        "accountant": lambda: staff_of(provider, role=StaffRole.ACCOUNTANT),
        "other_manager": lambda: staff_of(StructureFactory(ai=True), role=StaffRole.MANAGER),
        "supervisor": lambda: staff_of(provider, role=StaffRole.SUPERVISOR),
        "the_client": lambda: refused.customer,
        "resident": CustomerFactory,
    }[who]()
    client.force_login(person)

    response = client.post(_register_url(refused.pk))

    assert (response.status_code, response.json()["code"]) == (404, "not_found")
    refused.refresh_from_db()
    assert refused.status == EnrolmentStatus.REFUSED


def test_anonymous_callers_are_refused_with_json(client, provider):
    response = client.get(REQUESTS)
    assert response.status_code in {401, 403}
    assert "code" in response.json()


def test_staff_list_their_structures_payment_requests_with_events(
    client, provider, urssaf, manager, django_capture_on_commit_callbacks, django_assert_num_queries
):
    active = _enrol(provider, CustomerFactory(), django_capture_on_commit_callbacks)
    urssaf.control(f"clients/{active.urssaf_id}/activate")
    advance.follow_clients(structure=provider)
    invoice = _month_invoice(provider, active)
    [request] = advance.sweep_requests()
    request.refresh_from_db()
    urssaf.control(f"payment-requests/{request.urssaf_id}/status", {"code": "30"})
    advance.follow_requests()
    client.force_login(manager)
    client.get(REQUESTS)

    with django_assert_num_queries(7):  # session, user, roles, structures, count, page, events
        response = client.get(REQUESTS)

    assert response.status_code == 200
    [row] = response.json()["results"]
    assert (row["id"], row["invoice_number"], row["client_name"], row["amount"], row["status"]) == (
        request.pk, invoice.number, "Jeanne Marie Durand", "150.00", RequestStatus.VALIDATED,
    )  # fmt: skip
    assert [event["status"] for event in row["events"]][:2] == [RequestStatus.TO_SEND, RequestStatus.WAITING]
    assert {"transfer_amount", "transfer_date", "last_message", "urssaf_status", "period_start"} <= row.keys()
    text = response.content.decode()
    assert IBAN not in text
    assert "1948" not in text
    assert "Melun" not in text
    # Filters.
    assert client.get(REQUESTS, {"status": "paid"}).json()["results"] == []
    assert len(client.get(REQUESTS, {"structure": provider.slug, "status": "validated"}).json()["results"]) == 1
    bad = client.get(REQUESTS, {"status": "nope"})
    assert (bad.status_code, bad.json()["code"], "status" in bad.json()["errors"]) == (400, "invalid", True)
    other = StructureFactory(ai=True)
    assert client.get(REQUESTS, {"structure": other.slug}).status_code == 404
    # Accountants read them; another structure's manager, a supervisor or a resident: 404.
    client.force_login(staff_of(provider, role=StaffRole.ACCOUNTANT))
    assert len(client.get(REQUESTS).json()["results"]) == 1
    for intruder in (
        staff_of(other, role=StaffRole.MANAGER),
        staff_of(provider, role=StaffRole.SUPERVISOR),
        active.customer,
    ):
        client.force_login(intruder)
        response = client.get(REQUESTS, {"structure": provider.slug})
        assert (response.status_code, response.json()["code"]) == (404, "not_found")
    client.force_login(staff_of(other, role=StaffRole.MANAGER))
    assert client.get(REQUESTS).json()["results"] == []


def test_the_advance_endpoints_are_in_the_openapi_schema(client):
    schema = json.loads(client.get("/api/schema/", {"format": "json"}).content)
    register = schema["paths"]["/api/v1/sap/clients/{id}/register/"]["post"]
    assert {"202", "400", "404"} <= register["responses"].keys()
    listing = schema["paths"]["/api/v1/sap/payment-requests/"]["get"]
    assert {"structure", "status"} <= {parameter["name"] for parameter in listing["parameters"]}
    assert {"200", "400", "404"} <= listing["responses"].keys()
