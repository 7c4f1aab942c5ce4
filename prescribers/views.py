"""The supports' pages. For social workers: « Mes accompagnements » (their organisations' supports, searchable
by name within them), opening one, a support's page (its history, and the orders placed by the person since
it started — only while their consent stands), closing one. For the person: « Qui m'accompagne », where
they accept or withdraw their consent. Anyone else gets a 404: whether a support exists is not told."""

import datetime
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bookings.forms import BookingForm
from bookings.selectors import available_slots
from hub.models import Organisation, Site
from hub.params import date_param, parse_year
from marketplace.actions.checkout import preview_cover, price_items
from marketplace.models import Invoice, Order, SolidarityStatus
from prescribers import actions, fundings, ordering, perms
from prescribers.exceptions import SupportError
from prescribers.forms import BudgetForm, FundingForm, OpenSupportForm, SubscribeForPersonForm, parse_search
from prescribers.models import Support

MAX_ID = 2**31 - 1
LIST_LIMIT = 200
ORDERS_LIMIT = 50


def _organisations_or_404(user) -> list[int]:
    ids = perms.social_worker_organisations(user)
    if not ids:
        raise Http404
    return ids


def _support_or_404(user, pk: int) -> Support:
    support = Support.objects.with_people().filter(pk=pk).first() if pk <= MAX_ID else None
    if support is None or not perms.can_view_support(user, support):
        raise Http404
    return support


def _tiers(people_ids) -> dict[int, object]:
    """{person id: valid_until} of their solidarity status, in one query."""
    return dict(SolidarityStatus.objects.filter(user_id__in=people_ids).values_list("user_id", "valid_until"))


@login_required
def supports(request: HttpRequest) -> HttpResponse:
    ids = _organisations_or_404(request.user)
    query = parse_search(request.GET.get("q", ""))
    rows = Support.objects.for_organisations(ids).with_people()
    if query:
        rows = rows.filter(
            Q(person__last_name__icontains=query) | Q(person__first_name__icontains=query)
            | Q(person__email__icontains=query)
        )  # fmt: skip
    rows = list(rows.order_by("closed_at", "person__last_name", "person__first_name", "pk")[: LIST_LIMIT + 1])
    tiers = _tiers({support.person_id for support in rows})
    for support in rows:
        support.tier_valid_until = tiers.get(support.person_id)
    context = {
        "supports": rows[:LIST_LIMIT],
        "more": len(rows) > LIST_LIMIT,
        "limit": LIST_LIMIT,
        "query": query,
        "several_organisations": len(ids) > 1,
    }
    return render(request, "prescribers/supports.html", context)


@login_required
def open_support(request: HttpRequest) -> HttpResponse:
    ids = _organisations_or_404(request.user)
    organisations = Organisation.objects.filter(pk__in=ids).order_by("name")
    form = OpenSupportForm(request.POST if request.method == "POST" else None, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        try:
            support = actions.open_support(by=request.user, **form.cleaned_data)
        except SupportError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Accompagnement ouvert."))
            return redirect("prescribers:support", pk=support.pk)
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "prescribers/open_support.html", {"form": form}, status=status)


@login_required
def support_detail(request: HttpRequest, pk: int) -> HttpResponse:
    support = _support_or_404(request.user, pk)
    orders = ordered = None
    if perms.can_follow_orders(request.user, support):
        orders = list(
            Order.objects.filter(customer_id=support.person_id, placed_at__date__gte=support.starts_on)
            .annotate(covered=Sum("funded_lines__amount", filter=Q(funded_lines__organisation=support.organisation_id)))
            .only("reference", "placed_at", "total_incl", "fulfilment_status", "payment_status", "placed_by_id")
            .order_by("-placed_at", "-pk")[:ORDERS_LIMIT]
        )
        ordered = list(
            support.orders_placed.select_related("placed_by", "subscription", "booking").order_by("-placed_at", "-pk")
        )
    funding = support.fundings.filter(ended_at__isnull=True).first()
    can_order = perms.can_order_for(request.user, support)
    context = {
        "support": support,
        "events": list(support.events.select_related("by").order_by("at", "pk")),
        "orders": orders,
        "ordered": ordered,
        "tier_valid_until": _tiers([support.person_id]).get(support.person_id),
        "can_close": perms.can_close_support(request.user, support),
        "can_order": can_order,
        "funding": funding,
        "funding_text": fundings.describe(funding) if funding else "",
        "funding_form": FundingForm(support=support) if can_order else None,
    }
    return render(request, "prescribers/support.html", context)


# --- Third-party payment and ordering on the person's behalf (ADR 0034) -----------------------------------


def _orderable_or_404(user, pk: int) -> Support:
    support = _support_or_404(user, pk)
    if not perms.can_order_for(user, support):
        raise Http404
    return support


@login_required
@require_POST
def set_funding(request: HttpRequest, pk: int) -> HttpResponse:
    support = _orderable_or_404(request.user, pk)
    form = FundingForm(request.POST, support=support)
    if form.is_valid():
        try:
            fundings.set_funding(support=support, by=request.user, **form.cleaned_data)
        except SupportError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Prise en charge enregistrée."))
            return redirect("prescribers:support", pk=support.pk)
    for message in [e for errors in form.errors.values() for e in errors]:
        messages.error(request, message)
    return redirect(reverse("prescribers:support", args=[support.pk]) + "#funding")


@login_required
def end_funding(request: HttpRequest, pk: int) -> HttpResponse:
    support = _support_or_404(request.user, pk)
    funding = support.fundings.filter(ended_at__isnull=True).first()
    back = reverse("prescribers:support", args=[support.pk])
    if funding is None:
        return redirect(back)
    if request.method == "POST":
        try:
            fundings.end_funding(funding=funding, by=request.user)
        except SupportError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Prise en charge arrêtée."))
        return redirect(back)
    context = {
        "title": _("Arrêter la prise en charge de %(name)s") % {"name": support.person.get_full_name()},
        "text": _(
            "%(organisation)s ne paiera plus rien des commandes passées à partir de maintenant (%(funding)s). "
            "Ce qui a déjà été pris en charge reste facturé à l'organisation."
        )
        % {"organisation": support.organisation.name, "funding": fundings.describe(funding)},
        "action": request.path,
        "back": back,
        "button": _("Arrêter la prise en charge"),
        "danger": True,
    }
    return render(request, "confirm.html", context)


def _estimate(person, offering, quantity=Decimal("1")):
    """What the person would pay and what a funding would take, were it ordered now (nothing locked)."""
    summary = price_items(user=person, items=[(offering, quantity)], organisation=None)
    priced = preview_cover(user=person, summary=summary)
    return {"full": summary.total_incl, "person": priced.total_incl, "covered": priced.third_party_total}


@login_required
def subscribe_for(request: HttpRequest, pk: int) -> HttpResponse:
    support = _orderable_or_404(request.user, pk)
    plans = ordering.plans_for_people()
    form = SubscribeForPersonForm(
        request.POST if request.method == "POST" else None,
        plans=plans,
        pickup_points=Site.objects.pickup_points().order_by("name"),
    )
    if request.method == "POST" and form.is_valid():
        try:
            ordering.subscribe_for(support=support, by=request.user, **form.cleaned_data)
        except SupportError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _("Abonnement enregistré pour %(name)s : chaque panier se règle au retrait.")
                % {"name": support.person.get_full_name()},
            )
            return redirect("prescribers:support", pk=support.pk)
    estimates = [(plan, _estimate(support.person, plan.offering)) for plan in plans]
    status = 400 if form.is_bound and form.errors else 200
    context = {"support": support, "form": form, "estimates": estimates}
    return render(request, "prescribers/subscribe_for.html", context, status=status)


@login_required
def book_for_list(request: HttpRequest, pk: int) -> HttpResponse:
    support = _orderable_or_404(request.user, pk)
    offerings = [(offering, _estimate(support.person, offering)) for offering in ordering.offerings_to_book()]
    return render(request, "prescribers/book_for_list.html", {"support": support, "offerings": offerings})


@login_required
def book_for(request: HttpRequest, pk: int, slug: str) -> HttpResponse:
    support = _orderable_or_404(request.user, pk)
    offering = ordering.offerings_to_book().filter(slug=slug[:100]).first()
    if offering is None:
        raise Http404
    today = timezone.localdate()
    monday = date_param(request, "semaine", default=today, value=request.GET.get("semaine") or "")
    monday -= datetime.timedelta(days=monday.weekday())
    if request.method == "POST":
        raw = (request.POST.get("slot") or "")[:10]
        chosen = date_param(request, "slot", default=monday, value=raw)
        monday = chosen - datetime.timedelta(days=chosen.weekday())
    slots = available_slots(offering=offering, start=monday, end=monday + datetime.timedelta(days=6))
    if request.method == "GET" and not request.GET.get("semaine") and all(slot.is_full for slot in slots):
        # Nothing left this week (a Sunday, say): the next week's slots.
        monday += datetime.timedelta(days=7)
        slots = available_slots(offering=offering, start=monday, end=monday + datetime.timedelta(days=6))
    form = BookingForm(
        request.POST if request.method == "POST" else None,
        offering=offering,
        slots=slots,
        organisations=[],
        methods=ordering.methods_for(offering),
    )
    form.fields.pop("frequency", None)  # one booking at a time for someone else: a series is theirs to set up
    form.fields["billing_address"].required = True
    form.fields["billing_address"].help_text = _("L'adresse de la personne, portée sur sa facture.")
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            ordering.book_for(
                support=support,
                by=request.user,
                offering=offering,
                starts_at=parse_datetime(data["slot"]),
                quantity=data.get("quantity") or Decimal("1"),
                payment_method=data["payment_method"],
                billing_address=data.get("billing_address", ""),
                pickup_point=data.get("pickup_point"),
                address=data.get("address", ""),
                destination=data.get("destination", ""),
            )
        except SupportError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request, _("Réservation enregistrée pour %(name)s.") % {"name": support.person.get_full_name()}
            )
            return redirect("prescribers:support", pk=support.pk)
    context = {
        "support": support,
        "offering": offering,
        "form": form,
        "monday": monday,
        "previous_week": monday - datetime.timedelta(days=7) if monday > today else None,
        "next_week": monday + datetime.timedelta(days=7),
        "estimate": _estimate(support.person, offering),
    }
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "prescribers/book_for.html", context, status=status)


@login_required
def budget(request: HttpRequest) -> HttpResponse:
    ids = _organisations_or_404(request.user)
    today = timezone.localdate()
    year = parse_year(request.GET.get("annee", ""), default=today.year)
    organisations = list(Organisation.objects.filter(pk__in=ids).order_by("name"))
    if request.method == "POST":
        organisation = next((o for o in organisations if str(o.pk) == request.POST.get("organisation", "")), None)
        form = BudgetForm(request.POST)
        if organisation is None:
            messages.error(request, _("Choisissez une de vos organisations."))
        elif form.is_valid():
            try:
                fundings.set_budget(
                    organisation=organisation, year=year, amount=form.cleaned_data["amount"], by=request.user
                )
            except SupportError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, _("Budget enregistré."))
        else:
            for message in [e for errors in form.errors.values() for e in errors]:
                messages.error(request, message)
        return redirect(f"{reverse('prescribers:budget')}?annee={year}")
    views = [fundings.budget_view(organisation=o, year=year, user=request.user) for o in organisations]
    invoices = {
        o.pk: list(
            Invoice.objects.issued()
            .filter(organisation=o, issue_date__year=year)
            .select_related("structure")
            .order_by("-issue_date", "-pk")[:50]
        )
        for o in organisations
    }
    for view in views:
        view.invoices = invoices[view.organisation.pk]
        view.form = BudgetForm(initial={"amount": view.amount}) if view.can_edit else None
    context = {"views": views, "year": year, "years": [today.year - 1, today.year, today.year + 1]}
    return render(request, "prescribers/budget.html", context)


@login_required
def close_support(request: HttpRequest, pk: int) -> HttpResponse:
    support = _support_or_404(request.user, pk)
    back = reverse("prescribers:support", args=[support.pk])
    if request.method == "POST":
        try:
            actions.close_support(support=support, by=request.user)
        except SupportError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Accompagnement clos."))
        return redirect(back)
    if support.closed_at is not None:
        return redirect(back)
    context = {
        "title": _("Clore l'accompagnement de %(name)s") % {"name": support.person.get_full_name()},
        "text": _(
            "L'accompagnement prend fin aujourd'hui, et le tarif solidaire qu'il a accordé s'arrête ce soir. "
            "Son historique reste visible ici."
        ),
        "action": request.path,
        "back": back,
        "button": _("Clore l'accompagnement"),
        "danger": True,
    }
    return render(request, "confirm.html", context)


# --- The person's side --------------------------------------------------------------------------------


def _own_support_or_404(user, pk: int) -> Support:
    support = Support.objects.with_people().filter(pk=pk, person=user).first() if pk <= MAX_ID else None
    if support is None:
        raise Http404
    return support


@login_required
def my_supports(request: HttpRequest) -> HttpResponse:
    rows = list(Support.objects.filter(person=request.user).with_people().order_by("closed_at", "-starts_on", "-pk"))
    return render(request, "prescribers/my_supports.html", {"supports": rows})


@login_required
@require_POST
def accept_support(request: HttpRequest, pk: int) -> HttpResponse:
    support = _own_support_or_404(request.user, pk)
    try:
        actions.accept_support(support=support, by=request.user)
    except SupportError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Merci : votre accord est enregistré."))
    return redirect("prescribers:my_supports")


@login_required
def withdraw_consent(request: HttpRequest, pk: int) -> HttpResponse:
    support = _own_support_or_404(request.user, pk)
    back = reverse("prescribers:my_supports")
    if request.method == "POST":
        try:
            actions.withdraw_consent(support=support, by=request.user)
        except SupportError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Votre accord est retiré : l'accompagnement est clos."))
        return redirect(back)
    if support.closed_at is not None:
        return redirect(back)
    refusing = support.consent_at is None
    context = {
        "title": (_("Refuser l'accompagnement de %(name)s") if refusing else _("Retirer mon accord à %(name)s"))
        % {"name": support.organisation.name},
        "text": _(
            "L'accompagnement sera clos : %(name)s ne verra plus rien de vous ni de vos commandes, et le tarif "
            "solidaire qu'il vous a accordé s'arrêtera ce soir."
        )
        % {"name": support.organisation.name},
        "action": request.path,
        "back": back,
        "button": _("Refuser") if refusing else _("Retirer mon accord"),
        "danger": True,
    }
    return render(request, "confirm.html", context)
