"""The supports' pages and API: the form's bad input answered in French (400), the API's as structured
JSON, the person's consent buttons, and query counts pinned on the list page and endpoint."""

import datetime

import pytest
from dateutil.relativedelta import relativedelta
from django.urls import reverse
from django.utils import timezone

from prescribers.models import Support
from tests.accounts.factories import PASSWORD
from tests.marketplace.factories import CustomerFactory
from tests.prescribers.factories import PrescriberFactory, SupportFactory, social_worker_of

pytestmark = pytest.mark.django_db
API = "/api/v1/prescribers/supports/"


@pytest.fixture
def ccas():
    return PrescriberFactory(name="CCAS de Moret")


@pytest.fixture
def worker(ccas):
    return social_worker_of(ccas)


def _form(ccas, **overrides):
    today = timezone.localdate()
    return {
        "organisation": ccas.pk, "email": CustomerFactory().email, "ground": "hardship", "note": "",
        "starts_on": today.isoformat(), "ends_on": (today + relativedelta(months=3)).isoformat(), **overrides,
    }  # fmt: skip


def test_the_form_opens_a_support_and_shows_it(client, ccas, worker):
    client.force_login(worker)
    data = _form(ccas, consent_in_writing="on", grant_tier="on")

    response = client.post(reverse("prescribers:open_support"), data)

    support = Support.objects.get(organisation=ccas)
    assert response.status_code == 302
    assert response["Location"] == reverse("prescribers:support", args=[support.pk])
    assert (support.person.email, support.grants_tier, support.consent_recorded_by) == (data["email"], True, worker)
    page = client.get(response["Location"]).content.decode()
    assert "Tarif solidaire accordé" in page
    assert "Aucune commande depuis le début de l'accompagnement." in page


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"note": "a\x00b"}, "La requête contient un caractère nul : elle est refusée."),
        ({"note": "x" * 201}, "200 caractères au plus (vous en avez saisi 201)."),
        ({"email": "pas-une-adresse"}, "Adresse e-mail invalide."),
        ({"ends_on": (timezone.localdate() - datetime.timedelta(days=1)).isoformat()},
         "La fin de l&#x27;accompagnement précède son début."),
        ({"ends_on": (timezone.localdate() + relativedelta(months=13)).isoformat()},
         "Un accompagnement dure douze mois au plus."),
        ({"starts_on": "31/02/2026"}, "Saisissez une date valide (jj/mm/aaaa)."),
    ],
)  # fmt: skip
def test_the_form_refuses_bad_input_in_french(client, ccas, worker, overrides, message):
    client.force_login(worker)

    response = client.post(reverse("prescribers:open_support"), _form(ccas, **overrides))

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Support.objects.filter(organisation=ccas).exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [({"note": "a\x00b"}, "note"), ({"note": "x" * 201}, "note"), ({"email": "pas-une-adresse"}, "email"),
     ({"ground": "sante"}, "ground"), ({"starts_on": "2026-02-31"}, "starts_on")],
)  # fmt: skip
def test_the_api_refuses_bad_input_as_json(client, ccas, worker, overrides, field):
    client.force_login(worker)
    payload = {**_form(ccas, **overrides), "organisation": ccas.slug}

    response = client.post(API, payload, content_type="application/json")

    assert response.status_code == 400
    body = response.json()
    assert (body["code"], body["message"], list(body["errors"])) == (
        "invalid",
        "Les données envoyées ne sont pas valides.",
        [field],
    )
    assert not Support.objects.filter(organisation=ccas).exists()


def test_the_api_gives_a_refusal_of_the_action_as_json(client, ccas, worker):
    client.force_login(worker)
    payload = {**_form(ccas, ends_on=(timezone.localdate() + relativedelta(months=13)).isoformat()),
               "organisation": ccas.slug}  # fmt: skip

    response = client.post(API, payload, content_type="application/json")

    assert response.status_code == 400
    assert response.json() == {"code": "support_refused", "message": "Un accompagnement dure douze mois au plus."}
    assert not Support.objects.filter(organisation=ccas).exists()


def test_the_person_accepts_then_withdraws(client, ccas):
    support = SupportFactory(organisation=ccas)
    client.force_login(support.person)

    client.post(reverse("prescribers:accept_support", args=[support.pk]))
    support.refresh_from_db()
    assert support.consent_at is not None
    confirm = client.get(reverse("prescribers:withdraw_consent", args=[support.pk]))
    assert "ne verra plus rien de vous" in confirm.content.decode()
    support.refresh_from_db()
    assert support.closed_at is None  # the confirm page changes nothing
    client.post(reverse("prescribers:withdraw_consent", args=[support.pk]))
    support.refresh_from_db()
    assert support.consent_withdrawn_at is not None


def test_the_person_cannot_act_on_another_persons_support(client, ccas):
    support = SupportFactory(organisation=ccas)
    client.force_login(CustomerFactory())

    assert client.post(reverse("prescribers:accept_support", args=[support.pk])).status_code == 404
    assert client.post(reverse("prescribers:withdraw_consent", args=[support.pk])).status_code == 404
    support.refresh_from_db()
    assert (support.consent_at, support.closed_at) == (None, None)


def test_the_search_stays_within_the_organisations_people(client, ccas, worker):
    SupportFactory(organisation=ccas, person=CustomerFactory(last_name="Vasseur"))
    SupportFactory(person=CustomerFactory(last_name="Vasselin"))  # another CCAS's
    client.force_login(worker)

    body = client.get(reverse("prescribers:supports"), {"q": "Vass"}).content.decode()

    assert ("Vasseur" in body, "Vasselin" in body) == (True, False)
    assert client.get(reverse("prescribers:supports"), {"q": "a\x00"}).status_code == 400


def test_a_social_worker_lands_on_their_supports(client, worker):
    response = client.post(reverse("account_login"), {"login": worker.email, "password": PASSWORD})

    assert response["Location"] == reverse("prescribers:supports")


@pytest.mark.parametrize("count", [1, 5])
def test_the_list_page_query_count_does_not_grow(client, ccas, worker, count, django_assert_num_queries):
    for _ in range(count):
        SupportFactory(organisation=ccas, consented=True)
    client.force_login(worker)
    client.get(reverse("prescribers:supports"))  # the header's menu is computed once per session

    with django_assert_num_queries(5):  # session, user, memberships, supports, statuses
        response = client.get(reverse("prescribers:supports"))

    assert response.content.decode().count('class="support-row"') == count


@pytest.mark.parametrize("count", [1, 5])
def test_the_api_query_count_does_not_grow(client, ccas, worker, count, django_assert_num_queries):
    for _ in range(count):
        SupportFactory(organisation=ccas)
    client.force_login(worker)

    with django_assert_num_queries(5):  # session, user, memberships, count, page
        response = client.get(API)

    assert response.json()["count"] == count


def test_a_social_worker_closes_a_support_after_confirming(client, ccas, worker):
    support = SupportFactory(organisation=ccas, consented=True)
    client.force_login(worker)

    confirm = client.get(reverse("prescribers:close_support", args=[support.pk]))
    support.refresh_from_db()
    assert (confirm.status_code, support.closed_at) == (200, None)
    client.post(reverse("prescribers:close_support", args=[support.pk]))

    support.refresh_from_db()
    assert support.closed_at is not None
    assert list(support.events.values_list("kind", flat=True)) == ["closed"]


def test_another_organisation_cannot_close_a_support(client, ccas):
    support = SupportFactory(organisation=ccas, consented=True)
    client.force_login(social_worker_of(PrescriberFactory()))

    assert client.post(reverse("prescribers:close_support", args=[support.pk])).status_code == 404
    support.refresh_from_db()
    assert support.closed_at is None


def test_the_endpoint_is_in_the_openapi_schema(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()

    operations = schema["paths"]["/api/v1/prescribers/supports/"]
    assert sorted(operations) == ["get", "post"]
    assert operations["post"]["summary"] == "Ouvrir un accompagnement"
    assert {"201", "400", "404"} <= set(operations["post"]["responses"])
