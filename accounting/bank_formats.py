"""Bank statement files, read without network nor third-party parser: CAMT.053 (ISO 20022 XML,
versions 001.02 to 001.08) and OFX (1.x SGML and 2.x XML).

Pure functions from bytes to a `ParsedStatement`; every refusal is a `BankFileError` with a French
sentence. XML with a document type declaration is refused before parsing: entities (the "billion
laughs" bomb, external entities) cannot exist without one, so nothing can expand or be fetched.
"""

import datetime
import hashlib
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from accounting.documents import clean_text
from accounting.enums import BankFileFormat
from accounting.exceptions import BankFileError

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_LINES = 20_000
MAX_AMOUNT = Decimal("9999999999.99")
CENT = Decimal("0.01")
CAMT_NAMESPACE_RE = re.compile(r"^urn:iso:std:iso:20022:tech:xsd:camt\.053\.001\.0([2-8])$")
_DOCTYPE_RE = re.compile(r"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_OFX_TAG_RE = re.compile(r"<(/?)([A-Za-z0-9._]+)\s*>([^<]*)")
# Bounds of the stored text (BankLine's fields).
LABEL_LENGTH, REFERENCE_LENGTH, ID_LENGTH, NAME_LENGTH = 500, 140, 100, 140


@dataclass(frozen=True)
class ParsedLine:
    transaction_id: str
    booking_date: datetime.date
    value_date: datetime.date | None
    amount: Decimal
    label: str
    reference: str = ""
    counterparty: str = ""


@dataclass
class ParsedStatement:
    file_format: str
    iban: str = ""  # CAMT, or an OFX whose ACCTID is an IBAN
    bank_id: str = ""  # OFX: code banque, code guichet, numéro de compte
    branch_id: str = ""
    account_id: str = ""
    bank_reference: str = ""
    period_start: datetime.date | None = None
    period_end: datetime.date | None = None
    opening_balance: Decimal | None = None
    closing_balance: Decimal | None = None
    lines: list[ParsedLine] = field(default_factory=list)


def file_digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def parse_statement(data: bytes) -> ParsedStatement:
    """Recognise the format by its content and read the file; refuse it whole on the first fault."""
    if len(data) > MAX_FILE_BYTES:
        raise BankFileError(
            _("Fichier trop volumineux : %(size)s Mo au plus.") % {"size": MAX_FILE_BYTES // (1024 * 1024)}
        )
    if not data.strip():
        raise BankFileError(_("Le fichier est vide."))
    head = data[:4096].decode("latin-1").upper()
    if "OFXHEADER" in head or "<OFX>" in head:
        statement = parse_ofx(data)
    elif "CAMT.053" in head:
        statement = parse_camt053(data)
    else:
        raise BankFileError(_("Format non reconnu : un relevé CAMT.053 (XML ISO 20022) ou OFX est attendu."))
    _finish(statement)
    return statement


# --- shared ---------------------------------------------------------------------------------------


def _text(value: str | None, length: int) -> str:
    return " ".join(clean_text(value or "").split())[:length]


def _amount(raw: str | None, *, where: str) -> Decimal:
    try:
        amount = Decimal((raw or "").strip().replace(",", ".").replace(" ", ""))
    except InvalidOperation:
        raise BankFileError(
            _("Montant illisible (%(where)s) : « %(raw)s ».") % {"where": where, "raw": (raw or "")[:30]}
        ) from None
    if not amount.is_finite() or abs(amount) > MAX_AMOUNT or amount != amount.quantize(CENT):
        raise BankFileError(
            _("Montant invalide (%(where)s) : « %(raw)s ».") % {"where": where, "raw": (raw or "")[:30]}
        )
    return amount.quantize(CENT)


def _date(raw: str | None, *, where: str, required: bool = True) -> datetime.date | None:
    raw = (raw or "").strip()
    if not raw:
        if required:
            raise BankFileError(_("Date manquante (%(where)s).") % {"where": where})
        return None
    digits = raw[:10].replace("-", "")[:8] if "-" in raw[:10] else raw[:8]
    try:
        value = datetime.date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        raise BankFileError(
            _("Date illisible (%(where)s) : « %(raw)s ».") % {"where": where, "raw": raw[:30]}
        ) from None
    if not 2000 <= value.year <= 2100:
        raise BankFileError(_("Date hors limites (%(where)s) : %(raw)s.") % {"where": where, "raw": raw[:30]})
    return value


def _finish(statement: ParsedStatement) -> None:
    """Bounds, period and a stable id for every line (the bank's, or a digest of the line)."""
    if not statement.lines:
        raise BankFileError(_("Le relevé ne contient aucune opération comptabilisée."))
    if len(statement.lines) > MAX_LINES:
        raise BankFileError(_("Trop d'opérations dans un seul fichier : %(max)s au plus.") % {"max": MAX_LINES})
    seen: dict[str, int] = {}
    lines = []
    for line in statement.lines:
        base = (
            line.transaction_id
            or "h:"
            + hashlib.sha256(f"{line.booking_date}|{line.amount}|{line.label}|{line.reference}".encode()).hexdigest()[
                :40
            ]
        )
        seen[base] = seen.get(base, 0) + 1
        # The same id twice in one file (identical lines without bank id): numbered in file order.
        transaction_id = base if seen[base] == 1 else f"{base}#{seen[base]}"
        lines.append(
            ParsedLine(
                transaction_id=transaction_id[:ID_LENGTH],
                booking_date=line.booking_date,
                value_date=line.value_date,
                amount=line.amount,
                label=line.label,
                reference=line.reference,
                counterparty=line.counterparty,
            )
        )
    statement.lines = lines
    dates = [line.booking_date for line in lines]
    statement.period_start = min([statement.period_start or min(dates), *dates])
    statement.period_end = max([statement.period_end or max(dates), *dates])


# --- CAMT.053 -------------------------------------------------------------------------------------


def _decode_xml(data: bytes) -> str:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BankFileError(_("Le fichier XML doit être encodé en UTF-8.")) from None
    if _DOCTYPE_RE.search(text):
        raise BankFileError(
            _("Fichier refusé : un relevé XML ne contient ni DOCTYPE ni déclaration d'entité (risque de bombe XML).")
        )
    return text


def parse_camt053(data: bytes) -> ParsedStatement:
    text = _decode_xml(data)
    try:
        root = ET.fromstring(text)  # no DOCTYPE (checked above): no entity at all
    except ET.ParseError as error:
        raise BankFileError(_("XML mal formé : %(error)s.") % {"error": str(error)[:200]}) from None
    match = re.match(r"^\{([^}]*)\}Document$", root.tag)
    if not match or not CAMT_NAMESPACE_RE.match(match.group(1)):
        raise BankFileError(_("Ce fichier XML n'est pas un relevé CAMT.053 (versions 001.02 à 001.08)."))
    ns = {"c": match.group(1)}

    def find(element, path: str) -> str:
        found = element.find("/".join(f"c:{part}" for part in path.split("/")), ns)
        return (found.text or "").strip() if found is not None else ""

    def find_date(element, path: str) -> str:
        return find(element, f"{path}/Dt") or find(element, f"{path}/DtTm")

    statements = root.findall("c:BkToCstmrStmt/c:Stmt", ns)
    if not statements:
        raise BankFileError(_("Le relevé CAMT.053 ne contient aucun bloc Stmt."))
    parsed = ParsedStatement(file_format=BankFileFormat.CAMT053)
    starts, ends = [], []
    for number, stmt in enumerate(statements, start=1):
        iban = "".join(find(stmt, "Acct/Id/IBAN").split()).upper()
        if not iban:
            raise BankFileError(_("Relevé %(n)s : IBAN du compte manquant.") % {"n": number})
        if parsed.iban and iban != parsed.iban:
            raise BankFileError(_("Le fichier mélange plusieurs comptes : importez un fichier par compte."))
        parsed.iban = iban
        parsed.bank_reference = parsed.bank_reference or _text(find(stmt, "Id"), 100)
        if start := find(stmt, "FrToDt/FrDtTm"):
            starts.append(_date(start, where=_("période du relevé")))
        if end := find(stmt, "FrToDt/ToDtTm"):
            ends.append(_date(end, where=_("période du relevé")))
        for balance in stmt.findall("c:Bal", ns):
            code = find(balance, "Tp/CdOrPrtry/Cd")
            amount = _amount(find(balance, "Amt"), where=_("solde"))
            if find(balance, "CdtDbtInd") == "DBIT":
                amount = -amount
            if code in {"OPBD", "PRCD"} and parsed.opening_balance is None:
                parsed.opening_balance = amount
            elif code == "CLBD":
                parsed.closing_balance = amount
        for position, entry in enumerate(stmt.findall("c:Ntry", ns), start=1):
            where = _("opération %(n)s") % {"n": position}
            status = find(entry, "Sts/Cd") or find(entry, "Sts")
            if status and status != "BOOK":
                continue  # pending or for information: not on the account yet
            amount = _amount(find(entry, "Amt"), where=where)
            indicator = find(entry, "CdtDbtInd")
            if indicator not in {"CRDT", "DBIT"}:
                raise BankFileError(_("Sens (CdtDbtInd) manquant ou inconnu, %(where)s.") % {"where": where})
            if indicator == "DBIT":
                amount = -amount
            if amount == 0:
                continue
            details = entry.findall("c:NtryDtls/c:TxDtls", ns)
            references = [
                ref
                for tx in details
                for ref in (find(tx, "Refs/EndToEndId"), find(tx, "Refs/PmtInfId"), find(tx, "Refs/InstrId"))
                if ref and ref.upper() != "NOTPROVIDED"
            ]
            party = "Dbtr" if amount > 0 else "Cdtr"
            names = [find(tx, f"RltdPties/{party}/Nm") or find(tx, f"RltdPties/{party}/Pty/Nm") for tx in details]
            remittance = [(node.text or "").strip() for tx in details for node in tx.findall("c:RmtInf/c:Ustrd", ns)]
            label_parts = [find(entry, "AddtlNtryInf"), *remittance, *(find(tx, "AddtlTxInf") for tx in details)]
            parsed.lines.append(
                ParsedLine(
                    transaction_id=_text(find(entry, "AcctSvcrRef") or find(entry, "NtryRef"), ID_LENGTH),
                    booking_date=_date(find_date(entry, "BookgDt"), where=where),
                    value_date=_date(find_date(entry, "ValDt"), where=where, required=False),
                    amount=amount,
                    label=_text(" ".join(dict.fromkeys(part for part in label_parts if part)), LABEL_LENGTH),
                    reference=_text(" ".join(dict.fromkeys(references)), REFERENCE_LENGTH),
                    counterparty=_text(next((name for name in names if name), ""), NAME_LENGTH),
                )
            )
    parsed.period_start = min(starts) if starts else None
    parsed.period_end = max(ends) if ends else None
    return parsed


# --- OFX ------------------------------------------------------------------------------------------

# Elements that hold others; any other tag followed by text is a value (OFX 1.x leaves have no
# closing tag, OFX 2.x ones have one: both are read the same way).
_OFX_AGGREGATES = frozenset(
    {
        "OFX", "SIGNONMSGSRSV1", "SONRS", "STATUS", "FI", "BANKMSGSRSV1", "STMTTRNRS", "STMTRS",
        "BANKACCTFROM", "BANKACCTTO", "BANKTRANLIST", "STMTTRN", "LEDGERBAL", "AVAILBAL", "PAYEE",
        "CREDITCARDMSGSRSV1", "CCSTMTTRNRS", "CCSTMTRS", "CCACCTFROM", "CCACCTTO", "BALLIST", "BAL", "CURRENCY",
    }
)  # fmt: skip


class _Node:
    __slots__ = ("children", "tag", "text")

    def __init__(self, tag: str, text: str = "") -> None:
        self.tag, self.text, self.children = tag, text, []

    def find(self, tag: str) -> "_Node | None":
        return next((child for child in self.children if child.tag == tag), None)

    def value(self, tag: str) -> str:
        node = self.find(tag)
        return node.text if node is not None else ""

    def iter(self, tag: str):
        for child in self.children:
            if child.tag == tag:
                yield child
            yield from child.iter(tag)


def _ofx_tree(text: str) -> _Node:
    start = text.upper().find("<OFX>")
    if start < 0:
        raise BankFileError(_("Fichier OFX mal formé : balise <OFX> introuvable."))
    root = _Node("#root")
    stack = [root]
    for closing, raw_tag, raw_text in _OFX_TAG_RE.findall(text, start):
        tag = raw_tag.upper()
        if closing:
            if any(node.tag == tag for node in stack[1:]):
                while stack.pop().tag != tag:
                    pass
            continue  # the closing tag of a value (OFX 2.x): nothing to do
        value = raw_text.strip()
        node = _Node(tag, value)
        stack[-1].children.append(node)
        if tag in _OFX_AGGREGATES and not value:
            stack.append(node)
    ofx = root.find("OFX")
    if ofx is None:
        raise BankFileError(_("Fichier OFX mal formé : balise <OFX> introuvable."))
    return ofx


def _ofx_unescape(value: str) -> str:
    return (
        value.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", '"')
        .replace("&apos;", "'")
        .replace("&amp;", "&")
    )


def parse_ofx(data: bytes) -> ParsedStatement:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")  # OFX 1.x from French banks: CHARSET:1252
    if _DOCTYPE_RE.search(text):
        raise BankFileError(_("Fichier refusé : un relevé OFX ne contient ni DOCTYPE ni déclaration d'entité."))
    ofx = _ofx_tree(text)
    statements = list(ofx.iter("STMTRS")) + list(ofx.iter("CCSTMTRS"))
    if not statements:
        raise BankFileError(_("Fichier OFX sans relevé de compte (STMTRS)."))
    parsed = ParsedStatement(file_format=BankFileFormat.OFX)
    for stmt in statements:
        account = stmt.find("BANKACCTFROM") or stmt.find("CCACCTFROM")
        if account is None:
            raise BankFileError(_("Fichier OFX sans compte (BANKACCTFROM)."))
        identifiers = (account.value("BANKID"), account.value("BRANCHID"), account.value("ACCTID"))
        current = (parsed.bank_id, parsed.branch_id, parsed.account_id)
        if any(current) and identifiers != current:
            raise BankFileError(_("Le fichier mélange plusieurs comptes : importez un fichier par compte."))
        parsed.bank_id, parsed.branch_id, parsed.account_id = (_text(value, 34) for value in identifiers)
        if not parsed.account_id:
            raise BankFileError(_("Fichier OFX sans numéro de compte (ACCTID)."))
        transactions = stmt.find("BANKTRANLIST")
        if transactions is None:
            raise BankFileError(_("Fichier OFX sans liste d'opérations (BANKTRANLIST)."))
        parsed.period_start = _date(transactions.value("DTSTART"), where=_("début du relevé"), required=False)
        parsed.period_end = _date(transactions.value("DTEND"), where=_("fin du relevé"), required=False)
        ledger = stmt.find("LEDGERBAL")
        if ledger is not None and ledger.value("BALAMT"):
            parsed.closing_balance = _amount(ledger.value("BALAMT"), where=_("solde"))
        for position, transaction in enumerate(transactions.iter("STMTTRN"), start=1):
            where = _("opération %(n)s") % {"n": position}
            amount = _amount(transaction.value("TRNAMT"), where=where)
            if amount == 0:
                continue
            name, memo = _ofx_unescape(transaction.value("NAME")), _ofx_unescape(transaction.value("MEMO"))
            reference = transaction.value("REFNUM") or transaction.value("CHECKNUM")
            parsed.lines.append(
                ParsedLine(
                    transaction_id=_text(transaction.value("FITID"), ID_LENGTH),
                    booking_date=_date(transaction.value("DTPOSTED"), where=where),
                    value_date=_date(transaction.value("DTAVAIL"), where=where, required=False),
                    amount=amount,
                    label=_text(" ".join(part for part in (name, memo) if part), LABEL_LENGTH),
                    reference=_text(reference, REFERENCE_LENGTH),
                    counterparty=_text(name, NAME_LENGTH),
                )
            )
    parsed.iban = "".join(parsed.account_id.split()).upper() if re.match(r"^[A-Z]{2}\d{2}", parsed.account_id) else ""
    return parsed


# --- writing (demo statements, tests, benchmark) --------------------------------------------------


def _escape(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def write_camt053(
    *,
    iban: str,
    statement_id: str,
    lines: list[ParsedLine],
    opening_balance: Decimal = Decimal("0.00"),
    created_at: datetime.datetime,
    version: int = 8,
) -> bytes:
    """A CAMT.053 statement of these lines (version 001.02 to 001.08), as a bank would send it."""
    if not 2 <= version <= 8:
        raise ValueError(version)
    start = min(line.booking_date for line in lines)
    end = max(line.booking_date for line in lines)
    closing = opening_balance + sum((line.amount for line in lines), Decimal("0.00"))

    def balance(code: str, amount: Decimal, day: datetime.date) -> str:
        side = "CRDT" if amount >= 0 else "DBIT"
        return (
            f"<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp>"
            f'<Amt Ccy="EUR">{abs(amount):.2f}</Amt><CdtDbtInd>{side}</CdtDbtInd><Dt><Dt>{day}</Dt></Dt></Bal>'
        )

    status = "<Sts><Cd>BOOK</Cd></Sts>" if version >= 7 else "<Sts>BOOK</Sts>"
    entries = []
    for line in lines:
        side = "CRDT" if line.amount > 0 else "DBIT"
        party = "Dbtr" if line.amount > 0 else "Cdtr"
        name = (
            f"<Pty><Nm>{_escape(line.counterparty)}</Nm></Pty>"
            if version >= 8
            else f"<Nm>{_escape(line.counterparty)}</Nm>"
        )
        parties = f"<RltdPties><{party}>{name}</{party}></RltdPties>" if line.counterparty else ""
        entries.append(
            f'<Ntry><NtryRef>{_escape(line.transaction_id)}</NtryRef><Amt Ccy="EUR">{abs(line.amount):.2f}</Amt>'
            f"<CdtDbtInd>{side}</CdtDbtInd>{status}<BookgDt><Dt>{line.booking_date}</Dt></BookgDt>"
            f"<ValDt><Dt>{line.value_date or line.booking_date}</Dt></ValDt>"
            f"<AcctSvcrRef>{_escape(line.transaction_id)}</AcctSvcrRef>"
            "<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>"
            f"<NtryDtls><TxDtls><Refs><EndToEndId>{_escape(line.reference or 'NOTPROVIDED')}</EndToEndId></Refs>"
            f'<Amt Ccy="EUR">{abs(line.amount):.2f}</Amt>{parties}'
            f"<RmtInf><Ustrd>{_escape(line.label)}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>"
        )
    namespace = f"urn:iso:std:iso:20022:tech:xsd:camt.053.001.0{version}"
    document = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<Document xmlns="{namespace}"><BkToCstmrStmt>'
        f"<GrpHdr><MsgId>{_escape(statement_id)}</MsgId><CreDtTm>{created_at.isoformat(timespec='seconds')}</CreDtTm></GrpHdr>"
        f"<Stmt><Id>{_escape(statement_id)}</Id><CreDtTm>{created_at.isoformat(timespec='seconds')}</CreDtTm>"
        f"<FrToDt><FrDtTm>{start}T00:00:00</FrDtTm><ToDtTm>{end}T23:59:59</ToDtTm></FrToDt>"
        f"<Acct><Id><IBAN>{iban}</IBAN></Id><Ccy>EUR</Ccy></Acct>"
        f"{balance('OPBD', opening_balance, start)}{balance('CLBD', closing, end)}"
        + "".join(entries)
        + "</Stmt></BkToCstmrStmt></Document>\n"
    )
    return document.encode()


def french_iban(bank: str, branch: str, account: str) -> str:
    """The IBAN of a French RIB (bank and branch codes of 5 digits, an account number of 11 digits)."""
    key = 97 - (89 * int(bank) + 15 * int(branch) + 3 * int(account)) % 97
    bban = f"{bank}{branch}{account}{key:02d}"
    check = 98 - int("".join(str(int(char, 36)) for char in bban + "FR00")) % 97
    return f"FR{check:02d}{bban}"
