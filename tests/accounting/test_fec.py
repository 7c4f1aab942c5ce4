import datetime
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounting.actions import close_fiscal_year, letter_lines, open_fiscal_year, post_document, setup_books
from accounting.documents import DocumentLine
from accounting.fec import fec_filename, iter_fec, write_fec
from accounting.fec_validator import validate_fec
from accounting.models import Books, Entry, EntryLine, FiscalYear
from hub.models import Structure
from tests.accounting.factories import DocumentFactory, StructureFactory, sale_lines

pytestmark = pytest.mark.django_db


@pytest.fixture
def tiny_ledger():
    """2024: one invoice to C0001, closed. 2025: its à-nouveaux, an invoice to C0002, C0001 pays."""
    structure = StructureFactory(siret="73282932000074")
    setup_books(structure=structure, on=datetime.date(2024, 6, 1))
    post_document(
        DocumentFactory(structure=structure, date=datetime.date(2024, 11, 5), lines=sale_lines("60.00", "10.00"))
    )
    close_fiscal_year(fiscal_year=FiscalYear.objects.get(structure=structure))
    fiscal_year = open_fiscal_year(structure=structure, year=2025)
    post_document(
        DocumentFactory(
            structure=structure,
            piece_ref="FAC-2025-00007",
            label="Facture\tn°7 | linge\r\nsuite",
            lines=sale_lines("1234.56", "205.76", customer="C0002"),
        )
    )
    payment = post_document(
        DocumentFactory(
            structure=structure,
            journal="BQ",
            date=datetime.date(2025, 3, 20),
            piece_ref="VIR-0320",
            label="Virement Client C0001",
            lines=(
                DocumentLine(account="512", debit=Decimal("60.00")),
                DocumentLine(
                    account="411", credit=Decimal("60.00"), auxiliary_code="C0001", auxiliary_name="Client C0001"
                ),
            ),
        )
    )
    opening = Entry.objects.get(fiscal_year=fiscal_year, journal__code="AN")
    letter_lines(
        lines=[opening.lines.get(account__code="411"), payment.lines.get(account__code="411")],
        on=datetime.date(2025, 3, 21),
    )
    return fiscal_year


def _expected(valid: str) -> str:
    rows = [
        "JournalCode\tJournalLib\tEcritureNum\tEcritureDate\tCompteNum\tCompteLib\tCompAuxNum\tCompAuxLib\tPieceRef\t"
        "PieceDate\tEcritureLib\tDebit\tCredit\tEcritureLet\tDateLet\tValidDate\tMontantdevise\tIdevise",
        f"AN\tÀ-nouveaux\tAN-2025-000001\t20250101\t411\tClients\tC0001\tClient C0001\tAN-2025\t20250101\tReport à nouveau\t60,00\t0,00\tAAA\t20250321\t{valid}\t\t",
        f"AN\tÀ-nouveaux\tAN-2025-000001\t20250101\t445711\tTVA collectée 20 %\t\t\tAN-2025\t20250101\tReport à nouveau\t0,00\t10,00\t\t\t{valid}\t\t",
        f"AN\tÀ-nouveaux\tAN-2025-000001\t20250101\t120\tRésultat de l'exercice (excédent)\t\t\tAN-2025\t20250101\tRésultat de l'exercice précédent\t0,00\t50,00\t\t\t{valid}\t\t",
        f"VE\tVentes\tVE-2025-000001\t20250310\t411\tClients\tC0002\tClient C0002\tFAC-2025-00007\t20250310\tFacture n°7   linge  suite\t1234,56\t0,00\t\t\t{valid}\t\t",
        f"VE\tVentes\tVE-2025-000001\t20250310\t706\tPrestations de services\t\t\tFAC-2025-00007\t20250310\tFacture n°7   linge  suite\t0,00\t1028,80\t\t\t{valid}\t\t",
        f"VE\tVentes\tVE-2025-000001\t20250310\t445711\tTVA collectée 20 %\t\t\tFAC-2025-00007\t20250310\tFacture n°7   linge  suite\t0,00\t205,76\t\t\t{valid}\t\t",
        f"BQ\tBanque\tBQ-2025-000001\t20250320\t512\tBanque\t\t\tVIR-0320\t20250320\tVirement Client C0001\t60,00\t0,00\t\t\t{valid}\t\t",
        f"BQ\tBanque\tBQ-2025-000001\t20250320\t411\tClients\tC0001\tClient C0001\tVIR-0320\t20250320\tVirement Client C0001\t0,00\t60,00\tAAA\t20250321\t{valid}\t\t",
    ]  # fmt: skip
    return "\n".join(rows)  # no newline after the last line


def test_fec_of_a_tiny_ledger_line_by_line(tiny_ledger):
    content = b"".join(iter_fec(tiny_ledger)).decode("utf-8")
    expected = _expected(f"{timezone.localdate():%Y%m%d}")
    assert content.split("\n") == expected.split("\n")
    assert content == expected


def test_fec_file_name_is_siren_fec_closing_date(tiny_ledger):
    assert fec_filename(tiny_ledger) == "732829320FEC20251231.txt"


@pytest.mark.postgres
def test_copy_and_python_exports_are_byte_identical(tiny_ledger):
    structure = tiny_ledger.structure
    for label in (
        'Antislash \\ et "guillemets" ; point-virgule',
        "Contrôle\x01\x1f fin",
        "Émoji 🧺 et\ttab",
        "",
        "\\.",
    ):
        post_document(DocumentFactory(structure=structure, label=label or "x", lines=(
            DocumentLine(account="411", debit=Decimal("0.01"), label=label, auxiliary_code="C|9", auxiliary_name=label),
            DocumentLine(account="7061", credit=Decimal("0.01")),
        )))  # fmt: skip
    by_copy = b"".join(iter_fec(tiny_ledger, method="copy"))
    by_python = b"".join(iter_fec(tiny_ledger, method="python"))
    assert by_copy == by_python
    assert by_copy.count(b"\n") == 8 + 2 * 5
    assert b'Antislash \\ et "guillemets"' in by_copy


def test_an_empty_year_is_just_the_header(structure, fiscal_year):
    assert b"".join(iter_fec(fiscal_year)) == (
        b"JournalCode\tJournalLib\tEcritureNum\tEcritureDate\tCompteNum\tCompteLib\tCompAuxNum\tCompAuxLib\t"
        b"PieceRef\tPieceDate\tEcritureLib\tDebit\tCredit\tEcritureLet\tDateLet\tValidDate\tMontantdevise\tIdevise"
    )


def test_the_tiny_ledger_passes_the_validator(tiny_ledger, tmp_path):
    path = write_fec(tiny_ledger, tmp_path)
    assert validate_fec(path) == []


def test_fec_of_the_demo_books_passes_the_validator(demo_hub, tmp_path):
    structure = Structure.objects.get(slug="jardins-du-pole")
    fiscal_year = FiscalYear.objects.filter(structure=structure).covering(timezone.localdate()).get()
    # After the last VAT return posted, which locks its period.
    locked = Books.objects.get(structure=structure).locked_until
    day = max(
        fiscal_year.start_date + datetime.timedelta(days=40),
        (locked or fiscal_year.start_date) + datetime.timedelta(days=1),
    )
    post_document(DocumentFactory(structure=structure, date=day, lines=(
        DocumentLine(account="411", debit=Decimal("15.00"), auxiliary_code="C0001", auxiliary_name="Camille Martin"),
        DocumentLine(account="701", credit=Decimal("14.22")),
        DocumentLine(account="445713", credit=Decimal("0.78")),
    )))  # fmt: skip
    post_document(DocumentFactory(structure=structure, journal="ST", date=day, lines=(
        DocumentLine(account="512800", debit=Decimal("15.00")),
        DocumentLine(account="411", credit=Decimal("15.00"), auxiliary_code="C0001", auxiliary_name="Camille Martin"),
    )))  # fmt: skip
    post_document(DocumentFactory(structure=structure, journal="CA", date=day + datetime.timedelta(days=1), lines=(
        DocumentLine(account="530", debit=Decimal("30.00")),
        DocumentLine(account="701", credit=Decimal("28.44")),
        DocumentLine(account="445713", credit=Decimal("1.56")),
    )))  # fmt: skip

    path = write_fec(fiscal_year, tmp_path)

    assert path.name == f"823456710FEC{fiscal_year.end_date:%Y%m%d}.txt"
    assert validate_fec(path) == []
    lines = EntryLine.objects.filter(entry__fiscal_year=fiscal_year).count()
    assert lines >= 8 + 3  # ours, and the demo's sales posted by the marketplace
    assert len(path.read_text(encoding="utf-8").split("\n")) == 1 + lines


def test_fec_of_every_demo_structure_passes_the_validator(demo_hub, tmp_path):
    """The demo's four weeks of sales, payments, refunds and deposits, posted by the marketplace."""
    for structure in Structure.objects.all():
        for fiscal_year in FiscalYear.objects.filter(structure=structure):
            path = write_fec(fiscal_year, tmp_path)
            assert validate_fec(path) == [], structure.slug


def test_export_fec_command_writes_the_file(tiny_ledger, tmp_path, capsys):
    call_command("export_fec", structure=tiny_ledger.structure.slug, year=2025, output=str(tmp_path))
    out, err = capsys.readouterr()
    path = tmp_path / "732829320FEC20251231.txt"
    assert out.strip() == str(path)
    assert "8/8 lignes (100 %)" in err
    assert path.read_text(encoding="utf-8") == _expected(f"{timezone.localdate():%Y%m%d}")
    call_command("check_fec", str(path))
    assert "conforme" in capsys.readouterr().out
