import datetime
from decimal import Decimal

import factory

from accounting.actions.purchases import PurchaseLine, post_supplier_invoice, save_draft_invoice
from accounting.documents import Document, DocumentLine, IdempotencyKey
from tests.hub.factories import StructureFactory

# The one structure factory (tests/hub/factories.py): `StructureFactory(books=datetime.date(2025, 6, 1))`
# sets up the chart, journals and the 2025 fiscal year; `company=True` is a Scop (account 101).
__all__ = ["DocumentFactory", "StructureFactory", "SupplierFactory", "purchase_line", "sale_lines", "supplier_invoice"]


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


# === Purchases ===


class SupplierFactory(factory.django.DjangoModelFactory):
    """A supplier of `structure` (pass it), with its own 401 auxiliary code."""

    class Meta:
        model = "accounting.Supplier"

    name = factory.Sequence(lambda n: f"Fournisseur d'essai {n}")
    auxiliary_code = factory.Sequence(lambda n: f"F{n + 1:04d}")


def purchase_line(account="606", excl="100.00", rate="20.00", deductible=True, label="Fournitures"):
    return PurchaseLine(account, label, Decimal(excl), Decimal(rate), deductible)


def supplier_invoice(structure, *, supplier=None, number=None, date=datetime.date(2025, 3, 10), lines=None,
                     due_days=30, posted=False, **kwargs):  # fmt: skip
    """A supplier invoice of `structure` through the action (a draft; `posted=True` posts it)."""
    supplier = supplier or SupplierFactory(structure=structure)
    invoice = save_draft_invoice(
        structure=structure,
        supplier=supplier,
        number=number or f"FA-{supplier.pk}-{supplier.invoices.count() + 1}",
        date=date,
        due_date=date + datetime.timedelta(days=due_days),
        lines=lines or [purchase_line()],
        **kwargs,
    )
    return post_supplier_invoice(invoice=invoice) if posted else invoice
