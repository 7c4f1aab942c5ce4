"""Purchases: suppliers, their invoices (typed as drafts, posted to the purchases journal) and our
payments of them (bank journal, lettered with the invoice on 401).

The posting of an invoice: each line's expense (6xx) or fixed asset (2xx) at its amount excl. VAT,
plus its VAT when that VAT is not deductible (the line says so, or the structure is not liable);
the deductible VAT on 44566 (goods and services) or 44562 (fixed assets); the total incl. VAT to
the credit of 401 under the supplier's auxiliary code. A posted invoice never changes: it is
cancelled by the reversal of its entry.
"""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounting.actions.lettering import letter_lines
from accounting.actions.posting import MAX_AMOUNT, post_document, reverse_entry
from accounting.chart import BANK_ACCOUNT, DEDUCTIBLE_VAT_ACCOUNT, FIXED_ASSET_VAT_ACCOUNT, SUPPLIER_ACCOUNT
from accounting.documents import ZERO, Document, DocumentLine, IdempotencyKey, clean_text
from accounting.enums import PURCHASE_VAT_RATES, JournalCode, SupplierInvoiceStatus, SupplierPaymentMethod
from accounting.exceptions import PurchaseError
from accounting.models import (
    Account,
    Books,
    EntryLine,
    Supplier,
    SupplierInvoice,
    SupplierInvoiceLine,
    SupplierPayment,
)
from hub.formatting import euros
from hub.models import Structure

CENT = Decimal("0.01")
MAX_LINES = 30
# An attachment is a scan or the supplier's PDF: 5 Mo is plenty, and bounds the private storage.
ATTACHMENT_MAX_BYTES = 5 * 1024 * 1024
# The first bytes of each accepted type: the browser's content type and the file name are not trusted.
ATTACHMENT_SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
)
EXPENSE_CLASSES = frozenset({2, 6})


@dataclass(frozen=True)
class PurchaseLine:
    account: str
    label: str
    amount_excl: Decimal
    vat_rate: Decimal
    vat_deductible: bool = True


def line_vat(amount_excl: Decimal, vat_rate: Decimal) -> Decimal:
    """VAT of one line, rounded per line, half-up (ARCHITECTURE.md, money)."""
    return (amount_excl * vat_rate / 100).quantize(CENT, rounding=ROUND_HALF_UP)


def attachment_type(file: UploadedFile) -> str:
    """The checked content type of an uploaded attachment (PDF, PNG or JPEG, 5 Mo at most)."""
    if file.size is None or file.size > ATTACHMENT_MAX_BYTES:
        raise PurchaseError(_("La pièce jointe dépasse 5 Mo."))
    if file.size == 0:
        raise PurchaseError(_("La pièce jointe est vide."))
    file.seek(0)
    head = file.read(16)
    file.seek(0)
    for signature, content_type in ATTACHMENT_SIGNATURES:
        if head.startswith(signature):
            return content_type
    raise PurchaseError(_("La pièce jointe doit être un PDF, une image PNG ou JPEG."))


# --- Suppliers ----------------------------------------------------------------------------------


@transaction.atomic
def create_supplier(
    *, structure: Structure, name: str, siren: str = "", iban: str = "", auxiliary_code: str = ""
) -> Supplier:
    """A supplier of the structure; without an auxiliary code it gets the next free « F0001 »."""
    name = clean_text(name).strip()
    if not name:
        raise PurchaseError(_("Le nom du fournisseur est obligatoire."))
    if Supplier.objects.filter(structure=structure, name__iexact=name).exists():
        raise PurchaseError(_("Ce fournisseur existe déjà."))
    if auxiliary_code:
        if Supplier.objects.filter(structure=structure, auxiliary_code=auxiliary_code).exists():
            raise PurchaseError(_("Ce compte auxiliaire est déjà celui d'un autre fournisseur."))
    else:
        # The structure's books row is the lock that serialises the numbering of its suppliers.
        Books.objects.select_for_update(of=("self",)).get(structure=structure)
        taken = set(Supplier.objects.filter(structure=structure).values_list("auxiliary_code", flat=True))
        number = len(taken) + 1
        while f"F{number:04d}" in taken:
            number += 1
        auxiliary_code = f"F{number:04d}"
    try:
        with transaction.atomic():
            return Supplier.objects.create(
                structure=structure, name=name, siren=siren, iban=iban.replace(" ", "").upper(),
                auxiliary_code=auxiliary_code,
            )  # fmt: skip
    except IntegrityError as error:
        raise PurchaseError(_("Ce fournisseur ou ce compte auxiliaire existe déjà.")) from error


# --- Invoices -----------------------------------------------------------------------------------


def _check_lines(structure: Structure, lines: Sequence[PurchaseLine]) -> dict[str, Account]:
    if not lines:
        raise PurchaseError(_("Une facture compte au moins une ligne."))
    if len(lines) > MAX_LINES:
        raise PurchaseError(_("Une facture compte au plus %(count)s lignes.") % {"count": MAX_LINES})
    codes = {line.account for line in lines}
    accounts = {a.code: a for a in Account.objects.filter(structure=structure, code__in=codes, is_active=True)}
    for line in lines:
        account = accounts.get(line.account)
        if account is None or account.account_class not in EXPENSE_CLASSES:
            raise PurchaseError(
                _("Compte %(code)s : une ligne d'achat va à un compte actif de charges (6) ou d'immobilisations (2).")
                % {"code": line.account}
            )
        if not clean_text(line.label).strip():
            raise PurchaseError(_("Chaque ligne a un libellé."))
        amount = line.amount_excl
        if not isinstance(amount, Decimal) or not amount.is_finite() or amount <= 0 or amount > MAX_AMOUNT:
            raise PurchaseError(_("Le montant HT d'une ligne est positif et inférieur à 10 milliards."))
        if amount != amount.quantize(CENT):
            raise PurchaseError(_("Un montant se saisit au centime près."))
        if f"{line.vat_rate:.2f}" not in PURCHASE_VAT_RATES:
            raise PurchaseError(_("Taux de TVA inconnu : %(rate)s %%.") % {"rate": line.vat_rate})
    return accounts


@transaction.atomic
def save_draft_invoice(
    *,
    structure: Structure,
    supplier: Supplier,
    number: str,
    date: datetime.date,
    due_date: datetime.date,
    lines: Sequence[PurchaseLine],
    invoice: SupplierInvoice | None = None,
    attachment: UploadedFile | None = None,
) -> SupplierInvoice:
    """Create or replace a draft supplier invoice with its lines (refused whole: nothing saved).

    Only a draft may change. Its totals are computed here, VAT per line, rounded half-up.
    """
    if supplier.structure_id != structure.pk:
        raise PurchaseError(_("Fournisseur inconnu pour cette structure."))
    number = clean_text(number).strip()
    if not number or len(number) > 50:
        raise PurchaseError(_("Le numéro de facture du fournisseur compte 1 à 50 caractères."))
    if due_date < date:
        raise PurchaseError(_("L'échéance ne peut précéder la date de la facture."))
    if date > timezone.localdate():
        raise PurchaseError(_("Une facture reçue ne peut pas être datée après aujourd'hui."))
    accounts = _check_lines(structure, lines)
    content_type = attachment_type(attachment) if attachment is not None else None
    duplicate = SupplierInvoice.objects.filter(supplier=supplier, number=number)
    if invoice is not None:
        invoice = SupplierInvoice.objects.select_for_update(of=("self",)).get(pk=invoice.pk, structure=structure)
        if not invoice.is_draft:
            raise PurchaseError(_("Une facture comptabilisée ne se modifie plus : annulez-la par une extourne."))
        duplicate = duplicate.exclude(pk=invoice.pk)
    if duplicate.exists():
        raise PurchaseError(_("Cette facture de ce fournisseur est déjà saisie."))

    vats = [line_vat(line.amount_excl, line.vat_rate) for line in lines]
    total_excl = sum((line.amount_excl for line in lines), ZERO)
    total_vat = sum(vats, ZERO)
    if total_excl + total_vat > MAX_AMOUNT:
        raise PurchaseError(_("Le total de la facture dépasse 10 milliards."))
    values = {
        "supplier": supplier,
        "number": number,
        "date": date,
        "due_date": due_date,
        "total_excl": total_excl,
        "total_vat": total_vat,
        "total_incl": total_excl + total_vat,
    }
    if invoice is None:
        invoice = SupplierInvoice(structure=structure, **values)
    else:
        for name, value in values.items():
            setattr(invoice, name, value)
        invoice.lines.all().delete()
    if content_type is not None:
        replaced = invoice.attachment.name
        invoice.attachment_type = content_type
        invoice.attachment.save("piece", attachment, save=False)
        if replaced:
            storage = invoice.attachment.storage
            transaction.on_commit(lambda: storage.delete(replaced))
    invoice.save()
    SupplierInvoiceLine.objects.bulk_create(
        SupplierInvoiceLine(
            invoice=invoice,
            position=position,
            account=accounts[line.account],
            label=clean_text(line.label).strip()[:200],
            amount_excl=line.amount_excl,
            vat_rate=line.vat_rate,
            vat_deductible=line.vat_deductible,
            vat_amount=vat,
        )
        for position, (line, vat) in enumerate(zip(lines, vats, strict=True), start=1)
    )
    return invoice


@transaction.atomic
def delete_draft_invoice(*, invoice: SupplierInvoice) -> None:
    invoice = SupplierInvoice.objects.select_for_update(of=("self",)).get(pk=invoice.pk)
    if not invoice.is_draft:
        raise PurchaseError(_("Seul un brouillon se supprime : une facture comptabilisée s'annule par une extourne."))
    attachment = invoice.attachment.name
    invoice.lines.all().delete()
    invoice.delete()
    if attachment:
        storage = invoice.attachment.storage
        transaction.on_commit(lambda: storage.delete(attachment))


def invoice_document_lines(invoice: SupplierInvoice) -> tuple[DocumentLine, ...]:
    """The entry of a supplier invoice (see the module's docstring)."""
    deducts = invoice.structure.is_vat_liable
    label = _entry_label(invoice)
    lines: list[DocumentLine] = []
    vat_by_account: dict[str, Decimal] = {}
    for line in invoice.lines.select_related("account").order_by("position"):
        deductible = deducts and line.vat_deductible and line.vat_amount > 0
        debit = line.amount_excl if deductible else line.amount_excl + line.vat_amount
        lines.append(DocumentLine(account=line.account.code, debit=debit, label=line.label))
        if deductible:
            vat_account = FIXED_ASSET_VAT_ACCOUNT if line.account.account_class == 2 else DEDUCTIBLE_VAT_ACCOUNT
            vat_by_account[vat_account] = vat_by_account.get(vat_account, ZERO) + line.vat_amount
    lines += [
        DocumentLine(account=account, debit=amount, label=_("TVA déductible - %(label)s") % {"label": label})
        for account, amount in sorted(vat_by_account.items())
    ]
    lines.append(
        DocumentLine(
            account=SUPPLIER_ACCOUNT,
            credit=invoice.total_incl,
            label=label,
            auxiliary_code=invoice.supplier.auxiliary_code,
            auxiliary_name=invoice.supplier.name,
        )
    )
    return tuple(lines)


def _entry_label(invoice: SupplierInvoice) -> str:
    return clean_text(f"Facture {invoice.number} - {invoice.supplier.name}")[:200]


@transaction.atomic
def post_supplier_invoice(*, invoice: SupplierInvoice) -> SupplierInvoice:
    """Post a draft to the purchases journal (AC); the books refuse it whole when it does not hold."""
    invoice = (
        SupplierInvoice.objects.select_for_update(of=("self",))
        .select_related("structure", "supplier")
        .get(pk=invoice.pk)
    )
    if not invoice.is_draft:
        raise PurchaseError(_("Cette facture est déjà comptabilisée."))
    lines = invoice_document_lines(invoice)
    if len(lines) < 2:
        raise PurchaseError(_("Une facture compte au moins une ligne."))
    entry = post_document(
        Document(
            structure=invoice.structure,
            journal=JournalCode.PURCHASES,
            date=invoice.date,
            piece_ref=invoice.number,
            piece_date=invoice.date,
            label=_entry_label(invoice),
            lines=lines,
            key=IdempotencyKey("supplier_invoice", str(invoice.pk), "posted"),
        )
    )
    invoice.entry = entry
    invoice.status = SupplierInvoiceStatus.POSTED
    invoice.save(update_fields=["entry", "status"])
    return invoice


def _payable_line(entry) -> EntryLine:
    return entry.lines.get(account__code=SUPPLIER_ACCOUNT)


@transaction.atomic
def record_supplier_payment(
    *,
    invoice: SupplierInvoice,
    date: datetime.date,
    amount: Decimal,
    method: str,
    reference: str = "",
) -> SupplierPayment:
    """Pay (part of) a posted invoice by transfer or cheque: D 401 / C 512 in the bank journal, piece
    = the supplier's invoice number (what the bank statement shows). The payment that settles it
    letters the invoice's 401 line with every payment's, and the invoice is paid."""
    invoice = (
        SupplierInvoice.objects.select_for_update(of=("self",))
        .select_related("structure", "supplier", "entry")
        .get(pk=invoice.pk)
    )
    if invoice.status != SupplierInvoiceStatus.POSTED:
        raise PurchaseError(_("Seule une facture comptabilisée et non soldée se règle."))
    if method not in SupplierPaymentMethod.values:
        raise PurchaseError(_("Moyen de paiement inconnu."))
    if not isinstance(amount, Decimal) or not amount.is_finite() or amount <= 0 or amount != amount.quantize(CENT):
        raise PurchaseError(_("Le montant d'un règlement est positif, au centime près."))
    if amount > invoice.remaining:
        raise PurchaseError(
            _("Le règlement (%(amount)s) dépasse le reste à payer (%(remaining)s).")
            % {"amount": euros(amount), "remaining": euros(invoice.remaining)}
        )
    reference = clean_text(reference).strip()[:50]
    count = invoice.payments.count()
    supplier = invoice.supplier
    label = clean_text(f"Règlement {invoice.number} - {supplier.name}")[:200]
    entry = post_document(
        Document(
            structure=invoice.structure,
            journal=JournalCode.BANK,
            date=date,
            piece_ref=invoice.number,
            piece_date=date,
            label=label,
            lines=(
                DocumentLine(
                    account=SUPPLIER_ACCOUNT,
                    debit=amount,
                    label=label,
                    auxiliary_code=supplier.auxiliary_code,
                    auxiliary_name=supplier.name,
                ),
                DocumentLine(account=BANK_ACCOUNT, credit=amount, label=label),
            ),
            key=IdempotencyKey("supplier_invoice", str(invoice.pk), f"payment-{count + 1}"),
        )
    )
    payment = SupplierPayment.objects.create(
        invoice=invoice, date=date, amount=amount, method=method, reference=reference, entry=entry
    )
    SupplierInvoice.objects.filter(pk=invoice.pk).update(paid_amount=F("paid_amount") + amount)
    invoice.paid_amount += amount  # the row is locked: nobody moved it since we read it
    if invoice.remaining == ZERO:
        payments = [_payable_line(p.entry) for p in invoice.payments.select_related("entry")]
        letter_lines(lines=[_payable_line(invoice.entry), *payments], on=date)
        invoice.status = SupplierInvoiceStatus.PAID
        invoice.save(update_fields=["status"])
    return payment


@transaction.atomic
def cancel_supplier_invoice(*, invoice: SupplierInvoice, on: datetime.date | None = None) -> SupplierInvoice:
    """Cancel a posted, unpaid invoice: its entry is reversed (extourne) and lettered with it."""
    invoice = (
        SupplierInvoice.objects.select_for_update(of=("self",))
        .select_related("structure", "supplier", "entry")
        .get(pk=invoice.pk)
    )
    if invoice.status != SupplierInvoiceStatus.POSTED:
        raise PurchaseError(_("Seule une facture comptabilisée et non réglée s'annule par une extourne."))
    if invoice.paid_amount:
        raise PurchaseError(_("Cette facture a déjà des règlements : elle ne s'annule plus."))
    on = on or timezone.localdate()
    reversal = reverse_entry(
        entry=invoice.entry, date=on, label=clean_text(f"Annulation {_entry_label(invoice)}")[:200]
    )
    letter_lines(lines=[_payable_line(invoice.entry), _payable_line(reversal)], on=on)
    invoice.reversal = reversal
    invoice.status = SupplierInvoiceStatus.CANCELLED
    invoice.save(update_fields=["reversal", "status"])
    return invoice
