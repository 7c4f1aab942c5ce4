"""The « Banque » pages of a structure's books: accounts, statement import, lines to match by hand.

Thin: permission (404 for anyone but the structure's accountants), a form, one action, render.
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounting.actions.bank import (
    auto_match,
    candidates_for,
    create_bank_account,
    import_statement,
    match_line,
    post_bank_line_entry,
    unmatch_line,
)
from accounting.bank_forms import BankAccountForm, BankEntryForm, MatchForm, StatementImportForm
from accounting.exceptions import AccountingError
from accounting.models import BankAccount, BankLine, BankStatement, EntryLine
from accounting.perms import get_structure_or_404

PAGE_SIZE = 50
STATES = {"a-rapprocher": False, "rapprochees": True, "toutes": None}


def bank(request: HttpRequest, slug: str) -> HttpResponse:
    """Accounts, import, statements and lines (to match by default), with their counts."""
    structure = get_structure_or_404(request.user, slug)
    import_form = StatementImportForm(structure=structure)
    account_form = BankAccountForm()
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "import":
            import_form = StatementImportForm(request.POST, request.FILES, structure=structure)
            if import_form.is_valid():
                upload = import_form.cleaned_data["file"]
                try:
                    result = import_statement(
                        bank_account=import_form.cleaned_data["bank_account"],
                        data=upload.read(),
                        file_name=upload.name,
                        by=request.user,
                    )
                except AccountingError as error:
                    import_form.add_error("file", str(error))
                else:
                    if result.already_imported:
                        messages.info(request, _("Ce relevé est déjà importé : rien n'a changé."))
                    else:
                        messages.success(
                            request,
                            _(
                                "Relevé importé : %(new)s opérations nouvelles (%(known)s déjà connues), "
                                "%(matched)s rapprochées automatiquement."
                            )
                            % {"new": result.new_lines, "known": result.known_lines, "matched": result.matched},
                        )
                    return redirect("accounting:bank", structure.slug)
        elif action == "account":
            account_form = BankAccountForm(request.POST)
            if account_form.is_valid():
                try:
                    create_bank_account(structure=structure, **account_form.cleaned_data)
                except AccountingError as error:
                    account_form.add_error(None, str(error))
                else:
                    messages.success(request, _("Compte bancaire ajouté."))
                    return redirect("accounting:bank", structure.slug)
        elif action == "match":
            matched = sum(auto_match(bank_account=account) for account in structure.bank_accounts.all())
            messages.success(request, _("%(count)s lignes rapprochées automatiquement.") % {"count": matched})
            return redirect("accounting:bank", structure.slug)
        status = 400
    state = request.GET.get("etat", "a-rapprocher")
    if state not in STATES:
        state = "a-rapprocher"
    accounts = list(
        BankAccount.objects.filter(structure=structure)
        .select_related("ledger_account")
        .annotate(
            line_total=Count("lines"),
            unmatched_total=Count("lines", filter=Q(lines__match_kind="")),
        )
        .order_by("label")
    )
    lines = BankLine.objects.filter(bank_account__structure=structure).select_related("bank_account")
    if STATES[state] is True:
        lines = lines.matched()
    elif STATES[state] is False:
        lines = lines.unmatched()
    page = Paginator(lines.order_by("-booking_date", "-pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "structure": structure,
        "section": "bank",
        "accounts": accounts,
        "unmatched": sum(account.unmatched_total for account in accounts),
        "total": sum(account.line_total for account in accounts),
        "statements": BankStatement.objects.filter(bank_account__structure=structure)
        .select_related("bank_account", "imported_by")
        .order_by("-imported_at", "-pk")[:10],
        "import_form": import_form,
        "account_form": account_form,
        "state": state,
        "page": page,
    }
    return render(request, "accounting/bank.html", context, status=status)


def _line_or_404(structure, line_id: int) -> BankLine:
    line = (
        BankLine.objects.select_related("bank_account__ledger_account", "matched_by")
        .filter(pk=line_id, bank_account__structure=structure)
        .first()
    )
    if line is None:
        raise Http404
    return line


def bank_line(request: HttpRequest, slug: str, line_id: int) -> HttpResponse:
    """One line: its candidates to match by hand, or what it is matched to; the entry for bank fees."""
    structure = get_structure_or_404(request.user, slug)
    line = _line_or_404(structure, line_id)
    candidates = [] if line.is_matched else candidates_for(line)
    match_form = MatchForm(candidates=candidates)
    entry_form = BankEntryForm(initial={"label": line.label[:200]})
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "match":
                match_form = MatchForm(request.POST, candidates=candidates)
                if match_form.is_valid():
                    code = match_line(
                        bank_line=line, entry_line_ids=match_form.cleaned_data["entry_lines"], by=request.user
                    )
                    messages.success(request, _("Ligne rapprochée (lettrage %(code)s).") % {"code": code})
                    return redirect("accounting:bank", structure.slug)
            elif action == "entry":
                entry_form = BankEntryForm(request.POST)
                if entry_form.is_valid():
                    entry = post_bank_line_entry(
                        bank_line=line, label=entry_form.cleaned_data["label"], by=request.user
                    )
                    messages.success(
                        request, _("Écriture %(reference)s passée et rapprochée.") % {"reference": entry.reference}
                    )
                    return redirect("accounting:bank", structure.slug)
        except AccountingError as error:
            messages.error(request, str(error))
            return redirect("accounting:bank_line", structure.slug, line.pk)
    matched = (
        EntryLine.objects.filter(bank_match__bank_line=line).select_related("entry", "account").order_by("pk")
        if line.is_matched
        else []
    )
    context = {
        "structure": structure,
        "section": "bank",
        "line": line,
        "candidates": candidates,
        "matched": matched,
        "match_form": match_form,
        "entry_form": entry_form,
        "entry_account": "627" if line.amount < 0 else "768",
        "entry_amount": abs(line.amount),
    }
    return render(request, "accounting/bank_line.html", context, status=400 if request.method == "POST" else 200)


def bank_unmatch(request: HttpRequest, slug: str, line_id: int) -> HttpResponse:
    """Undo a match, after a confirmation page saying what it does."""
    structure = get_structure_or_404(request.user, slug)
    line = _line_or_404(structure, line_id)
    if not line.is_matched:
        return redirect("accounting:bank_line", structure.slug, line.pk)
    if request.method == "POST":
        unmatch_line(bank_line=line, by=request.user)
        messages.success(request, _("Rapprochement annulé : la ligne est de nouveau à rapprocher."))
        return redirect("accounting:bank_line", structure.slug, line.pk)
    context = {"structure": structure, "section": "bank", "line": line}
    return render(request, "accounting/bank_unmatch.html", context)
