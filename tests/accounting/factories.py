import datetime
from decimal import Decimal

import factory
from stdnum import luhn

from accounting.documents import Document, DocumentLine, IdempotencyKey
from hub.enums import StructureKind, VatRegime
from hub.models import Structure


def make_siret(n: int) -> str:
    # A range of its own (7…), so these never collide with other apps' test structures.
    siren = f"{70000000 + n:08d}"
    siren += luhn.calc_check_digit(siren)
    base = siren + "0001"
    return base + luhn.calc_check_digit(base)


class StructureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Structure

    name = factory.Sequence(lambda n: f"Structure comptable {n}")
    slug = factory.Sequence(lambda n: f"structure-comptable-{n}")
    kind = StructureKind.ACI
    legal_form = "Association loi 1901"
    siret = factory.Sequence(make_siret)
    vat_regime = VatRegime.NOT_LIABLE
    vat_exemption_mention = "TVA non applicable, art. 261-7-1°-b du CGI"
    invoice_prefix = factory.Sequence(lambda n: f"K{n:04d}")
    address_line1 = "1 place de la Mairie"
    postcode = "23000"
    city = "Guéret"

    class Params:
        company = factory.Trait(kind=StructureKind.EI, legal_form="SARL Scop", share_capital=Decimal("15000.00"))


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
