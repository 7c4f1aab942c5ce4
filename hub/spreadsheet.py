"""CSV files meant for a spreadsheet: no cell may be read as a formula (CSV/formula injection).

A name or e-mail typed by anyone (`=cmd|'/c calc'!A1`, `@SUM(…)`, `+1+1`) would be run by Excel or
LibreOffice when a staff member opens the export. Every CSV export of the project writes through
`writer()` (or passes its cells through `spreadsheet_safe()`), which prefixes such text with `'`:
the spreadsheet shows it as text. Numbers stay numbers: only strings are touched, and a string
that is a plain number (`-12,50`, a decimal comma) is left alone so that totals still add up.
The FEC is not a spreadsheet file: it keeps its text and strips separators instead
(`accounting.documents.clean_text`).
"""

import csv
import re
from typing import Any

# What spreadsheets treat as the start of a formula (OWASP "CSV Injection"), tab and CR included.
_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER_RE = re.compile(r"^[+-]?\d+(?:[.,]\d+)?$")


def spreadsheet_safe(value: Any) -> Any:
    """The cell as a spreadsheet must read it: text that would start a formula gets a leading `'`."""
    if isinstance(value, str) and value.startswith(_TRIGGERS) and not _NUMBER_RE.match(value):
        return "'" + value
    return value


class _SafeWriter:
    """`csv.writer` whose every row goes through `spreadsheet_safe` first."""

    def __init__(self, file, **kwargs):
        self._writer = csv.writer(file, **kwargs)

    def writerow(self, row):
        return self._writer.writerow([spreadsheet_safe(value) for value in row])

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)


def writer(file, **kwargs) -> _SafeWriter:
    """A `csv.writer` (same arguments) that neutralises formula cells."""
    return _SafeWriter(file, **kwargs)
