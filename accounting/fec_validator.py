"""Checks a FEC file the way DGFiP's Test Compta Demat does (REFERENCE.md §1.4), plus ours.

Test Compta Demat: file name, separator, header, field count per line, numeric and date
formats, CompteNum starting with three digits, empty mandatory fields, debit xor credit.
Ours, stricter: each entry balances, its lines are together and agree on journal and dates,
numbering is gapless per journal, AN entries come first, validation is chronological, entry
dates fall inside the fiscal year. Reads the file line by line; keeps one small record per
entry, never the lines.
"""

import datetime
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.utils.translation import gettext as _

from accounting.enums import JournalCode
from accounting.fec import FEC_FIELDS

FILENAME_RE = re.compile(r"^(?P<siren>\d{9})FEC(?P<closing>20\d{2}[01]\d[0-3]\d)\.txt$")
AMOUNT_RE = re.compile(r"^-?\d+(,\d+)?$")
NUMBER_RE = re.compile(r"(\d+)$")
MANDATORY = (
    "JournalCode",
    "JournalLib",
    "EcritureNum",
    "EcritureDate",
    "CompteNum",
    "CompteLib",
    "PieceRef",
    "PieceDate",
    "EcritureLib",
    "ValidDate",
)
DATES = ("EcritureDate", "PieceDate", "ValidDate")
PAIRS = (("CompAuxNum", "CompAuxLib"), ("EcritureLet", "DateLet"), ("Montantdevise", "Idevise"))


@dataclass(frozen=True)
class Problem:
    line: int | None  # 1-based line of the file; None for the whole file
    message: str

    def __str__(self) -> str:
        if self.line is None:
            return self.message
        return _("ligne %(line)s : %(message)s") % {"line": self.line, "message": self.message}


@dataclass
class _EntryState:
    journal: str
    date: str
    valid_date: str
    first_line: int
    balance: Decimal


def _parse_date(value: str) -> datetime.date | None:
    if not re.fullmatch(r"\d{8}", value):
        return None
    try:
        date = datetime.date(int(value[:4]), int(value[4:6]), int(value[6:]))
    except ValueError:
        return None
    return date if 1900 <= date.year <= 2099 else None


def _parse_amount(value: str, field: str, problems: list[Problem], line_no: int) -> Decimal | None:
    if AMOUNT_RE.match(value):
        return Decimal(value.replace(",", "."))
    if "." in value:
        message = _("%(field)s « %(value)s » : la virgule sépare les décimales, pas le point.")
    elif " " in value or "\u00a0" in value or "\u202f" in value:
        message = _("%(field)s « %(value)s » : pas de séparateur de milliers.")
    else:
        message = _("%(field)s « %(value)s » : montant illisible.")
    problems.append(Problem(line_no, message % {"field": field, "value": value}))
    return None


def validate_fec(path: Path | str, *, start_date: datetime.date | None = None) -> list[Problem]:
    """Every problem found in the file at `path`; an empty list means it passes."""
    path = Path(path)
    with path.open("rb") as handle:
        return validate_fec_lines(path.name, handle, start_date=start_date)


def validate_fec_lines(
    name: str, raw_lines: Iterable[bytes], *, start_date: datetime.date | None = None
) -> list[Problem]:
    problems: list[Problem] = []
    closing = None
    if match := FILENAME_RE.match(name):
        closing = _parse_date(match["closing"])
    if closing is None:
        problems.append(
            Problem(None, _("Nom de fichier « %(name)s » : attendu SirenFECAAAAMMJJ.txt.") % {"name": name})
        )
    elif start_date is None:
        # A fiscal year is twelve months unless told otherwise (the first one may differ: --debut).
        try:
            start_date = closing.replace(year=closing.year - 1) + datetime.timedelta(days=1)
        except ValueError:  # 29 February
            start_date = closing.replace(year=closing.year - 1, day=28) + datetime.timedelta(days=1)

    separator = None
    index: dict[str, int] = {}
    entries: dict[str, _EntryState] = {}
    numbers: dict[str, list[tuple[int, str, int]]] = defaultdict(list)
    previous_number = None
    seen_other_than_opening = False
    # Entries with a line that could not be read: their balance is unknown, not wrong.
    unreadable: set[str] = set()
    last_valid_date = ""
    line_no = 0
    for line_no, raw in enumerate(raw_lines, start=1):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            problems.append(Problem(line_no, _("caractères non UTF-8.")))
            continue
        text = text.rstrip("\r\n")
        if line_no == 1:
            text = text.removeprefix("\ufeff")
            separator = "\t" if "\t" in text else "|" if "|" in text else None
            if separator is None:
                problems.append(Problem(1, _("séparateur : une tabulation ou « | » est attendu entre les champs.")))
                break
            header = text.split(separator)
            if tuple(header) != FEC_FIELDS:
                missing = [field for field in FEC_FIELDS if field not in header]
                problems.append(
                    Problem(
                        1,
                        _(
                            "en-tête : les 18 champs de l'article A47 A-1 sont attendus dans l'ordre (manquants : %(missing)s)."
                        )
                        % {"missing": ", ".join(missing) or _("aucun, mais l'ordre diffère")},
                    )
                )
                break
            index = {field: position for position, field in enumerate(header)}
            continue
        if not text:
            problems.append(Problem(line_no, _("ligne vide.")))
            continue
        values = text.split(separator)
        if len(values) != len(FEC_FIELDS):
            if len(values) > index["EcritureNum"]:
                unreadable.add(values[index["EcritureNum"]])
            problems.append(
                Problem(
                    line_no,
                    _("%(count)s champs au lieu de %(expected)s.")
                    % {"count": len(values), "expected": len(FEC_FIELDS)},
                )
            )
            continue
        row = {field: values[position] for field, position in index.items()}

        for field in MANDATORY:
            if not row[field].strip():
                problems.append(Problem(line_no, _("le champ %(field)s est vide.") % {"field": field}))
        dates = {}
        for field in (*DATES, "DateLet"):
            if row[field]:
                dates[field] = _parse_date(row[field])
                if dates[field] is None:
                    problems.append(
                        Problem(
                            line_no,
                            _("%(field)s « %(value)s » : date AAAAMMJJ attendue.")
                            % {"field": field, "value": row[field]},
                        )
                    )
        if row["CompteNum"] and not re.match(r"^\d{3}", row["CompteNum"]):
            problems.append(
                Problem(
                    line_no,
                    _("CompteNum « %(value)s » : les trois premiers caractères doivent être des chiffres.")
                    % {"value": row["CompteNum"]},
                )
            )
        debit = _parse_amount(row["Debit"], "Debit", problems, line_no)
        credit = _parse_amount(row["Credit"], "Credit", problems, line_no)
        if row["Montantdevise"]:
            _parse_amount(row["Montantdevise"], "Montantdevise", problems, line_no)
        if debit is not None and credit is not None and (debit != 0) == (credit != 0):
            problems.append(Problem(line_no, _("une ligne porte soit un débit, soit un crédit, non nul.")))
        for first, second in PAIRS:
            if bool(row[first]) != bool(row[second]):
                problems.append(Problem(line_no, _("%(a)s et %(b)s vont ensemble.") % {"a": first, "b": second}))

        journal, number = row["JournalCode"], row["EcritureNum"]
        is_opening = journal == JournalCode.OPENING
        if is_opening and seen_other_than_opening:
            problems.append(Problem(line_no, _("les à-nouveaux (AN) doivent précéder toutes les autres écritures.")))
        seen_other_than_opening = seen_other_than_opening or not is_opening
        entry_date = dates.get("EcritureDate")
        if entry_date and closing and start_date and not (start_date <= entry_date <= closing):
            problems.append(
                Problem(
                    line_no,
                    _("EcritureDate %(date)s hors de l'exercice (%(start)s – %(end)s).")
                    % {"date": row["EcritureDate"], "start": f"{start_date:%Y%m%d}", "end": f"{closing:%Y%m%d}"},
                )
            )

        state = entries.get(number)
        if state is None:
            if not is_opening and row["ValidDate"] < last_valid_date:
                problems.append(
                    Problem(
                        line_no,
                        _(
                            "écriture %(number)s validée le %(date)s après une écriture validée le %(last)s : "
                            "l'ordre de validation n'est pas respecté."
                        )
                        % {"number": number, "date": row["ValidDate"], "last": last_valid_date},
                    )
                )
            if not is_opening:
                last_valid_date = max(last_valid_date, row["ValidDate"])
            state = entries[number] = _EntryState(journal, row["EcritureDate"], row["ValidDate"], line_no, Decimal(0))
            if sequence := NUMBER_RE.search(number):
                numbers[journal].append((int(sequence[1]), number, line_no))
            else:
                problems.append(
                    Problem(line_no, _("EcritureNum « %(number)s » ne finit pas par un numéro.") % {"number": number})
                )
        elif number != previous_number:
            problems.append(
                Problem(
                    line_no,
                    _("les lignes de l'écriture %(number)s ne se suivent pas (première à la ligne %(first)s).")
                    % {"number": number, "first": state.first_line},
                )
            )
        elif (journal, row["EcritureDate"], row["ValidDate"]) != (state.journal, state.date, state.valid_date):
            problems.append(
                Problem(
                    line_no,
                    _("les lignes de l'écriture %(number)s n'ont pas le même journal ou les mêmes dates.")
                    % {"number": number},
                )
            )
        if debit is not None and credit is not None:
            state.balance += debit - credit
        else:
            unreadable.add(number)
        previous_number = number

    if line_no == 0:
        problems.append(Problem(None, _("Le fichier est vide.")))
    for number, state in entries.items():
        if state.balance and number not in unreadable:
            problems.append(
                Problem(
                    state.first_line,
                    _("écriture %(number)s déséquilibrée de %(balance)s (débit − crédit).")
                    % {"number": number, "balance": f"{state.balance:.2f}".replace(".", ",")},
                )
            )
    for journal, sequence in sorted(numbers.items()):
        expected = 1
        for number, label, line in sequence:
            if number != expected:
                problems.append(
                    Problem(
                        line,
                        _(
                            "journal %(journal)s : écriture %(label)s alors que le numéro %(expected)s est attendu "
                            "(numérotation continue et chronologique)."
                        )
                        % {"journal": journal, "label": label, "expected": expected},
                    )
                )
            expected = number + 1
    return sorted(problems, key=lambda problem: problem.line or 0)
