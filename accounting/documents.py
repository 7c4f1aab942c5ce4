"""The plain dataclasses other apps hand to `post_document`: the books know nothing of orders."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hub.models import Structure

ZERO = Decimal("0.00")

# The FEC separates fields by tabs (or pipes) and records by CR/LF: no stored text may hold any
# of them, nor another control character. Models check it (regex below), actions clean it.
FORBIDDEN_TEXT_RE = r"[\x01-\x1f|]"
# Line breaks to other readers too: NEL and the Unicode line and paragraph separators.
_SEPARATORS = "\t\r\n|\x85\u2028\u2029"
_CONTROLS = [*range(32), 0x7F, *range(0x80, 0xA0)]  # C0, DEL, C1
_CLEAN = {ord(char): " " for char in _SEPARATORS} | {code: None for code in _CONTROLS if chr(code) not in _SEPARATORS}


def clean_text(text: str) -> str:
    """Separators and line breaks become spaces, other control characters (C0, DEL, C1) go."""
    return text.translate(_CLEAN)


@dataclass(frozen=True)
class IdempotencyKey:
    """What the entry records, e.g. ("invoice", "42", "issued"): posting it twice posts once."""

    source_kind: str
    source_id: str
    event: str


@dataclass(frozen=True)
class DocumentLine:
    account: str
    debit: Decimal = ZERO
    credit: Decimal = ZERO
    label: str = ""
    auxiliary_code: str = ""
    auxiliary_name: str = ""


@dataclass(frozen=True)
class Document:
    structure: "Structure"
    journal: str
    date: datetime.date
    piece_ref: str
    piece_date: datetime.date
    label: str
    lines: tuple[DocumentLine, ...]
    key: IdempotencyKey
    # Set only by `reverse_entry`, to link an extourne to the entry it cancels.
    reverses_entry_id: int | None = field(default=None)

    @property
    def total_debit(self) -> Decimal:
        return sum((line.debit for line in self.lines), ZERO)

    @property
    def total_credit(self) -> Decimal:
        return sum((line.credit for line in self.lines), ZERO)
