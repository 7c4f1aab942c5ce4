"""Bank reconciliation: import statements, match their lines to the 512 entry lines, letter the pairs.

A bank line settles one or several unlettered entry lines of the bank account's ledger account
(512) whose signed amounts (debit − credit) add up to its own. Matched entry lines get a lettering
code of that account (the bank line keeps the same code): the ledger shows what the bank confirmed.
See docs/adr/0024-bank-reconciliation.md.
"""

import bisect
import datetime
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounting.actions.lettering import lettering_code_for
from accounting.actions.posting import post_document
from accounting.bank_formats import ParsedStatement, file_digest, parse_statement
from accounting.documents import ZERO, Document, DocumentLine, IdempotencyKey
from accounting.enums import BankMatchKind, JournalCode
from accounting.exceptions import BankFileError, BankMatchError
from accounting.models import (
    Account,
    BankAccount,
    BankLine,
    BankMatch,
    BankStatement,
    Entry,
    EntryLine,
    iban_is_valid,
    normalize_iban,
)
from hub.formatting import euros

# A payout reaches the bank two or three days after Stripe sends it, a cheque slip a few days after
# its deposit: without a reference, a week either way; with one, a month.
MATCH_WINDOW_DAYS = 7
REFERENCE_WINDOW_DAYS = 31
MIN_REFERENCE_LENGTH = 4
# Accounts an entry may be posted on from a bank line: bank charges (out), financial income (in).
FEES_ACCOUNT = ("627", "Services bancaires et assimilés")
INTEREST_ACCOUNT = ("768", "Autres produits financiers")
_TOKEN_RE = re.compile(r"[A-Z0-9][A-Z0-9_\-/.]*")


@dataclass(frozen=True)
class ImportResult:
    statement: BankStatement
    already_imported: bool
    new_lines: int
    known_lines: int
    matched: int


@transaction.atomic
def create_bank_account(*, structure, label: str, iban: str, bic: str = "", ledger_code: str = "512") -> BankAccount:
    """A bank account of the structure, on a ledger account of its chart (512 by default)."""
    iban = normalize_iban(iban)
    if not iban_is_valid(iban):
        raise BankMatchError(_("IBAN invalide : la clé de contrôle ne correspond pas."))
    account = Account.objects.filter(structure=structure, code=ledger_code).first()
    if account is None or not ledger_code.startswith("512"):
        raise BankMatchError(_("Le compte comptable d'une banque est un 512 du plan de la structure."))
    bank_account, _created = BankAccount.objects.get_or_create(
        structure=structure,
        iban=iban,
        defaults={"label": label[:100], "bic": bic.replace(" ", "").upper()[:11], "ledger_account": account},
    )
    return bank_account


def _check_account(parsed: ParsedStatement, bank_account: BankAccount) -> None:
    """The file's account must be the chosen one: by IBAN, or (OFX) by bank, branch and account number."""
    iban = bank_account.iban
    if parsed.iban:
        if parsed.iban == iban:
            return
        shown = parsed.iban
    else:
        bban = "".join(part.replace(" ", "").upper() for part in (parsed.bank_id, parsed.branch_id, parsed.account_id))
        account_id = parsed.account_id.replace(" ", "").upper()
        if bban and (iban[4:].startswith(bban) or (len(account_id) >= 5 and account_id in iban[4:])):
            return
        shown = " ".join(part for part in (parsed.bank_id, parsed.branch_id, parsed.account_id) if part)
    raise BankFileError(
        _("Ce relevé est celui du compte %(other)s, pas de %(account)s : choisissez le bon compte.")
        % {"other": shown, "account": bank_account.masked_iban}
    )


@transaction.atomic
def import_statement(*, bank_account: BankAccount, data: bytes, file_name: str = "", by=None, match: bool = True):
    """Import a CAMT.053 or OFX file into the account, whole or not at all, then match its lines.

    The same file twice changes nothing (its SHA-256 is kept per account); a line already imported
    from another, overlapping statement is not added again (the bank's transaction id is unique per
    account). A file of another account is refused.
    """
    digest = file_digest(data)
    # One import per account at a time: the duplicate checks below read what the lock protects.
    BankAccount.objects.select_for_update(of=("self",)).filter(pk=bank_account.pk).first()
    existing = BankStatement.objects.filter(bank_account=bank_account, file_sha256=digest).first()
    if existing is not None:
        return ImportResult(existing, already_imported=True, new_lines=0, known_lines=existing.line_count, matched=0)
    parsed = parse_statement(data)
    _check_account(parsed, bank_account)
    ids = [line.transaction_id for line in parsed.lines]
    known = set(
        BankLine.objects.filter(bank_account=bank_account, transaction_id__in=ids).values_list(
            "transaction_id", flat=True
        )
    )
    fresh = [line for line in parsed.lines if line.transaction_id not in known]
    statement = BankStatement.objects.create(
        bank_account=bank_account,
        file_format=parsed.file_format,
        file_name=file_name[:200],
        file_sha256=digest,
        bank_reference=parsed.bank_reference[:100],
        period_start=parsed.period_start,
        period_end=parsed.period_end,
        opening_balance=parsed.opening_balance,
        closing_balance=parsed.closing_balance,
        line_count=len(parsed.lines),
        new_line_count=len(fresh),
        imported_by=by,
    )
    created = BankLine.objects.bulk_create(
        [
            BankLine(
                bank_account=bank_account,
                statement=statement,
                transaction_id=line.transaction_id,
                booking_date=line.booking_date,
                value_date=line.value_date,
                amount=line.amount,
                label=line.label,
                reference=line.reference,
                counterparty=line.counterparty,
            )
            for line in fresh
        ],
        batch_size=2000,
    )
    matched = auto_match(bank_account=bank_account) if match and created else 0
    return ImportResult(
        statement, already_imported=False, new_lines=len(fresh), known_lines=len(known), matched=matched
    )


# --- automatic matching ---------------------------------------------------------------------------


@dataclass(slots=True)
class _OpenItem:
    id: int
    day: int  # date ordinal
    ref: str
    used: bool = False


def _open_items(bank_account: BankAccount):
    """The account's unlettered entry lines not matched yet, as (amount → items by date, ref → items)."""
    rows = EntryLine.objects.filter(
        account_id=bank_account.ledger_account_id, lettering_code="", bank_match__isnull=True
    ).values_list("pk", "debit", "credit", "entry__date", "entry__piece_ref")
    by_amount: dict[Decimal, list[_OpenItem]] = defaultdict(list)
    by_ref: dict[str, list[_OpenItem]] = defaultdict(list)
    amounts: dict[int, Decimal] = {}
    for pk, debit, credit, date, piece_ref in rows:
        item = _OpenItem(pk, date.toordinal(), piece_ref.upper())
        amount = debit - credit
        amounts[pk] = amount
        by_amount[amount].append(item)
        if len(item.ref) >= MIN_REFERENCE_LENGTH:
            by_ref[item.ref].append(item)
    for items in by_amount.values():
        items.sort(key=lambda item: (item.day, item.id))
    return by_amount, by_ref, amounts


def _in_window(items: list[_OpenItem], day: int, days: int) -> list[_OpenItem]:
    keys = [item.day for item in items]  # items are sorted by day
    low, high = bisect.bisect_left(keys, day - days), bisect.bisect_right(keys, day + days)
    return [item for item in items[low:high] if not item.used]


def find_matches(bank_lines: Sequence[tuple], by_amount, by_ref, amounts) -> list[tuple[int, list[int]]]:
    """Pair bank lines (id, date, amount, label, reference) with open items, one to one, never guessing.

    1. A reference of the entry (payout id, slip number, order or invoice reference) found in the
       bank line's label or reference, same amount, within a month: the nearest such item.
    2. Otherwise the same amount within a week, only when exactly one item fits and that item fits no
       other bank line: two equal amounts without reference stay for a person to decide.
    3. Otherwise several items sharing one reference found in the line (a deposit slip, a batch)
       whose amounts add up to the line's, within a month.
    """
    matches: list[tuple[int, list[int]]] = []
    pending = []
    for pk, date, amount, label, reference in bank_lines:
        text = f"{label} {reference}".upper()
        day = date.toordinal()
        items = by_amount.get(amount)
        hits = (
            [item for item in _in_window(items, day, REFERENCE_WINDOW_DAYS) if item.ref and item.ref in text]
            if items
            else []
        )
        if hits:
            best = min(hits, key=lambda item: (abs(item.day - day), item.id))
            best.used = True
            matches.append((pk, [best.id]))
        else:
            pending.append((pk, day, amount, text))
    claims: dict[int, list[int]] = defaultdict(list)
    candidates: dict[int, list[_OpenItem]] = {}
    for pk, day, amount, _text in pending:
        items = by_amount.get(amount)
        candidates[pk] = _in_window(items, day, MATCH_WINDOW_DAYS) if items else []
        for item in candidates[pk]:
            claims[item.id].append(pk)
    rest = []
    for pk, day, amount, text in pending:
        found = candidates[pk]
        if len(found) == 1 and len(claims[found[0].id]) == 1:
            found[0].used = True
            matches.append((pk, [found[0].id]))
        elif not found:
            rest.append((pk, day, amount, text))
    for pk, day, amount, text in rest:
        for token in set(_TOKEN_RE.findall(text)):
            group = [
                item for item in by_ref.get(token, ()) if not item.used and abs(item.day - day) <= REFERENCE_WINDOW_DAYS
            ]
            if len(group) >= 2 and sum((amounts[item.id] for item in group), ZERO) == amount:
                for item in group:
                    item.used = True
                matches.append((pk, [item.id for item in group]))
                break
    return matches


@transaction.atomic
def auto_match(*, bank_account: BankAccount, by=None) -> int:
    """Match every unmatched line of the account that `find_matches` pairs; returns how many."""
    BankAccount.objects.select_for_update(of=("self",)).filter(pk=bank_account.pk).first()
    by_amount, by_ref, amounts = _open_items(bank_account)
    lines = list(
        BankLine.objects.filter(bank_account=bank_account, match_kind="")
        .order_by("booking_date", "pk")
        .values_list("pk", "booking_date", "amount", "label", "reference")
    )
    matches = find_matches(lines, by_amount, by_ref, amounts)
    _record_matches(bank_account, matches, kind=BankMatchKind.AUTO, by=by)
    return len(matches)


def _set_codes(model, codes: dict[int, str], **same) -> None:
    """Write one lettering code per row (and `same` fields alike on every row, in the same statement:
    a code and its date go together) — one UPDATE … FROM unnest() on PostgreSQL."""
    if not codes:
        return
    if connection.vendor == "postgresql":
        table = model._meta.db_table
        assignments = "".join(f", {model._meta.get_field(name).column} = %s" for name in same)
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET lettering_code = v.code{assignments} FROM "  # noqa: S608 — reason: model names
                "(SELECT unnest(%s::bigint[]) AS id, unnest(%s::varchar[]) AS code) AS v "
                f"WHERE {table}.id = v.id",
                [*same.values(), list(codes), list(codes.values())],
            )
        return
    for pk, code in codes.items():
        model.objects.filter(pk=pk).update(lettering_code=code, **same)


def _record_matches(bank_account: BankAccount, matches, *, kind: str, by=None) -> None:
    """Store the pairs and letter them: one code per bank line, taken from the ledger account's counter."""
    if not matches:
        return
    account = Account.objects.select_for_update(of=("self",)).get(pk=bank_account.ledger_account_id)
    first = account.lettering_counter + 1
    Account.objects.filter(pk=account.pk).update(lettering_counter=F("lettering_counter") + len(matches))
    now, today = timezone.now(), timezone.localdate()
    line_codes: dict[int, str] = {}
    entry_codes: dict[int, str] = {}
    pairs = []
    for offset, (line_id, entry_ids) in enumerate(matches):
        code = lettering_code_for(first + offset)
        line_codes[line_id] = code
        for entry_id in entry_ids:
            entry_codes[entry_id] = code
            pairs.append(BankMatch(bank_line_id=line_id, entry_line_id=entry_id))
    if connection.vendor == "postgresql":  # one statement: ten times faster than batches of VALUES
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {BankMatch._meta.db_table} (bank_line_id, entry_line_id) "  # noqa: S608 — reason: model name
                "SELECT unnest(%s::bigint[]), unnest(%s::bigint[])",
                [[pair.bank_line_id for pair in pairs], [pair.entry_line_id for pair in pairs]],
            )
    else:
        BankMatch.objects.bulk_create(pairs, batch_size=5000)
    _set_codes(BankLine, line_codes, match_kind=kind, matched_at=now, matched_by_id=by.pk if by else None)
    _set_codes(EntryLine, entry_codes, lettering_date=today)


# --- by hand --------------------------------------------------------------------------------------


def _lock_line(bank_line: BankLine) -> BankLine:
    return BankLine.objects.select_for_update(of=("self",)).select_related("bank_account").get(pk=bank_line.pk)


@transaction.atomic
def match_line(*, bank_line: BankLine, entry_line_ids: Iterable[int], by=None) -> str:
    """Match a bank line by hand to entry lines of its account whose amounts add up to its own."""
    line = _lock_line(bank_line)
    if line.is_matched:
        raise BankMatchError(_("Cette ligne est déjà rapprochée : annulez d'abord son rapprochement."))
    ids = sorted(set(entry_line_ids))
    if not ids:
        raise BankMatchError(_("Choisissez au moins une ligne d'écriture."))
    entry_lines = list(
        EntryLine.objects.select_for_update(of=("self",))
        .filter(pk__in=ids, account_id=line.bank_account.ledger_account_id)
        .order_by("pk")
    )
    if len(entry_lines) != len(ids):
        raise BankMatchError(_("Ces lignes d'écriture ne sont pas toutes sur le compte de cette banque."))
    if any(entry.lettering_code for entry in entry_lines) or BankMatch.objects.filter(entry_line_id__in=ids).exists():
        raise BankMatchError(_("Une de ces lignes d'écriture est déjà lettrée ou rapprochée."))
    total = sum((entry.debit - entry.credit for entry in entry_lines), ZERO)
    if total != line.amount:
        raise BankMatchError(
            _("Les montants ne correspondent pas : %(total)s en comptabilité pour %(amount)s à la banque.")
            % {"total": euros(total), "amount": euros(line.amount)}
        )
    _record_matches(line.bank_account, [(line.pk, ids)], kind=BankMatchKind.MANUAL, by=by)
    line.refresh_from_db(fields=["lettering_code"])
    return line.lettering_code


@transaction.atomic
def unmatch_line(*, bank_line: BankLine, by=None) -> None:
    """Undo a match: the bank line is to be matched again, its entry lines lose their lettering."""
    line = _lock_line(bank_line)
    if not line.is_matched:
        raise BankMatchError(_("Cette ligne n'est pas rapprochée."))
    entry_ids = list(BankMatch.objects.filter(bank_line=line).values_list("entry_line_id", flat=True))
    EntryLine.objects.filter(pk__in=entry_ids, lettering_code=line.lettering_code).update(
        lettering_code="", lettering_date=None
    )
    BankMatch.objects.filter(bank_line=line).delete()
    BankLine.objects.filter(pk=line.pk).update(match_kind="", matched_at=None, matched_by=None, lettering_code="")


@transaction.atomic
def post_bank_line_entry(*, bank_line: BankLine, label: str = "", by=None) -> Entry:
    """Book what only the bank knew — its charges (D 627 / C 512) or interest (D 512 / C 768) — and
    match the new entry to the line."""
    line = _lock_line(bank_line)
    if line.is_matched:
        raise BankMatchError(_("Cette ligne est déjà rapprochée."))
    structure = line.bank_account.structure
    code, account_label = FEES_ACCOUNT if line.amount < 0 else INTEREST_ACCOUNT
    # 768 is not in the seeded chart (few structures earn interest): added the first time it is needed.
    Account.objects.get_or_create(structure=structure, code=code, defaults={"label": account_label})
    bank_code = line.bank_account.ledger_account.code
    label = (label or line.label or _("Opération bancaire"))[:200]
    amount = abs(line.amount)
    if line.amount < 0:
        lines = (
            DocumentLine(account=code, debit=amount, label=label),
            DocumentLine(account=bank_code, credit=amount, label=label),
        )
    else:
        lines = (
            DocumentLine(account=bank_code, debit=amount, label=label),
            DocumentLine(account=code, credit=amount, label=label),
        )
    entry = post_document(
        Document(
            structure=structure,
            journal=JournalCode.BANK,
            date=line.booking_date,
            piece_ref=(line.reference or line.transaction_id)[:100],
            piece_date=line.booking_date,
            label=label,
            lines=lines,
            key=IdempotencyKey("bank_line", str(line.pk), "posted"),
        )
    )
    bank_entry_line = entry.lines.get(account__code=bank_code)
    match_line(bank_line=line, entry_line_ids=[bank_entry_line.pk], by=by)
    return entry


def candidates_for(bank_line: BankLine, *, days: int = REFERENCE_WINDOW_DAYS):
    """Open entry lines of the line's account with its amount, within a month of its date, nearest first."""
    amount = bank_line.amount
    low = bank_line.booking_date - datetime.timedelta(days=days)
    high = bank_line.booking_date + datetime.timedelta(days=days)
    rows = EntryLine.objects.filter(
        account_id=bank_line.bank_account.ledger_account_id,
        lettering_code="",
        bank_match__isnull=True,
        entry__date__range=(low, high),
    ).select_related("entry")
    rows = rows.filter(debit=amount) if amount > 0 else rows.filter(credit=-amount)
    return sorted(rows, key=lambda row: (abs((row.entry.date - bank_line.booking_date).days), row.pk))
