import logging

import stripe
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

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
from marketplace.actions.checkout import Billing, available_payment_methods, needs_pickup_point, place_order
from marketplace.actions.payments import start_card_payment
from marketplace.carts import current_cart
from marketplace.enums import FulfilmentStatus, PaymentMethod, PaymentStatus
from marketplace.exceptions import MarketplaceError
from marketplace.forms import CheckoutForm
from marketplace.models import CartItem, Invoice, Order
from marketplace.webhooks import receive_stripe_event
from services.models import Offering

logger = logging.getLogger(__name__)
# The page shown while a document is rendered reloads itself this often (seconds).


def _cart_context(request: HttpRequest) -> dict:
    cart = current_cart(request)
    return {"summary": summarise(cart, solidarity=has_solidarity_pricing(request.user)), "cart": cart}


def cart(request: HttpRequest) -> HttpResponse:
    return render(request, "marketplace/cart.html", _cart_context(request))


def _cart_response(request: HttpRequest, *, error: str = "", status: int = 200) -> HttpResponse:
    if error and not request.htmx:
        messages.error(request, error)
    context = {**_cart_context(request), "error": error}
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
            )
        except MarketplaceError as error:
            form.add_error(None, error.message)
        else:
            if order.payment_method == PaymentMethod.CARD:
                return redirect("marketplace:order_pay", order.reference)
            messages.success(
                request, _("Merci ! Votre commande %(reference)s est confirmée.") % {"reference": order.reference}
            )
            return redirect("marketplace:order", order.reference)
    context = {"form": form, "summary": summary, "organisations": organisations}
    return render(request, "marketplace/checkout.html", context, status=400 if form.errors else 200)


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


@login_required
def order_detail(request: HttpRequest, reference: str) -> HttpResponse:
    order = _customer_order(request, reference)
    return render(request, "marketplace/order_detail.html", {"order": order})


@login_required
def order_pay(request: HttpRequest, reference: str) -> HttpResponse:
    order = _customer_order(request, reference)
    if order.payment_status != PaymentStatus.UNPAID or order.fulfilment_status == FulfilmentStatus.CANCELLED:
        return redirect("marketplace:order", order.reference)
    try:
        client_secret = start_card_payment(order=order)
    except (MarketplaceError, stripe.StripeError) as error:
        logger.warning("Card payment could not start for %s: %s", order.reference, error)
        messages.error(request, _("Le paiement par carte est momentanément indisponible. Réessayez dans un instant."))
        return redirect("marketplace:order", order.reference)
    context = {
        "order": order,
        "client_secret": client_secret,
        "stripe_js_url": settings.STRIPE_JS_URL,
        "publishable_key": settings.STRIPE_PUBLISHABLE_KEY,
        "return_url": request.build_absolute_uri(reverse("marketplace:order", args=[order.reference])),
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
