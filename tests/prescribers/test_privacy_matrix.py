"""Who sees what (issue 15): each kind of person × each page or endpoint of the supports — allowed, or a
404 (401/redirect when signed out) — and nothing of another's data in what they get."""

import pytest
from django.urls import reverse

from prescribers.models import Support
from tests.accounts.factories import UserFactory
from tests.hub.factories import StructureFactory, staff_of
from tests.marketplace.factories import CustomerFactory, OrderFactory
from tests.prescribers.factories import PrescriberFactory, SupportFactory, social_worker_of

pytestmark = pytest.mark.django_db
API = "/api/v1/prescribers/supports/"


@pytest.fixture
def world():
    org_a, org_b = PrescriberFactory(name="CCAS d'Alpha"), PrescriberFactory(name="CCAS de Bêta")
    person = CustomerFactory(first_name="Mireille", last_name="Zéphyrin", email="mireille.zephyrin@exemple.test")
    support = SupportFactory(organisation=org_a, person=person, consented=True)
    order = OrderFactory(customer=person)
    return {
        "org_a": org_a,
        "org_b": org_b,
        "support": support,
        "order": order,
        "people": {
            "worker_a": social_worker_of(org_a),
            "worker_b": social_worker_of(org_b),
            "head_a": social_worker_of(org_a, head=True),
            "person": person,
            "other_customer": CustomerFactory(),
            "structure_staff": staff_of(StructureFactory()),
            "hub_admin": UserFactory(hub_admin=True),
            "anonymous": None,
        },
    }


SEES_THE_SUPPORT = {"worker_a", "head_a"}
SOCIAL_WORKERS = {"worker_a", "worker_b", "head_a"}
EVERYONE = ["worker_a", "worker_b", "head_a", "person", "other_customer", "structure_staff", "hub_admin", "anonymous"]


def _client(client, world, who):
    user = world["people"][who]
    if user is not None:
        client.force_login(user)
    return client


@pytest.mark.parametrize("who", EVERYONE)
def test_the_supports_list(client, world, who):
    response = _client(client, world, who).get(reverse("prescribers:supports"))

    if who == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    elif who in SOCIAL_WORKERS:
        assert response.status_code == 200
        assert ("Zéphyrin" in response.content.decode()) is (who in SEES_THE_SUPPORT)
    else:
        assert response.status_code == 404
        assert "Zéphyrin" not in response.content.decode()


@pytest.mark.parametrize("who", EVERYONE)
def test_the_support_page_and_the_orders_section(client, world, who):
    response = _client(client, world, who).get(reverse("prescribers:support", args=[world["support"].pk]))

    body = response.content.decode()
    if who in SEES_THE_SUPPORT:
        assert response.status_code == 200
        assert "mireille.zephyrin@exemple.test" in body
        assert world["order"].reference in body
    elif who == "anonymous":
        assert response.status_code == 302
    else:
        assert response.status_code == 404
    if who not in SEES_THE_SUPPORT:
        assert "Zéphyrin" not in body
        assert world["order"].reference not in body


@pytest.mark.parametrize("who", EVERYONE)
def test_the_api_list(client, world, who):
    response = _client(client, world, who).get(API)

    if who == "anonymous":
        assert response.status_code in {401, 403}
        assert response.json()["code"] == "not_authenticated"
    elif who in SOCIAL_WORKERS:
        assert response.status_code == 200
        names = [row["person_name"] for row in response.json()["results"]]
        assert names == (["Mireille Zéphyrin"] if who in SEES_THE_SUPPORT else [])
    else:
        assert response.status_code == 404
        assert response.json() == {"code": "not_found", "message": "Ressource introuvable."}
    assert "Zéphyrin" not in response.content.decode() or who in SEES_THE_SUPPORT


@pytest.mark.parametrize("who", EVERYONE)
def test_the_api_create(client, world, who):
    before = Support.objects.filter(organisation=world["org_a"]).count()
    payload = {
        "organisation": world["org_a"].slug,
        "email": world["people"]["other_customer"].email,
        "ground": "hardship",
        "starts_on": world["support"].starts_on.isoformat(),
        "ends_on": world["support"].ends_on.isoformat(),
    }

    response = _client(client, world, who).post(API, payload, content_type="application/json")

    if who in SEES_THE_SUPPORT:
        assert response.status_code == 201
        assert response.json()["status"] == "awaiting_consent"
        assert Support.objects.filter(organisation=world["org_a"]).count() == before + 1
        return
    if who == "anonymous":
        assert response.status_code in {401, 403}
    elif who == "worker_b":  # a social worker, but not of that organisation
        assert response.status_code == 400
        assert response.json()["errors"]["organisation"] == ["Organisation inconnue ou qui n'est pas la vôtre."]
    else:
        assert response.status_code == 404
    assert Support.objects.filter(organisation=world["org_a"]).count() == before


def test_the_person_sees_who_supports_them_and_nobody_else_does(client, world):
    client.force_login(world["people"]["person"])
    body = client.get(reverse("prescribers:my_supports")).content.decode()
    assert "CCAS d&#x27;Alpha" in body
    assert "Retirer mon accord" in body

    client.force_login(world["people"]["other_customer"])
    body = client.get(reverse("prescribers:my_supports")).content.decode()
    assert "CCAS d&#x27;Alpha" not in body
    assert "Aucune organisation ne vous accompagne." in body


def test_once_consent_is_withdrawn_the_organisation_sees_nothing_more(client, world):
    support, person = world["support"], world["people"]["person"]
    client.force_login(person)
    client.post(reverse("prescribers:withdraw_consent", args=[support.pk]))
    support.refresh_from_db()
    assert support.consent_withdrawn_at is not None

    client.force_login(world["people"]["worker_a"])
    assert client.get(reverse("prescribers:support", args=[support.pk])).status_code == 404
    listing = client.get(reverse("prescribers:supports")).content.decode()
    assert "Zéphyrin" not in listing
    assert client.get(API).json()["results"] == []


def test_while_consent_is_awaited_the_orders_are_hidden(client, world):
    waiting = SupportFactory(organisation=world["org_b"], person=world["people"]["person"])
    client.force_login(world["people"]["worker_b"])

    body = client.get(reverse("prescribers:support", args=[waiting.pk])).content.decode()

    assert world["order"].reference not in body
    assert 'id="support-orders-hidden"' in body


# --- Third-party payment and ordering on behalf (ADR 0034) --------------------------------------------


def _behalf_urls(support):
    return {
        "subscribe": reverse("prescribers:subscribe_for", args=[support.pk]),
        "book_list": reverse("prescribers:book_for_list", args=[support.pk]),
        "end_funding": reverse("prescribers:end_funding", args=[support.pk]),
    }


@pytest.mark.parametrize("who", EVERYONE)
def test_ordering_on_behalf_pages(client, world, who):
    for name, url in _behalf_urls(world["support"]).items():
        response = _client(client, world, who).get(url)
        if who in SEES_THE_SUPPORT:
            # No running funding: « arrêter » sends back to the support page.
            assert response.status_code == (302 if name == "end_funding" else 200), name
            if name != "end_funding":
                assert "Mireille Zéphyrin" in response.content.decode()
        elif who == "anonymous":
            assert response.status_code == 302
            assert response["Location"].startswith(reverse("account_login"))
        else:
            assert response.status_code == 404, (who, name)
            assert "Zéphyrin" not in response.content.decode()


@pytest.mark.parametrize("who", EVERYONE)
def test_setting_a_funding(client, world, who):
    support = world["support"]
    data = {"share_percent": "50", "kinds": ["basket"], "ends_on": support.ends_on.isoformat()}

    response = _client(client, world, who).post(reverse("prescribers:set_funding", args=[support.pk]), data)

    if who in SEES_THE_SUPPORT:
        assert response.status_code == 302
        assert support.fundings.count() == 1
        return
    assert response.status_code == (302 if who == "anonymous" else 404)
    assert support.fundings.count() == 0


@pytest.mark.parametrize("who", EVERYONE)
def test_the_budget_page(client, world, who):
    from prescribers.models import Budget

    Budget.objects.create(
        organisation=world["org_a"], year=world["support"].starts_on.year, amount=1234, set_by=world["people"]["head_a"]
    )
    response = _client(client, world, who).get(reverse("prescribers:budget"))

    body = response.content.decode()
    if who in SOCIAL_WORKERS:
        assert response.status_code == 200
        assert ("1\u202f234,00\u00a0€" in body or "1 234,00\u00a0€" in body) is (who in SEES_THE_SUPPORT)
    else:
        assert response.status_code == (302 if who == "anonymous" else 404)
        assert "CCAS d&#x27;Alpha" not in body


@pytest.mark.parametrize("who", EVERYONE)
def test_the_invoice_of_the_prescribers_shares(client, world, who):
    """The organisation's invoice names the people it pays for: its social workers open it, and the hub's
    admins as any invoice (the seller's staff would too); no other social worker, customer or staff."""
    import datetime

    from django.utils import timezone

    from marketplace.actions.checkout import place_order_for_items
    from marketplace.actions.third_party import bill_third_party_shares
    from prescribers.models import Budget, Funding
    from tests.hub.factories import SiteFactory
    from tests.marketplace.factories import billing_for
    from tests.services.factories import OfferingFactory

    support, today = world["support"], timezone.localdate()
    Budget.objects.create(organisation=world["org_a"], year=today.year, amount=100, set_by=world["people"]["head_a"])
    Funding.objects.create(support=support, share_percent=50, kinds=["basket"], starts_on=today,
                           ends_on=today + datetime.timedelta(days=30), created_by=world["people"]["head_a"])  # fmt: skip
    person = world["people"]["person"]
    place_order_for_items(
        user=person, items=[(OfferingFactory(basket=True), 1)], payment_method="cash", billing=billing_for(person),
        pickup_point=SiteFactory(pickup_point=True),
    )  # fmt: skip
    invoice = bill_third_party_shares(year=today.year, month=today.month)[0].invoices.get()
    assert invoice.organisation == world["org_a"]

    response = _client(client, world, who).get(reverse("marketplace:invoice_pdf", args=[invoice.number]))
    response.close()  # a PDF is streamed from its file

    if who in SEES_THE_SUPPORT | {"hub_admin"}:
        assert response.status_code == 200
    elif who == "anonymous":
        assert response.status_code == 302
    else:
        assert response.status_code == 404
