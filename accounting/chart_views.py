"""The chart of accounts of a structure: read by those who read its books, changed by its accountants."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounting import purchase_selectors as selectors
from accounting.actions.chart import (
    add_sub_account,
    delete_account,
    protected_codes,
    rename_account,
    set_account_active,
)
from accounting.exceptions import AccountingError
from accounting.models import Account, EntryLine
from accounting.perms import can_keep_books, get_readable_structure_or_404, get_structure_or_404
from accounting.purchase_forms import AccountAddForm, AccountRenameForm


def chart(request: HttpRequest, slug: str) -> HttpResponse:
    """The chart, and (accountants) the form adding a sub-account."""
    if request.method == "POST":
        structure = get_structure_or_404(request.user, slug)
    else:
        structure = get_readable_structure_or_404(request.user, slug)
    form = AccountAddForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            account = add_sub_account(structure=structure, **form.cleaned_data)
        except AccountingError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Compte %(account)s ajouté.") % {"account": account})
            return redirect("accounting:chart", structure.slug)
    context = {
        "structure": structure,
        "accounts": selectors.chart(structure),
        "form": form,
        "section": "chart",
        "can_keep_books": can_keep_books(request.user, structure),
    }
    return render(request, "accounting/chart.html", context, status=400 if form.errors else 200)


def _account_or_404(structure, code: str) -> Account:
    account = Account.objects.filter(structure=structure, code=code).first()
    if account is None:
        raise Http404
    return account


def account_edit(request: HttpRequest, slug: str, code: str) -> HttpResponse:
    """Rename, deactivate or reactivate an account; deleting one goes through a confirmation."""
    structure = get_structure_or_404(request.user, slug)
    account = _account_or_404(structure, code)
    action = request.POST.get("action", "")
    form = AccountRenameForm(request.POST if action == "rename" else None, initial={"label": account.label})
    refusal = ""
    if request.method == "POST":
        try:
            if action == "rename":
                if form.is_valid():
                    rename_account(account=account, label=form.cleaned_data["label"])
                    messages.success(request, _("Libellé du compte %(code)s modifié.") % {"code": account.code})
                    return redirect("accounting:chart", structure.slug)
            elif action in ("deactivate", "activate"):
                set_account_active(account=account, active=action == "activate")
                if action == "activate":
                    messages.success(request, _("Compte %(code)s réactivé.") % {"code": account.code})
                else:
                    messages.success(request, _("Compte %(code)s désactivé.") % {"code": account.code})
                return redirect("accounting:chart", structure.slug)
            elif action == "delete":
                delete_account(account=account)
                messages.success(request, _("Compte %(code)s supprimé.") % {"code": account.code})
                return redirect("accounting:chart", structure.slug)
            else:
                refusal = _("Action inconnue.")
        except AccountingError as error:
            refusal = str(error)
    protected = account.code in protected_codes(structure)
    context = {
        "structure": structure,
        "account": account,
        "form": form,
        "section": "chart",
        "refusal": refusal,
        "protected": protected,
        "used": EntryLine.objects.filter(account=account).exists(),
        "confirm_delete": request.method == "GET" and request.GET.get("supprimer") == "1",
    }
    status = 400 if form.errors or refusal else 200
    return render(request, "accounting/account_edit.html", context, status=status)
