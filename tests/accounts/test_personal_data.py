import json

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from accounts.actions import create_api_token
from accounts.models import ApiToken, User
from hub.enums import OrganisationRole, StaffRole
from hub.models import OrganisationMembership, StructureRole
from tests.accounts.factories import PASSWORD, UserFactory
from tests.hub.factories import OrganisationMembershipFactory, StructureRoleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def person():
    user = UserFactory(email="marie@exemple.test", first_name="Marie", last_name="Curie")
    OrganisationMembershipFactory(user=user, organisation__name="Club de lecture", role=OrganisationRole.ADMIN)
    StructureRoleFactory(user=user, structure__name="Atelier vélo", role=StaffRole.STAFF)
    return user


def test_data_export_is_a_json_download_of_everything(client, person):
    client.force_login(person)
    response = client.get(reverse("accounts:export"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="mes-donnees-')
    data = json.loads(response.content)
    assert data["profil"]["email"] == "marie@exemple.test"
    assert data["profil"]["prenom"] == "Marie"
    assert data["profil"]["nom"] == "Curie"
    assert data["adresses_email"] == [{"email": "marie@exemple.test", "verifiee": True, "principale": True}]
    assert [(o["organisation"], o["role"]) for o in data["roles"]["organisations"]] == [
        ("Club de lecture", "Administrateur·rice")
    ]
    assert [(s["structure"], s["role"]) for s in data["roles"]["structures"]] == [
        ("Atelier vélo", "Salarié·e permanent·e")
    ]


def test_data_export_needs_login(client):
    response = client.get(reverse("accounts:export"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_account_deletion_anonymises_and_removes_personal_data(client, person):
    create_api_token(user=person, name="Tableur")
    client.force_login(person)
    response = client.post(reverse("accounts:delete"), {"password": PASSWORD, "confirm": "on"})
    assert response.status_code == 302
    assert response["Location"] == reverse("hub:home")

    person.refresh_from_db()
    assert person.email == f"supprime-{person.pk}@invalid.invalid"
    assert (person.first_name, person.last_name) == ("", "")
    assert person.is_active is False
    assert person.has_usable_password() is False
    assert person.anonymised_at is not None
    assert not EmailAddress.objects.filter(user=person).exists()
    assert not OrganisationMembership.objects.filter(user=person).exists()
    assert not StructureRole.objects.filter(user=person).exists()
    assert not ApiToken.objects.filter(user=person).exists()
    assert "_auth_user_id" not in client.session
    assert not User.objects.filter(email="marie@exemple.test").exists()
    assert client.login(email="marie@exemple.test", password=PASSWORD) is False


def test_account_deletion_with_a_wrong_password_changes_nothing(client, person):
    client.force_login(person)
    response = client.post(reverse("accounts:delete"), {"password": "pas-le-bon", "confirm": "on"})
    assert response.status_code == 400
    assert "Le mot de passe est incorrect : le compte n&#x27;a pas été supprimé." in response.content.decode()
    person.refresh_from_db()
    assert person.email == "marie@exemple.test"
    assert person.is_active is True
    assert person.anonymised_at is None
    assert EmailAddress.objects.filter(user=person).count() == 1
    assert OrganisationMembership.objects.filter(user=person).count() == 1
    assert StructureRole.objects.filter(user=person).count() == 1


def test_account_deletion_needs_the_confirmation_box(client, person):
    client.force_login(person)
    response = client.post(reverse("accounts:delete"), {"password": PASSWORD})
    assert response.status_code == 400
    person.refresh_from_db()
    assert person.is_active is True


def test_account_page_lists_roles(client, django_assert_num_queries):
    user = UserFactory()
    for _ in range(7):  # the accountant of seven structures
        StructureRoleFactory(user=user, accountant=True)
    client.force_login(user)
    # 5 = session, user, organisations, roles, active API tokens, whatever the number of roles (the
    # header's menu was computed at login and is read from the session).
    with django_assert_num_queries(5):
        response = client.get(reverse("accounts:account"))
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("Comptable — ") == 7
    assert 'href="/comptabilite/">Livres comptables</a>' in html  # in the header's « Comptabilité » menu
    assert "/gestion/retraits/" not in html  # an accountant hands nothing over
