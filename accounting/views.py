"""The accountant's pages: journals, general ledger, trial balance, customers, revenue, VAT, FEC.

Thin: parse the filters, ask `perms` (404 for anyone else), call a selector, render or export.
"""

import uuid
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from accounting import selectors
from accounting.actions import post_document
from accounting.actions.reconciling import run_reconciliation
from accounting.documents import Document, DocumentLine, IdempotencyKey
from accounting.enums import JournalCode
from accounting.exceptions import AccountingError
from accounting.exports import csv_response, fec_response
from accounting.forms import (
    FiscalYearForm,
    JournalPeriodForm,
    LedgerForm,
    ManualEntryForm,
    ManualEntryLineFormSet,
    PeriodForm,
)
from accounting.models import Account, FiscalYear, ReconciliationRun
from accounting.perms import (
    can_keep_books,
    can_reconcile,
    get_readable_structure_or_404,
    get_structure_or_404,
    structures_with_readable_books,
)
from accounting.reconciliation import checks
from hub import perms as hub_perms

PAGE_SIZE = 50
ZERO = Decimal("0.00")


def _wants_csv(request: HttpRequest) -> bool:
    return request.GET.get("format") == "csv"


def _period_form(request: HttpRequest, structure, form_class=PeriodForm, *, data=None, **kwargs):
    default = selectors.default_period(structure)
    data = request.GET if data is None else data
    form = form_class(data, default_start=default.start, default_end=default.end, **kwargs)
    period = selectors.Period(form.cleaned_data["du"], form.cleaned_data["au"]) if form.is_valid() else None
    return form, period


def _export_name(structure, report: str, period: selectors.Period) -> str:
    return f"{structure.slug}-{report}-{period.start:%Y%m%d}-{period.end:%Y%m%d}.csv"


@login_required
def index(request: HttpRequest) -> HttpResponse:
    structures = list(structures_with_readable_books(request.user))
    if not structures:
        raise Http404
    context = {
        "structures": structures,
        "keeps_any_books": any(can_keep_books(request.user, structure) for structure in structures),
        "can_reconcile": can_reconcile(request.user),
        "keeps_platform_books": hub_perms.keeps_platform_books(request.user),
    }
    return render(request, "accounting/index.html", context)


RUNS_SHOWN = 10


def _visible(differences: list[dict], names: set[str] | None) -> list[dict]:
    """A structure's accountant sees the differences of the books they keep (a hub admin, all)."""
    return [d for d in differences if names is None or d["structure"] in names]


@login_required
def reconciliation(request: HttpRequest) -> HttpResponse:
    """The last reconciliation runs and the differences of the latest; « Lancer le rapprochement »."""
    if not can_reconcile(request.user):
        raise Http404
    if request.method == "POST":
        run = run_reconciliation(triggered_by=request.user.email)
        if run.clean:
            messages.success(request, _("Rapprochement terminé : aucun écart."))
        else:
            messages.warning(
                request, _("Rapprochement terminé : %(count)s écart(s).") % {"count": len(run.differences)}
            )
        return redirect("accounting:reconciliation")
    names = (
        None
        if hub_perms.is_hub_admin(request.user)
        else {s.name for s in structures_with_readable_books(request.user) if can_keep_books(request.user, s)}
    )
    runs = list(ReconciliationRun.objects.all()[:RUNS_SHOWN])
    for run in runs:
        run.visible = _visible(run.differences, names)
    latest = runs[0] if runs else None
    labels = {check.code: check.label for check in checks()}
    differences = [
        {**d, "label": labels.get(d["check"], d["check"]), "expected": _decimal(d["expected"]),
         "actual": _decimal(d["actual"])}
        for d in (latest.visible if latest else [])
    ]  # fmt: skip
    skipped = [(labels.get(code, code), reason) for code, reason in sorted((latest.skipped if latest else {}).items())]
    context = {"runs": runs, "latest": latest, "differences": differences, "skipped": skipped, "checks": checks()}
    return render(request, "accounting/reconciliation.html", context)


def _decimal(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def structure_home(request: HttpRequest, slug: str) -> HttpResponse:
    structure = get_readable_structure_or_404(request.user, slug)
    context = {
        "structure": structure,
        "fiscal_years": selectors.fiscal_years(structure),
        "section": "home",
        "can_keep_books": can_keep_books(request.user, structure),
    }
    return render(request, "accounting/structure.html", context)


def journal(request: HttpRequest, slug: str) -> HttpResponse:
    structure = get_readable_structure_or_404(request.user, slug)
    form, period = _period_form(request, structure, JournalPeriodForm)
    context = {"structure": structure, "form": form, "period": period, "section": "journal"}
    if period is not None:
        code = form.cleaned_data["journal"] or None
        if _wants_csv(request):
            header = [
                _("Journal"),
                _("N° d'écriture"),
                _("Date"),
                _("Pièce"),
                _("Compte"),
                _("Compte auxiliaire"),
                _("Libellé"),
                _("Débit"),
                _("Crédit"),
                _("Lettrage"),
            ]
            rows = (
                (jc, ref, date, piece, account, aux, line_label or entry_label, debit, credit, lettering)
                for (jc, ref, date, piece, account, aux, line_label, entry_label, debit, credit, lettering) in (
                    selectors.journal_lines(structure, period, journal_code=code).iterator()
                )
            )
            return csv_response(_export_name(structure, f"journal-{code or 'tous'}", period), header, rows)
        entries = selectors.journal_entries(structure, period, journal_code=code)
        context["page"] = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "accounting/journal.html", context)


def ledger(request: HttpRequest, slug: str) -> HttpResponse:
    structure = get_readable_structure_or_404(request.user, slug)
    accounts = list(selectors.chart_of_accounts(structure))
    data = request.GET.copy()
    if not data.get("compte") and accounts:
        # Customers first: the account an accountant opens most.
        data["compte"] = next(
            (a.code for a in accounts if a.code == selectors.CUSTOMER_ACCOUNT_PREFIX), accounts[0].code
        )
    form, period = _period_form(request, structure, LedgerForm, data=data, accounts=accounts)
    context = {"structure": structure, "form": form, "period": period, "section": "ledger"}
    if period is not None:
        account = form.cleaned_data["compte"]
        lines = selectors.ledger_lines(account, period)
        if _wants_csv(request):
            header = [
                _("Date"),
                _("Journal"),
                _("N° d'écriture"),
                _("Pièce"),
                _("Libellé"),
                _("Débit"),
                _("Crédit"),
                _("Solde"),
                _("Lettrage"),
            ]
            rows = (
                (
                    line.entry.date,
                    line.entry.journal.code,
                    line.entry.reference,
                    line.entry.piece_ref,
                    line.label or line.entry.label,
                    line.debit,
                    line.credit,
                    line.running_balance,
                    line.lettering_code,
                )
                for line in lines.iterator()
            )
            return csv_response(_export_name(structure, f"grand-livre-{account.code}", period), header, rows)
        context.update(
            account=account,
            page=Paginator(lines, PAGE_SIZE).get_page(request.GET.get("page")),
            totals=selectors.ledger_totals(account, period),
        )
    return render(request, "accounting/ledger.html", context)


def trial_balance(request: HttpRequest, slug: str) -> HttpResponse:
    structure = get_readable_structure_or_404(request.user, slug)
    form, period = _period_form(request, structure)
    context = {"structure": structure, "form": form, "period": period, "section": "trial_balance"}
    if period is not None:
        balance = selectors.trial_balance(structure, period)
        if _wants_csv(request):
            header = [_("Compte"), _("Libellé"), _("Débit"), _("Crédit"), _("Solde débiteur"), _("Solde créditeur")]
            rows = [
                (r["code"], r["label"], r["debit"], r["credit"], r["debit_balance"], r["credit_balance"])
                for r in balance.rows
            ]
            rows.append(
                (
                    _("Total"),
                    "",
                    balance.total_debit,
                    balance.total_credit,
                    balance.total_debit_balance,
                    balance.total_credit_balance,
                )
            )
            return csv_response(_export_name(structure, "balance", period), header, rows)
        context["balance"] = balance
    return render(request, "accounting/trial_balance.html", context)


def customers(request: HttpRequest, slug: str) -> HttpResponse:
    structure = get_readable_structure_or_404(request.user, slug)
    form, period = _period_form(request, structure)
    context = {"structure": structure, "form": form, "period": period, "section": "customers"}
    if period is not None:
        rows = selectors.customer_balances(structure, period)
        if _wants_csv(request):
            header = [_("Compte auxiliaire"), _("Client"), _("Débit"), _("Crédit"), _("Solde"), _("Non lettré")]
            data = (
                (r["auxiliary_code"], r["name"], r["debit"], r["credit"], r["balance"], r["unlettered"]) for r in rows
            )
            return csv_response(_export_name(structure, "clients", period), header, data)
        context["rows"] = rows
    return render(request, "accounting/customers.html", context)


def _fiscal_year_form(request: HttpRequest, structure) -> tuple[FiscalYearForm, FiscalYear | None]:
    """The « exercice » filter of the monthly reports, defaulting to the current fiscal year."""
    form = FiscalYearForm(
        request.GET, fiscal_years=selectors.fiscal_years(structure), default=selectors.current_fiscal_year(structure)
    )
    return form, (form.cleaned_data["exercice"] if form.is_valid() else None)


def revenue(request: HttpRequest, slug: str) -> HttpResponse:
    structure = get_readable_structure_or_404(request.user, slug)
    form, fiscal_year = _fiscal_year_form(request, structure)
    context = {"structure": structure, "form": form, "section": "revenue"}
    if fiscal_year is not None:
        result = selectors.revenue_by_month(fiscal_year)
        if _wants_csv(request):
            header = [_("Mois"), *(f"{code} {label}" for code, label in result.accounts), _("Total")]
            rows = [(row["month"].strftime("%m/%Y"), *row["amounts"], row["total"]) for row in result.rows]
            rows.append((_("Total"), *result.totals, result.total))
            return csv_response(f"{structure.slug}-chiffre-affaires-{fiscal_year.name}.csv", header, rows)
        context.update(fiscal_year=fiscal_year, revenue=result)
    return render(request, "accounting/revenue.html", context)


def vat(request: HttpRequest, slug: str) -> HttpResponse:
    """VAT made due per month and rate, and the services' VAT still awaiting payment (44587)."""
    structure = get_readable_structure_or_404(request.user, slug)
    form, fiscal_year = _fiscal_year_form(request, structure)
    context = {"structure": structure, "form": form, "section": "vat"}
    if fiscal_year is not None:
        result = selectors.vat_by_month(fiscal_year)
        if _wants_csv(request):
            accounts = [f"{code} {label}" for code, label in result.accounts]
            header = [_("Mois"), *accounts, _("TVA exigible"), _("Variation 44587"), _("44587 en fin de mois")]
            rows = [
                (
                    row["month"].strftime("%m/%Y"),
                    *row["amounts"],
                    row["total"],
                    row["pending_change"],
                    row["pending_end"],
                )
                for row in result.rows
            ]
            rows.append((_("Total"), *result.totals, result.total, "", ""))
            return csv_response(f"{structure.slug}-tva-{fiscal_year.name}.csv", header, rows)
        context.update(fiscal_year=fiscal_year, vat=result)
    return render(request, "accounting/vat.html", context)


def fec(request: HttpRequest, slug: str, year: int) -> StreamingHttpResponse:
    """The FEC of the fiscal year starting in `year`, streamed from the exporter."""
    structure = get_readable_structure_or_404(request.user, slug)
    fiscal_year = (
        FiscalYear.objects.select_related("structure").filter(structure=structure, start_date__year=year).first()
    )
    if fiscal_year is None:
        raise Http404
    return fec_response(fiscal_year)


def manual_entry(request: HttpRequest, slug: str) -> HttpResponse:
    """A manual entry (OD) by the accountant; the books refuse it whole if it does not balance."""
    structure = get_structure_or_404(request.user, slug)
    accounts = list(
        Account.objects.filter(structure=structure, is_active=True).order_by("code").values_list("code", "label")
    )
    form = ManualEntryForm(request.POST or None, initial={"date": timezone.localdate()})
    lines = ManualEntryLineFormSet(request.POST or None, form_kwargs={"accounts": accounts}, prefix="lignes")
    if request.method == "POST" and form.is_valid() and lines.is_valid():
        document_lines = tuple(
            DocumentLine(
                account=line["account"],
                debit=line.get("debit") or ZERO,
                credit=line.get("credit") or ZERO,
                label=line.get("label") or form.cleaned_data["label"],
            )
            for line in lines.cleaned_data
            if line.get("account")
        )
        try:
            entry = post_document(
                Document(
                    structure=structure,
                    journal=JournalCode.MISC,
                    date=form.cleaned_data["date"],
                    piece_ref=form.cleaned_data["piece_ref"],
                    piece_date=form.cleaned_data["date"],
                    label=form.cleaned_data["label"],
                    lines=document_lines,
                    key=IdempotencyKey("manual", request.POST.get("token", "") or uuid.uuid4().hex, "posted"),
                )
            )
        except AccountingError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Écriture %(reference)s passée.") % {"reference": entry.reference})
            return redirect("accounting:journal", structure.slug)
    context = {
        "structure": structure,
        "form": form,
        "lines": lines,
        "token": request.POST.get("token") or uuid.uuid4().hex,
        "section": "manual",
    }
    return render(
        request,
        "accounting/manual_entry.html",
        context,
        status=400 if form.errors or lines.total_error_count() else 200,
    )
