"""Deleting one's account says what is lost, uses the danger style and asks again in the browser; a
refused confirmation deletes nothing."""

import pytest
from django.urls import reverse

from tests.accounts.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_the_page_states_the_consequences_with_a_danger_button(client):
    client.force_login(UserFactory())

    html = client.get(reverse("accounts:delete")).content.decode()

    assert "Vos réservations à venir faites pour vous-même sont annulées" in html
    assert "Vos abonnements aux paniers sont résiliés" in html
    assert 'data-confirm="Supprimer définitivement votre compte ? Cela ne peut pas être annulé."' in html
    assert '<button type="submit" class="button-danger">Supprimer définitivement</button>' in html


def test_without_the_confirmation_box_nothing_is_deleted(client):
    person = UserFactory()
    client.force_login(person)

    response = client.post(reverse("accounts:delete"), {"password": PASSWORD})

    person.refresh_from_db()
    assert (response.status_code, person.is_active, person.anonymised_at) == (400, True, None)
