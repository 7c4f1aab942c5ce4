"""Basket subscription pages: thin — parse the form, check permission, call one action or selector, render."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hub import spreadsheet
from hub.formatting import date_long, euros
from hub.views import rendered_pdf
from marketplace.enums import PaymentMethod
from subscriptions import perms as subscription_perms
from subscriptions.actions.changes import (
    cancel_subscription,
    change_basket_size,
    change_pickup_point,
    check_size_changeable,
    first_changeable_date,
    other_sizes,
    pause_subscription,
    resume_subscription,
    size_change_terms,
    skip_delivery,
    termination_terms,
)
from subscriptions.actions.payments import save_card, start_card_setup
from subscriptions.actions.prepaid import current_advance, mark_delivered
from subscriptions.actions.subscribing import subscribe
from subscriptions.enums import PrepaidCreditChoice, SubscriptionPaymentMode, SubscriptionStatus
from subscriptions.exceptions import PickupPointFull, SubscriptionError
from subscriptions.forms import (
    PauseForm,
    PickListForm,
    PickupPointForm,
    PrepaidChoiceForm,
    SizeChangeForm,
    SubscribeForm,
)
from subscriptions.models import Delivery, Subscription
from subscriptions.selectors import open_plans, pick_list, subscriptions_of


def plans(request: HttpRequest) -> HttpResponse:
    """The open plans, and the form to subscribe to one."""
    available = open_plans()
    form = SubscribeForm(request.POST or None, plans=available) if request.user.is_authenticated else None
    if request.method == "POST":
        if form is None:
            return redirect(f"{settings.LOGIN_URL}?next={request.path}")
        if form.is_valid():
            data = form.cleaned_data
            try:
                subscription = subscribe(
                    user=request.user,
                    plan=data["plan"],
                    pickup_point=data["pickup_point"],
                    start_date=data["start_date"],
                    payment_mode=data["payment_mode"],
                    season_payment_method=data["season_payment_method"] or PaymentMethod.CARD,
                )
            except PickupPointFull as refusal:
                messages.warning(request, refusal.message)
                return redirect("subscriptions:mine")
            except SubscriptionError as refusal:
                form.add_error(None, refusal.message)
            else:
                messages.success(request, _("Votre abonnement est enregistré."))
                if subscription.payment_mode in {SubscriptionPaymentMode.CARD, SubscriptionPaymentMode.SEPA}:
                    return redirect("subscriptions:card", subscription.pk)
                advance = current_advance(subscription)
                if advance is not None and advance.order.payment_method == PaymentMethod.CARD:
                    return redirect("marketplace:order_pay", advance.order.reference)  # the season's pay page
                return redirect("subscriptions:mine")
    return render(request, "subscriptions/plans.html", {"plans": available, "form": form})


@login_required
def my_subscriptions(request: HttpRequest) -> HttpResponse:
    subscriptions = list(subscriptions_of(request.user))
    today = timezone.localdate()
    for subscription in subscriptions:
        subscription.changeable_from = first_changeable_date(subscription, today=today)
    return render(
        request,
        "subscriptions/my_subscriptions.html",
        {"subscriptions": subscriptions, "pause_form": PauseForm(), "today": today},
    )


def _own(request: HttpRequest, pk: int):
    """The caller's own subscription (someone else's is a 404)."""
    return get_object_or_404(subscriptions_of(request.user), pk=pk)


def _run(request: HttpRequest, action, success: str, **kwargs) -> HttpResponse:
    try:
        action(by=request.user, **kwargs)
    except SubscriptionError as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, success)
    return redirect("subscriptions:mine")


@login_required
@require_POST
def pause(request: HttpRequest, pk: int) -> HttpResponse:
    subscription = _own(request, pk)
    form = PauseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Indiquez la date de fin de la pause."))
        return redirect("subscriptions:mine")
    return _run(
        request,
        pause_subscription,
        _("Votre abonnement est en pause."),
        subscription=subscription,
        until=form.cleaned_data["until"],
    )


@login_required
@require_POST
def skip(request: HttpRequest, pk: int, delivery_pk: int) -> HttpResponse:
    delivery = get_object_or_404(_own(request, pk).deliveries, pk=delivery_pk)
    choice = PrepaidChoiceForm(request.POST).choice(PrepaidCreditChoice.CREDIT)
    if not request.htmx:
        return _run(request, skip_delivery, _("Absence enregistrée."), delivery=delivery, prepaid_choice=choice)
    # htmx: only this subscription's panel is swapped, the outcome said inside it.
    notice, is_error = _("Absence enregistrée."), False
    try:
        skip_delivery(delivery=delivery, by=request.user, prepaid_choice=choice)
    except SubscriptionError as refusal:
        notice, is_error = refusal.message, True
    subscription = _own(request, pk)
    subscription.changeable_from = first_changeable_date(subscription)
    context = {"subscription": subscription, "notice": notice, "notice_is_error": is_error}
    return render(request, "subscriptions/_subscription.html", context)


@login_required
@require_POST
def resume(request: HttpRequest, pk: int) -> HttpResponse:
    return _run(request, resume_subscription, _("Votre abonnement reprend."), subscription=_own(request, pk))


@login_required
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """Terminate a subscription in two steps: a page saying what it does (last delivery, what is credited),
    then the confirmed POST. A POST without the confirmation changes nothing and shows that page."""
    subscription = _own(request, pk)
    if subscription.status == SubscriptionStatus.CANCELLED:
        messages.info(request, _("Cet abonnement est déjà résilié."))
        return redirect("subscriptions:mine")
    if request.method == "POST" and request.POST.get("confirm") == "1":
        return _run(
            request,
            cancel_subscription,
            _("Votre abonnement est résilié."),
            subscription=subscription,
            prepaid_choice=PrepaidChoiceForm(request.POST).choice(PrepaidCreditChoice.REFUND),
        )
    context = {"subscription": subscription, "terms": termination_terms(subscription)}
    return render(request, "subscriptions/cancel_confirm.html", context)


@login_required
def change_point(request: HttpRequest, pk: int) -> HttpResponse:
    """Collect the baskets at another pickup point, from the next distribution still before its cut-off."""
    subscription = _own(request, pk)
    form = PickupPointForm(request.POST or None, current=subscription.pickup_point)
    if request.method == "POST" and form.is_valid():
        try:
            change_pickup_point(
                subscription=subscription, pickup_point=form.cleaned_data["pickup_point"], by=request.user
            )
        except SubscriptionError as refusal:
            form.add_error("pickup_point", refusal.message)
        else:
            messages.success(
                request,
                _("Vos paniers seront retirés à « %(point)s » dès la prochaine distribution.")
                % {"point": form.cleaned_data["pickup_point"].name},
            )
            return redirect("subscriptions:mine")
    context = {"subscription": subscription, "form": form}
    return render(request, "subscriptions/change_point.html", context, status=400 if form.errors else 200)


@login_required
def change_size(request: HttpRequest, pk: int) -> HttpResponse:
    """Switch to another basket size in two steps: choose it, then a summary (from → to, from which
    distribution, the price per basket) confirmed by a POST with `confirm=1`. Anything refused is said
    on the choice page and changes nothing."""
    subscription = get_object_or_404(Subscription.objects.filter(customer=request.user).for_list(), pk=pk)
    form = SizeChangeForm(request.POST or None, plans=other_sizes(subscription))
    refusal_message = ""
    if request.method == "POST" and form.is_valid():
        plan = form.cleaned_data["plan"]
        confirmed = request.POST.get("confirm") == "1"
        try:
            if confirmed:
                terms = change_basket_size(subscription=subscription, plan=plan, by=request.user)
            else:
                terms = size_change_terms(subscription, plan)
        except SubscriptionError as refusal:
            form.add_error("plan", refusal.message)
        else:
            if not confirmed:
                context = {"subscription": subscription, "terms": terms}
                return render(request, "subscriptions/change_size_confirm.html", context)
            messages.success(
                request,
                _(
                    "C'est noté : à partir de la distribution du %(day)s, vous recevrez le panier « %(size)s » "
                    "(%(price)s par panier)."
                )
                % {"day": date_long(terms.first_delivery), "size": plan.size_label, "price": euros(terms.new_price)},
            )
            return redirect("subscriptions:mine")
    elif request.method != "POST":
        try:  # what refuses every size (a paid season, a cut-off passed) is said before choosing
            check_size_changeable(subscription)
        except SubscriptionError as refusal:
            refusal_message = refusal.message
    context = {
        "subscription": subscription,
        "form": form,
        "refusal": refusal_message,
        "changeable_from": first_changeable_date(subscription),
    }
    return render(request, "subscriptions/change_size.html", context, status=400 if form.errors else 200)


@login_required
def card(request: HttpRequest, pk: int) -> HttpResponse:
    """Save a card or sign a SEPA mandate for off-session charges: a SetupIntent confirmed in the
    browser (confirmCardSetup / confirmSepaDebitSetup)."""
    subscription = _own(request, pk)
    if request.method == "POST":
        try:
            save_card(subscription=subscription, setup_intent_id=request.POST.get("setup_intent", ""))
        except SubscriptionError as refusal:
            messages.error(request, refusal.message)
        else:
            if subscription.payment_mode == SubscriptionPaymentMode.SEPA:
                messages.success(
                    request, _("Votre mandat de prélèvement est enregistré pour les prochaines livraisons.")
                )
            else:
                messages.success(request, _("Votre carte est enregistrée pour les prochaines livraisons."))
        return redirect("subscriptions:mine")
    try:
        client_secret = start_card_setup(subscription=subscription)
    except SubscriptionError as refusal:
        messages.error(request, refusal.message)
        return redirect("subscriptions:mine")
    context = {
        "subscription": subscription,
        "client_secret": client_secret,
        "stripe_js_url": settings.STRIPE_JS_URL,
        "publishable_key": settings.STRIPE_PUBLISHABLE_KEY,
        "sepa": subscription.payment_mode == SubscriptionPaymentMode.SEPA,
    }
    return render(request, "subscriptions/card.html", context)


def _basket_structures(user) -> list[int]:
    return subscription_perms.staff_structures(user)


@login_required
def pick_list_page(request: HttpRequest) -> HttpResponse:
    """Staff: baskets to hand over at a pickup point on a distribution day, as a page, a PDF or a CSV."""
    structure_ids = _basket_structures(request.user)
    if not structure_ids:
        raise Http404
    form = PickListForm(request.GET or {"day": timezone.localdate().isoformat()})
    result = None
    if form.is_valid():
        result = pick_list(
            pickup_point=form.cleaned_data["pickup_point"], day=form.cleaned_data["day"], structure_ids=structure_ids
        )
        fmt = request.GET.get("format")
        name = f"paniers-{result.pickup_point.slug}-{result.day:%Y-%m-%d}"
        if fmt == "csv":
            response = HttpResponse(content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
            writer = spreadsheet.writer(response, delimiter=";")
            writer.writerow([_("Nom"), _("E-mail"), _("Taille")])
            writer.writerows((row.name, row.email, row.size) for row in result.rows)
            return response
        if fmt == "pdf":  # rendered by a task (hub.rendering), never in this request
            html = render_to_string("subscriptions/pick_list_pdf.html", {"pick": result})
            params = request.GET.copy()
            params.pop("format", None)
            back_url = f"{reverse('subscriptions:pick_list')}?{params.urlencode()}"
            return rendered_pdf(request, html, folder="pick-lists", filename=f"{name}.pdf", back_url=back_url)
    query = request.GET.urlencode()
    return render(
        request,
        "subscriptions/pick_list.html",
        {"form": form, "pick": result, "query": query, "page_url": reverse("subscriptions:pick_list")},
    )


@login_required
@require_POST
def deliver(request: HttpRequest, pk: int) -> HttpResponse:
    """Staff: the basket was handed over (a prepaid season's share becomes revenue)."""
    delivery = get_object_or_404(
        Delivery.objects.select_related("subscription"),
        pk=pk,
        subscription__plan__offering__structure_id__in=_basket_structures(request.user),
    )
    try:
        mark_delivered(delivery=delivery, by=request.user)
    except SubscriptionError as refusal:
        messages.error(request, refusal.message)
    query = f"pickup_point={delivery.subscription.pickup_point_id}&day={delivery.date.isoformat()}"
    return redirect(f"{reverse('subscriptions:pick_list')}?{query}")
