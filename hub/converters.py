"""Path converters with sane bounds: an impossible year, month, week or day in an address is a 404.

Registered once in `config/urls.py`. A `ValueError` from `to_python` makes Django try the next
pattern and, failing all, answer 404: nothing out of range reaches a view.
"""

import datetime

from hub.params import MAX_YEAR, MIN_YEAR, in_range, parse_day


class YearConverter:
    """A four-digit year between MIN_YEAR and MAX_YEAR, as an int."""

    regex = r"[0-9]{4}"

    def to_python(self, value: str) -> int:
        year = int(value)
        if not MIN_YEAR <= year <= MAX_YEAR:
            raise ValueError(value)
        return year

    def to_url(self, value: int) -> str:
        return f"{int(value):04d}"


class MonthConverter:
    """A month number, 1 to 12 (one or two digits), as an int."""

    regex = r"0?[1-9]|1[0-2]"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(int(value))


class IsoWeekConverter:
    """'2026-W49' → the Monday of that ISO week (a date); weeks outside the year or the range are 404."""

    regex = r"[0-9]{4}-W[0-9]{2}"

    def to_python(self, value: str) -> datetime.date:
        year, _sep, week = value.partition("-W")
        monday = datetime.date.fromisocalendar(int(year), int(week), 1)  # ValueError for week 0 or 54
        if not in_range(monday) or not in_range(monday + datetime.timedelta(days=6)):
            raise ValueError(value)
        return monday

    def to_url(self, value: datetime.date | str) -> str:
        if isinstance(value, datetime.date):
            year, week, _weekday = value.isocalendar()
            return f"{year}-W{week:02d}"
        return value


class IsoDateConverter:
    """'2026-12-04' → that date, when it exists and lies in the range."""

    regex = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"

    def to_python(self, value: str) -> datetime.date:
        day = parse_day(value)
        if day is None:
            raise ValueError(value)
        return day

    def to_url(self, value: datetime.date | str) -> str:
        return value.isoformat() if isinstance(value, datetime.date) else value
