"""French formatting, one set of filters (`{% load fr %}`): exact strings, no-break spaces included."""

import datetime
import zoneinfo
from decimal import Decimal as D

import pytest
from django.template import Context, Template
from django.utils import translation

from hub import formatting

NBSP, NNBSP = "\u00a0", "\u202f"
PARIS = zoneinfo.ZoneInfo("Europe/Paris")
FRIDAY = datetime.date(2026, 12, 4)


def render(source: str, **context) -> str:
    return Template("{% load fr %}" + source).render(Context(context))


@pytest.mark.parametrize(
    ("value", "french", "english"),
    [
        (D("12"), f"12,00{NBSP}€", "€12.00"),
        (D("1234.5"), f"1{NNBSP}234,50{NBSP}€", "€1,234.50"),
        (D("1234567.891"), f"1{NNBSP}234{NNBSP}567,89{NBSP}€", "€1,234,567.89"),
        (D("0.005"), f"0,01{NBSP}€", "€0.01"),  # half-up, never banker's rounding
        (D("-6"), f"-6,00{NBSP}€", "-€6.00"),
        ("19.9", f"19,90{NBSP}€", "€19.90"),
        (None, "", ""),
        ("", "", ""),
        ("pas un nombre", "", ""),
    ],
)
def test_euros(value, french, english):
    with translation.override("fr"):
        assert (formatting.euros(value), render("{{ v|euros }}", v=value), render("{{ v|eur }}", v=value)) == (
            french,
            french,
            french,
        )
    with translation.override("en"):
        assert render("{{ v|euros }}", v=value) == english


@pytest.mark.parametrize(
    ("value", "french", "english"),
    [
        (D("6.50"), f"6,5{NBSP}h", f"6.5{NBSP}h"),
        (D("7.25"), f"7,25{NBSP}h", f"7.25{NBSP}h"),
        (D("8.00"), f"8{NBSP}h", f"8{NBSP}h"),
        (D("0"), f"0{NBSP}h", f"0{NBSP}h"),
        (D("1607"), f"1{NNBSP}607{NBSP}h", f"1,607{NBSP}h"),
        (D("151.666"), f"151,67{NBSP}h", f"151.67{NBSP}h"),
        (7, f"7{NBSP}h", f"7{NBSP}h"),
        (None, "", ""),
    ],
)
def test_hours(value, french, english):
    with translation.override("fr"):
        assert render("{{ v|hours }}", v=value) == french
    with translation.override("en"):
        assert render("{{ v|hours }}", v=value) == english


def test_number_and_percent():
    with translation.override("fr"):
        assert render("{{ a|number }} · {{ b|number:3 }} · {{ c|percent }} · {{ d|percent }}",
                      a=D("1.250"), b=D("2.125"), c=D("5.50"), d=D("20.00")) == f"1,25 · 2,125 · 5,5{NBSP}% · 20{NBSP}%"  # fmt: skip
    with translation.override("en"):
        assert render("{{ a|number }} · {{ c|percent }}", a=D("1234.5"), c=D("5.50")) == "1,234.5 · 5.5%"


def test_unit_price_is_shown_to_the_cent():
    with translation.override("fr"):
        assert render("{{ v|unit_price }}", v=D("16.1137")) == f"16,11{NBSP}€"
        assert render("{{ v|unit_price }}", v=D("3.0332")) == f"3,03{NBSP}€"


def test_dates_in_french():
    at = datetime.datetime(2026, 12, 4, 16, 30, tzinfo=datetime.UTC)  # 17:30 in Paris
    with translation.override("fr"):
        assert render("{{ d|date_long }}|{{ d|date_medium }}|{{ d|date_short }}", d=FRIDAY) == (
            "vendredi 4 décembre 2026|4 décembre 2026|04/12/2026"
        )
        assert render("{{ d|date_long }}|{{ d|date_medium }}", d=datetime.date(2026, 1, 1)) == (
            "jeudi 1er janvier 2026|1er janvier 2026"
        )
        assert render("{{ t|datetime_short }}|{{ t|datetime_long }}", t=at) == (
            "04/12/2026 17:30|vendredi 4 décembre 2026 à 17:30"
        )
        assert render("{{ t|date_short }}", t=None) == ""


def test_dates_in_english():
    at = datetime.datetime(2026, 12, 4, 17, 30, tzinfo=PARIS)
    with translation.override("en"):
        assert render("{{ d|date_long }}|{{ d|date_medium }}|{{ d|date_short }}", d=FRIDAY) == (
            "Friday 4 December 2026|4 December 2026|12/04/2026"
        )
        assert render("{{ d|date_long }}", d=datetime.date(2026, 1, 1)) == "Thursday 1 January 2026"
        assert render("{{ t|datetime_long }}", t=at) == "Friday 4 December 2026 at 17:30"


def test_the_older_library_name_gives_the_same_filters():
    with translation.override("fr"):
        assert Template("{% load money %}{{ v|eur }} {{ h|hours }}").render(Context({"v": D("12"), "h": D("6.5")})) == (
            f"12,00{NBSP}€ 6,5{NBSP}h"
        )
