"""Bank statements: CAMT.053 and OFX read exactly; refused whole when malformed, unsafe or of another
account; the same file twice changes nothing."""

import datetime
from decimal import Decimal

import pytest

from accounting.actions.bank import create_bank_account, import_statement
from accounting.bank_formats import MAX_FILE_BYTES, french_iban, parse_statement
from accounting.exceptions import BankFileError, BankMatchError
from accounting.models import BankAccount, BankLine, BankStatement, iban_is_valid
from tests.accounting.bank_helpers import IBAN, OTHER_IBAN, camt, make_bank_account, sample

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def bank_account(structure):
    return make_bank_account(structure)


def lines_of(bank_account):
    return list(
        BankLine.objects.filter(bank_account=bank_account)
        .order_by("booking_date", "pk")
        .values_list("transaction_id", "booking_date", "value_date", "amount", "label", "reference", "counterparty")
    )


def assert_nothing_imported(structure):
    """The demo hub is seeded once for the session: count this structure's rows only."""
    assert BankStatement.objects.filter(bank_account__structure=structure).count() == 0
    assert BankLine.objects.filter(bank_account__structure=structure).count() == 0


# --- IBAN -------------------------------------------------------------------------------------------


def test_iban_check_digits():
    assert iban_is_valid(IBAN)
    assert iban_is_valid("DE89370400440532013000")
    assert not iban_is_valid("FR7630004000010001234567831")  # one digit off
    assert not iban_is_valid("fr7630004000010001234567830")  # normalised before, never stored lower case
    assert french_iban("30004", "00001", "00012345678") == IBAN


def test_a_bank_account_with_a_wrong_iban_is_refused(structure):
    with pytest.raises(BankMatchError, match="IBAN invalide"):
        create_bank_account(structure=structure, label="Banque", iban="FR76 3000 4000 0100 0123 4567 831")
    assert BankAccount.objects.filter(structure=structure).count() == 0


def test_a_bank_account_is_booked_on_512_and_created_once(structure):
    first = create_bank_account(structure=structure, label="Banque", iban="fr76 3000 4000 0100 0123 4567 830")
    again = create_bank_account(structure=structure, label="Autre libellé", iban=IBAN)
    assert (first.pk, first.iban, first.ledger_account.code, first.label) == (again.pk, IBAN, "512", "Banque")


# --- CAMT.053 ----------------------------------------------------------------------------------------


def test_camt053_v02_is_read_exactly(bank_account):
    result = import_statement(bank_account=bank_account, data=sample("camt053_v02.xml"), file_name="mars.xml")

    statement = result.statement
    assert (result.already_imported, result.new_lines, result.known_lines, result.matched) == (False, 3, 0, 0)
    assert (statement.file_format, statement.file_name, statement.bank_reference) == (
        "camt053",
        "mars.xml",
        "RLV-2025-03",
    )
    assert (statement.period_start, statement.period_end) == (datetime.date(2025, 3, 1), datetime.date(2025, 3, 31))
    assert (statement.opening_balance, statement.closing_balance) == (D("1500.00"), D("1792.10"))
    assert (statement.line_count, statement.new_line_count) == (3, 3)
    # The pending entry (Sts PDNG) is not on the account yet: left out.
    assert lines_of(bank_account) == [
        (
            "2025030700001",
            datetime.date(2025, 3, 7),
            datetime.date(2025, 3, 7),
            D("180.50"),
            "STRIPE PAYOUT po_1QxA2b3C4d5E6f",
            "po_1QxA2b3C4d5E6f",
            "STRIPE PAYMENTS EUROPE LTD",
        ),
        (
            "2025031200002",
            datetime.date(2025, 3, 12),
            datetime.date(2025, 3, 13),
            D("120.00"),
            "REMISE CHEQUES REM-7",
            "",
            "",
        ),
        (
            "2025033100003",
            datetime.date(2025, 3, 31),
            datetime.date(2025, 3, 31),
            D("-8.40"),
            "FRAIS TENUE DE COMPTE",
            "",
            "",
        ),
    ]


def test_camt053_v08_is_read_exactly():
    parsed = parse_statement(sample("camt053_v08.xml"))

    assert parsed.iban == IBAN  # printed with spaces in the file
    assert (parsed.opening_balance, parsed.closing_balance) == (D("-20.00"), D("207.00"))
    assert [
        (line.transaction_id, line.booking_date, line.amount, line.label, line.reference, line.counterparty)
        for line in parsed.lines
    ] == [
        ("A1B2C3-001", datetime.date(2025, 3, 5), D("300.00"), "Facture FAC-2025-00042 & frais", "CMD-2025-00042", "Crèche Les P'tits Loups"),
        ("A1B2C3-002", datetime.date(2025, 3, 20), D("-73.00"), "FA-2025-118", "", "Graines et Semences SARL"),
    ]  # fmt: skip


@pytest.mark.parametrize("version", [2, 3, 4, 5, 6, 7, 8])
def test_every_camt053_version_from_02_to_08(version):
    data = camt([("T1", datetime.date(2025, 3, 3), "12.30", "VIR po_abc", "po_abc")], version=version)
    parsed = parse_statement(data)
    assert [(line.transaction_id, line.amount, line.reference) for line in parsed.lines] == [
        ("T1", D("12.30"), "po_abc")
    ]


def test_another_iso_message_is_refused():
    data = sample("camt053_v02.xml").replace(b"camt.053.001.02", b"camt.052.001.02")
    with pytest.raises(BankFileError, match="Format non reconnu"):
        parse_statement(data)
    data = sample("camt053_v02.xml").replace(b"camt.053.001.02", b"camt.053.001.09")
    with pytest.raises(BankFileError, match="n'est pas un relevé CAMT.053"):
        parse_statement(data)


# --- OFX ---------------------------------------------------------------------------------------------


def test_ofx_1_sgml_is_read_exactly(bank_account):
    result = import_statement(bank_account=bank_account, data=sample("releve_ofx1.ofx"), file_name="mars.ofx")

    assert (result.statement.file_format, result.new_lines, result.statement.closing_balance) == (
        "ofx",
        3,
        D("1792.10"),
    )
    assert result.statement.opening_balance is None  # OFX gives only the ledger balance
    assert lines_of(bank_account) == [
        ("2025030700001", datetime.date(2025, 3, 7), None, D("180.50"), "VIR STRIPE PAYMENTS EUROPE po_1QxA2b3C4d5E6f", "", "VIR STRIPE PAYMENTS EUROPE"),
        ("2025031200002", datetime.date(2025, 3, 12), None, D("120.00"), "REMISE CHEQUES Remise n° 7 à l'agence", "REM-7", "REMISE CHEQUES"),
        ("2025033100003", datetime.date(2025, 3, 31), None, D("-8.40"), "FRAIS TENUE DE COMPTE", "", "FRAIS TENUE DE COMPTE"),
    ]  # fmt: skip


def test_ofx_2_xml_is_read_exactly(bank_account):
    result = import_statement(bank_account=bank_account, data=sample("releve_ofx2.ofx"))

    assert (result.statement.period_start, result.statement.period_end) == (
        datetime.date(2025, 3, 1),
        datetime.date(2025, 3, 31),
    )
    assert lines_of(bank_account) == [
        ("A1B2C3-001", datetime.date(2025, 3, 5), None, D("300.00"), "Crèche Les P'tits Loups CMD-2025-00042 Facture FAC-2025-00042 & frais", "", "Crèche Les P'tits Loups"),
        ("A1B2C3-002", datetime.date(2025, 3, 20), None, D("-73.00"), "Graines et Semences SARL FA-2025-118", "", "Graines et Semences SARL"),
    ]  # fmt: skip


# --- idempotency -------------------------------------------------------------------------------------


def test_the_same_file_twice_changes_nothing(bank_account):
    first = import_statement(bank_account=bank_account, data=sample("camt053_v02.xml"))
    before = lines_of(bank_account)

    again = import_statement(bank_account=bank_account, data=sample("camt053_v02.xml"))

    assert (again.already_imported, again.statement.pk, again.new_lines) == (True, first.statement.pk, 0)
    assert BankStatement.objects.filter(bank_account=bank_account).count() == 1
    assert lines_of(bank_account) == before


def test_an_overlapping_statement_adds_only_the_new_lines(bank_account):
    import_statement(bank_account=bank_account, data=sample("camt053_v02.xml"))

    # The OFX export of the same month: the bank's transaction ids are the same.
    result = import_statement(bank_account=bank_account, data=sample("releve_ofx1.ofx"))

    assert (result.already_imported, result.new_lines, result.known_lines) == (False, 0, 3)
    assert BankLine.objects.filter(bank_account=bank_account).count() == 3
    assert BankStatement.objects.filter(bank_account=bank_account).count() == 2


def test_identical_lines_without_bank_id_are_both_kept_and_once_only(bank_account):
    day = datetime.date(2025, 3, 3)
    data = camt([("", day, "-1.00", "COMMISSION"), ("", day, "-1.00", "COMMISSION")])
    import_statement(bank_account=bank_account, data=data)
    import_statement(bank_account=bank_account, data=data + b"\n")  # another file, the same lines

    ids = sorted(BankLine.objects.filter(bank_account=bank_account).values_list("transaction_id", flat=True))
    assert len(ids) == 2
    assert ids[1] == ids[0] + "#2"


# --- refusals: nothing saved ------------------------------------------------------------------------


def test_a_statement_of_another_account_is_refused(bank_account):
    with pytest.raises(
        BankFileError,
        match=r"Ce relevé est celui du compte FR7630004000010001234567830, pas de FR76 … 2102 : choisissez le bon compte.",
    ):
        import_statement(
            bank_account=make_bank_account(bank_account.structure, OTHER_IBAN), data=sample("camt053_v02.xml")
        )
    assert_nothing_imported(bank_account.structure)


def test_an_ofx_of_another_account_number_is_refused(structure):
    with pytest.raises(BankFileError, match="Ce relevé est celui du compte 30004 00001 00012345678"):
        import_statement(bank_account=make_bank_account(structure, OTHER_IBAN), data=sample("releve_ofx1.ofx"))
    assert_nothing_imported(structure)


MALFORMED = [
    (b"", "Le fichier est vide."),
    (b"Date;Libelle;Montant\n2025-03-01;VIR;12,00\n", "Format non reconnu"),
    (sample("camt053_v02.xml")[:1500], "XML mal formé"),
    (sample("camt053_v02.xml").replace(b"<Amt Ccy=\"EUR\">120.00</Amt>", b"<Amt Ccy=\"EUR\">12O.00</Amt>"), "Montant illisible"),
    (sample("camt053_v02.xml").replace(b"<Amt Ccy=\"EUR\">120.00</Amt>", b"<Amt Ccy=\"EUR\">120.005</Amt>"), "Montant invalide"),
    (sample("camt053_v02.xml").replace(b"<Dt>2025-03-12</Dt>", b"<Dt>2025-02-30</Dt>"), "Date illisible"),
    (sample("camt053_v02.xml").replace(b"<Dt>2025-03-12</Dt>", b"<Dt>1899-03-12</Dt>"), "Date hors limites"),
    (sample("camt053_v02.xml").replace(b"<CdtDbtInd>CRDT</CdtDbtInd>\n        <Sts>BOOK", b"<Sts>BOOK"), "Sens (CdtDbtInd)"),
    (sample("camt053_v02.xml").replace(b"<IBAN>FR7630004000010001234567830</IBAN>", b""), "IBAN du compte manquant"),
    ("<?xml version='1.0'?><Document xmlns='urn:iso:std:iso:20022:tech:xsd:camt.053.001.02'>é</Document>".encode("latin-1"), "UTF-8"),
    (sample("releve_ofx1.ofx").replace(b"<TRNAMT>-8.40", b"<TRNAMT>abc"), "Montant illisible"),
    (sample("releve_ofx1.ofx").replace(b"<BANKTRANLIST>", b"<BANKTRANLISTE>"), "liste d'opérations"),
    (b"OFXHEADER:100\r\n\r\n<SIGNON>", "balise <OFX> introuvable"),
]  # fmt: skip


@pytest.mark.parametrize(("data", "message"), MALFORMED)
def test_a_malformed_file_is_refused_whole_with_a_clear_message(bank_account, data, message):
    with pytest.raises(BankFileError, match=message.replace("(", r"\(").replace(")", r"\)")):
        import_statement(bank_account=bank_account, data=data)
    assert_nothing_imported(bank_account.structure)


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><Stmt><Id>&lol3;</Id>
</Stmt></BkToCstmrStmt></Document>"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><Stmt><Id>&xxe;</Id>
</Stmt></BkToCstmrStmt></Document>"""


@pytest.mark.parametrize("data", [BILLION_LAUGHS, EXTERNAL_ENTITY, BILLION_LAUGHS.replace(b"DOCTYPE", b"doctype")])
def test_xml_entities_are_refused_before_parsing(bank_account, data):
    with pytest.raises(BankFileError, match="ni DOCTYPE ni déclaration d'entité"):
        import_statement(bank_account=bank_account, data=data)
    assert_nothing_imported(bank_account.structure)


def test_a_file_too_large_is_refused(bank_account):
    data = sample("camt053_v02.xml") + b" " * MAX_FILE_BYTES
    with pytest.raises(BankFileError, match="Fichier trop volumineux : 5 Mo au plus."):
        import_statement(bank_account=bank_account, data=data)
    assert_nothing_imported(bank_account.structure)


def test_too_many_lines_are_refused(bank_account, monkeypatch):
    monkeypatch.setattr("accounting.bank_formats.MAX_LINES", 2)  # a bound, not our code under test
    with pytest.raises(BankFileError, match="Trop d'opérations dans un seul fichier : 2 au plus."):
        import_statement(bank_account=bank_account, data=sample("camt053_v02.xml"))
    assert_nothing_imported(bank_account.structure)


def test_a_statement_without_booked_line_is_refused(bank_account):
    data = sample("camt053_v02.xml").replace(b"<Sts>BOOK</Sts>", b"<Sts>INFO</Sts>")
    with pytest.raises(BankFileError, match="aucune opération comptabilisée"):
        import_statement(bank_account=bank_account, data=data)
    assert_nothing_imported(bank_account.structure)


def test_control_characters_and_overlong_labels_are_cleaned():
    data = sample("releve_ofx1.ofx").replace(b"<NAME>FRAIS TENUE DE COMPTE", b"<NAME>FRAIS\tTENUE\x00 " + b"X" * 600)
    parsed = parse_statement(data)
    assert parsed.lines[1].label == ("FRAIS TENUE " + "X" * 600)[:500]


def test_a_nul_byte_in_xml_is_a_malformed_file():
    with pytest.raises(BankFileError, match="XML mal formé"):
        parse_statement(camt([("T1", datetime.date(2025, 3, 3), "1.00", "VIR\x00")]))
