"""Downloads of the books: CSV of the tables (for Excel in French: `;`, decimal comma, UTF-8 BOM), FEC."""

import datetime
from collections.abc import Iterable, Iterator
from decimal import Decimal

from django.http import StreamingHttpResponse

from accounting.fec import fec_filename, iter_fec
from accounting.models import FiscalYear
from hub import spreadsheet

BOM = "\ufeff"


class _Echo:
    """A file-like object whose write() hands the line back, so rows stream one by one."""

    def write(self, value: str) -> str:
        return value


def cell(value) -> str:
    if isinstance(value, Decimal):
        return f"{value:.2f}".replace(".", ",")
    if isinstance(value, datetime.date):
        return value.strftime("%d/%m/%Y")
    if value is None:
        return ""
    return str(value)


def csv_rows(header: Iterable[str], rows: Iterable[Iterable]) -> Iterator[str]:
    writer = spreadsheet.writer(_Echo(), delimiter=";", lineterminator="\r\n")
    yield BOM + writer.writerow([str(name) for name in header])
    for row in rows:
        yield writer.writerow([cell(value) for value in row])


def csv_response(filename: str, header: Iterable[str], rows: Iterable[Iterable]) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        (line.encode("utf-8") for line in csv_rows(header, rows)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def fec_response(fiscal_year: FiscalYear) -> StreamingHttpResponse:
    """The FEC streamed from the exporter (COPY on PostgreSQL), under its legal file name."""
    response = StreamingHttpResponse(iter_fec(fiscal_year), content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{fec_filename(fiscal_year)}"'
    return response
