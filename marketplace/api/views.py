import stripe
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import generics, renderers, serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from hub import perms
from hub.api.errors import Refused
from hub.api.schema import INVALID
from hub.enums import LegalPageKind
from hub.models import LegalPage, Organisation, Site
from hub.storage import private_file_response
from marketplace import documents
from marketplace.actions.cart import (
    add_to_cart,
    has_solidarity_pricing,
    parse_quantity,
    remove_item,
    set_quantity,
    summarise,
)
from marketplace.actions.checkout import Billing, place_order
from marketplace.actions.payments import start_card_payment
from marketplace.api.serializers import (
    CartItemInputSerializer,
    CartItemUpdateInputSerializer,
    CartOutputSerializer,
    CheckoutInputSerializer,
    CheckoutOutputSerializer,
    InvoiceOutputSerializer,
    OrderListOutputSerializer,
    OrderOutputSerializer,
)
from marketplace.enums import PaymentMethod
from marketplace.exceptions import MarketplaceError
from marketplace.models import Cart, CartItem, Invoice, Order, OrderLine
from marketplace.webhooks import INVALID_SIGNATURE, receive_stripe_event
from services.models import Offering


def _cart(user) -> Cart:
    cart, _created = Cart.objects.get_or_create(user=user)
    return cart


def _cart_body(user) -> dict:
    cart = Cart.objects.filter(user=user).first()
    return CartOutputSerializer(summarise(cart, solidarity=has_solidarity_pricing(user))).data


class CartView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=CartOutputSerializer)
    def get(self, request):
        return Response(_cart_body(request.user))

    @extend_schema(responses={204: None})
    def delete(self, request):
        CartItem.objects.filter(cart__user=request.user).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


class CartItemsView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=CartItemInputSerializer, responses={201: CartOutputSerializer})
    def post(self, request):
        data = CartItemInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        offering = Offering.objects.select_related("structure").filter(pk=data.validated_data["offering"]).first()
        if offering is None:
            raise Refused(MarketplaceError(_("Cette offre n'existe pas.")))
        try:
            quantity = parse_quantity(data.validated_data["quantity"], offering=offering)
            add_to_cart(cart=_cart(request.user), offering=offering, quantity=quantity)
        except MarketplaceError as error:
            raise Refused(error) from error
        return Response(_cart_body(request.user), status=status.HTTP_201_CREATED)


class CartItemView(APIView):
    permission_classes = [IsAuthenticated]

    def _item(self, request, pk: int) -> CartItem:
        return get_object_or_404(
            CartItem.objects.select_related("offering__structure", "cart"), pk=pk, cart__user=request.user
        )

    @extend_schema(request=CartItemUpdateInputSerializer, responses=CartOutputSerializer)
    def patch(self, request, pk: int):
        item = self._item(request, pk)
        data = CartItemUpdateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            quantity = parse_quantity(data.validated_data["quantity"], offering=item.offering)
            set_quantity(cart=item.cart, item=item, quantity=quantity)
        except MarketplaceError as error:
            raise Refused(error) from error
        return Response(_cart_body(request.user))

    @extend_schema(responses={204: None})
    def delete(self, request, pk: int):
        item = self._item(request, pk)
        remove_item(cart=item.cart, item=item)
        return Response(status=status.HTTP_204_NO_CONTENT)


class CheckoutView(APIView):
    """Place the cart as an order; for a card, also returns the client secret for Stripe.js."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=CheckoutInputSerializer, responses={201: CheckoutOutputSerializer})
    def post(self, request):
        data = CheckoutInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        organisation = None
        if values["organisation"]:
            organisation = Organisation.objects.filter(slug=values["organisation"]).first()
            if organisation is None or not perms.can_order_for_organisation(request.user, organisation):
                raise Refused(MarketplaceError(_("Vous n'êtes pas membre de cette organisation.")))
        pickup_point = Site.objects.filter(slug=values["pickup_point"]).first() if values["pickup_point"] else None
        terms = LegalPage.objects.filter(kind=LegalPageKind.TERMS_OF_SALE).only("updated_at").first()
        try:
            order = place_order(
                user=request.user,
                cart=_cart(request.user),
                payment_method=values["payment_method"],
                billing=Billing(
                    name=values["billing_name"] or request.user.get_full_name() or request.user.email,
                    address=values["billing_address"],
                    email=request.user.email,
                ),
                organisation=organisation,
                pickup_point=pickup_point,
                purchase_order_number=values["purchase_order_number"],
                terms_accepted=values["accept_terms"],
                terms_version=terms.updated_at if terms else None,
            )
            client_secret = None
            if order.payment_method == PaymentMethod.CARD:
                client_secret = start_card_payment(order=order)
        except MarketplaceError as error:
            raise Refused(error) from error
        except stripe.StripeError as error:
            raise Refused(MarketplaceError(_("Le paiement par carte est momentanément indisponible."))) from error
        order = _orders(request.user).get(pk=order.pk)
        body = CheckoutOutputSerializer({"order": order, "client_secret": client_secret}).data
        return Response(body, status=status.HTTP_201_CREATED)


def _orders(user):
    return (
        Order.objects.visible_to_customer(user)
        .select_related("organisation", "pickup_point")
        .prefetch_related(Prefetch("lines", queryset=OrderLine.objects.select_related("seller")))
    )


class OrderListView(generics.ListAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = OrderListOutputSerializer

    def get_queryset(self):
        return (
            Order.objects.visible_to_customer(self.request.user)
            .select_related("organisation", "pickup_point")
            .order_by("-placed_at")
        )


class OrderDetailView(generics.RetrieveAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = OrderOutputSerializer
    lookup_field = "reference"

    def get_queryset(self):
        return _orders(self.request.user)


class OrderInvoicesView(generics.ListAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = InvoiceOutputSerializer
    pagination_class = None

    def get_queryset(self):
        order = get_object_or_404(
            Order.objects.visible_to_customer(self.request.user), reference=self.kwargs["reference"]
        )
        return Invoice.objects.issued().filter(order=order).select_related("structure").order_by("issued_at", "pk")


ERROR_BODY = inline_serializer(
    "DocumentStatus", fields={"code": serializers.CharField(), "message": serializers.CharField()}
)


class PdfRenderer(renderers.BaseRenderer):
    """Lets a client ask for `Accept: application/pdf`; the file itself is sent by the view."""

    media_type = "application/pdf"
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


class InvoicePdfView(APIView):
    """An invoice's (or credit note's) PDF; 202 with a JSON body while it is being rendered."""

    permission_classes = [IsAuthenticated]
    renderer_classes = [renderers.JSONRenderer, PdfRenderer]

    @extend_schema(
        responses={
            (200, "application/pdf"): OpenApiResponse(
                response=OpenApiTypes.BINARY, description="Le PDF (Factur-X pour une organisation)."
            ),
            (202, "application/json"): OpenApiResponse(
                response=ERROR_BODY, description="Le PDF est en préparation (code document_pending) : réessayer."
            ),
            (404, "application/json"): OpenApiResponse(
                response=ERROR_BODY, description="Pièce introuvable ou d'un autre client (code not_found)."
            ),
        }
    )
    def get(self, request, number: str):
        invoice = documents.viewable_invoice(request.user, number)
        if invoice is None:
            raise Http404
        pdf = documents.pdf_or_queue(invoice)
        if pdf is None:
            message = _("Le PDF de la pièce %(number)s est en préparation : réessayez dans quelques secondes.")
            response = Response(
                {"code": "document_pending", "message": message % {"number": invoice.number}},
                status=status.HTTP_202_ACCEPTED,
            )
            response["Retry-After"] = "5"
            return response
        return private_file_response(pdf, filename=f"{invoice.number}.pdf", content_type="application/pdf")

    def finalize_response(self, request, response, *args, **kwargs):
        # Only the file is PDF: a body of data (202, 401, 404) is JSON whatever the client asked for.
        if isinstance(response, Response):
            request.accepted_renderer, request.accepted_media_type = renderers.JSONRenderer(), "application/json"
        return super().finalize_response(request, response, *args, **kwargs)


class StripeWebhookView(APIView):
    """Stripe's events (signed with the endpoint secret); answered at once, processed by a task."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(request=None, responses={200: None, 400: INVALID})
    def post(self, request):
        body = request._request.body  # the exact bytes Stripe signed
        refused = receive_stripe_event(body, request.headers.get("Stripe-Signature", ""))
        if refused == INVALID_SIGNATURE:
            return Response({"code": refused, "message": _("Signature Stripe invalide.")}, status=400)
        if refused:
            return Response({"code": refused, "message": _("Événement Stripe illisible.")}, status=400)
        return Response(status=status.HTTP_200_OK)
