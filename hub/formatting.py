"""How figures and dates read, in one place: money, hours, quantities and dates for the active language.

French first (« 1 234,50 € », « 6,5 h », « vendredi 4 décembre 2026 », « 04/12/2026 »), English when
the page is in English (« €1,234.50 », « 6.5 h », « Friday 4 December 2026 »). The template filters of
`hub.templatetags.fr` and the messages built in Python both call these functions.

Hours are decimal hours everywhere (« 6,5 h », never « 6 h 30 »): the timesheet is typed in decimal
hours and payroll exports them so; one notation means no mental conversion between screens.
"""

import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils import formats, timezone, translation

from hub import money

NBSP = money.NBSP
NARROW_NBSP = money.NARROW_NBSP


def is_french() -> bool:
    return (translation.get_language() or "fr").startswith("fr")


def _decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return None
    return number if number.is_finite() else None


def _grouped(number: Decimal, places: int) -> str:
    """A number with its thousands grouped and `places` decimals, the active language's way."""
    number = number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    if not is_french():
        return formats.number_format(number, places, use_l10n=True, force_grouping=True)
    sign = "-" if number < 0 else ""
    whole, _, decimals = f"{abs(number):.{places}f}".partition(".")
    groups = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    return sign + NARROW_NBSP.join(groups) + ("," + decimals if decimals else "")


def _trimmed_places(number: Decimal, most: int) -> int:
    """How many decimals say it all, at most `most`: 6.50 → 1, 7.25 → 2, 8.00 → 0."""
    number = number.quantize(Decimal(1).scaleb(-most), rounding=ROUND_HALF_UP)
    for places in range(most + 1):
        if number == number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP):
            return places
    return most


def euros(value) -> str:
    """An amount in euros, to the cent: « 1 234,50 € » (French), « €1,234.50 » (English); "" if empty."""
    amount = _decimal(value)
    if amount is None:
        return ""
    if is_french():
        return money.format_eur(amount)
    text = _grouped(abs(amount), 2)
    return ("-" if money.quantize(amount) < 0 else "") + "€" + text


def number(value, most: int = 2) -> str:
    """A quantity or ratio with only the decimals it needs (at most `most`): « 1 234,5 », « 2 »."""
    amount = _decimal(value)
    if amount is None:
        return ""
    return _grouped(amount, _trimmed_places(amount, most))


def hours(value) -> str:
    """Decimal hours to the hundredth, trailing zeros dropped: 6.50 → « 6,5 h », 8 → « 8 h »."""
    text = number(value, 2)
    return f"{text}{NBSP}h" if text else ""


def percent(value) -> str:
    """5.50 → « 5,5 % » (French), « 5.5% » (English)."""
    text = number(value, 2)
    if not text:
        return ""
    return f"{text}{NBSP}%" if is_french() else f"{text}%"


def _local(value):
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        return timezone.localtime(value)
    return value


def _with_first(value, french_format: str) -> str:
    """French writes the first of the month « 1er »; `french_format` has `j` for the day."""
    if is_french() and value.day == 1:
        french_format = french_format.replace("j", "1\\e\\r", 1)
    return formats.date_format(value, french_format)


def date_long(value) -> str:
    """« vendredi 4 décembre 2026 » / « Friday 4 December 2026 »: in sentences and headings."""
    if not value:
        return ""
    return _with_first(_local(value), "l j F Y")


def date_medium(value) -> str:
    """« 4 décembre 2026 » / « 4 December 2026 »: in sentences where the weekday does not matter."""
    if not value:
        return ""
    return _with_first(_local(value), "j F Y")


def date_short(value) -> str:
    """« 04/12/2026 » (the language's short date): in tables and documents."""
    if not value:
        return ""
    return formats.date_format(_local(value), "SHORT_DATE_FORMAT")


def datetime_short(value) -> str:
    """« 04/12/2026 17:30 » (local time): in tables."""
    if not value:
        return ""
    return formats.date_format(_local(value), "SHORT_DATETIME_FORMAT")


def datetime_long(value) -> str:
    """« vendredi 4 décembre 2026 à 17:30 » / « Friday 4 December 2026 at 17:30 » (local time)."""
    if not value:
        return ""
    value = _local(value)
    # Translators: a day then a time, e.g. « vendredi 4 décembre 2026 à 17:30 ».
    return translation.gettext("%(day)s à %(time)s") % {"day": date_long(value), "time": f"{value:%H:%M}"}


def unit_price(value) -> str:
    """A unit price on an invoice line, to the cent like every amount the customer reads.

    The 4-decimal price excl. VAT is an intermediate result of taking the VAT out of a price set incl.
    VAT (DOMAIN.md rule 2 allows showing it, no rule requires it): « 16,1137 € » read as a slip.
    """
    return euros(value)
