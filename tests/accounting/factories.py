import datetime
from decimal import Decimal

import factory

from accounting.documents import Document, DocumentLine, IdempotencyKey
from tests.hub.factories import StructureFactory

# The one structure factory (tests/hub/factories.py): `StructureFactory(books=datetime.date(2025, 6, 1))`
# sets up the chart, journals and the 2025 fiscal year; `company=True` is a Scop (account 101).
__all__ = ["DocumentFactory", "StructureFactory", "sale_lines"]


def sale_lines(total: str = "120.00", vat: str = "20.00", *, customer: str = "C0001") -> tuple[DocumentLine, ...]:
    """An invoice of `total` incl. VAT: D 411 / C 706 / C 445711."""
    total_dec, vat_dec = Decimal(total), Decimal(vat)
    return (
        DocumentLine(account="411", debit=total_dec, auxiliary_code=customer, auxiliary_name=f"Client {customer}"),
        DocumentLine(account="706", credit=total_dec - vat_dec),
        DocumentLine(account="445711", credit=vat_dec),
    )


class DocumentFactory(factory.Factory):
    """A sales invoice of 120,00 € (pass `structure=`)."""

    class Meta:
        model = Document

    journal = "VE"
    date = datetime.date(2025, 3, 10)
    piece_ref = factory.Sequence(lambda n: f"FAC-2025-{n:05d}")
    piece_date = factory.SelfAttribute("date")
    label = factory.LazyAttribute(lambda o: f"Facture {o.piece_ref}")
    lines = factory.LazyFunction(sale_lines)
    key = factory.Sequence(lambda n: IdempotencyKey(source_kind="invoice", source_id=str(n), event="issued"))

    class Params:
        unbalanced = factory.Trait(
            lines=(
                DocumentLine(account="411", debit=Decimal("120.00")),
                DocumentLine(account="706", credit=Decimal("100.00")),
            )
        )
        payment = factory.Trait(
            journal="BQ",
            label="Règlement",
            lines=(
                DocumentLine(account="512", debit=Decimal("120.00")),
                DocumentLine(
                    account="411", credit=Decimal("120.00"), auxiliary_code="C0001", auxiliary_name="Client C0001"
                ),
            ),
        )
