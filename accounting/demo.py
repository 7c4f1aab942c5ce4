"""Demo books: every structure of the demo hub gets its chart, journals and current fiscal year;
a few supplier invoices (paid and unpaid) for two structures of the hub and for the outside
association whose books the Collectif keeps."""

import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from accounting.actions import open_fiscal_year, setup_books
from accounting.actions.purchases import (
    PurchaseLine,
    create_supplier,
    post_supplier_invoice,
    record_supplier_payment,
    save_draft_invoice,
)
from accounting.enums import SupplierPaymentMethod
from accounting.models import Account, FiscalYear, Journal, Supplier, SupplierInvoice
from hub.models import Structure

D = Decimal

# structure slug → [(supplier, SIREN, number, days ago, net days, [(account, label, excl, VAT %, deductible)],
#                    paid days ago or None, method)]
PURCHASES = {
    "jardins-du-pole": [
        ("Semences du Limousin", "", "SL-2026-0412", 45, 30,
         [("601", "Semences et plants de saison", "312.50", "5.50", True),
          ("6063", "Petit outillage (sécateurs, binettes)", "86.00", "20.00", True)], 12, SupplierPaymentMethod.TRANSFER),
        ("Garage Moreau", "", "GM-1187", 20, 30,
         [("615", "Entretien du tracteur", "420.00", "20.00", True)], None, None),
        ("Informatique Creusoise", "", "IC-26-077", 35, 15,
         [("2183", "Ordinateur portable pour la planification", "749.00", "20.00", True)], None, None),
    ],
    "comptoir-equitable": [
        ("Coopérative Andine", "", "CA-55821", 40, 30,
         [("607", "Café en grains équitable (60 kg)", "780.00", "5.50", True)], 8, SupplierPaymentMethod.TRANSFER),
        ("EDF Collectivités", "", "EDF-2026-10-99812", 28, 14,
         [("6061", "Électricité de la boutique, octobre", "96.40", "20.00", True)], None, None),
    ],
    "amis-du-lavoir": [
        ("Maçonnerie Dufour", "", "MD-2026-031", 38, 30,
         [("615", "Reprise des joints du bassin", "640.00", "20.00", False)], 10, SupplierPaymentMethod.CHEQUE),
        ("MAIF Associations", "", "MAIF-88213", 30, 30,
         [("616", "Assurance responsabilité civile 2026-2027", "182.00", "0.00", False)], None, None),
        ("Imprimerie du Thaurion", "", "IT-4410", 14, 30,
         [("623", "Affiches de la fête du lavoir", "95.00", "20.00", False)], None, None),
    ],
}  # fmt: skip


@transaction.atomic
def seed_demo() -> dict[str, int]:
    # After the structures exist, so each chart gets one 467 per other structure.
    # The demo's history starts four weeks back: the fiscal year must cover it (the sales open the
    # following year themselves when they reach it).
    since = timezone.localdate() - datetime.timedelta(days=60)
    for structure in Structure.objects.order_by("pk"):
        setup_books(structure=structure, on=since)
    _purchases(timezone.localdate())
    return {
        "comptes": Account.objects.count(),
        "journaux": Journal.objects.count(),
        "exercices comptables": FiscalYear.objects.count(),
        "factures fournisseurs": SupplierInvoice.objects.count(),
    }


def _purchases(today: datetime.date) -> None:
    for structure in Structure.objects.filter(slug__in=PURCHASES).order_by("pk"):
        for name, siren, number, days_ago, net, lines, paid_ago, method in PURCHASES[structure.slug]:
            supplier = Supplier.objects.filter(structure=structure, name=name).first()
            if supplier is None:
                supplier = create_supplier(structure=structure, name=name, siren=siren)
            if SupplierInvoice.objects.filter(supplier=supplier, number=number).exists():
                continue
            date = today - datetime.timedelta(days=days_ago)
            if not FiscalYear.objects.filter(structure=structure).covering(date).exists():
                open_fiscal_year(structure=structure, year=date.year)
            invoice = save_draft_invoice(
                structure=structure,
                supplier=supplier,
                number=number,
                date=date,
                due_date=date + datetime.timedelta(days=net),
                lines=[PurchaseLine(account, label, D(excl), D(rate), deductible)
                       for account, label, excl, rate, deductible in lines],
            )  # fmt: skip
            invoice = post_supplier_invoice(invoice=invoice)
            if paid_ago is not None:
                record_supplier_payment(
                    invoice=invoice,
                    date=today - datetime.timedelta(days=paid_ago),
                    amount=invoice.total_incl,
                    method=method,
                    reference=f"VIR-{number}" if method == SupplierPaymentMethod.TRANSFER else "Chèque n° 0004127",
                )
