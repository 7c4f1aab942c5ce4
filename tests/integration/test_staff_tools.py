"""« Mon compte » lists each person's tools: only pages they can open (issue 12: the supervisor had
four links answering 404 and none to the insertion pages), walked for every demo role."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

pytestmark = pytest.mark.django_db

EXPECTED = {
    "resident@demo.pole.test": [],
    "asso@demo.pole.test": [],
    "encadrant@demo.pole.test": [
        "Blanchisserie : la semaine", "Listes de paniers", "Équipes d'insertion", "Back-office",
    ],
    "compta@demo.pole.test": [
        "Chèques à remettre", "Caisse du jour", "Équipes d'insertion", "Comptabilité", "Événements Stripe", "Back-office",
    ],
    "admin@demo.pole.test": [
        "Commandes à préparer", "Chèques à remettre", "Caisse du jour", "Blanchisserie : la semaine",
        "Listes de paniers", "Équipes d'insertion", "Comptabilité", "Événements Stripe", "Back-office",
    ],
}  # fmt: skip


def _tools(page: str) -> list[tuple[str, str]]:
    block = re.search(r'<p class="actions">(.*?)</p>', page.split('id="roles-title"', 1)[-1], re.S)
    return re.findall(r'<a href="([^"]+)">([^<]+)</a>', block.group(1)) if block else []


@pytest.mark.parametrize("email", list(EXPECTED))
def test_each_role_sees_the_tools_it_can_open_and_each_one_opens(client, demo_hub, email):
    client.force_login(get_user_model().objects.get(email=email))

    tools = _tools(client.get(reverse("accounts:account")).content.decode())

    assert [label.replace("&#x27;", "'") for _url, label in tools] == EXPECTED[email]
    assert [(url, client.get(url).status_code) for url, _label in tools] == [(url, 200) for url, _label in tools]


@pytest.mark.parametrize(
    ("email", "expected"),
    [
        ("encadrant@demo.pole.test", ["Planning de la semaine prochaine", "Relevé d'heures du jour", "Heures du mois",
                                      "Salarié·es"]),
        ("compta@demo.pole.test", ["Heures du mois", "Salarié·es"]),
    ],
)  # fmt: skip
def test_the_insertion_home_links_to_the_day_s_timesheet_and_the_month_s_hours(client, demo_hub, email, expected):
    client.force_login(get_user_model().objects.get(email=email))

    page = client.get(reverse("insertion:index")).content.decode()
    card = page.split("Jardins du Pôle", 1)[1].split("</li>", 1)[0]
    links = re.findall(r'<a href="([^"]+)">([^<]+)<span', card)

    assert [label.replace("&#x27;", "'") for _url, label in links] == expected
    assert [(url, client.get(url).status_code) for url, _label in links] == [(url, 200) for url, _label in links]
