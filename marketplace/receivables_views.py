"""The accountant's receivables pages, under a structure's books (/comptabilite/<slug>/creances/): the aged
balance (CSV too), a customer's statement (PDF too), reminders (due, sent by hand, paused, history),
late-payment penalties, and the payments of invoices without an order (transfers and cheques received). The marketplace owns them: the books (`accounting`) know nothing of invoices.

Thin: `accounting.perms.get_structure_or_404` (404 for anyone but the structure's accountants and hub
admins), then one selector or action; every action that sends or invoices is confirmed first.
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounting.exports import csv_response
from accounting.perms import get_structure_or_404
from hub.formatting import euros
from hub.params import date_param
from hub.views import rendered_pdf
from marketplace import receivables
from marketplace.actions import dunning
from marketplace.actions.invoice_payments import cancel_invoice_payment, record_invoice_payment, remaining
from marketplace.exceptions import DunningError, PaymentError
from marketplace.forms import DunningPauseForm, InvoicePaymentCancelForm, InvoicePaymentForm
from marketplace.models import DunningPause, Invoice, InvoicePayment, LatePenalty, ReminderSent

HISTORY_PAGE_SIZE = 50
MAX_ID = 2**31 - 1  # an id beyond PostgreSQL's integer is a 404, not a database error


def aged_balance(request: HttpRequest, slug: str) -> HttpResponse:
    """Open invoices per customer, by days past due; ?format=csv: one row per open invoice, then totals."""
    structure = get_structure_or_404(request.user, slug)
    aged = receivables.aged_balance(structure)
    if request.GET.get("format") == "csv":
        header = [
            _("Compte auxiliaire"), _("Client"), _("Facture"), _("Date"), _("Échéance"), _("Jours de retard"),
            *[str(label) for _key, label, *_rest in receivables.BUCKETS], _("Crédit"), _("Total"),
        ]  # fmt: skip

        def rows():
            for customer in aged.customers:
                for item in customer.items:
                    amounts = [item.open if key == item.bucket else None for key in receivables.BUCKET_KEYS]
                    yield [customer.code, customer.name, item.invoice.number, item.invoice.issue_date, item.due_date,
                           max(item.days_past_due, 0), *amounts, None, item.open]  # fmt: skip
                if customer.credit:
                    yield [customer.code, customer.name, "", None, None, None, *[None] * 5, customer.credit,
                           customer.credit]  # fmt: skip
            yield ["", _("Total"), "", None, None, None, *aged.bucket_list, aged.credit, aged.total]

        return csv_response(f"{structure.slug}-creances-{aged.on:%Y%m%d}.csv", header, rows())
    context = {
        "structure": structure,
        "aged": aged,
        "buckets": [label for _key, label, *_rest in receivables.BUCKETS],
        "section": "receivables",
    }
    return render(request, "marketplace/receivables/aged.html", context)


def statement(request: HttpRequest, slug: str, code: str) -> HttpResponse:
    """A customer's statement over a period (?du=&au=, this year by default); ?format=pdf as a PDF."""
    structure = get_structure_or_404(request.user, slug)
    today = timezone.localdate()
    start = date_param(request, "du", default=today.replace(month=1, day=1))
    end = date_param(request, "au", default=today)
    if end < start:
        messages.error(request, _("La fin de la période précède son début."))
        return redirect("receivables:statement", structure.slug, code)
    result = receivables.customer_statement(structure, code, start=start, end=end)
    if result is None:
        raise Http404
    if request.GET.get("format") == "pdf":
        return rendered_pdf(
            request,
            receivables.statement_html(result),
            folder="customer-statements",
            filename=f"releve-{structure.slug}-{code}-{start:%Y%m%d}-{end:%Y%m%d}.pdf",
            back_url=reverse("receivables:statement", args=[structure.slug, code]),
        )
    context = {"structure": structure, "statement": result, "section": "receivables"}
    return render(request, "marketplace/receivables/statement.html", context)


def reminders(request: HttpRequest, slug: str) -> HttpResponse:
    """The overdue invoices: last reminder, next level due, pause, penalties (businesses); the active pauses."""
    structure = get_structure_or_404(request.user, slug)
    today = timezone.localdate()
    levels = dunning.ensure_default_levels(structure)
    aged = receivables.aged_balance(structure, on=today)
    overdue = [item for item in aged.items if item.is_overdue]
    ids = [item.invoice.pk for item in overdue]
    last_sent: dict[int, ReminderSent] = {}
    for reminder in ReminderSent.objects.filter(invoice_id__in=ids).select_related("level").order_by("sent_at", "pk"):
        last_sent[reminder.invoice_id] = reminder
    sent_ranks: dict[int, set[int]] = {}
    for invoice_id, rank in ReminderSent.objects.filter(invoice_id__in=ids).values_list("invoice_id", "level__rank"):
        sent_ranks.setdefault(invoice_id, set()).add(rank)
    invoiced = dict(LatePenalty.objects.filter(invoice_id__in=ids).values_list("invoice_id", "penalty_invoice__number"))
    pauses = list(
        DunningPause.objects.filter(structure=structure, until__gte=today, lifted_at__isnull=True)
        .select_related("invoice", "created_by")
        .order_by("until", "pk")
    )
    paused_invoices = {pause.invoice_id: pause for pause in pauses if pause.invoice_id}
    paused_customers = {pause.customer_code: pause for pause in pauses if pause.customer_code}
    policy = dunning.policy_for(structure)
    rows = []
    for item in overdue:
        days, rate, interest, fee = dunning.late_penalty(item, policy)
        rows.append(
            {
                "item": item,
                "last": last_sent.get(item.invoice.pk),
                "next": dunning.next_level(item, levels, sent_ranks.get(item.invoice.pk, set())),
                "can_send": any(level.rank > max(sent_ranks.get(item.invoice.pk, {0})) for level in levels),
                "pause": paused_invoices.get(item.invoice.pk) or paused_customers.get(item.customer_code),
                "penalty": interest + fee if item.is_business else None,
                "penalty_invoice": invoiced.get(item.invoice.pk, ""),
            }
        )
    context = {
        "structure": structure,
        "rows": rows,
        "levels": levels,
        "pauses": pauses,
        "policy": policy,
        "section": "receivables",
    }
    return render(request, "marketplace/receivables/reminders.html", context)


def history(request: HttpRequest, slug: str) -> HttpResponse:
    """Every reminder sent, newest first, 50 a page."""
    structure = get_structure_or_404(request.user, slug)
    sent = (
        ReminderSent.objects.filter(invoice__structure=structure)
        .select_related("invoice", "level", "by")
        .order_by("-sent_at", "-pk")
    )
    page = Paginator(sent, HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "marketplace/receivables/history.html",
        {"structure": structure, "page": page, "section": "receivables"},
    )


def _invoice_or_404(structure, invoice_id: int) -> Invoice:
    if invoice_id > MAX_ID:
        raise Http404
    invoice = Invoice.objects.issued().filter(pk=invoice_id, structure=structure).first()
    if invoice is None:
        raise Http404
    return invoice


def send_reminder(request: HttpRequest, slug: str, invoice_id: int) -> HttpResponse:
    """GET: what will be sent, to whom; POST (confirmed): send the invoice's next reminder now."""
    structure = get_structure_or_404(request.user, slug)
    invoice = _invoice_or_404(structure, invoice_id)
    back = reverse("receivables:reminders", args=[structure.slug])
    if request.method == "POST":
        try:
            reminder = dunning.send_reminder_by_hand(structure=structure, invoice_id=invoice.pk, by=request.user)
        except DunningError as error:
            messages.error(request, error.message)
            return redirect(back)
        messages.success(
            request,
            _("« %(level)s » de la facture %(number)s envoyée à %(to)s.")
            % {"level": reminder.level.get_kind_display(), "number": invoice.number, "to": reminder.to or "—"},
        )
        return redirect(back)
    item = dunning.find_item(structure, invoice.pk)
    if item is None or not item.is_overdue:
        messages.error(request, _("Cette facture n'a rien d'échu à relancer."))
        return redirect(back)
    levels = dunning.ensure_default_levels(structure)
    sent_ranks = set(ReminderSent.objects.filter(invoice=invoice).values_list("level__rank", flat=True))
    level = dunning.next_level(item, levels, sent_ranks) or next(
        (level for level in levels if all(level.rank > rank for rank in sent_ranks)), None
    )
    context = {
        "structure": structure,
        "item": item,
        "level": level,
        "to": dunning.recipient_of(invoice),
        "section": "receivables",
    }
    return render(request, "marketplace/receivables/send_confirm.html", context)


def late_penalty(request: HttpRequest, slug: str, invoice_id: int) -> HttpResponse:
    """GET: the penalties and the 40 € indemnity of an overdue business invoice; POST (confirmed): invoice them."""
    structure = get_structure_or_404(request.user, slug)
    invoice = _invoice_or_404(structure, invoice_id)
    back = reverse("receivables:reminders", args=[structure.slug])
    if request.method == "POST":
        try:
            penalty = dunning.invoice_late_penalty(structure=structure, invoice_id=invoice.pk, by=request.user)
        except DunningError as error:
            messages.error(request, error.message)
            return redirect(back)
        messages.success(
            request,
            _("Facture %(number)s émise pour les pénalités de la facture %(source)s.")
            % {"number": penalty.penalty_invoice.number, "source": invoice.number},
        )
        return redirect(back)
    item = dunning.find_item(structure, invoice.pk)
    error = ""
    if LatePenalty.objects.filter(invoice=invoice).exists():
        error = _("Les pénalités de cette facture ont déjà été facturées.")
    elif item is None or not item.is_overdue:
        error = _("Cette facture n'est pas en retard de paiement.")
    elif not item.is_business:
        error = _("Un particulier n'est jamais facturé de pénalités de retard.")
    if error:
        messages.error(request, error)
        return redirect(back)
    days, rate, interest, fee = dunning.late_penalty(item, dunning.policy_for(structure))
    context = {
        "structure": structure,
        "item": item,
        "days": days,
        "rate": rate,
        "interest": interest,
        "fee": fee,
        "total": interest + fee,
        "section": "receivables",
    }
    return render(request, "marketplace/receivables/penalty_confirm.html", context)


def pause(request: HttpRequest, slug: str) -> HttpResponse:
    """Pause the reminders of one invoice (?facture=<id>) or one customer (?client=<code>) until a date."""
    structure = get_structure_or_404(request.user, slug)
    invoice = None
    code = ""
    if request.GET.get("facture", "").isdigit():
        invoice = _invoice_or_404(structure, int(request.GET["facture"][:12]))
    elif receivables.parse_customer_code(request.GET.get("client", "")[:20]):
        code = request.GET["client"]
    else:
        raise Http404
    form = DunningPauseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            dunning.pause_reminders(structure=structure, by=request.user, invoice=invoice, customer_code=code,
                                    **form.cleaned_data)  # fmt: skip
        except DunningError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Relances suspendues."))
            return redirect("receivables:reminders", structure.slug)
    context = {"structure": structure, "form": form, "invoice": invoice, "code": code, "section": "receivables"}
    return render(request, "marketplace/receivables/pause.html", context)


@require_POST
def lift_pause(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    structure = get_structure_or_404(request.user, slug)
    found = DunningPause.objects.filter(pk=pk, structure=structure).first() if pk <= MAX_ID else None
    if found is None:
        raise Http404
    dunning.lift_pause(pause=found)
    messages.success(request, _("Relances reprises."))
    return redirect("receivables:reminders", structure.slug)


def invoice_payments(request: HttpRequest, slug: str, invoice_id: int) -> HttpResponse:
    """An invoice without an order (shared services, penalties): what it asks, its payments; POST records one."""
    structure = get_structure_or_404(request.user, slug)
    invoice = _invoice_or_404(structure, invoice_id)
    if invoice.order_id is not None or invoice.kind != "invoice":
        raise Http404
    rest = remaining(invoice)
    form = InvoicePaymentForm(
        request.POST or None,
        initial={"received_on": timezone.localdate(), "amount": rest if rest > 0 else None, "method": "transfer"},
    )
    if request.method == "POST" and form.is_valid():
        try:
            payment = record_invoice_payment(invoice=invoice, by=request.user, **form.cleaned_data)
        except PaymentError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _("Règlement de %(amount)s enregistré sur la facture %(number)s.")
                % {"amount": euros(payment.amount), "number": invoice.number},
            )
            return redirect("receivables:invoice_payments", structure.slug, invoice.pk)
    context = {
        "structure": structure,
        "invoice": invoice,
        "credit_notes": list(invoice.credit_notes.issued().order_by("issue_date", "pk")),
        "payments": list(invoice.payments.select_related("recorded_by", "cancelled_by", "entry")),
        "remaining": rest,
        "customer_code": receivables.customer_account(invoice=invoice)[0],
        "form": form,
        "section": "receivables",
    }
    return render(request, "marketplace/receivables/invoice_payments.html", context, status=400 if form.errors else 200)


def cancel_payment(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """GET: what cancelling a payment does; POST (confirmed, with a reason): reverse it."""
    structure = get_structure_or_404(request.user, slug)
    payment = (
        InvoicePayment.objects.filter(pk=pk, invoice__structure=structure).select_related("invoice").first()
        if pk <= MAX_ID
        else None
    )
    if payment is None:
        raise Http404
    back = reverse("receivables:invoice_payments", args=[structure.slug, payment.invoice_id])
    if payment.is_cancelled:
        messages.error(request, _("Ce règlement est déjà annulé."))
        return redirect(back)
    form = InvoicePaymentCancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            cancel_invoice_payment(payment=payment, by=request.user, reason=form.cleaned_data["reason"])
        except PaymentError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Règlement annulé : ses écritures sont contrepassées."))
        return redirect(back)
    context = {"structure": structure, "payment": payment, "form": form, "section": "receivables"}
    return render(request, "marketplace/receivables/payment_cancel.html", context, status=400 if form.errors else 200)
