"""The API against its own OpenAPI schema: schemathesis generates requests for every operation, as a
resident with a token, and runs every check (no 5xx, status codes, content types, headers and bodies
as documented, invalid data refused). Bounded: a few examples per operation, no shrinking."""

import datetime

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, Phase, settings
from schemathesis.specs.openapi.checks import ignored_auth

from accounts.actions import create_api_token
from config.wsgi import application
from hub.enums import StaffRole
from tests.hub.factories import StructureFactory, StructureRoleFactory
from tests.insertion.factories import JobFactory, TeamFactory, WorkerFactory
from tests.marketplace.factories import CustomerFactory

pytestmark = pytest.mark.django_db

STRIPE_WEBHOOK = "/api/v1/stripe/webhook/"


@pytest.fixture(autouse=True)
def _keep_the_test_transaction():
    """Calling the WSGI app directly would close the test's connection at request end, as the test
    client avoids too (django.test.client): keep it open while the request runs inside the test."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def resident_token(db) -> str:
    return create_api_token(user=CustomerFactory(email="fuzz.resident@exemple.test"), name="fuzz")[1]


# Loaded at collection (schemathesis' lazy `from_fixture` does not work with pytest 9: it sets
# `node._nodeid`, which pytest removed). The schema view reads no database.
# The Stripe webhook authenticates by signature, not by token: test_stripe_webhook_* below.
# A well-formed request may still be refused by a business rule (an unknown plan, a full slot, a
# period that ends before it starts): the API answers those with a 400 {"code", "message"} by
# design (hub/api/errors.py), so "valid data accepted" allows 400 besides 2xx/401/404/409.
CONFIG = schemathesis.Config.from_dict(
    {"checks": {"positive_data_acceptance": {"expected-statuses": ["2xx", "400", "401", "404", "409"]}}}
)
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application, config=CONFIG).exclude(
    path=STRIPE_WEBHOOK
)


BOUNDED = settings(
    max_examples=12,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],  # no shrinking: a failure is reported as found
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)


@schema.parametrize()
@BOUNDED
def test_api_conforms_to_its_schema(case, resident_token):
    case.call_and_validate(headers={"Authorization": f"Token {resident_token}"})


@pytest.fixture
def staff_token(db, settings) -> str:
    """A supervisor and accountant of a structure with books, a team, workers and this week's jobs."""
    settings.INSERTION_PLANNER_SECONDS = 1
    structure = StructureFactory(books=timezone.localdate())
    team = TeamFactory(structure=structure)
    for _ in range(2):
        WorkerFactory(structure=structure, team=team, ready=True)
    for offset in range(3):
        JobFactory(structure=structure, date=timezone.localdate() + datetime.timedelta(days=offset))
    user = StructureRoleFactory(structure=structure, role=StaffRole.SUPERVISOR).user
    StructureRoleFactory(structure=structure, user=user, role=StaffRole.ACCOUNTANT)
    return create_api_token(user=user, name="fuzz")[1]


# The staff endpoints answer 404 to a resident: fuzzed again as their staff, fewer examples. They
# answer 404 (not 401) without credentials too, by design (nothing tells that the books exist), so
# the "request without authentication gets 401/403" check does not apply to them.
@schema.include(path_regex="^/api/v1/(insertion|accounting)/").parametrize()
@settings(BOUNDED, max_examples=5)
def test_staff_api_conforms_to_its_schema(case, staff_token):
    case.call_and_validate(headers={"Authorization": f"Token {staff_token}"}, excluded_checks=[ignored_auth])


WEBHOOK = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)[STRIPE_WEBHOOK]["POST"]


@pytest.mark.parametrize(
    ("headers", "code"),
    [({}, "invalid_signature"), ({"Stripe-Signature": "t=1,v1=0000"}, "invalid_signature")],
)
def test_stripe_webhook_refusal_conforms_to_the_schema(headers, code):
    """The webhook, left out of the fuzzing, refuses unsigned events with its documented error."""
    response = WEBHOOK.Case(headers=headers).call_and_validate()
    assert response.status_code == 400
    assert response.json() == {"code": code, "message": "Signature Stripe invalide."}
