"""The public « rapport d'activité »: the hub's yearly figures with every count of people under five hidden.

It works on 2019, a year the demo hub has nothing in, so the hub-wide counts are those made here."""

import datetime
import html
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from impact import figures
from insertion.actions import record_exit
from insertion.enums import ExitReason
from marketplace.models import Order
from tests.accounts.factories import UserFactory
from tests.hub.factories import StructureFactory
from tests.impact.factories import TimesheetEntryFactory, contract
from tests.insertion.factories import WorkerFactory
from tests.marketplace.factories import CustomerFactory, OrderFactory
from tests.services.factories import OfferingFactory

pytestmark = pytest.mark.django_db
YEAR = 2019
D = datetime.date
PUBLIC_API = "/api/v1/impact/public/"


def _workers(count: int, structure=None):
    """`count` workers whose first contract starts in 2019 and runs past its end, each with a validated day."""
    structure = structure or StructureFactory()
    workers = WorkerFactory.create_batch(count, structure=structure)
    for worker in workers:
        contract(worker, D(YEAR, 3, 1), D(YEAR + 1, 2, 28))
        TimesheetEntryFactory(worker=worker, date=D(YEAR, 3, 4), hours=Decimal("7"))
    return workers


def _households(count: int, *, solidarity: int = 0) -> None:
    """`count` households with an order confirmed in 2019, the first `solidarity` at the solidarity tier."""
    goods = OfferingFactory(with_stock=False)
    confirmed = datetime.datetime(YEAR, 6, 1, 10, tzinfo=datetime.UTC)
    for index in range(count):
        order = OrderFactory(customer=CustomerFactory(), items=[(goods, "1")])
        Order.objects.filter(pk=order.pk).update(confirmed_at=confirmed, solidarity_pricing=index < solidarity)


def test_hide_small_draws_the_line_at_five():
    assert [figures.hide_small(n) for n in (0, 1, 4, 5, 6)] == [None, None, None, 5, 6]


def test_four_people_are_hidden_with_what_would_give_them_back():
    _workers(4)
    _households(4, solidarity=4)

    report = figures.public_report(YEAR)

    assert (report.entries, report.exits, report.present) == (None, None, None)
    assert (report.households, report.solidarity_households, report.solidarity_share) == (None, None, None)
    # The hours of four people would describe them: hidden with their FTE.
    assert (report.hours, report.hours_total, report.fte_done) == (None, None, None)
    assert report.hidden == [
        "hours", "fte_done", "entries", "exits", "present", "durable_rate", "dynamic_rate", "households",
        "organisations", "solidarity_households", "solidarity_share",
    ]  # fmt: skip


def test_five_people_are_shown():
    structure = StructureFactory()
    OfferingFactory(structure=structure)
    _workers(5, structure)
    _households(6, solidarity=5)

    report = figures.public_report(YEAR)

    assert (report.entries, report.exits, report.present) == (5, None, 5)  # none left in 2019
    assert (report.households, report.solidarity_households) == (6, 5)
    assert report.solidarity_share == Decimal("83.3")
    assert report.hours == {"goods": Decimal("35.00")}
    assert report.fte_done == (Decimal(35) / Decimal(1607)).quantize(Decimal("0.01"))
    assert report.hidden == ["exits", "durable_rate", "dynamic_rate", "organisations"]


def _exits(reasons: list[str]) -> None:
    """Workers whose contract ended on 30 June 2019, each exit recorded with its reason."""
    supervisor = UserFactory()
    for reason, worker in zip(reasons, WorkerFactory.create_batch(len(reasons), structure=StructureFactory()),
                              strict=True):  # fmt: skip
        ended = contract(worker, D(YEAR - 1, 9, 1), D(YEAR, 6, 30))
        record_exit(contract=ended, reason=reason, date=D(YEAR, 6, 30), by=supervisor, today=D(YEAR, 7, 1))


def test_exit_rates_are_published_from_five_exits_counted():
    """Four counted exits (and one withdrawn from the count) describe four people: no rate; five counted
    do: durable 2 of 5, dynamic 4 of 5."""
    _exits([ExitReason.CDI, ExitReason.TRAINING, ExitReason.SHORT_FIXED_TERM, ExitReason.UNKNOWN,
            ExitReason.WITHDRAWN])  # fmt: skip
    report = figures.public_report(YEAR)
    assert (report.exits, report.durable_rate, report.dynamic_rate) == (5, None, None)

    _exits([ExitReason.CDI])
    report = figures.public_report(YEAR)
    assert (report.exits, report.durable_rate, report.dynamic_rate) == (6, Decimal("40.0"), Decimal("80.0"))


def test_solidarity_share_is_hidden_when_its_count_is(client):
    _households(8, solidarity=3)

    report = figures.public_report(YEAR)

    assert (report.households, report.solidarity_households, report.solidarity_share) == (8, None, None)


def test_public_page_needs_no_login_and_names_no_one(client):
    workers = _workers(4)
    _households(5)

    response = client.get(reverse("impact:public_report", args=[YEAR]))

    assert response.status_code == 200
    text = html.unescape(response.content.decode())
    assert "Rapport d'activité 2019" in text
    assert (
        text.count('<dd><span class="impact-hidden">moins de 5</span></dd>') == 5
    )  # entries, exits, present, organisations, solidarity households
    assert "non publié (moins de 5 personnes)" in text
    for worker in workers:
        assert worker.last_name not in text


def test_public_page_of_a_future_year_is_404_and_the_footer_links_the_last_year(client):
    next_year = timezone.localdate().year + 1
    assert client.get(reverse("impact:public_report", args=[next_year])).status_code == 404
    assert client.get("/rapport-activite/1999/").status_code == 404
    latest = client.get(reverse("impact:public_report_latest"))
    assert latest["Location"] == reverse("impact:public_report", args=[timezone.localdate().year - 1])
    assert reverse("impact:public_report_latest") in client.get("/").content.decode()


def test_public_api_gives_nulls_and_says_what_is_hidden(client):
    _workers(4)
    _households(5)

    response = client.get(PUBLIC_API, {"year": str(YEAR)})

    assert response.status_code == 200
    body = response.json()
    assert (body["entries"], body["households"], body["hours"], body["fte_done"]) == (None, 5, None, None)
    assert body["hidden"] == [
        "hours", "fte_done", "entries", "exits", "present", "durable_rate", "dynamic_rate", "organisations",
        "solidarity_households", "solidarity_share",
    ]  # fmt: skip


@pytest.mark.parametrize("year", ["0", "99999", "abc", "", "2999"])
def test_public_api_bad_year_is_json_400(client, year):
    response = client.get(PUBLIC_API, {"year": year})

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert list(response.json()["errors"]) == ["year"]
