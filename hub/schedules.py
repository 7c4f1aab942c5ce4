"""When a place is open: the next collection window of a pickup point, and its hours in words.

The rule (docs/adr/0015-pickup-date-and-payment-follow-up.md): the next collection is the first weekly
opening window (`SiteOpening`) that starts at or after `not_before`, on a day that is neither a
French public holiday nor inside one of the place's closures (`SiteClosure`). Windows are in the
hub's time zone (Europe/Paris).
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

import holidays
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from hub.models import Site, SiteClosure, SiteOpening

# How far ahead a collection is looked for: a place closed longer has no date to offer.
HORIZON_DAYS = 92


@dataclass(frozen=True)
class Window:
    starts_at: datetime.datetime
    ends_at: datetime.datetime

    @property
    def label(self) -> str:
        return window_label(self.starts_at, self.ends_at)


@cache
def _french_holidays(year: int) -> frozenset[datetime.date]:
    return frozenset(holidays.country_holidays("FR", years=year))


def is_public_holiday(day: datetime.date) -> bool:
    return day in _french_holidays(day.year)


def _openings(site: Site) -> list[SiteOpening]:
    # `.all()` uses a `prefetch_related("openings")` when the caller made one (a list of points).
    return list(site.openings.all())


def _closures(site: Site) -> list[SiteClosure]:
    return list(site.closures.all())


def next_collection(site: Site, *, not_before: datetime.datetime) -> Window | None:
    """The first opening window of `site` starting at or after `not_before` (see the module's rule)."""
    openings = _openings(site)
    if not openings:
        return None
    closures = _closures(site)
    zone = timezone.get_current_timezone()
    not_before = timezone.localtime(not_before, zone)
    first_day = not_before.date()
    for offset in range(HORIZON_DAYS + 1):
        day = first_day + datetime.timedelta(days=offset)
        if is_public_holiday(day) or any(c.first_day <= day <= c.last_day for c in closures):
            continue
        for opening in sorted((o for o in openings if o.weekday == day.weekday()), key=lambda o: o.starts_at):
            starts_at = datetime.datetime.combine(day, opening.starts_at, tzinfo=zone)
            if starts_at >= not_before:
                return Window(starts_at, datetime.datetime.combine(day, opening.ends_at, tzinfo=zone))
    return None


def _hour(moment: datetime.time) -> str:
    # Non-breaking spaces: « 18 h 30 » never breaks across two lines.
    if moment.minute:
        text = _("%(hour)s h %(minute)02d") % {"hour": moment.hour, "minute": moment.minute}
    else:
        text = _("%(hour)s h") % {"hour": moment.hour}
    return text.replace(" ", "\u00a0")


def hours_label(starts_at: datetime.time, ends_at: datetime.time) -> str:
    """« 17 h – 18 h 30 »."""
    return f"{_hour(starts_at)} – {_hour(ends_at)}"


def window_label(starts_at: datetime.datetime, ends_at: datetime.datetime) -> str:
    """« Vendredi 11 décembre 2026, 17 h – 18 h 30 »: the day in full, never a weekday alone."""
    starts_at, ends_at = timezone.localtime(starts_at), timezone.localtime(ends_at)
    day = capfirst(date_format(starts_at.date(), "l j F Y"))
    return _("%(day)s, %(hours)s") % {"day": day, "hours": hours_label(starts_at.time(), ends_at.time())}


def openings_label(openings: Iterable[SiteOpening]) -> str:
    """« Mardi 16 h – 19 h ; vendredi 16 h – 19 h »: a place's weekly hours in words."""
    parts = [
        f"{opening.get_weekday_display()} {hours_label(opening.starts_at, opening.ends_at)}"
        for opening in sorted(openings, key=lambda o: (o.weekday, o.starts_at))
    ]
    return capfirst(" ; ".join(parts))
