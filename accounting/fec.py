"""The FEC (fichier des écritures comptables, LPF art. A47 A-1) of one structure and fiscal year.

Streamed in constant memory. On PostgreSQL the database formats every field and `COPY … TO
STDOUT` hands over blocks; elsewhere a Python iterator produces the same bytes. Both obey
DOMAIN.md rule 14: 18 tab-separated fields, UTF-8, YYYYMMDD dates, decimal comma, "0,00" on the
empty side, opening entries (AN) first then every other entry in order of validation, no
tab/CR/LF/pipe inside a field, and (like Odoo) no newline after the last line.
"""

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from django.db import connection

from accounting.documents import clean_text
from accounting.enums import JournalCode
from accounting.models import EntryLine, FiscalYear, Journal

FEC_FIELDS = (
    "JournalCode",
    "JournalLib",
    "EcritureNum",
    "EcritureDate",
    "CompteNum",
    "CompteLib",
    "CompAuxNum",
    "CompAuxLib",
    "PieceRef",
    "PieceDate",
    "EcritureLib",
    "Debit",
    "Credit",
    "EcritureLet",
    "DateLet",
    "ValidDate",
    "Montantdevise",
    "Idevise",
)
HEADER = "\t".join(FEC_FIELDS).encode()
BLOCK_SIZE = 1 << 16


def clean(text: str) -> str:
    return clean_text(text)


def fec_filename(fiscal_year: FiscalYear) -> str:
    """`<SIREN>FEC<closing date>.txt`, the only name Test Compta Demat accepts (A47 A-1 IX)."""
    return f"{fiscal_year.structure.siren}FEC{fiscal_year.end_date:%Y%m%d}.txt"


def count_fec_lines(fiscal_year: FiscalYear) -> int:
    """Lines of the file without its header (for progress displays)."""
    return EntryLine.objects.filter(entry__fiscal_year=fiscal_year).count()


def iter_fec(fiscal_year: FiscalYear, *, method: str | None = None) -> Iterator[bytes]:
    """The FEC file as byte blocks: `copy` (PostgreSQL only) or `python`, by default the fastest.

    Order of validation is order of posting, which is entry id order (`post_document` stamps
    the validation date when it inserts): the opening entries first, then all the others.
    """
    method = method or ("copy" if connection.vendor == "postgresql" else "python")
    producer = _iter_copy if method == "copy" else _iter_python
    opening = Journal.objects.filter(structure_id=fiscal_year.structure_id, code=JournalCode.OPENING).first()
    opening_id = opening.pk if opening else 0
    yield HEADER
    body = (block for is_opening in (True, False) for block in producer(fiscal_year, opening_id, is_opening))
    yield from _without_final_newline(_prefixed_newline(body))


def write_fec(
    fiscal_year: FiscalYear,
    directory: Path,
    *,
    method: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> Path:
    """Write the FEC into `directory` under its legal name; `progress` gets the lines written so far."""
    path = Path(directory) / fec_filename(fiscal_year)
    lines = 0
    with path.open("wb") as output:
        for block in iter_fec(fiscal_year, method=method):
            output.write(block)
            if progress is not None:
                lines += block.count(b"\n")
                progress(lines)
    return path


def _prefixed_newline(body: Iterable[bytes]) -> Iterator[bytes]:
    """Turn "line\\nline\\n" into "\\nline\\nline\\n" so the header needs no newline of its own."""
    yield b"\n"
    yield from body


def _without_final_newline(blocks: Iterable[bytes]) -> Iterator[bytes]:
    held = False
    for block in blocks:
        if not block:
            continue
        if held:
            yield b"\n"
        held = block[-1:] == b"\n"
        yield block[:-1] if held else block


# --- Python: any database --------------------------------------------------------------------


def _fec_lines_queryset(fiscal_year: FiscalYear, opening_id: int, is_opening: bool):
    lines = EntryLine.objects.filter(entry__fiscal_year=fiscal_year)
    lines = lines.filter(entry__journal_id=opening_id) if is_opening else lines.exclude(entry__journal_id=opening_id)
    return lines.order_by("entry_id", "position").values_list(
        "entry__journal__code",
        "entry__journal__label",
        "entry__reference",
        "entry__date",
        "account__code",
        "account__label",
        "auxiliary_code",
        "auxiliary_name",
        "entry__piece_ref",
        "entry__piece_date",
        "label",
        "entry__label",
        "debit",
        "credit",
        "lettering_code",
        "lettering_date",
        "entry__validation_date",
    )


def _iter_python(fiscal_year: FiscalYear, opening_id: int, is_opening: bool) -> Iterator[bytes]:
    buffer: list[str] = []
    size = 0
    for row in _fec_lines_queryset(fiscal_year, opening_id, is_opening).iterator(chunk_size=2000):
        (journal, journal_label, number, date, account, account_label, aux, aux_name, piece, piece_date) = row[:10]
        (line_label, entry_label, debit, credit, lettering, lettering_date, valid_date) = row[10:]
        line = "\t".join(
            (
                clean(journal),
                clean(journal_label),
                clean(number),
                f"{date:%Y%m%d}",
                clean(account),
                clean(account_label),
                clean(aux),
                clean(aux_name),
                clean(piece),
                f"{piece_date:%Y%m%d}",
                clean(line_label or entry_label),
                f"{debit:.2f}".replace(".", ","),
                f"{credit:.2f}".replace(".", ","),
                clean(lettering),
                f"{lettering_date:%Y%m%d}" if lettering_date else "",
                f"{valid_date:%Y%m%d}",
                "",
                "",
            )
        )
        buffer.append(line)
        size += len(line)
        if size >= BLOCK_SIZE:
            yield ("\n".join(buffer) + "\n").encode()
            buffer, size = [], 0
    if buffer:
        yield ("\n".join(buffer) + "\n").encode()


# --- PostgreSQL: COPY ------------------------------------------------------------------------

# Text fields go out as stored: the models' CHECK constraints (FORBIDDEN_TEXT_RE) guarantee they
# hold no tab, CR, LF, pipe or control character, so no per-line cleaning is needed here.
# CSV rather than text format, because text format would escape backslashes; with no delimiter,
# CR, LF or quote (\x01) inside a field and no NULL, CSV never quotes: the bytes are the fields.
# Rows come in (entry, position) order straight from the indexes: no sort of a million lines.
_COPY_SQL = """
COPY (
    SELECT e.journal_code, e.journal_label, e.reference, e.entry_date, a.code, a.label,
           l.auxiliary_code, l.auxiliary_name, e.piece_ref, e.piece_date,
           CASE WHEN l.label = '' THEN e.label ELSE l.label END,
           -- One side of every line is zero: skip formatting it (numeric output is not free).
           CASE WHEN l.debit = 0 THEN '0,00' ELSE replace(l.debit::text, '.', ',') END,
           CASE WHEN l.credit = 0 THEN '0,00' ELSE replace(l.credit::text, '.', ',') END,
           l.lettering_code,
           CASE WHEN l.lettering_date IS NULL THEN '' ELSE to_char(l.lettering_date::timestamp, 'YYYYMMDD') END,
           e.valid_date, '', ''
    FROM accounting_entryline l
    JOIN (
        -- Entry fields formatted once per entry, not once per line: OFFSET 0 keeps the planner
        -- from pulling the subquery up (and to_char down to every line). `::timestamp` spares
        -- to_char the time-zone conversion it would do on a date.
        SELECT e.id, j.code AS journal_code, j.label AS journal_label, e.reference,
               to_char(e.date::timestamp, 'YYYYMMDD') AS entry_date, e.piece_ref,
               to_char(e.piece_date::timestamp, 'YYYYMMDD') AS piece_date, e.label,
               to_char(e.validation_date::timestamp, 'YYYYMMDD') AS valid_date
        FROM accounting_entry e
        JOIN accounting_journal j ON j.id = e.journal_id
        WHERE e.fiscal_year_id = {fiscal_year} AND {journal_filter}
        ORDER BY e.id
        OFFSET 0
    ) e ON e.id = l.entry_id
    JOIN accounting_account a ON a.id = l.account_id
    ORDER BY l.entry_id, l.position
) TO STDOUT WITH (FORMAT csv, DELIMITER E'\\t', QUOTE E'\\x01', NULL E'\\x02')
"""


def _copy_statement(fiscal_year: FiscalYear, opening_id: int, is_opening: bool):
    from psycopg import sql

    operator = "=" if is_opening else "<>"
    return sql.SQL(_COPY_SQL).format(
        fiscal_year=sql.Literal(fiscal_year.pk),
        journal_filter=sql.SQL("e.journal_id {} {}").format(sql.SQL(operator), sql.Literal(opening_id)),
    )


def _iter_copy(fiscal_year: FiscalYear, opening_id: int, is_opening: bool) -> Iterator[bytes]:
    statement = _copy_statement(fiscal_year, opening_id, is_opening)
    buffer = bytearray()
    with connection.cursor():  # makes sure Django's connection is open, inside its transaction
        raw = connection.connection
        with raw.cursor() as cursor, cursor.copy(statement) as copy:
            # libpq hands over one row at a time: gather them, so the Python layers above run
            # once per 64 kB rather than once per line.
            for row in copy:
                buffer += row
                if len(buffer) >= BLOCK_SIZE:
                    yield bytes(buffer)
                    buffer.clear()
    if buffer:
        yield bytes(buffer)
