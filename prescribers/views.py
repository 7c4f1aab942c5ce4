"""The supports' pages. For social workers: « Mes accompagnements » (their organisations' supports, searchable
by name within them), opening one, a support's page (its history, and the orders placed by the person since
it started — only while their consent stands), closing one. For the person: « Qui m'accompagne », where
they accept or withdraw their consent. Anyone else gets a 404: whether a support exists is not told."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hub.models import Organisation
from marketplace.models import Order, SolidarityStatus
from prescribers import actions, perms
from prescribers.exceptions import SupportError
from prescribers.forms import OpenSupportForm, parse_search
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
    orders = None
    if perms.can_follow_orders(request.user, support):
        orders = list(
            Order.objects.filter(customer_id=support.person_id, placed_at__date__gte=support.starts_on)
            .only("reference", "placed_at", "total_incl", "fulfilment_status", "payment_status")
            .order_by("-placed_at", "-pk")[:ORDERS_LIMIT]
        )
    context = {
        "support": support,
        "events": list(support.events.select_related("by").order_by("at", "pk")),
        "orders": orders,
        "tier_valid_until": _tiers([support.person_id]).get(support.person_id),
        "can_close": perms.can_close_support(request.user, support),
    }
    return render(request, "prescribers/support.html", context)


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
