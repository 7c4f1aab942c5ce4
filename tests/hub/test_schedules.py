"""The next collection window of a pickup point, and the hours in words (hub.schedules)."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError, transaction

from hub.schedules import next_collection, openings_label, window_label
from tests.hub.factories import SiteClosureFactory, SiteFactory, SiteOpeningFactory

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
NBSP = "\u00a0"


def paris(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=PARIS)


@pytest.fixture
def pole():
    """Open Tuesday and Friday 16 h – 19 h, like the demo's « Pôle — accueil »."""
    site = SiteFactory(pickup_point=True)
    SiteOpeningFactory(site=site, weekday=1, starts_at=datetime.time(16), ends_at=datetime.time(19))
    SiteOpeningFactory(site=site, weekday=4, starts_at=datetime.time(16), ends_at=datetime.time(19))
    return site


def test_the_next_collection_is_the_first_opening_after_the_given_moment(pole):
    # Friday 4 December 2026, 10:00 → Tuesday 8 December, 16 h – 19 h.
    window = next_collection(pole, not_before=paris(2026, 12, 4, 10, 0) + datetime.timedelta(hours=24))
    assert (window.starts_at, window.ends_at) == (paris(2026, 12, 8, 16), paris(2026, 12, 8, 19))


def test_an_opening_that_starts_before_the_moment_is_missed(pole):
    # Tuesday 15:00 + 24 h → Wednesday 15:00: Tuesday's 16 h is too early, Friday it is.
    window = next_collection(pole, not_before=paris(2026, 12, 8, 15, 0) + datetime.timedelta(hours=24))
    assert window.starts_at == paris(2026, 12, 11, 16)


def test_an_opening_starting_exactly_at_the_moment_is_taken(pole):
    window = next_collection(pole, not_before=paris(2026, 12, 8, 16, 0))
    assert window.starts_at == paris(2026, 12, 8, 16)


def test_a_closure_of_the_place_skips_its_days(pole):
    SiteClosureFactory(site=pole, first_day=datetime.date(2026, 12, 8), last_day=datetime.date(2026, 12, 11))
    window = next_collection(pole, not_before=paris(2026, 12, 5, 10))
    assert window.starts_at == paris(2026, 12, 15, 16)


def test_a_public_holiday_is_skipped(pole):
    # Friday 25 December 2026 is Christmas: from Wednesday 23rd, the next is Tuesday 29th.
    window = next_collection(pole, not_before=paris(2026, 12, 23, 9))
    assert window.starts_at == paris(2026, 12, 29, 16)


def test_a_place_without_hours_on_record_has_no_date():
    assert next_collection(SiteFactory(pickup_point=True), not_before=paris(2026, 12, 4, 10)) is None


def test_a_place_closed_beyond_the_horizon_has_no_date(pole):
    SiteClosureFactory(site=pole, first_day=datetime.date(2026, 12, 1), last_day=datetime.date(2027, 6, 30))
    assert next_collection(pole, not_before=paris(2026, 12, 4, 10)) is None


def test_a_collection_in_summer_time_keeps_its_local_hour(pole):
    window = next_collection(pole, not_before=paris(2027, 6, 30, 12))  # a Wednesday, in summer time
    assert window.starts_at == paris(2027, 7, 2, 16)
    assert window.starts_at.astimezone(datetime.UTC).hour == 14


def test_the_window_reads_as_a_full_date_with_french_hours():
    label = window_label(paris(2026, 12, 11, 17), paris(2026, 12, 11, 18, 30))
    assert label == f"Vendredi 11 décembre 2026, 17{NBSP}h – 18{NBSP}h{NBSP}30"


def test_the_weekly_hours_read_in_order(pole):
    SiteOpeningFactory(site=pole, weekday=0, starts_at=datetime.time(9, 15), ends_at=datetime.time(12))
    assert openings_label(pole.openings.all()) == (
        f"Lundi 9{NBSP}h{NBSP}15 – 12{NBSP}h ; mardi 16{NBSP}h – 19{NBSP}h ; vendredi 16{NBSP}h – 19{NBSP}h"
    )


def test_an_opening_must_end_after_it_starts_and_name_a_weekday(pole):
    with pytest.raises(IntegrityError), transaction.atomic():
        SiteOpeningFactory(site=pole, weekday=2, starts_at=datetime.time(18), ends_at=datetime.time(17))
    with pytest.raises(IntegrityError), transaction.atomic():
        SiteOpeningFactory(site=pole, weekday=7)
    assert pole.openings.count() == 2


def test_a_closure_cannot_end_before_it_starts(pole):
    with pytest.raises(IntegrityError), transaction.atomic():
        SiteClosureFactory(site=pole, first_day=datetime.date(2026, 12, 11), last_day=datetime.date(2026, 12, 10))
    assert pole.closures.count() == 0
