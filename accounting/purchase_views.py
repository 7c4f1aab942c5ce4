"""The purchases of a structure's books: supplier invoices, suppliers and their balances.

Thin: the readers (accountants and the read-only view) see the lists, the invoices and their
attachments; only the accountants (`get_structure_or_404`) enter, post, pay or cancel — anyone
else gets the same 404 as for books that do not exist.
"""

import datetime

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounting import purchase_selectors as selectors
from accounting.actions.purchases import (
    PurchaseLine,
    cancel_supplier_invoice,
    create_supplier,
    delete_draft_invoice,
    post_supplier_invoice,
    record_supplier_payment,
    save_draft_invoice,
)
from accounting.enums import SupplierInvoiceStatus
from accounting.exceptions import AccountingError
from accounting.models import SupplierInvoice
from accounting.perms import can_keep_books, get_readable_structure_or_404, get_structure_or_404
from accounting.purchase_forms import (
    SupplierForm,
    SupplierInvoiceForm,
    SupplierInvoiceLineFormSet,
    SupplierPaymentForm,
)
from hub.storage import private_file_response

PAGE_SIZE = 50


def _invoice_or_404(structure, pk: int) -> SupplierInvoice:
    invoice = SupplierInvoice.objects.select_related("supplier", "entry", "reversal").filter(structure=structure, pk=pk)
    invoice = invoice.first()
    if invoice is None:
        raise Http404
    return invoice


def purchases(request: HttpRequest, slug: str) -> HttpResponse:
    """The supplier invoices of the structure, newest first, filtered by status."""
    structure = get_readable_structure_or_404(request.user, slug)
    status = request.GET.get("etat", "")
    if status not in SupplierInvoiceStatus.values:
        status = ""
    invoices = selectors.supplier_invoices(structure, status=status)
    context = {
        "structure": structure,
        "section": "purchases",
        "status": status,
        "statuses": SupplierInvoiceStatus.choices,
        "page": Paginator(invoices, PAGE_SIZE).get_page(request.GET.get("page")),
        "today": timezone.localdate(),
        "can_keep_books": can_keep_books(request.user, structure),
    }
    return render(request, "accounting/purchases.html", context)


def supplier_balances(request: HttpRequest, slug: str) -> HttpResponse:
    """What the structure owes each supplier: open invoices, due dates, overdue amounts."""
    structure = get_readable_structure_or_404(request.user, slug)
    today = timezone.localdate()
    context = {
        "structure": structure,
        "section": "suppliers",
        "balances": selectors.supplier_balances(structure, today=today),
        "today": today,
        "can_keep_books": can_keep_books(request.user, structure),
    }
    return render(request, "accounting/suppliers.html", context)


def supplier_new(request: HttpRequest, slug: str) -> HttpResponse:
    structure = get_structure_or_404(request.user, slug)
    form = SupplierForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            supplier = create_supplier(structure=structure, **form.cleaned_data)
        except AccountingError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("Fournisseur %(name)s créé (compte %(code)s).")
                % {"name": supplier.name, "code": supplier.auxiliary_code},
            )
            return redirect("accounting:suppliers", structure.slug)
    status = 400 if form.errors else 200
    return render(
        request, "accounting/supplier_form.html", {"structure": structure, "form": form, "section": "suppliers"},
        status=status,
    )  # fmt: skip


def _purchase_lines(lines) -> list[PurchaseLine]:
    return [
        PurchaseLine(
            account=line["account"],
            label=line["label"],
            amount_excl=line["amount_excl"],
            vat_rate=line["vat_rate"],
            vat_deductible=line["vat_deductible"],
        )
        for line in lines.cleaned_data
        if line.get("account")
    ]


def _invoice_form(request: HttpRequest, slug: str, pk: int | None) -> HttpResponse:
    structure = get_structure_or_404(request.user, slug)
    invoice = _invoice_or_404(structure, pk) if pk is not None else None
    if invoice is not None and not invoice.is_draft:
        messages.error(request, _("Une facture comptabilisée ne se modifie plus : annulez-la par une extourne."))
        return redirect("accounting:purchase", structure.slug, invoice.pk)
    accounts = selectors.expense_accounts(structure)
    initial, lines_initial = {}, None
    if invoice is not None:
        initial = {"supplier": invoice.supplier, "number": invoice.number, "date": invoice.date,
                   "due_date": invoice.due_date}  # fmt: skip
        lines_initial = [
            {"account": line.account.code, "label": line.label, "amount_excl": line.amount_excl,
             "vat_rate": f"{line.vat_rate:.2f}", "vat_deductible": line.vat_deductible}
            for line in invoice.lines.select_related("account")
        ]  # fmt: skip
    else:
        today = timezone.localdate()
        initial = {"date": today, "due_date": today + datetime.timedelta(days=30)}
    data = request.POST if request.method == "POST" else None
    form = SupplierInvoiceForm(data, request.FILES or None, initial=initial, suppliers=selectors.suppliers(structure))
    lines = SupplierInvoiceLineFormSet(data, initial=lines_initial, form_kwargs={"accounts": accounts}, prefix="lignes")
    if request.method == "POST" and form.is_valid() and lines.is_valid():
        purchase_lines = _purchase_lines(lines)
        try:
            if not purchase_lines:
                raise AccountingError(_("Une facture compte au moins une ligne."))
            saved = save_draft_invoice(
                structure=structure,
                supplier=form.cleaned_data["supplier"],
                number=form.cleaned_data["number"],
                date=form.cleaned_data["date"],
                due_date=form.cleaned_data["due_date"],
                lines=purchase_lines,
                invoice=invoice,
                attachment=form.cleaned_data.get("attachment") or None,
            )
        except AccountingError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Brouillon enregistré : vérifiez-le puis comptabilisez-le."))
            return redirect("accounting:purchase", structure.slug, saved.pk)
    context = {
        "structure": structure,
        "invoice": invoice,
        "form": form,
        "lines": lines,
        "section": "purchases",
        "has_suppliers": selectors.suppliers(structure).exists(),
    }
    status = 400 if form.errors or lines.total_error_count() else 200
    return render(request, "accounting/purchase_form.html", context, status=status)


def purchase_new(request: HttpRequest, slug: str) -> HttpResponse:
    return _invoice_form(request, slug, None)


def purchase_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    return _invoice_form(request, slug, pk)


def purchase_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    structure = get_readable_structure_or_404(request.user, slug)
    invoice = _invoice_or_404(structure, pk)
    context = {
        "structure": structure,
        "invoice": invoice,
        "lines": list(invoice.lines.select_related("account")),
        "payments": list(invoice.payments.select_related("entry")),
        "section": "purchases",
        "today": timezone.localdate(),
        "can_keep_books": can_keep_books(request.user, structure),
        "payment_form": SupplierPaymentForm(
            initial={"date": timezone.localdate(), "amount": invoice.remaining, "method": "transfer"}
        ),
    }
    return render(request, "accounting/purchase_detail.html", context)


@require_POST
def purchase_post(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    structure = get_structure_or_404(request.user, slug)
    invoice = _invoice_or_404(structure, pk)
    try:
        invoice = post_supplier_invoice(invoice=invoice)
    except AccountingError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("Facture comptabilisée : écriture %(reference)s.") % {"reference": invoice.entry.reference},
        )
    return redirect("accounting:purchase", structure.slug, invoice.pk)


def purchase_pay(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    structure = get_structure_or_404(request.user, slug)
    invoice = _invoice_or_404(structure, pk)
    form = SupplierPaymentForm(
        request.POST or None, initial={"date": timezone.localdate(), "amount": invoice.remaining}
    )
    if request.method == "POST" and form.is_valid():
        try:
            record_supplier_payment(invoice=invoice, **form.cleaned_data)
        except AccountingError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Règlement enregistré."))
            return redirect("accounting:purchase", structure.slug, invoice.pk)
    context = {"structure": structure, "invoice": invoice, "form": form, "section": "purchases"}
    return render(request, "accounting/purchase_pay.html", context, status=400 if form.errors else 200)


def purchase_cancel(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Confirm, then cancel a posted invoice by the reversal of its entry."""
    structure = get_structure_or_404(request.user, slug)
    invoice = _invoice_or_404(structure, pk)
    if request.method == "POST":
        try:
            invoice = cancel_supplier_invoice(invoice=invoice)
        except AccountingError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request, _("Facture annulée : extourne %(reference)s.") % {"reference": invoice.reversal.reference}
            )
        return redirect("accounting:purchase", structure.slug, invoice.pk)
    context = {"structure": structure, "invoice": invoice, "section": "purchases", "action": "cancel"}
    return render(request, "accounting/purchase_confirm.html", context)


def purchase_delete(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Confirm, then delete a draft (a posted invoice is cancelled instead)."""
    structure = get_structure_or_404(request.user, slug)
    invoice = _invoice_or_404(structure, pk)
    if request.method == "POST":
        try:
            delete_draft_invoice(invoice=invoice)
        except AccountingError as error:
            messages.error(request, str(error))
            return redirect("accounting:purchase", structure.slug, invoice.pk)
        messages.success(request, _("Brouillon supprimé."))
        return redirect("accounting:purchases", structure.slug)
    context = {"structure": structure, "invoice": invoice, "section": "purchases", "action": "delete"}
    return render(request, "accounting/purchase_confirm.html", context)


def purchase_attachment(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """The invoice's attachment, from the private storage (ADR 0013), to those who read the books."""
    structure = get_readable_structure_or_404(request.user, slug)
    invoice = _invoice_or_404(structure, pk)
    if not invoice.attachment or not invoice.attachment.storage.exists(invoice.attachment.name):
        raise Http404
    extension = invoice.attachment.name.rsplit(".", 1)[-1]
    return private_file_response(
        invoice.attachment, filename=f"facture-{invoice.pk}.{extension}", content_type=invoice.attachment_type
    )
