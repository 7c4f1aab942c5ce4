"""Impossible or out-of-range dates, weeks, years, months and numbers in addresses, query strings and forms
answer a French 400 or 404 page (JSON under /api/), never a 500; their valid neighbours still answer."""

from decimal import Decimal

import pytest

from hub.enums import StaffRole
from insertion.models import Assignment, TimesheetEntry
from tests.bookings.factories import BookableOfferingFactory, SellerFactory
from tests.hub.factories import StructureRoleFactory
from tests.insertion.factories import WorkerFactory

pytestmark = pytest.mark.django_db

BAD_DATE = "n&#x27;est pas valide : indiquez une date réelle entre le 1 janvier 2000 et le 31 décembre 2099."


@pytest.fixture
def hub():
    """A seller with its books open since 2026 and a laundry; who may open which page."""
    seller = SellerFactory()
    laundry = BookableOfferingFactory(laundry=True, structure=seller)
    roles = {role: StructureRoleFactory(structure=seller, role=role).user for role in StaffRole.values}
    roles["anonymous"] = None
    return {"slug": seller.slug, "offering": laundry.slug, "seller": seller, "users": roles}


def _get(client, hub, role, path):
    if hub["users"][role] is not None:
        client.force_login(hub["users"][role])
    return client.get(path.format(slug=hub["slug"], offering=hub["offering"]))


# (role that can open the page, bad address, valid neighbour)
BAD_QUERIES = [
    ("anonymous", "/reservations/{offering}/?semaine=2026-02-30", "/reservations/{offering}/?semaine=2026-03-02"),
    ("anonymous", "/reservations/{offering}/?semaine=9999-12-31", "/reservations/{offering}/?semaine=2099-12-28"),
    ("anonymous", "/reservations/{offering}/?semaine=0001-01-01", "/reservations/{offering}/?semaine=2000-01-03"),
    ("manager", "/reservations/gestion/blanchisserie/?semaine=2026-02-30", "/reservations/gestion/blanchisserie/?semaine=2026-02-28"),
    ("manager", "/reservations/gestion/blanchisserie/?semaine=9999-12-31", "/reservations/gestion/blanchisserie/"),
    ("manager", "/gestion/caisse/?jour=2026-02-30", "/gestion/caisse/?jour=2026-02-28"),
    ("manager", "/gestion/caisse/?jour=9999-12-31", "/gestion/caisse/"),
]  # fmt: skip


@pytest.mark.parametrize(("role", "bad", "good"), BAD_QUERIES)
def test_an_impossible_date_in_the_query_is_a_french_400(client, hub, role, bad, good):
    response = _get(client, hub, role, bad)

    assert response.status_code == 400
    body = response.content.decode()
    assert '<html lang="fr">' in body
    assert "<h1>Requête refusée</h1>" in body
    assert f"La date « {bad.rpartition('=')[2]} » {BAD_DATE}" in body
    assert _get(client, hub, role, good).status_code == 200


BAD_ADDRESSES = [
    ("accountant", "/insertion/{slug}/heures/0/1/", "/insertion/{slug}/heures/2026/1/"),
    ("accountant", "/insertion/{slug}/heures/99999/1/", "/insertion/{slug}/heures/2026/12/"),
    ("accountant", "/comptabilite/{slug}/fec/99999/", "/comptabilite/{slug}/fec/2026/"),
    ("accountant", "/comptabilite/{slug}/fec/0/", "/comptabilite/{slug}/fec/2026/"),
    ("accountant", "/comptabilite/{slug}/fec/99999999999999999999/", "/comptabilite/{slug}/fec/2026/"),
    ("supervisor", "/insertion/{slug}/semaine/9999-W52/", "/insertion/{slug}/semaine/2099-W52/"),
    ("supervisor", "/insertion/{slug}/semaine/0001-W01/", "/insertion/{slug}/semaine/2000-W01/"),
    ("supervisor", "/insertion/{slug}/releves/9999-12-31/", "/insertion/{slug}/releves/2099-12-31/"),
]


@pytest.mark.parametrize(("role", "bad", "good"), BAD_ADDRESSES)
def test_an_impossible_year_month_week_or_day_in_the_address_is_a_french_404(client, hub, role, bad, good):
    response = _get(client, hub, role, bad)

    assert response.status_code == 404
    body = response.content.decode()
    assert '<html lang="fr">' in body
    assert "<h1>Page introuvable</h1>" in body
    assert _get(client, hub, role, good).status_code == 200


BAD_API_QUERIES = [
    ("accountant", "/api/v1/insertion/timesheets/?month=99999-1", "/api/v1/insertion/timesheets/?month=2026-03"),
    ("supervisor", "/api/v1/insertion/jobs/?week=9999-W52", "/api/v1/insertion/jobs/?week=2026-W10"),
]


@pytest.mark.parametrize(("role", "bad", "good"), BAD_API_QUERIES)
def test_an_impossible_month_or_week_in_the_api_is_a_json_404(client, hub, role, bad, good):
    response = _get(client, hub, role, bad)

    assert (response.status_code, response.json()) == (404, {"code": "not_found", "message": "Ressource introuvable."})
    assert _get(client, hub, role, good).status_code == 200


# The planner's proposal is kept on the server (issue 12): whatever the form sends, accepting reads only it.
@pytest.mark.parametrize("pairs", ["[[1e999,1]]", "[" * 100_000, "not json", "[]"])
def test_accepting_reads_no_pairs_from_the_form_and_changes_nothing_without_a_proposal(client, hub, pairs):
    client.force_login(hub["users"]["supervisor"])
    before = Assignment.objects.count()

    response = client.post(f"/insertion/{hub['slug']}/semaine/2026-W10/accepter/", {"pairs": pairs}, follow=True)

    assert response.status_code == 200
    assert "Aucune proposition en attente pour cette semaine : lancez la planification." in response.content.decode()
    assert Assignment.objects.count() == before


@pytest.mark.parametrize("value", ["-5", "99999", "12,01", "7,123", "1e999", "NaN", "Infinity", "sept"])
def test_hours_outside_a_day_are_refused_in_french_and_nothing_is_saved(client, hub, value):
    """One bad cell refuses the whole form: the valid cell next to it is not saved either."""
    first, second = WorkerFactory.create_batch(2, structure=hub["seller"])
    client.force_login(hub["users"]["supervisor"])
    before = TimesheetEntry.objects.count()

    response = client.post(
        f"/insertion/{hub['slug']}/releves/2026-03-02/", {f"hours-{first.pk}": "7", f"hours-{second.pk}": value}
    )

    assert response.status_code == 400
    assert (
        f"Heures de {second.full_name} : « {value} » n&#x27;est pas valide. Indiquez de 0 à 12 heures par jour, "
        "deux décimales au plus (7,5 par exemple)."
    ) in response.content.decode()
    assert TimesheetEntry.objects.count() == before


@pytest.mark.parametrize(("value", "hours"), [("0", "0.00"), ("7,5", "7.50"), ("12", "12.00"), (" 3.25 ", "3.25")])
def test_hours_within_a_day_are_saved(client, hub, value, hours):
    worker = WorkerFactory(structure=hub["seller"])
    client.force_login(hub["users"]["supervisor"])

    response = client.post(f"/insertion/{hub['slug']}/releves/2026-03-02/", {f"hours-{worker.pk}": value})

    assert response.status_code == 302
    assert TimesheetEntry.objects.get(worker=worker).hours == Decimal(hours)


def test_the_api_refuses_hours_on_a_day_out_of_range_and_saves_nothing(client, hub):
    worker = WorkerFactory(structure=hub["seller"])
    client.force_login(hub["users"]["supervisor"])

    response = client.post(
        "/api/v1/insertion/timesheets/", {"worker": worker.pk, "date": "9999-12-31", "hours": "7"}, "application/json"
    )

    assert (response.status_code, response.json()) == (
        400,
        {
            "code": "invalid_hours",
            "message": "Les heures d'une journée vont de 0 à 12 (deux décimales au plus), pour une date réelle.",
        },
    )
    assert not TimesheetEntry.objects.filter(worker=worker).exists()


def test_a_refused_django_request_keeps_the_plain_french_message(client, settings):
    """Django's own 400s (here: too many fields) show the generic French sentence, not Django's English text."""
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 2

    response = client.get("/catalogue/?a=1&b=2&c=3")

    assert response.status_code == 400
    assert "Cette requête n&#x27;est pas valide." in response.content.decode()
