import logging
import re
from dataclasses import dataclass
from urllib.parse import urlencode

import stripe
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from hub.enums import LegalPageKind
from hub.models import LegalPage, Site, SiteClosure
from hub.schedules import openings_label
from hub.storage import private_file_response
from hub.views import PENDING_REFRESH_SECONDS
from marketplace import documents
from marketplace.actions.cart import (
    add_to_cart,
    has_solidarity_pricing,
    parse_quantity,
    remove_item,
    set_quantity,
    summarise,
)
from marketplace.actions.checkout import (
    Billing,
    available_payment_methods,
    collection_window,
    needs_pickup_point,
    order_payment_methods,
    place_order,
    preparation_time,
    preview_cover,
)
from marketplace.actions.payments import (
    FINAL_PROGRESS,
    Progress,
    payment_progress,
    start_card_payment,
    switch_payment_method,
)
from marketplace.carts import current_cart
from marketplace.enums import FulfilmentStatus, PaymentMethod, PaymentStatus
from marketplace.exceptions import MarketplaceError
from marketplace.forms import CheckoutForm
from marketplace.models import CartItem, Invoice, Order
from marketplace.pickup import what_to_bring
from marketplace.webhooks import receive_stripe_event
from services.models import Offering

logger = logging.getLogger(__name__)
# The page shown while a document is rendered reloads itself this often (seconds).


def _cart_context(request: HttpRequest) -> dict:
    cart = current_cart(request)
    return {"summary": summarise(cart, solidarity=has_solidarity_pricing(request.user)), "cart": cart}


def cart(request: HttpRequest) -> HttpResponse:
    return render(request, "marketplace/cart.html", _cart_context(request))


def _cart_response(request: HttpRequest, *, error: str = "", status: int = 200, **extra) -> HttpResponse:
    if error and not request.htmx:
        messages.error(request, error)
    context = {**_cart_context(request), "error": error, **extra}
    template = "marketplace/_cart_body.html" if request.htmx else "marketplace/cart.html"
    return render(request, template, context, status=status)


@require_POST
def cart_add(request: HttpRequest, offering_id: int) -> HttpResponse:
    offering = get_object_or_404(Offering.objects.select_related("structure"), pk=offering_id)
    try:
        quantity = parse_quantity(request.POST.get("quantity", "1"), offering=offering)
        add_to_cart(cart=current_cart(request, create=True), offering=offering, quantity=quantity)
    except MarketplaceError as error:
        if request.htmx:
            return render(request, "marketplace/_add_result.html", {"error": error.message}, status=422)
        messages.error(request, error.message)
        return redirect("services:offering", offering.slug)
    message = _("« %(name)s » est dans votre panier.") % {"name": offering.name}
    if request.htmx:
        count = current_cart(request).items.count()
        return render(request, "marketplace/_add_result.html", {"message": message, "count": count})
    messages.success(request, message)
    return redirect("marketplace:cart")


@require_POST
def cart_update(request: HttpRequest, item_id: int) -> HttpResponse:
    cart = current_cart(request)
    item = get_object_or_404(CartItem.objects.select_related("offering__structure"), pk=item_id, cart=cart)
    if request.POST.get("action") == "remove" and request.POST.get("confirm") != "1":
        # Removing asks first, inside the line itself (page or htmx fragment alike): nothing changes yet.
        return _cart_response(request, confirm_remove=item.pk)
    try:
        if request.POST.get("action") == "remove":
            remove_item(cart=cart, item=item)
        else:
            quantity = parse_quantity(request.POST.get("quantity", ""), offering=item.offering)
            set_quantity(cart=cart, item=item, quantity=quantity)
    except MarketplaceError as error:
        return _cart_response(request, error=error.message, status=422 if request.htmx else 200)
    if not request.htmx:
        return redirect("marketplace:cart")
    return _cart_response(request)


@login_required
def checkout(request: HttpRequest) -> HttpResponse:
    cart = current_cart(request)
    organisations = list(request.user.organisations.order_by("name"))
    buyer = request.POST.get("buyer", "self")
    organisation = next((o for o in organisations if str(o.pk) == buyer), None)
    solidarity = organisation is None and has_solidarity_pricing(request.user)
    summary = summarise(cart, solidarity=solidarity)
    if not summary.lines:
        messages.info(request, _("Votre panier est vide."))
        return redirect("marketplace:cart")
    # Offer every method some buyer choice allows; place_order refuses a wrong pairing in French.
    allowed = set(available_payment_methods(summary=summary, organisation=None))
    for candidate in organisations:
        allowed |= set(available_payment_methods(summary=summary, organisation=candidate))
    all_methods = [method for method in PaymentMethod.values if method in allowed]
    last_order = Order.objects.filter(customer=request.user, organisation__isnull=True).order_by("-placed_at").first()
    initial = {
        "billing_name": request.user.get_full_name(),
        "billing_address": last_order.billing_address if last_order else "",
    }
    form = CheckoutForm(
        request.POST or None,
        initial=initial,
        organisations=organisations,
        methods=all_methods,
        needs_pickup_point=needs_pickup_point(summary),
    )
    terms = LegalPage.objects.filter(kind=LegalPageKind.TERMS_OF_SALE).only("updated_at").first()
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            order = place_order(
                user=request.user,
                cart=cart,
                payment_method=data["payment_method"],
                billing=Billing(
                    name=organisation.name if organisation else data["billing_name"],
                    address=data["billing_address"],
                    email=request.user.email,
                ),
                organisation=organisation,
                pickup_point=data.get("pickup_point"),
                purchase_order_number=data.get("purchase_order_number", ""),
                terms_accepted=data["accept_terms"],
                terms_version=terms.updated_at if terms else None,
            )
        except MarketplaceError as error:
            form.add_error(None, error.message)
        else:
            if order.payment_method == PaymentMethod.CARD:
                return redirect("marketplace:order_pay", order.reference)
            return redirect("marketplace:order_thanks", order.reference)
    context = {
        "form": form,
        "summary": summary,
        # What a prescriber would pay of it for the person (ADR 0034), shown before they commit.
        "cover": preview_cover(user=request.user, summary=summary) if organisation is None else None,
        "organisations": organisations,
        "pickup_choices": _pickup_choices(form, summary),
    }
    return render(request, "marketplace/checkout.html", context, status=400 if form.errors else 200)


@dataclass(frozen=True)
class PickupChoice:
    point: Site
    hours: str
    next_collection: str
    checked: bool


def _pickup_choices(form: CheckoutForm, summary) -> list[PickupChoice]:
    """Each open pickup point with its address, weekly hours and the date this cart would be collected."""
    if "pickup_point" not in form.fields:
        return []
    preparation = preparation_time(list(summary.by_structure))
    now = timezone.now()
    chosen = str(form["pickup_point"].value() or "")
    points = form.fields["pickup_point"].queryset.prefetch_related(
        "openings", Prefetch("closures", queryset=SiteClosure.objects.filter(last_day__gte=timezone.localdate()))
    )
    choices = []
    for point in points:
        window = collection_window(pickup_point=point, preparation=preparation, at=now)
        choices.append(
            PickupChoice(
                point=point,
                hours=openings_label(point.openings.all()) or point.opening_hours,
                next_collection=window.label if window else "",
                checked=chosen == str(point.pk),
            )
        )
    return choices


def _customer_order(request: HttpRequest, reference: str) -> Order:
    order = (
        Order.objects.visible_to_customer(request.user)
        .select_related("pickup_point", "organisation")
        .prefetch_related(
            "lines__seller",
            Prefetch(
                "invoices", queryset=Invoice.objects.issued().select_related("structure").order_by("issued_at", "pk")
            ),
        )
        .filter(reference=reference)
        .first()
    )
    if order is None:
        raise Http404
    return order


@login_required
def order_list(request: HttpRequest) -> HttpResponse:
    orders = Order.objects.visible_to_customer(request.user).select_related("organisation").order_by("-placed_at")[:100]
    return render(request, "marketplace/order_list.html", {"orders": orders})


STRIPE_INTENT_ID = re.compile(r"^pi_[A-Za-z0-9_]{1,60}$")
REDIRECT_STATUSES = {"succeeded", "processing", "requires_capture", "requires_payment_method", "failed"}


def _stripe_return(request: HttpRequest) -> dict:
    """What Stripe's return to our page says (`payment_intent`, `redirect_status`), and how many failed
    attempts the page knew of (`echecs`); anything malformed is ignored, never an error."""
    intent_id = request.GET.get("payment_intent", "")
    redirect_status = request.GET.get("redirect_status", "")
    failures = request.GET.get("echecs", "")
    return {
        "intent_id": intent_id if STRIPE_INTENT_ID.match(intent_id) else "",
        "redirect_status": redirect_status if redirect_status in REDIRECT_STATUSES else "",
        "failures_seen": int(failures) if failures.isdigit() and len(failures) < 5 else None,
    }


def _payment_context(request: HttpRequest, order: Order) -> dict:
    """The live payment status of an order (`marketplace/_payment_status.html`) and, while it may change,
    the URL the fragment polls (`hx-trigger="every 2s"`); a final status is rendered without it."""
    stripe_return = _stripe_return(request)
    progress, failures = payment_progress(order, **stripe_return)
    context = {"order": order, "progress": progress.value, "switch_methods": []}
    if progress not in FINAL_PROGRESS:
        query = {"echecs": failures}
        if stripe_return["intent_id"] and stripe_return["redirect_status"]:
            query |= {"payment_intent": stripe_return["intent_id"], "redirect_status": stripe_return["redirect_status"]}
        context["poll_url"] = reverse("marketplace:order_status", args=[order.reference]) + "?" + urlencode(query)
    if progress in {Progress.FAILED, Progress.AWAITING_CARD}:
        context |= _other_means(order)
    return context


def _other_means(order: Order) -> dict:
    """Whether the card is still allowed, and the pay-later means the customer may switch to."""
    allowed = order_payment_methods(order)
    return {
        "card_allowed": PaymentMethod.CARD in allowed,
        "switch_methods": [
            (method, PaymentMethod(method).label) for method in allowed if method in PaymentMethod.pay_later()
        ],
    }


@login_required
def order_detail(request: HttpRequest, reference: str) -> HttpResponse:
    order = _customer_order(request, reference)
    context = {**_payment_context(request, order), "to_bring": what_to_bring(order)}
    return render(request, "marketplace/order_detail.html", context)


@login_required
def order_thanks(request: HttpRequest, reference: str) -> HttpResponse:
    """« Merci » after checkout (and Stripe's return after a card payment): when and where to collect,
    what to bring, and the payment status, followed live until it is final."""
    order = _customer_order(request, reference)
    context = {**_payment_context(request, order), "to_bring": what_to_bring(order)}
    return render(request, "marketplace/order_thanks.html", context)


@login_required
def order_status(request: HttpRequest, reference: str) -> HttpResponse:
    """The payment status fragment the « Merci » and order pages poll every 2 s (htmx) until final."""
    order = Order.objects.visible_to_customer(request.user).filter(reference=reference).first()
    if order is None:
        raise Http404
    response = render(request, "marketplace/_payment_status.html", _payment_context(request, order))
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def order_switch_payment(request: HttpRequest, reference: str) -> HttpResponse:
    """After a failed or abandoned card payment: pay by another means the order allows."""
    order = _customer_order(request, reference)
    method = request.POST.get("method", "")
    if method not in PaymentMethod.values:
        messages.error(request, _("Choisissez un moyen de paiement."))
        return redirect("marketplace:order_thanks", order.reference)
    try:
        order = switch_payment_method(order=order, method=method, by=request.user)
    except MarketplaceError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("C'est noté : vous paierez par « %(method)s ». Votre commande est confirmée.")
            % {"method": order.get_payment_method_display()},
        )
    return redirect("marketplace:order_thanks", order.reference)


@login_required
def order_pay(request: HttpRequest, reference: str) -> HttpResponse:
    order = _customer_order(request, reference)
    if (
        order.payment_method != PaymentMethod.CARD
        or order.payment_status != PaymentStatus.UNPAID
        or order.fulfilment_status == FulfilmentStatus.CANCELLED
    ):
        return redirect("marketplace:order", order.reference)
    try:
        client_secret = start_card_payment(order=order)
    except (MarketplaceError, stripe.StripeError) as error:
        logger.warning("Card payment could not start for %s: %s", order.reference, error)
        messages.error(request, _("Le paiement par carte est momentanément indisponible. Réessayez dans un instant."))
        return redirect("marketplace:order", order.reference)
    context = {
        **_other_means(order),
        "order": order,
        "client_secret": client_secret,
        "stripe_js_url": settings.STRIPE_JS_URL,
        "publishable_key": settings.STRIPE_PUBLISHABLE_KEY,
        "return_url": request.build_absolute_uri(reverse("marketplace:order_thanks", args=[order.reference])),
    }
    return render(request, "marketplace/order_pay.html", context)


@csrf_exempt
@require_POST
def stripe_webhook(request: HttpRequest) -> HttpResponse:
    refused = receive_stripe_event(request.body, request.headers.get("Stripe-Signature", ""))
    if refused:
        return HttpResponseBadRequest(refused.replace("_", " "))
    return HttpResponse(status=200)


@login_required
def invoice_pdf(request: HttpRequest, number: str) -> HttpResponse:
    """The invoice as PDF (Factur-X for organisations) from the private storage; while it is rendered, a
    page that says so (202) and reloads itself."""
    invoice = documents.viewable_invoice(request.user, number)
    if invoice is None:
        raise Http404
    pdf = documents.pdf_or_queue(invoice)
    if pdf is None:
        visible_order = (
            invoice.order_id is not None
            and Order.objects.visible_to_customer(request.user).filter(pk=invoice.order_id).exists()
        )
        back_url = reverse("marketplace:order", args=[invoice.order.reference]) if visible_order else reverse("home")
        context = {"number": invoice.number, "back_url": back_url, "refresh_seconds": PENDING_REFRESH_SECONDS}
        response = render(request, "hub/document_pending.html", context, status=202)
        response["Retry-After"] = str(PENDING_REFRESH_SECONDS)
        response["Cache-Control"] = "no-store"
        return response
    return private_file_response(pdf, filename=f"{invoice.number}.pdf", content_type="application/pdf")
