import pytest
from django.core.management import call_command

from accounting.fec import HEADER
from accounting.fec_validator import validate_fec, validate_fec_lines

GOOD = [
    "AN\tÀ-nouveaux\tAN-2025-000001\t20250101\t512\tBanque\t\t\tAN-2025\t20250101\tReport\t90,00\t0,00\t\t\t20250105\t\t",
    "AN\tÀ-nouveaux\tAN-2025-000001\t20250101\t120\tRésultat\t\t\tAN-2025\t20250101\tReport\t0,00\t90,00\t\t\t20250105\t\t",
    "VE\tVentes\tVE-2025-000001\t20250310\t411\tClients\tC1\tClient 1\tF1\t20250310\tFacture\t120,00\t0,00\tAAA\t20250320\t20250310\t\t",
    "VE\tVentes\tVE-2025-000001\t20250310\t706\tPrestations\t\t\tF1\t20250310\tFacture\t0,00\t120,00\t\t\t20250310\t\t",
    "BQ\tBanque\tBQ-2025-000001\t20250320\t512\tBanque\t\t\tV1\t20250320\tVirement\t120,00\t0,00\t\t\t20250320\t\t",
    "BQ\tBanque\tBQ-2025-000001\t20250320\t411\tClients\tC1\tClient 1\tV1\t20250320\tVirement\t0,00\t120,00\tAAA\t20250320\t20250320\t\t",
]  # fmt: skip
NAME = "732829320FEC20251231.txt"


def _check(lines, name=NAME):
    raw = [HEADER + b"\n"] + [f"{line}\n".encode() for line in lines]
    return [str(problem) for problem in validate_fec_lines(name, raw)]


def _replace(index, field, value):
    lines = list(GOOD)
    values = lines[index].split("\t")
    values[field] = value
    lines[index] = "\t".join(values)
    return lines


def test_a_good_file_passes():
    assert _check(GOOD) == []


def test_the_file_name_must_be_siren_fec_closing_date():
    assert _check(GOOD, name="export.txt") == ["Nom de fichier « export.txt » : attendu SirenFECAAAAMMJJ.txt."]


def test_a_decimal_point_is_refused():
    assert _check(_replace(2, 11, "120.00")) == [
        "ligne 4 : Debit « 120.00 » : la virgule sépare les décimales, pas le point.",
    ]


def test_a_thousands_separator_is_refused():
    lines = _replace(2, 11, "1 120,00")
    lines = [lines[0], lines[1], lines[2], lines[3].replace("0,00\t120,00", "0,00\t1120,00"), *lines[4:]]
    assert _check(lines) == ["ligne 4 : Debit « 1 120,00 » : pas de séparateur de milliers."]


def test_an_unbalanced_entry_is_reported():
    assert _check(_replace(3, 12, "100,00")) == [
        "ligne 4 : écriture VE-2025-000001 déséquilibrée de 20,00 (débit − crédit).",
    ]


def test_both_debit_and_credit_is_reported():
    lines = _replace(2, 12, "120,00")
    problems = _check(lines)
    assert problems == [
        "ligne 4 : une ligne porte soit un débit, soit un crédit, non nul.",
        "ligne 4 : écriture VE-2025-000001 déséquilibrée de -120,00 (débit − crédit).",
    ]


def test_a_gap_in_the_numbering_is_reported():
    lines = [line.replace("BQ-2025-000001", "BQ-2025-000002") for line in GOOD]
    assert _check(lines) == [
        "ligne 6 : journal BQ : écriture BQ-2025-000002 alors que le numéro 1 est attendu "
        "(numérotation continue et chronologique).",
    ]


def test_a_wrong_field_count_is_reported():
    assert _check([*GOOD[:5], GOOD[5] + "\tde trop"]) == ["ligne 7 : 19 champs au lieu de 18."]


def test_opening_entries_must_come_first():
    problems = _check([*GOOD[2:4], *GOOD[:2], *GOOD[4:]])
    assert "ligne 4 : les à-nouveaux (AN) doivent précéder toutes les autres écritures." in problems


def test_an_entry_date_outside_the_fiscal_year_is_reported():
    lines = [
        line.replace("\t20250320\t512", "\t20260320\t512").replace("\t20250320\t411", "\t20260320\t411")
        for line in GOOD
    ]
    assert _check(lines) == [
        "ligne 6 : EcritureDate 20260320 hors de l'exercice (20250101 – 20251231).",
        "ligne 7 : EcritureDate 20260320 hors de l'exercice (20250101 – 20251231).",
    ]


def test_validation_must_be_chronological():
    lines = [*GOOD[:2], *GOOD[4:], *GOOD[2:4]]
    lines = [line.replace("VE-2025", "VE-2025") for line in lines]
    assert _check(lines) == [
        "ligne 6 : écriture VE-2025-000001 validée le 20250310 après une écriture validée le 20250320 : "
        "l'ordre de validation n'est pas respecté.",
    ]


def test_a_wrong_header_stops_the_check():
    raw = [b"JournalCode;JournalLib\n", b"AN;x\n"]
    assert [str(p) for p in validate_fec_lines(NAME, raw)] == [
        "ligne 1 : séparateur : une tabulation ou « | » est attendu entre les champs."
    ]
    raw = [HEADER.replace(b"\tIdevise", b"") + b"\n"]
    assert [str(p) for p in validate_fec_lines(NAME, raw)] == [
        "ligne 1 : en-tête : les 18 champs de l'article A47 A-1 sont attendus dans l'ordre (manquants : Idevise)."
    ]


def test_empty_mandatory_fields_and_bad_dates_are_reported():
    lines = _replace(4, 8, "")
    lines = [
        *lines[:5],
        lines[5].replace("\tV1\t", "\t\t").replace("\t20250320\t20250320\t\t", "\t20250320\t2025-03-20\t\t"),
    ]
    assert _check(lines) == [
        "ligne 6 : le champ PieceRef est vide.",
        "ligne 7 : le champ PieceRef est vide.",
        "ligne 7 : ValidDate « 2025-03-20 » : date AAAAMMJJ attendue.",
        "ligne 7 : les lignes de l'écriture BQ-2025-000001 n'ont pas le même journal ou les mêmes dates.",
    ]


def test_check_fec_reports_a_broken_file_in_french(tmp_path, capsys):
    path = tmp_path / NAME
    path.write_bytes(HEADER + b"\n" + "\n".join(_replace(3, 12, "100.00")).encode())
    with pytest.raises(SystemExit) as exit_info:
        call_command("check_fec", str(path))
    assert exit_info.value.code == 1
    out, err = capsys.readouterr()
    assert out.splitlines() == [
        "ligne 5 : Credit « 100.00 » : la virgule sépare les décimales, pas le point.",
    ]
    assert "1 problème(s)" in err
    assert validate_fec(path) != []
