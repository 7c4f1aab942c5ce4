"""A billing name typed by a customer reaches the FEC: it keeps its text, never a separator or control."""

import pytest

from accounting.fec import FEC_FIELDS, write_fec
from accounting.fec_validator import validate_fec
from accounting.models import FiscalYear
from marketplace.actions.checkout import Billing
from tests.marketplace.factories import ADDRESS, OrderFactory

pytestmark = pytest.mark.django_db

# Tab, CR/LF, a pipe, vertical tab, DEL, NEL, a C1 control, the Unicode line separator, a formula.
NAME = "=Camille\tMartin\r\n|\x0bSARL\x7f\x85Dupont\x9b\u2028Fils"


@pytest.mark.parametrize("method", ["python", "copy"])
def test_a_billing_name_with_separators_and_controls_reaches_the_fec_cleaned(method, tmp_path):
    order = OrderFactory(billing=Billing(name=NAME, address=ADDRESS, email="camille@exemple.test"), paid=True)
    seller = order.lines.get().seller
    fiscal_year = FiscalYear.objects.filter(structure=seller).covering(order.placed_at.date()).get()

    path = write_fec(fiscal_year, tmp_path, method=method)

    text = path.read_bytes().decode()

    lines = text.split("\n")
    rows = [line.split("\t") for line in lines[1:]]
    names = {row[FEC_FIELDS.index("CompAuxLib")] for row in rows if row[FEC_FIELDS.index("CompteNum")] == "411"}
    # The formula sign stays: the FEC is data for the tax auditor's tools, not a spreadsheet.
    assert names == {"=Camille Martin   SARL Dupont Fils"}
    assert [len(row) for row in rows] == [len(FEC_FIELDS)] * len(rows)
    assert not any(ch in line for line in lines for ch in "\r\x0b\x7f\x85\x9b\u2028\u2029|")
    assert validate_fec(path) == []
