import pytest
from django.urls import reverse

from tests.hub.factories import StructureFactory


@pytest.mark.django_db
def test_home_lists_the_active_structures(client, django_assert_num_queries):
    names = ["Jardins du Loing", "Lavoir solidaire", "Services à domicile"]
    for name in names:
        StructureFactory(name=name)
    StructureFactory(name="Ancienne ressourcerie", inactive=True)
    with django_assert_num_queries(1):  # the structures; an anonymous visit touches no session
        response = client.get(reverse("hub:home"))
    assert response.status_code == 200
    html = response.content.decode()
    for name in names:
        assert name in html
    assert "Ancienne ressourcerie" not in html
    assert '<html lang="fr">' in html
