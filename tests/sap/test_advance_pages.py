"""The immediate advance's pages: the provider's list, the registration form, a client's page with its
requests' history and the actions confirmed first, the client's « Mon avance immédiate »; who opens what."""

import datetime
import html

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts import staff_tools
from hub.enums import StaffRole
from sap import advance
from sap.enums import EnrolmentStatus, RequestStatus
from sap.models import AdvanceClient, PaymentRequest
from tests.hub.factories import StructureFactory, staff_of
from tests.marketplace.factories import CustomerFactory
from tests.sap.test_immediate_advance import IBAN, _enrol, _month_invoice

pytestmark = pytest.mark.django_db


@pytest.fixture
def active_client(provider, urssaf, django_capture_on_commit_callbacks):
    client = _enrol(provider, CustomerFactory(), django_capture_on_commit_callbacks)
    urssaf.control(f"clients/{client.urssaf_id}/activate")
    advance.follow_clients(structure=provider)
    client.refresh_from_db()
    return client


def _text(response) -> str:
    return html.unescape(response.content.decode()).replace("\xa0", " ").replace("\u202f", " ")


def _form(customer, **overrides) -> dict:
    return {
        "customer_email": customer.email, "civility": "2", "birth_name": "Durand", "usage_name": "",
        "first_names": "Jeanne Marie", "birth_date": "1948-05-02", "birth_country_code": "99100",
        "birth_department": "77", "birth_commune_code": "77288", "birth_commune_label": "Melun",
        "mobile_phone": "06 12 34 56 78", "email": "jeanne.durand@example.test", "street_number": "4",
        "street_letter": "", "street_type_code": "R", "street_name": "des Tilleuls", "complement": "",
        "locality": "", "postcode": "77140", "city_code": "77333", "city_label": "Nemours",
        "iban": "FR76 3000 6000 0112 3456 7890 189", "bic": "BNPAFRPPXXX", "account_holder": "Jeanne Durand",
        **overrides,
    }  # fmt: skip


@pytest.fixture
def manager(provider):
    return staff_of(provider, role=StaffRole.MANAGER)


@pytest.fixture
def failed_request(provider, urssaf, django_capture_on_commit_callbacks) -> PaymentRequest:
    """A request the URSSAF refused when sent (the client believed active, not yet activated)."""
    client = _enrol(provider, CustomerFactory(), django_capture_on_commit_callbacks)
    AdvanceClient.objects.filter(pk=client.pk).update(status=EnrolmentStatus.ACTIVE)
    client.refresh_from_db()
    _month_invoice(provider, client)
    [request] = advance.sweep_requests()
    request.refresh_from_db()
    assert request.status == RequestStatus.FAILED
    return request


def _urls(provider, client) -> dict[str, str]:
    return {
        "list": reverse("sap:structure_advance", args=[provider.slug]),
        "client": reverse("sap:advance_client", args=[provider.slug, client.pk]),
        "enrol": reverse("sap:enrol_advance_client", args=[provider.slug]),
        "withdraw": reverse("sap:withdraw_advance_client", args=[provider.slug, client.pk]),
    }


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("manager", {"list": 200, "client": 200, "enrol": 200, "withdraw": 200, "mine": 200}),
        ("accountant", {"list": 200, "client": 200, "enrol": 404, "withdraw": 404, "mine": 200}),
        ("other_manager", {"list": 404, "client": 404, "enrol": 404, "withdraw": 404, "mine": 200}),
        ("supervisor", {"list": 404, "client": 404, "enrol": 404, "withdraw": 404, "mine": 200}),
        ("the_client", {"list": 404, "client": 404, "enrol": 404, "withdraw": 404, "mine": 200}),
        ("resident", {"list": 404, "client": 404, "enrol": 404, "withdraw": 404, "mine": 200}),
    ],
)
def test_who_opens_which_page(client, provider, active_client, who, expected):
    people = {
        "manager": lambda: staff_of(provider, role=StaffRole.MANAGER),
        "accountant": lambda: staff_of(provider, role=StaffRole.ACCOUNTANT),
        "other_manager": lambda: staff_of(StructureFactory(ai=True), role=StaffRole.MANAGER),
        "supervisor": lambda: staff_of(provider, role=StaffRole.SUPERVISOR),
        "the_client": lambda: active_client.customer,
        "resident": CustomerFactory,
    }
    person = people[who]()
    client.force_login(person)
    urls = {**_urls(provider, active_client), "mine": reverse("sap:my_advance")}

    assert {name: client.get(url).status_code for name, url in urls.items()} == expected
    # The menu offers exactly the pages the person can open (never a 404).
    offered = {url for _key, links in staff_tools.compute_menu(person) for _name, url, _structure in links}
    assert (urls["list"] in offered) == (expected["list"] == 200)
    assert (urls["mine"] in offered) == (who == "the_client")
    assert client.get(urls["list"].replace(provider.slug, "inconnue")).status_code == 404
    assert client.get(reverse("sap:advance_client", args=[provider.slug, 2**40])).status_code == 404


def test_the_list_shows_clients_and_requests_in_a_bounded_number_of_queries(
    client,
    provider,
    urssaf,
    active_client,
    manager,
    django_capture_on_commit_callbacks,
    django_assert_num_queries,
):
    _month_invoice(provider, active_client)
    advance.sweep_requests()
    client.force_login(manager)
    url = reverse("sap:structure_advance", args=[provider.slug])
    client.get(url)  # sessions and caches warm

    with django_assert_num_queries(6):
        page = client.get(url)
    text = page.content.decode()
    assert "Active" in text
    assert "APPAREILLAGE_VALIDE" in text
    request = PaymentRequest.objects.get(client=active_client)
    assert request.invoice.number in text
    assert "150,00" in text
    # More clients and requests: the same number of queries.
    for index in range(3):
        other = _enrol(provider, CustomerFactory(), django_capture_on_commit_callbacks, email=f"c{index}@example.test",
                       first_names=f"Paul{'e' * index}")  # fmt: skip
        assert other.status == EnrolmentStatus.PENDING
    with django_assert_num_queries(6):
        client.get(url)


def test_the_client_page_shows_the_identity_masked_and_each_requests_history(
    client,
    provider,
    urssaf,
    active_client,
    manager,
    django_assert_num_queries,
):
    _month_invoice(provider, active_client)
    [request] = advance.sweep_requests()
    request.refresh_from_db()
    urssaf.control(f"payment-requests/{request.urssaf_id}/status", {"code": "30"})
    advance.follow_requests()
    client.force_login(manager)
    url = reverse("sap:advance_client", args=[provider.slug, active_client.pk])
    client.get(url)

    with django_assert_num_queries(7):
        text = client.get(url).content.decode()
    assert "FR76 •••• 0189" in text
    assert IBAN not in text
    assert "Demande préparée pour la facture" in text
    assert "Validée" in text
    client.force_login(staff_of(provider, role=StaffRole.ACCOUNTANT))
    text = client.get(url).content.decode()
    assert "Validée" in text
    assert "FR76 •••• 0189" not in text
    assert "02/05/1948" not in text


def test_enrolment_registers_the_client_and_shows_their_page(
    client, provider, urssaf, manager, django_capture_on_commit_callbacks
):
    customer = CustomerFactory()
    client.force_login(manager)
    url = reverse("sap:enrol_advance_client", args=[provider.slug])
    assert 'value="99100"' in client.get(url).content.decode()

    with django_capture_on_commit_callbacks(execute=True):  # the registration is sent once committed
        response = client.post(url, _form(customer))

    registered = AdvanceClient.objects.get(customer=customer)
    assert response.url == reverse("sap:advance_client", args=[provider.slug, registered.pk])
    response = client.get(response.url)
    assert (registered.status, registered.iban, registered.mobile_phone, registered.created_by) == (
        EnrolmentStatus.PENDING, IBAN, "0612345678", manager,
    )  # fmt: skip
    text = response.content.decode()
    assert "En attente d'activation par le client" in html.unescape(text)
    assert "FR76 •••• 0189" in text
    assert IBAN not in text
    # The same client twice: refused with its French message, nothing more saved.
    again = client.post(url, _form(customer))
    assert again.status_code == 400
    assert "déjà inscrit" in again.content.decode()
    assert AdvanceClient.objects.filter(structure=provider).count() == 1


def _years_ago(years: int, days: int = 0) -> str:
    today = timezone.localdate()
    return (today.replace(year=today.year - years) + datetime.timedelta(days=days)).isoformat()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"customer_email": "personne@example.test"}, "customer_email", "Aucun compte du site"),
        ({"customer_email": "pas-une-adresse"}, "customer_email", "Adresse e-mail invalide"),
        ({"civility": "3"}, "civility", "Choisissez Madame ou Monsieur"),
        ({"birth_name": ""}, "birth_name", "Ce champ est obligatoire"),
        ({"birth_name": "D" * 81}, "birth_name", "80 caractères au plus"),
        ({"first_names": "J" * 81}, "first_names", "80 caractères au plus"),
        ({"birth_date": "31/02/1950"}, "birth_date", "Date invalide"),
        ({"birth_date": "1899-12-31"}, "birth_date", "Date de naissance trop ancienne"),
        ({"birth_date": _years_ago(16, days=1)}, "birth_date", "au moins 16 ans"),
        ({"birth_country_code": "12345"}, "birth_country_code", "Code INSEE de pays invalide"),
        ({"birth_department": ""}, "birth_department", "Obligatoire pour une personne née en France"),
        ({"birth_department": "7A"}, "birth_department", "Département invalide"),
        ({"birth_commune_code": "7728"}, "birth_commune_code", "Code INSEE de commune invalide"),
        ({"mobile_phone": "0112345678"}, "mobile_phone", "Numéro de portable invalide"),
        ({"mobile_phone": "0" * 16}, "mobile_phone", "15 caractères au plus"),
        ({"email": "jeanne@"}, "email", "Adresse e-mail invalide"),
        ({"street_name": "", "complement": "", "locality": ""}, "street_name", "Indiquez la voie"),
        ({"street_letter": "1"}, "street_letter", "L'indice est une lettre"),
        ({"postcode": "7714"}, "postcode", "Code postal invalide"),
        ({"city_code": "ABCDE"}, "city_code", "Code INSEE de commune invalide"),
        ({"iban": "FR7630006000011234567890180"}, "iban", "IBAN invalide"),
        ({"iban": "FR76" + "1" * 40}, "iban", "42 caractères au plus"),
        ({"bic": "BNP"}, "bic", "BIC invalide"),
        ({"account_holder": ""}, "account_holder", "Ce champ est obligatoire"),
    ],
)
def test_a_bad_enrolment_is_refused_with_a_french_message_and_saves_nothing(
    client,
    provider,
    manager,
    overrides,
    field,
    message,
):
    client.force_login(manager)
    response = client.post(
        reverse("sap:enrol_advance_client", args=[provider.slug]), _form(CustomerFactory(), **overrides)
    )

    assert response.status_code == 400
    assert message in response.content.decode().replace("&#x27;", "'")
    assert field in response.context["form"].errors
    assert AdvanceClient.objects.filter(structure=provider).count() == 0


def test_a_nul_byte_is_refused_and_nothing_saved(client, provider, manager):
    client.force_login(manager)
    response = client.post(
        reverse("sap:enrol_advance_client", args=[provider.slug]), _form(CustomerFactory(), birth_name="Du\x00rand")
    )
    assert response.status_code == 400
    assert AdvanceClient.objects.filter(structure=provider).count() == 0


def test_resend_and_fallback_and_withdrawal_are_confirmed_first(
    client,
    provider,
    urssaf,
    manager,
    failed_request,
    django_capture_on_commit_callbacks,
):
    client.force_login(manager)
    advance_client = failed_request.client
    page = client.get(reverse("sap:advance_client", args=[provider.slug, advance_client.pk])).content.decode()
    resend = reverse("sap:resend_payment_request", args=[provider.slug, failed_request.pk])
    fallback = reverse("sap:fall_back_payment_request", args=[provider.slug, failed_request.pk])
    withdraw = reverse("sap:withdraw_advance_client", args=[provider.slug, advance_client.pk])
    assert resend in page
    assert fallback in page
    assert withdraw in page

    for url, button in ((resend, "Oui, renvoyer"), (fallback, "Oui, régler autrement"),
                        (withdraw, "Oui, retirer ce client")):  # fmt: skip
        confirm = client.get(url)
        assert (confirm.status_code, button in confirm.content.decode()) == (200, True)
    failed_request.refresh_from_db()
    advance_client.refresh_from_db()
    assert (failed_request.status, failed_request.fallback_at, advance_client.status) == (
        RequestStatus.FAILED, None, EnrolmentStatus.ACTIVE,
    )  # fmt: skip  # nothing changed before confirming

    urssaf.control(f"clients/{advance_client.urssaf_id}/activate")
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(resend).status_code == 302
    failed_request.refresh_from_db()
    assert failed_request.status == RequestStatus.WAITING
    # A request on its way is neither resent nor settled otherwise: the page says so, nothing changes.
    assert client.post(resend, follow=True).status_code == 200
    assert client.post(fallback).status_code == 302
    failed_request.refresh_from_db()
    assert (failed_request.status, failed_request.fallback_at) == (RequestStatus.WAITING, None)

    assert client.post(withdraw).status_code == 302
    advance_client.refresh_from_db()
    assert advance_client.status == EnrolmentStatus.WITHDRAWN
    for intruder in (staff_of(provider, role=StaffRole.ACCOUNTANT), advance_client.customer):
        client.force_login(intruder)
        assert client.post(resend).status_code == 404
        assert client.post(fallback).status_code == 404


def test_a_failed_request_is_settled_otherwise_after_confirming(client, provider, manager, failed_request):
    client.force_login(manager)
    url = reverse("sap:fall_back_payment_request", args=[provider.slug, failed_request.pk])

    response = client.post(url, follow=True)

    failed_request.refresh_from_db()
    assert failed_request.fallback_at is not None
    assert f"Facture {failed_request.invoice.number} à régler par un autre moyen" in response.content.decode()


def test_the_client_sees_the_half_paid_by_the_advance(
    client, provider, urssaf, active_client, django_assert_num_queries
):
    _month_invoice(provider, active_client, hours="5")
    [request] = advance.sweep_requests()
    client.force_login(active_client.customer)
    url = reverse("sap:my_advance")
    client.get(url)

    with django_assert_num_queries(4):
        text = _text(client.get(url))

    assert provider.name in text
    assert "À valider sur votre compte URSSAF" in text
    assert "50 % payés par l'avance immédiate : 62,50 € ; prélevés sur votre compte par l'URSSAF : 62,50 €" in text
    assert request.pk
    assert IBAN not in text
    client.force_login(CustomerFactory())
    assert "Vous n'êtes inscrit·e" in _text(client.get(url))


def test_a_client_waiting_for_activation_is_told_to_check_their_email(
    client, provider, django_capture_on_commit_callbacks
):
    waiting = _enrol(provider, CustomerFactory(), django_capture_on_commit_callbacks)
    client.force_login(waiting.customer)
    text = client.get(reverse("sap:my_advance")).content.decode()
    assert "En attente de votre activation" in text
    assert "vérifiez vos courriels" in text


def test_a_refused_registration_is_corrected_from_a_prefilled_form_and_sent_again(
    client, provider, manager, django_capture_on_commit_callbacks
):
    customer = CustomerFactory()
    client.force_login(manager)
    enrol_url = reverse("sap:enrol_advance_client", args=[provider.slug])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(enrol_url, _form(customer, birth_name="INCONNU"))
    refused = AdvanceClient.objects.get(structure=provider, customer=customer)
    assert refused.status == EnrolmentStatus.REFUSED
    page = _text(client.get(reverse("sap:advance_client", args=[provider.slug, refused.pk])))
    assert f"{enrol_url}?client={refused.pk}" in page

    prefilled = _text(client.get(enrol_url, {"client": refused.pk}))

    assert 'value="INCONNU"' in prefilled
    assert f'value="{customer.email}"' in prefilled
    assert "FR76" not in prefilled  # the bank account is typed again, never shown back
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(enrol_url, _form(customer, birth_name="Durand"))
    assert response.status_code == 302
    refused.refresh_from_db()
    assert (refused.status, refused.birth_name) == (EnrolmentStatus.PENDING, "Durand")
    assert AdvanceClient.objects.filter(structure=provider, customer=customer).count() == 1
