"""The accountant's year on screen: VAT returns (CA3), closing and reopening, cut-offs, period
locks and reversals. Thin: permission (404 for anyone but the structure's accountants), one
action or selector, render; every destructive action goes through a confirmation page first."""

import uuid
from decimal import Decimal

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounting import cutoffs, selectors
from accounting.actions import post_vat_return
from accounting.actions.closing import (
    close_year,
    closing_checklist,
    record_cut_off,
    reopen_year,
    reversal_problem,
    reverse_with_log,
    set_lock,
)
from accounting.actions.vat_returns import check_can_post
from accounting.enums import BooksAction
from accounting.exceptions import AccountingError
from accounting.forms import CloseYearForm, CutOffForm, FiscalYearForm, LockForm, ReasonForm
from accounting.models import Account, Books, BooksLog, CutOff, Entry, FiscalYear, VatReturn
from accounting.perms import can_keep_books, get_readable_structure_or_404, get_structure_or_404
from accounting.vat import (
    BOX_ACCOUNTS,
    RATE_BOXES,
    InvalidPeriod,
    box_lines,
    check_periodicity,
    compute_return,
    parse_period,
    periods_between,
)
from hub import perms as hub_perms

PAGE_SIZE = 50
LOG_SHOWN = 20


def _posted(request: HttpRequest):
    """The form data of a POST (even an empty one: a form sent empty is invalid), None otherwise."""
    return request.POST if request.method == "POST" else None


def _books(structure) -> Books:
    books = Books.objects.filter(structure=structure).first()
    if books is None:
        raise Http404
    return books


def _period_or_404(code: str, books: Books):
    try:
        period = parse_period(code)
        check_periodicity(books.vat_periodicity, period)
    except InvalidPeriod as error:
        raise Http404 from error
    return period


# --- VAT returns ---------------------------------------------------------------------------------


def vat_returns(request: HttpRequest, slug: str) -> HttpResponse:
    """The VAT periods of a fiscal year: posted (with what was due or carried) or still to post."""
    structure = get_structure_or_404(request.user, slug)
    context = {"structure": structure, "section": "vat_returns"}
    if not structure.is_vat_liable:
        return render(request, "accounting/vat_returns.html", context)
    books = _books(structure)
    form = FiscalYearForm(
        request.GET, fiscal_years=selectors.fiscal_years(structure), default=selectors.current_fiscal_year(structure)
    )
    fiscal_year = form.cleaned_data["exercice"] if form.is_valid() else None
    context.update(form=form, books=books, fiscal_year=fiscal_year)
    if fiscal_year is not None:
        posted = {
            vat_return.start_date: vat_return
            for vat_return in VatReturn.objects.filter(
                structure=structure, start_date__gte=fiscal_year.start_date, start_date__lte=fiscal_year.end_date
            ).select_related("entry")
        }
        today = timezone.localdate()
        context["rows"] = [
            {"period": period, "return": posted.get(period.start), "ended": period.end < today}
            for period in periods_between(books.vat_periodicity, fiscal_year.start_date, fiscal_year.end_date)
        ]
    return render(request, "accounting/vat_returns.html", context)


def _boxes(figures: dict) -> list[dict]:
    """The CA3 boxes as rows for the page, with the account a box can be opened on."""
    rows = [{"box": "01", "label": _("Ventes, prestations de services (base hors taxe)"), "amount": figures["01"]}]
    labels = {"08": _("Taux normal 20 %"), "9B": _("Taux réduit 10 %"), "09": _("Taux réduit 5,5 %")}
    for box, _rate, _account in RATE_BOXES:
        rows.append({"box": box, "label": labels[box], "base": figures[f"{box}_base"], "amount": figures[f"{box}_tva"],
                     "drill": True})  # fmt: skip
    rows += [
        {"box": "16", "label": _("Total de la TVA brute due"), "amount": figures["16"], "total": True},
        {"box": "19", "label": _("TVA déductible sur immobilisations (44562)"), "amount": figures["19"], "drill": True},
        {"box": "20", "label": _("TVA déductible sur autres biens et services (44566)"), "amount": figures["20"], "drill": True},
        {"box": "22", "label": _("Report du crédit de la déclaration précédente (44567)"), "amount": figures["22"], "drill": True},
        {"box": "23", "label": _("Total de la TVA déductible"), "amount": figures["23"], "total": True},
        {"box": "27", "label": _("Crédit de TVA à reporter"), "amount": figures["27"], "total": True},
        {"box": "28", "label": _("TVA nette due"), "amount": figures["28"], "total": True},
    ]  # fmt: skip
    for row in rows:
        row["amount"] = Decimal(row["amount"])
        if "base" in row:
            row["base"] = Decimal(row["base"])
    return rows


def vat_return(request: HttpRequest, slug: str, period: str) -> HttpResponse:
    structure = get_structure_or_404(request.user, slug)
    if not structure.is_vat_liable:
        raise Http404
    books = _books(structure)
    vat_period = _period_or_404(period, books)
    posted = (
        VatReturn.objects.select_related("entry", "posted_by")
        .filter(structure=structure, start_date=vat_period.start)
        .first()
    )
    figures = posted.figures if posted else compute_return(structure, vat_period).figures()
    problem = ""
    if posted is None:
        try:
            check_can_post(structure, books, vat_period)
        except AccountingError as error:
            problem = str(error)
    context = {
        "structure": structure,
        "section": "vat_returns",
        "period": vat_period,
        "posted": posted,
        "boxes": _boxes(figures),
        "problem": problem,
    }
    return render(request, "accounting/vat_return.html", context)


def vat_return_post(request: HttpRequest, slug: str, period: str) -> HttpResponse:
    """« Valider la déclaration »: a confirmation page stating the consequence, then the posting."""
    structure = get_structure_or_404(request.user, slug)
    if not structure.is_vat_liable:
        raise Http404
    books = _books(structure)
    vat_period = _period_or_404(period, books)
    ca3 = compute_return(structure, vat_period)
    error = ""
    if request.method == "POST":
        try:
            post_vat_return(structure=structure, period=vat_period, by=request.user)
        except AccountingError as refused:
            error = str(refused)
        else:
            messages.success(
                request,
                _("Déclaration de TVA de %(period)s validée : période verrouillée jusqu'au %(end)s.")
                % {"period": vat_period.label, "end": vat_period.end.strftime("%d/%m/%Y")},
            )
            return redirect("accounting:vat_return", structure.slug, vat_period.code)
    context = {"structure": structure, "section": "vat_returns", "period": vat_period, "ca3": ca3, "error": error}
    return render(request, "accounting/vat_return_confirm.html", context, status=400 if error else 200)


def vat_box(request: HttpRequest, slug: str, period: str, box: str) -> HttpResponse:
    """The entry lines behind one box of the return."""
    structure = get_structure_or_404(request.user, slug)
    if not structure.is_vat_liable or box not in BOX_ACCOUNTS:
        raise Http404
    vat_period = _period_or_404(period, _books(structure))
    lines = box_lines(structure, vat_period, box)
    page = Paginator(lines, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "structure": structure,
        "section": "vat_returns",
        "period": vat_period,
        "box": box,
        "account": BOX_ACCOUNTS[box],
        "page": page,
    }
    return render(request, "accounting/vat_box.html", context)


# --- Closing -------------------------------------------------------------------------------------


def _fiscal_year_or_404(structure, year: int) -> FiscalYear:
    fiscal_year = (
        FiscalYear.objects.select_related("structure", "closed_by")
        .filter(structure=structure, start_date__year=year)
        .first()
    )
    if fiscal_year is None:
        raise Http404
    return fiscal_year


def _year_to_close(years: list[FiscalYear]) -> FiscalYear | None:
    """The first open year that has ended, else the current one."""
    today = timezone.localdate()
    for year in years:
        if not year.is_closed and year.end_date < today:
            return year
    return next((year for year in years if year.covers(today)), years[-1] if years else None)


def _accounts(structure, classes) -> list[tuple[str, str]]:
    return list(
        Account.objects.filter(structure=structure, account_class__in=classes)
        .order_by("code")
        .values_list("code", "label")
    )


def closing(request: HttpRequest, slug: str) -> HttpResponse:
    """The year's closing: the checklist, the cut-offs (typed, or proposed by other apps), the close."""
    structure = get_structure_or_404(request.user, slug)
    years = list(FiscalYear.objects.filter(structure=structure).select_related("closed_by").order_by("start_date"))
    selected = _year_to_close(years)
    if (wanted := request.GET.get("exercice", "")).isdigit():
        selected = next((year for year in years if year.start_date.year == int(wanted)), None)
        if selected is None:
            raise Http404
    context = {
        "structure": structure,
        "section": "closing",
        "years": years,
        "fiscal_year": selected,
        "is_hub_admin": hub_perms.is_hub_admin(request.user),
        "log": BooksLog.objects.filter(structure=structure).select_related("by", "entry", "fiscal_year")[:LOG_SHOWN],
    }
    if selected is not None:
        selected.structure = structure
        checklist = closing_checklist(selected)
        context.update(
            checklist=checklist,
            # The button shows only when closing can succeed; the action refuses the rest anyway.
            can_close=all(item.ok for item in checklist if item.blocking),
            cut_offs=CutOff.objects.filter(fiscal_year=selected).select_related("entry", "reversal", "created_by"),
            suggestions=[] if selected.is_closed else cutoffs.suggestions(structure, selected),
            form=CutOffForm(accounts=_accounts(structure, (6, 7))),
            token=uuid.uuid4().hex,
        )
    return render(request, "accounting/closing.html", context)


def cut_off_add(request: HttpRequest, slug: str, year: int) -> HttpResponse:
    structure = get_structure_or_404(request.user, slug)
    fiscal_year = _fiscal_year_or_404(structure, year)
    if request.method != "POST":
        return redirect(f"{_closing_url(structure)}?exercice={year}")
    form = CutOffForm(request.POST, accounts=_accounts(structure, (6, 7)))
    if form.is_valid():
        try:
            cut_off = record_cut_off(
                fiscal_year=fiscal_year,
                kind=form.cleaned_data["kind"],
                account=form.cleaned_data["account"],
                amount=form.cleaned_data["amount"],
                label=form.cleaned_data["label"],
                token=(request.POST.get("token") or uuid.uuid4().hex)[:64],
                by=request.user,
                source=(request.POST.get("source") or "")[:40],
            )
        except AccountingError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                _("Écriture d'inventaire %(ref)s passée, extournée par %(reversal)s.")
                % {"ref": cut_off.entry.reference, "reversal": cut_off.reversal.reference},
            )
    else:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect(f"{_closing_url(structure)}?exercice={year}")


def _closing_url(structure) -> str:
    return reverse("accounting:closing", args=[structure.slug])


def close_confirm(request: HttpRequest, slug: str, year: int) -> HttpResponse:
    structure = get_structure_or_404(request.user, slug)
    fiscal_year = _fiscal_year_or_404(structure, year)
    form = CloseYearForm(_posted(request))
    error = ""
    if request.method == "POST" and form.is_valid():
        try:
            close_year(fiscal_year=fiscal_year, by=request.user)
        except AccountingError as refused:
            error = str(refused)
        else:
            messages.success(request, _("Exercice %(name)s clôturé ; à-nouveaux passés.") % {"name": fiscal_year.name})
            return redirect(f"{_closing_url(structure)}?exercice={year}")
    context = {
        "structure": structure,
        "section": "closing",
        "fiscal_year": fiscal_year,
        "checklist": closing_checklist(fiscal_year),
        "form": form,
        "error": error,
    }
    status = 400 if error or (request.method == "POST" and form.errors) else 200
    return render(request, "accounting/close_confirm.html", context, status=status)


def reopen(request: HttpRequest, slug: str, year: int) -> HttpResponse:
    """Hub admins only (404 for anyone else): reopen a closed year, with a reason."""
    structure = get_structure_or_404(request.user, slug)
    if not hub_perms.is_hub_admin(request.user):
        raise Http404
    fiscal_year = _fiscal_year_or_404(structure, year)
    form = ReasonForm(_posted(request))
    error = ""
    if request.method == "POST" and form.is_valid():
        try:
            reopen_year(fiscal_year=fiscal_year, by=request.user, reason=form.cleaned_data["reason"])
        except AccountingError as refused:
            error = str(refused)
        else:
            messages.success(
                request, _("Exercice %(name)s rouvert ; à-nouveaux extournés.") % {"name": fiscal_year.name}
            )
            return redirect(f"{_closing_url(structure)}?exercice={year}")
    context = {"structure": structure, "section": "closing", "fiscal_year": fiscal_year, "form": form, "error": error}
    status = 400 if error or (request.method == "POST" and form.errors) else 200
    return render(request, "accounting/reopen.html", context, status=status)


# --- Period lock and reversals -----------------------------------------------------------------


def lock(request: HttpRequest, slug: str) -> HttpResponse:
    structure = get_structure_or_404(request.user, slug)
    books = _books(structure)
    form = LockForm(_posted(request), initial={"until": books.locked_until})
    if request.method == "POST" and form.is_valid():
        try:
            set_lock(
                structure=structure,
                until=form.cleaned_data["until"],
                by=request.user,
                reason=form.cleaned_data["reason"],
            )
        except AccountingError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("Période verrouillée jusqu'au %(date)s.") % {"date": form.cleaned_data["until"].strftime("%d/%m/%Y")},
            )
            return redirect("accounting:lock", structure.slug)
    context = {
        "structure": structure,
        "section": "lock",
        "books": books,
        "form": form,
        "is_hub_admin": hub_perms.is_hub_admin(request.user),
        "log": BooksLog.objects.filter(
            structure=structure,
            action__in=[BooksAction.LOCK, BooksAction.UNLOCK, BooksAction.VAT_RETURN, BooksAction.REOPEN],
        ).select_related("by")[:LOG_SHOWN],
    }
    return render(request, "accounting/lock.html", context, status=400 if form.errors else 200)


def _entry_or_404(structure, pk: int) -> Entry:
    return get_object_or_404(
        Entry.objects.select_related("journal", "fiscal_year", "reversal_of", "reversed_by").prefetch_related(
            "lines__account"
        ),
        structure=structure,
        pk=pk,
    )


def entry_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    # Read-only viewers open the entries the journal links to; only those who keep the books reverse.
    structure = get_readable_structure_or_404(request.user, slug)
    entry = _entry_or_404(structure, pk)
    log = (
        BooksLog.objects.filter(structure=structure, action=BooksAction.REVERSAL, entry__reversal_of=entry)
        .select_related("by")
        .first()
    )
    if log is None and entry.reversal_of_id:
        log = (
            BooksLog.objects.filter(structure=structure, action=BooksAction.REVERSAL, entry=entry)
            .select_related("by")
            .first()
        )
    context = {
        "structure": structure,
        "section": "journal",
        "entry": entry,
        "reversal_log": log,
        "problem": reversal_problem(entry),
        "can_keep_books": can_keep_books(request.user, structure),
    }
    return render(request, "accounting/entry.html", context)


def entry_reverse(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """« Contrepasser »: the confirmation page, with a reason; then the extourne."""
    structure = get_structure_or_404(request.user, slug)
    entry = _entry_or_404(structure, pk)
    form = ReasonForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            reversal = reverse_with_log(entry=entry, by=request.user, reason=form.cleaned_data["reason"])
        except AccountingError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("Écriture %(ref)s contrepassée par %(reversal)s.")
                % {"ref": entry.reference, "reversal": reversal.reference},
            )
            return redirect("accounting:entry", structure.slug, entry.pk)
    context = {
        "structure": structure,
        "section": "journal",
        "entry": entry,
        "form": form,
        "problem": reversal_problem(entry),
    }
    return render(request, "accounting/entry_reverse.html", context, status=400 if form.errors else 200)
