import pytest
from django.urls import reverse

from hub.demo import STRUCTURES


@pytest.mark.django_db
def test_home_lists_the_seven_demo_structures(client, demo_hub, django_assert_num_queries):
    with django_assert_num_queries(1):  # the structures; an anonymous visit touches no session
        response = client.get(reverse("hub:home"))
    assert response.status_code == 200
    html = response.content.decode()
    names = [structure["name"] for structure in STRUCTURES]
    assert len(names) == 7
    for name in names:
        assert name in html
    assert '<html lang="fr">' in html
