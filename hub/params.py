"""Dates, weeks and years read from a request, checked once: malformed or out of range is a French 400.

Every page that takes a day or a week from the query string (`?jour=`, `?semaine=`) reads it through
`date_param`, so `2026-02-30` or `9999-12-31` never reaches date arithmetic or the database. Years in
addresses are bounded by the converters in `hub.converters`, on the same range.
"""

import datetime

from django.core.exceptions import BadRequest
from django.http import HttpRequest
from django.utils.dateparse import parse_date
from django.utils.formats import date_format
from django.utils.translation import gettext as _

# The dates the platform deals in: far enough back for archives, far enough ahead for any plan.
MIN_YEAR = 2000
MAX_YEAR = 2099
MIN_DATE = datetime.date(MIN_YEAR, 1, 1)
MAX_DATE = datetime.date(MAX_YEAR, 12, 31)


class InvalidParameter(BadRequest):
    """A request parameter that cannot be read; its French message is shown on the 400 page or as JSON."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def in_range(day: datetime.date) -> bool:
    return MIN_DATE <= day <= MAX_DATE


def parse_day(value: str) -> datetime.date | None:
    """'2026-12-04' → that date; None when malformed, impossible (30 February) or out of range."""
    try:
        day = parse_date(value)
    except ValueError:  # well formed but impossible: 2026-02-30
        return None
    return day if day is not None and in_range(day) else None


def date_param(request: HttpRequest, name: str, *, default: datetime.date, value: str | None = None) -> datetime.date:
    """The date in `request.GET[name]` (or `value` when given), `default` when absent or empty.

    Raises `InvalidParameter` (400) when it is not a real date between MIN_DATE and MAX_DATE.
    """
    raw = request.GET.get(name, "") if value is None else value
    if not raw:
        return default
    day = parse_day(raw)
    if day is None:
        raise InvalidParameter(
            _("La date « %(value)s » n'est pas valide : indiquez une date réelle entre le %(min)s et le %(max)s.")
            % {"value": raw[:20], "min": date_format(MIN_DATE, "j F Y"), "max": date_format(MAX_DATE, "j F Y")}
        )
    return day


def parse_year(raw: str, *, default: int) -> int:
    """'2026' → 2026; `default` when empty; a French 400 unless four digits between MIN_YEAR and MAX_YEAR."""
    if not raw:
        return default
    if not (raw.isascii() and raw.isdigit() and len(raw) == 4 and MIN_YEAR <= int(raw) <= MAX_YEAR):
        raise InvalidParameter(
            _("L'année « %(value)s » n'est pas valide : indiquez une année entre %(min)s et %(max)s.")
            % {"value": raw[:10], "min": MIN_YEAR, "max": MAX_YEAR}
        )
    return int(raw)
