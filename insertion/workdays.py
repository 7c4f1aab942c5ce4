"""Weeks and working days: Monday to Friday, French public holidays skipped (`holidays` package)."""

import datetime
from functools import lru_cache

import holidays

from hub.params import in_range


@lru_cache(maxsize=16)
def _french_holidays(year: int) -> frozenset[datetime.date]:
    return frozenset(holidays.France(years=year))


def is_working_day(day: datetime.date) -> bool:
    return day.weekday() < 5 and day not in _french_holidays(day.year)


def next_working_day(day: datetime.date) -> datetime.date:
    """The first working day strictly after `day`."""
    day += datetime.timedelta(days=1)
    while not is_working_day(day):
        day += datetime.timedelta(days=1)
    return day


def monday_of(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def week_days(monday: datetime.date) -> list[datetime.date]:
    return [monday + datetime.timedelta(days=offset) for offset in range(7)]


def working_days(monday: datetime.date) -> list[datetime.date]:
    return [day for day in week_days(monday) if is_working_day(day)]


def parse_week(value: str) -> datetime.date:
    """'2026-W49' → the Monday of that ISO week (ValueError when malformed or outside the platform's dates)."""
    year, _sep, week = value.partition("-W")
    monday = datetime.date.fromisocalendar(int(year), int(week), 1)
    if not (in_range(monday) and in_range(monday + datetime.timedelta(days=6))):
        raise ValueError(value)
    return monday


def format_week(monday: datetime.date) -> str:
    year, week, _weekday = monday.isocalendar()
    return f"{year}-W{week:02d}"
