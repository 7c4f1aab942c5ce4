"""Each person lands on their work after login and finds their tools by role (issue 12): the header's
menu, « Mon espace » and the login redirect all come from `accounts.staff_tools`."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts import staff_tools
from hub.enums import StaffRole
from tests.accounts.factories import PASSWORD, UserFactory
from tests.hub.factories import OrganisationMembershipFactory, StructureFactory, StructureRoleFactory
from tests.insertion.factories import TeamFactory

pytestmark = pytest.mark.django_db


def _login(client, user, next_path: str = ""):
    url = reverse("account_login") + (f"?next={next_path}" if next_path else "")
    return client.post(url, {"login": user.email, "password": PASSWORD})


def _staff(role: str, **structure_fields):
    structure = StructureFactory(**structure_fields)
    return StructureRoleFactory(role=role, structure=structure).user, structure


def test_a_resident_lands_on_their_dashboard(client):
    response = _login(client, UserFactory())

    assert response.status_code == 302
    assert response["Location"] == "/compte/espace/"


def test_a_supervisor_lands_on_this_week_s_board_of_their_structure(client):
    user, structure = _staff(StaffRole.SUPERVISOR)
    TeamFactory(structure=structure)

    response = _login(client, user)

    assert response["Location"] == f"/insertion/{structure.slug}/"
    board = client.get(response["Location"])  # the structure's address sends to the current week
    assert board.status_code == 302
    assert re.fullmatch(rf"/insertion/{structure.slug}/semaine/\d{{4}}-W\d{{2}}/", board["Location"])


def test_permanent_staff_land_on_the_week_s_laundry(client):
    user, _structure = _staff(StaffRole.STAFF)

    assert _login(client, user)["Location"] == "/reservations/gestion/blanchisserie/"


def test_an_accountant_lands_on_the_books(client):
    user, _structure = _staff(StaffRole.ACCOUNTANT)

    assert _login(client, user)["Location"] == "/comptabilite/"


def test_a_manager_lands_on_the_orders_to_prepare(client):
    user, _structure = _staff(StaffRole.MANAGER)

    assert _login(client, user)["Location"] == "/gestion/retraits/"


def test_a_hub_admin_lands_on_the_back_office(client):
    assert _login(client, UserFactory(hub_admin=True))["Location"] == "/admin/"


def test_an_organisation_member_lands_on_the_organisation_s_page(client):
    membership = OrganisationMembershipFactory()

    assert _login(client, membership.user)["Location"] == "/reservations/organisations/"
    assert client.get("/reservations/organisations/")["Location"] == (
        f"/reservations/organisations/{membership.organisation.slug}/"
    )


def test_with_several_roles_the_supervisor_s_board_comes_first(client):
    user, structure = _staff(StaffRole.ACCOUNTANT)
    StructureRoleFactory(user=user, structure=structure, role=StaffRole.SUPERVISOR)
    TeamFactory(structure=structure)
    OrganisationMembershipFactory(user=user)

    assert _login(client, user)["Location"] == f"/insertion/{structure.slug}/"


def test_an_explicit_next_wins(client):
    user, _structure = _staff(StaffRole.ACCOUNTANT)

    assert _login(client, user, next_path="/commandes/")["Location"] == "/commandes/"


def test_an_outside_next_is_ignored_and_the_person_lands_on_their_work(client):
    user, _structure = _staff(StaffRole.ACCOUNTANT)

    assert _login(client, user, next_path="https://ailleurs.example/")["Location"] == "/comptabilite/"


def _header_menus(page: str) -> dict[str, list[str]]:
    header = page.split('<header class="site-header">', 1)[1].split("</header>", 1)[0]
    menus = re.findall(r'<details class="nav-menu[^"]*">\s*<summary>([^<]+)</summary>(.*?)</details>', header, re.S)
    return {summary: re.findall(r"<a [^>]*>([^<]+)</a>", block) for summary, block in menus}


def test_the_header_shows_one_menu_per_role_with_only_the_pages_that_open(client):
    user, structure = _staff(StaffRole.SUPERVISOR, name="Jardins")
    TeamFactory(structure=structure)
    StructureRoleFactory(user=user, structure=structure, role=StaffRole.ACCOUNTANT)
    client.force_login(user)

    menus = _header_menus(client.get(reverse("hub:home")).content.decode())

    assert menus == {
        "Encadrement": [
            "Planning de la semaine", "Équipes d&#x27;insertion", "Blanchisserie : la semaine", "État mensuel IAE",
            "Listes de paniers", "Back-office",
        ],
        "Comptabilité": ["Livres comptables", "Chèques à remettre", "Caisse du jour", "Tableau de bord d&#x27;impact"],
        "Mes services": ["Mon tableau de bord", "Mes commandes", "Mes réservations", "Mes abonnements"],
        "Mon compte": ["Mon espace", "Mes informations"],
    }  # fmt: skip


def test_the_header_costs_no_query_once_signed_in(client):
    user, _structure = _staff(StaffRole.ACCOUNTANT)
    client.force_login(user)  # the login computes the menu and keeps it in the session

    with CaptureQueriesContext(connection) as captured:
        page = client.get(reverse("account_change_password")).content.decode()

    assert "Livres comptables" in page
    role_tables = ("hub_structurerole", "hub_organisationmembership", 'hub_structure"')
    assert [query["sql"] for query in captured.captured_queries if any(t in query["sql"] for t in role_tables)] == []


def test_a_role_given_after_login_shows_once_the_person_opens_my_space(client):
    user = UserFactory()
    client.force_login(user)
    StructureRoleFactory(user=user, role=StaffRole.ACCOUNTANT)
    assert "Livres comptables" not in client.get(reverse("hub:home")).content.decode()

    client.get(reverse("accounts:home"))

    assert "Livres comptables" in client.get(reverse("hub:home")).content.decode()


def test_anonymous_visitors_get_no_role_menu(client):
    page = client.get(reverse("hub:home")).content.decode()

    assert _header_menus(page) == {}
    assert "Se connecter" in page


def test_my_space_needs_a_login(client):
    response = client.get(reverse("accounts:home"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_a_tool_no_section_lists_goes_to_other_tools(client, monkeypatch):
    monkeypatch.setattr(staff_tools, "_tools", dict(staff_tools._tools))
    staff_tools.register("hub:home", label="Outil orphelin", can_open=lambda user: True, position=99)
    user = UserFactory()

    menu = staff_tools.compute_menu(user)

    assert menu[-1] == [staff_tools.OTHER, [["hub:home", "/", ""]]]


def test_a_menu_kept_in_another_shape_is_computed_afresh(client):
    user, _structure = _staff(StaffRole.ACCOUNTANT)
    client.force_login(user)
    session = client.session
    session[staff_tools.SESSION_KEY] = [["accountant", [["accounting:index"]]]]  # an older shape
    session.save()

    page = client.get(reverse("hub:home")).content.decode()

    assert _header_menus(page)["Comptabilité"][0] == "Livres comptables"
    assert client.session[staff_tools.SESSION_KEY] == staff_tools.compute_menu(user)
