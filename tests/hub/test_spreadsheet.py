"""CSV/formula injection: one helper neutralises every text cell a spreadsheet would run."""

import csv
import io
from decimal import Decimal

import pytest

from hub.spreadsheet import spreadsheet_safe, writer


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=cmd|'/ccalc'!a1@exemple.test", "'=cmd|'/ccalc'!a1@exemple.test"),
        ("+33 6 12 34 56 78", "'+33 6 12 34 56 78"),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("-", "'-"),
        ("Dupont", "Dupont"),
        ("a=b", "a=b"),
        ("", ""),
        # Real numbers stay numbers, as text (decimal comma or point) or as numbers.
        ("-12,50", "-12,50"),
        ("-3.5", "-3.5"),
        ("+7", "+7"),
        (-4, -4),
        (Decimal("-1.25"), Decimal("-1.25")),
        (None, None),
    ],
)
def test_spreadsheet_safe(value, expected):
    assert spreadsheet_safe(value) == expected


def test_writer_neutralises_every_cell_of_every_row():
    out = io.StringIO()
    safe = writer(out, delimiter=";", lineterminator="\n")

    safe.writerow(["=1+1", "-12,50", "Alice"])
    safe.writerows([["@x", -3], ["ok", "+y"]])

    assert out.getvalue() == "'=1+1;-12,50;Alice\n'@x;-3\nok;'+y\n"
    assert list(csv.reader(io.StringIO(out.getvalue()), delimiter=";"))[0] == ["'=1+1", "-12,50", "Alice"]
