"""Changing the private calendar address stops the old one: the browser asks first."""

import pytest
from django.urls import reverse

from bookings.models import CalendarFeed
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db

ASK = 'data-confirm="Changer d’adresse ? L’agenda abonné à l’ancienne ne se mettra plus à jour."'


def test_renewing_the_feed_asks_first_creating_it_does_not(client):
    person = UserFactory()
    client.force_login(person)

    first = client.get(reverse("bookings:mine")).content.decode()
    CalendarFeed.objects.create(user=person)
    then = client.get(reverse("bookings:mine")).content.decode()

    assert (ASK in first, ASK in then) == (False, True)
