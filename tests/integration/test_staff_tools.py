"""Every demo role finds its tools: the header shows one menu per role held, with only pages the person
can open, and « Mon espace » the same; a walk opens every link of every role's menu and home (issue 12:
the supervisor had four links answering 404 and none to the insertion pages)."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from hub.demo import DEMO_PASSWORD

pytestmark = pytest.mark.django_db

RESIDENT = ["Mon tableau de bord", "Mes commandes", "Mes réservations", "Mes abonnements"]
ACCOUNT = ["Mon espace", "Mes informations"]
EXPECTED = {
    "resident@demo.pole.test": {"Mes services": [*RESIDENT, "Qui m'accompagne"], "Mon compte": ACCOUNT},
    "social.ccas@demo.pole.test": {
        "Accompagnement social": ["Mes accompagnements", "Ouvrir un accompagnement", "Budget de prise en charge"],
        "Mes services": RESIDENT,
        "Mon compte": ACCOUNT,
    },
    "asso@demo.pole.test": {
        "Mon organisation": ["Compte et factures de l’organisation", "Mes réservations"],
        "Mes services": ["Mon tableau de bord", "Mes commandes", "Mes abonnements"],
        "Mon compte": ACCOUNT,
    },
    "linge@demo.pole.test": {
        "Équipe": ["Blanchisserie : la semaine", "Commandes à préparer", "Listes de paniers", "Chèques à remettre",
                   "Caisse du jour", "Back-office"],
        "Mes services": RESIDENT,
        "Mon compte": ACCOUNT,
    },
    "encadrant@demo.pole.test": {
        "Encadrement": ["Planning de la semaine", "Équipes d'insertion", "Blanchisserie : la semaine",
                        "État mensuel IAE", "Listes de paniers", "Back-office"],
        "Mes services": RESIDENT,
        "Mon compte": ACCOUNT,
    },
    "compta@demo.pole.test": {
        "Comptabilité": ["Livres comptables", "Chèques à remettre", "Caisse du jour", "Équipes d'insertion",
                         "Attestations fiscales", "Avance immédiate", "Tableau de bord d'impact", "Événements Stripe",
                         "Back-office"],
        "Mes services": RESIDENT,
        "Mon compte": ACCOUNT,
    },
    "tresoriere@demo.pole.test": {
        "Consultation des comptes": ["Livres comptables"],
        "Mes services": RESIDENT,
        "Mon compte": ACCOUNT,
    },
    "admin@demo.pole.test": {
        "Administration": ["Back-office", "Événements Stripe", "Avance immédiate", "Tableau de bord d'impact",
                           "Commandes à préparer", "Chèques à remettre",
                           "Caisse du jour", "Blanchisserie : la semaine", "Listes de paniers",
                           "Planning de la semaine — Jardins du Pôle",
                           "Planning de la semaine — Blanchisserie solidaire",
                           "Planning de la semaine — Pôle Services", "Planning de la semaine — Mobilité solidaire",
                           "Planning de la semaine — Comptoir équitable",
                           "État mensuel IAE — Jardins du Pôle", "État mensuel IAE — Blanchisserie solidaire",
                           "État mensuel IAE — Pôle Services", "État mensuel IAE — Mobilité solidaire",
                           "État mensuel IAE — Comptoir équitable", "Équipes d'insertion", "Attestations fiscales",
                           "Livres comptables"],
        "Mes services": RESIDENT,
        "Mon compte": ACCOUNT,
    },
}  # fmt: skip
LANDING = {
    "resident@demo.pole.test": "/compte/espace/",
    "asso@demo.pole.test": "/reservations/organisations/",
    "social.ccas@demo.pole.test": "/accompagnements/",
    "linge@demo.pole.test": "/reservations/gestion/blanchisserie/",
    "encadrant@demo.pole.test": "/insertion/jardins-du-pole/",
    "compta@demo.pole.test": "/comptabilite/",
    "tresoriere@demo.pole.test": "/comptabilite/",
    "admin@demo.pole.test": "/admin/",
}


def _unescape(text: str) -> str:
    return text.replace("&#x27;", "'").replace("&amp;", "&")


def _header_menus(page: str) -> dict[str, list[tuple[str, str]]]:
    header = page.split('<header class="site-header">', 1)[1].split("</header>", 1)[0]
    menus = re.findall(r'<details class="nav-menu[^"]*">\s*<summary>([^<]+)</summary>(.*?)</details>', header, re.S)
    return {
        _unescape(summary): [
            (url, _unescape(label)) for url, label in re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', block)
        ]
        for summary, block in menus
    }


def _home_links(page: str) -> list[tuple[str, str]]:
    main = page.split('<main id="main"', 1)[1].split("</main>", 1)[0]
    return [(url, _unescape(label)) for url, label in re.findall(r'<a href="(/[^"]*)"[^>]*>([^<]+)</a>', main)]


def _opens(client, url: str) -> int:
    return client.get(url, follow=True).status_code


@pytest.mark.parametrize("email", list(EXPECTED))
def test_each_role_lands_on_its_work_and_every_link_of_its_menu_and_home_opens(client, demo_hub, email):
    response = client.post(reverse("account_login"), {"login": email, "password": DEMO_PASSWORD})
    assert response["Location"] == LANDING[email]

    assert _opens(client, LANDING[email]) == 200
    home = client.get(reverse("accounts:home")).content.decode()
    menus, home_links = _header_menus(home), _home_links(home)

    assert {summary: [label for _url, label in links] for summary, links in menus.items()} == EXPECTED[email]
    urls = sorted({url for links in menus.values() for url, _label in links} | {url for url, _label in home_links})
    assert [(url, _opens(client, url)) for url in urls] == [(url, 200) for url in urls]


def test_my_account_leads_to_my_space(client, demo_hub):
    client.force_login(get_user_model().objects.get(email="encadrant@demo.pole.test"))

    page = client.get(reverse("accounts:account")).content.decode()

    assert '<a href="/compte/espace/">Mon espace : les outils de chacun de mes rôles</a>' in page


@pytest.mark.parametrize(
    ("email", "expected"),
    [
        ("encadrant@demo.pole.test", ["Planning de la semaine prochaine", "Relevé d'heures du jour", "État mensuel IAE",
                                      "Sorties", "Heures du mois", "Salarié·es"]),
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
