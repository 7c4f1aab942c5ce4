"""Demo books: every structure of the demo hub gets its chart, journals and current fiscal year;
a few supplier invoices (paid and unpaid) for two structures of the hub and for the outside
association whose books the Collectif keeps.

Every structure also gets a closed 2025: a small year of activity (funds, sales — at their VAT rate
for the liable ones —, purchases, payments) and a year-end cut-off. Once every app has seeded its
history (the AI's 2025 home services, the impact demo's two years of sales among it), `seed_demo_last`
posts the liable ones' 2025 VAT returns (each locks its period), closes each 2025 with its 2026
à-nouveaux, gives each structure a bank account and one CAMT.053 statement built from the demo's own
bank (512) lines, imported and matched (plus a bank charge left to match by hand), then posts the 2026
VAT returns of the periods already over.
"""

import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.utils import timezone

from accounting.actions import open_fiscal_year, post_document, post_vat_return, setup_books
from accounting.actions.bank import create_bank_account, import_statement
from accounting.actions.closing import close_year, record_cut_off
from accounting.actions.purchases import (
    PurchaseLine,
    create_supplier,
    post_supplier_invoice,
    record_supplier_payment,
    save_draft_invoice,
)
from accounting.bank_formats import ParsedLine, french_iban, write_camt053
from accounting.chart import ASSOCIATION_EQUITY, COMPANY_EQUITY, VAT_ACCOUNTS
from accounting.documents import Document, DocumentLine, IdempotencyKey
from accounting.enums import SupplierPaymentMethod, VatPeriodicity
from accounting.models import (
    Account,
    BankLine,
    BankStatement,
    Books,
    EntryLine,
    FiscalYear,
    Journal,
    Supplier,
    SupplierInvoice,
    VatReturn,
)
from accounting.vat import periods_between
from hub.models import Structure

D = Decimal

# structure slug → [(supplier, SIREN, number, days ago, net days, [(account, label, excl, VAT %, deductible)],
#                    paid days ago or None, method)]
PURCHASES = {
    "jardins-du-pole": [
        ("Semences du Gâtinais", "", "SG-2026-0412", 45, 30,
         [("601", "Semences et plants de saison", "312.50", "5.50", True),
          ("6063", "Petit outillage (sécateurs, binettes)", "86.00", "20.00", True)], 12, SupplierPaymentMethod.TRANSFER),
        ("Garage Moreau", "", "GM-1187", 20, 30,
         [("615", "Entretien du tracteur", "420.00", "20.00", True)], None, None),
        ("Informatique du Loing", "", "IL-26-077", 35, 15,
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
        ("Imprimerie du Lunain", "", "IL-4410", 14, 30,
         [("623", "Affiches de la fête du lavoir", "95.00", "20.00", False)], None, None),
    ],
}  # fmt: skip
CENT = Decimal("0.01")
# slug → (VAT periodicity or None when not liable, revenue account, 2025 sales excl. VAT by month,
# the year-end cut-off): every structure's 2025 is closed, its 2026 opens with à-nouveaux.
CLOSED_2025 = {
    "collectif-du-pole": (None, "7065", {3: "2400.00", 6: "2400.00", 9: "2400.00", 12: "2400.00"},
                          ("408", "622", "450.00", "Honoraires du commissaire aux comptes, facture non parvenue")),
    "jardins-du-pole": (VatPeriodicity.QUARTERLY, "701", {4: "620.00", 6: "1480.00", 9: "1210.00", 11: "540.00"},
                        ("487", "701", "180.00", "Paniers de janvier payés en décembre")),
    "blanchisserie-solidaire": (VatPeriodicity.MONTHLY, "7061", {3: "860.00", 7: "1240.00", 10: "990.00", 12: "450.00"},
                                ("418", "7061", "320.00", "Linge de décembre livré, facture à établir")),
    "pole-services": (None, "7062", {2: "2860.00", 5: "3120.00", 9: "2980.00", 11: "3340.00"},
                      ("418", "7062", "410.00", "Heures de décembre réalisées, facture à établir")),
    "mobilite-solidaire": (None, "7063", {3: "420.00", 6: "610.00", 10: "540.00"},
                           ("487", "7063", "60.00", "Location de janvier payée en décembre")),
    "comptoir-equitable": (VatPeriodicity.MONTHLY, "707", {5: "1150.00", 8: "730.00", 12: "1640.00"},
                           ("408", "628", "95.00", "Transport de décembre, facture non parvenue")),
    "atelier-formation": (None, "7064", {4: "1800.00", 10: "2400.00"},
                          ("487", "7064", "300.00", "Session de janvier réglée d'avance")),
    "amis-du-lavoir": (None, "706", {7: "640.00"},
                       ("408", "615", "120.00", "Entretien du bassin de décembre, facture non parvenue")),
}  # fmt: skip
YEAR = 2025


def _post(structure, day, journal, key, label, lines):
    return post_document(
        Document(
            structure=structure, journal=journal, date=day, piece_ref=f"DEMO-{key}", piece_date=day, label=label,
            lines=tuple(lines), key=IdempotencyKey("demo", key, "posted"),
        )
    )  # fmt: skip


def _year_2025(structure: Structure) -> None:
    periodicity, revenue, sales, cut_off = CLOSED_2025[structure.slug]
    liable = structure.is_vat_liable
    if periodicity is not None:
        Books.objects.filter(structure=structure).update(vat_periodicity=periodicity)
    equity = (COMPANY_EQUITY if structure.is_company else ASSOCIATION_EQUITY)[0]
    slug = structure.slug
    _post(structure, datetime.date(YEAR, 1, 2), "OD", f"{slug}-funds", "Apport de l'exercice 2025",
          [DocumentLine(account="512", debit=Decimal("8000.00")), DocumentLine(account=equity, credit=Decimal("8000.00"))])  # fmt: skip
    rate = (structure.default_vat_rate or Decimal("20.00")) if liable else Decimal("0.00")
    vat_account = VAT_ACCOUNTS.get(f"{rate:.2f}")
    for month, amount in sales.items():
        excl = Decimal(amount)
        vat = (excl * rate / 100).quantize(CENT, rounding=ROUND_HALF_UP)
        day = datetime.date(YEAR, month, 14)
        label = f"Ventes du mois {month:02d}/{YEAR}"
        vat_lines = [DocumentLine(account=vat_account, credit=vat)] if vat else []
        _post(structure, day, "VE", f"{slug}-sales-{month}", label, [
            DocumentLine(account="411", debit=excl + vat, auxiliary_code="C000000", auxiliary_name="Clients divers"),
            DocumentLine(account=revenue, credit=excl), *vat_lines])  # fmt: skip
        _post(structure, day + datetime.timedelta(days=10), "BQ", f"{slug}-paid-{month}", f"Règlement {label}", [
            DocumentLine(account="512", debit=excl + vat),
            DocumentLine(account="411", credit=excl + vat, auxiliary_code="C000000", auxiliary_name="Clients divers")])  # fmt: skip
        # Supplies bought the same month: 20 % VAT, deductible only by a liable structure (else a cost).
        cost = (excl * Decimal("0.30")).quantize(CENT)
        cost_vat = (cost * Decimal("0.20")).quantize(CENT, rounding=ROUND_HALF_UP)
        supplies = ([DocumentLine(account="628", debit=cost), DocumentLine(account="44566", debit=cost_vat)] if liable
                    else [DocumentLine(account="628", debit=cost + cost_vat)])  # fmt: skip
        _post(structure, day - datetime.timedelta(days=7), "AC", f"{slug}-supplies-{month}", f"Fournitures {month:02d}/{YEAR}", [
            *supplies, DocumentLine(account="512", credit=cost + cost_vat)])  # fmt: skip
    fiscal_year = FiscalYear.objects.get(structure=structure, start_date=datetime.date(YEAR, 1, 1))
    kind, account, amount, label = cut_off
    record_cut_off(fiscal_year=fiscal_year, kind=kind, account=account, amount=Decimal(amount), label=label,
                   token=f"demo-{slug}-{YEAR}")  # fmt: skip
    # Its VAT returns (which lock each period) and its closing come in `seed_demo_last`, once every app
    # has placed its 2025 history (the AI's home services, the impact demo's two years of sales).


def _post_returns(structure: Structure, start: datetime.date, end: datetime.date) -> None:
    """Every return of [start, end] whose period is over, in order (those posted are skipped)."""
    books = Books.objects.get(structure=structure)
    posted = set(VatReturn.objects.filter(structure=structure).values_list("start_date", flat=True))
    today = timezone.localdate()
    for period in periods_between(books.vat_periodicity, start, end):
        if period.end < today and period.start not in posted:
            post_vat_return(structure=structure, period=period)


DEMO_BANK_CODE, DEMO_BRANCH_CODE = "42559", "10000"  # Crédit Coopératif, a plausible branch
DEMO_BANK_FEE = Decimal("-7.50")


@transaction.atomic
def seed_demo() -> dict[str, int]:
    # After the structures exist, so each chart gets one 467 per other structure.
    # The demo's history starts four weeks back: the fiscal year must cover it (the sales open the
    # following year themselves when they reach it).
    since = timezone.localdate() - datetime.timedelta(days=60)
    for structure in Structure.objects.order_by("pk"):
        if structure.slug in CLOSED_2025 and since.year == YEAR + 1:
            # Books still empty start in 2025 (setup_books moves them); 2026 follows.
            setup_books(structure=structure, on=datetime.date(YEAR, 1, 15))
            open_fiscal_year(structure=structure, year=YEAR + 1)
            # Books seeded before 2025 was part of the demo already hold 2026 entries: they stay as they are.
            year_2025 = FiscalYear.objects.filter(structure=structure, start_date__year=YEAR).first()
            if year_2025 is not None and not year_2025.is_closed:
                _year_2025(structure)
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


@transaction.atomic
def seed_demo_last() -> dict[str, int]:
    """After every app's history (hub's seed_demo runs this after every app's `seed_demo`): each
    structure's 2025 VAT returns posted and its year closed (the other apps' demos may add to its year first), its bank statement,
    then the 2026 VAT returns of the periods already over."""
    for fiscal_year in (
        FiscalYear.objects.filter(
            structure__slug__in=CLOSED_2025, start_date=datetime.date(YEAR, 1, 1), is_closed=False
        )
        .order_by("structure_id")
        .select_related("structure")
    ):
        if fiscal_year.structure.is_vat_liable:
            _post_returns(fiscal_year.structure, fiscal_year.start_date, fiscal_year.end_date)
        close_year(fiscal_year=fiscal_year)
    counts = _bank_statements()
    for structure in Structure.objects.filter(slug__in=CLOSED_2025).order_by("pk"):
        current = FiscalYear.objects.filter(structure=structure).covering(timezone.localdate()).first()
        if current is not None and structure.is_vat_liable:
            _post_returns(structure, current.start_date, current.end_date)
    return {**counts, "déclarations de TVA": VatReturn.objects.count()}


def _bank_line_for(entry_line: EntryLine, today: datetime.date) -> ParsedLine:
    """What the bank prints for a 512 line: a payout two days later, the rest the next day."""
    entry = entry_line.entry
    amount = entry_line.debit - entry_line.credit
    delay = 2 if entry.journal.code == "ST" else 1
    booked = min(entry.date + datetime.timedelta(days=delay), today)
    ref = entry.piece_ref
    if ref.startswith("po_"):
        # A negative payout is Stripe debiting the account (a negative balance to cover).
        kind = "VIR" if amount > 0 else "PRLV SEPA"
        label, party = f"{kind} STRIPE PAYMENTS EUROPE {ref}", "STRIPE PAYMENTS EUROPE LTD"
    elif ref.startswith("REM-"):
        label, party = f"REMISE CHEQUES {ref}", ""
    elif amount > 0:
        label, party = f"VIR SEPA RECU {entry.label.upper()} REF {ref}", ""
    else:
        label, party = f"VIR SEPA EMIS {entry.label.upper()} REF {ref}", ""
    return ParsedLine(
        transaction_id=f"DEMO{entry_line.pk:010d}",
        booking_date=booked,
        value_date=booked,
        amount=amount,
        label=label[:140],
        reference=ref[:35],
        counterparty=party,
    )


def _bank_statements() -> dict[str, int]:
    """A statement per structure, from the bank lines the other apps' demos posted. Idempotent: an
    account with a statement is left alone."""
    today = timezone.localdate()
    for structure in Structure.objects.order_by("pk"):
        bank_account = create_bank_account(
            structure=structure,
            label="Compte courant",
            iban=french_iban(DEMO_BANK_CODE, DEMO_BRANCH_CODE, f"{structure.pk:011d}"),
            bic="CCOPFRPPXXX",
        )
        if BankStatement.objects.filter(bank_account=bank_account).exists():
            continue
        entry_lines = (
            EntryLine.objects.filter(account=bank_account.ledger_account, lettering_code="", entry__date__lt=today)
            .select_related("entry__journal")
            .order_by("entry__date", "pk")
        )
        lines = [_bank_line_for(line, today) for line in entry_lines]
        lines.append(
            ParsedLine(
                transaction_id=f"DEMO-FRAIS-{structure.pk}",
                booking_date=today - datetime.timedelta(days=1),
                value_date=today - datetime.timedelta(days=1),
                amount=DEMO_BANK_FEE,
                label="FRAIS TENUE DE COMPTE ET COTISATION CARTE",
                reference="",
                counterparty="",
            )
        )
        lines.sort(key=lambda line: (line.booking_date, line.transaction_id))
        data = write_camt053(
            iban=bank_account.iban,
            statement_id=f"RLV-{structure.slug[:20]}-{today:%Y%m%d}",
            lines=lines,
            opening_balance=Decimal("1500.00"),
            created_at=timezone.now().replace(microsecond=0),
        )
        import_statement(bank_account=bank_account, data=data, file_name=f"releve-{structure.slug}.xml")
    return {"opérations bancaires": BankLine.objects.count(), "rapprochées": BankLine.objects.matched().count()}
