"""Receivables over the API, under the books' space (/api/v1/accounting/<structure>/…): the aged balance, a
customer's statement (JSON, or PDF with `?format=pdf` / `Accept: application/pdf`), and the payments of an
invoice without an order (read, record).

Like the other accounting endpoints: the structure's accountants and hub admins only; anyone else gets
the same 404 as for a structure that does not exist.
"""

from decimal import Decimal

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import renderers, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounting.perms import get_structure_or_404
from hub.api.schema import ErrorSerializer
from hub.params import MAX_DATE, MIN_DATE
from hub.rendering import pdf_or_queue
from hub.storage import private_stored_response
from marketplace import receivables
from marketplace.actions.invoice_payments import record_invoice_payment, remaining
from marketplace.enums import InvoiceKind, InvoicePaymentMethod
from marketplace.exceptions import PaymentError
from marketplace.models import Invoice

NOT_FOUND = OpenApiResponse(ErrorSerializer, description="Structure ou client inconnu, ou comptabilité non accessible.")
INVALID = OpenApiResponse(ErrorSerializer, description="Paramètre invalide.")
DATE_ERRORS = {"invalid": gettext_lazy("Date invalide : utilisez le format AAAA-MM-JJ.")}


class BucketsSerializer(serializers.Serializer):
    not_due = serializers.DecimalField(max_digits=14, decimal_places=2, help_text="Non échu.")
    d1_30 = serializers.DecimalField(max_digits=14, decimal_places=2, help_text="1 à 30 jours de retard.")
    d31_60 = serializers.DecimalField(max_digits=14, decimal_places=2, help_text="31 à 60 jours.")
    d61_90 = serializers.DecimalField(max_digits=14, decimal_places=2, help_text="61 à 90 jours.")
    over_90 = serializers.DecimalField(max_digits=14, decimal_places=2, help_text="Plus de 90 jours.")


class OpenInvoiceSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="invoice.pk")
    number = serializers.CharField(source="invoice.number")
    issue_date = serializers.DateField(source="invoice.issue_date")
    due_date = serializers.DateField()
    days_past_due = serializers.IntegerField(help_text="Négatif ou nul : pas encore échue.")
    bucket = serializers.ChoiceField(choices=receivables.BUCKET_KEYS)
    total = serializers.DecimalField(max_digits=14, decimal_places=2, help_text="TTC, avoirs déduits.")
    paid = serializers.DecimalField(max_digits=14, decimal_places=2)
    open = serializers.DecimalField(max_digits=14, decimal_places=2)


class CustomerBalanceSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Compte auxiliaire 411 : C<personne>, O<organisation>, S<structure>.")
    name = serializers.CharField()
    is_business = serializers.BooleanField()
    buckets = BucketsSerializer()
    credit = serializers.DecimalField(max_digits=14, decimal_places=2, help_text="Trop-perçu, avoirs non imputés.")
    total = serializers.DecimalField(max_digits=14, decimal_places=2)
    invoices = OpenInvoiceSerializer(source="items", many=True)


class AgedBalanceSerializer(serializers.Serializer):
    structure = serializers.CharField(source="structure.slug")
    on = serializers.DateField()
    buckets = BucketsSerializer()
    credit = serializers.DecimalField(max_digits=14, decimal_places=2)
    total = serializers.DecimalField(max_digits=14, decimal_places=2, help_text="Égal au solde du compte 411.")
    customers = CustomerBalanceSerializer(many=True)


class StatementLineSerializer(serializers.Serializer):
    date = serializers.DateField()
    kind = serializers.ChoiceField(choices=["invoice", "credit_note", "payment", "reversal", "refund"])
    label = serializers.CharField()
    reference = serializers.CharField()
    due_date = serializers.DateField(allow_null=True)
    debit = serializers.DecimalField(max_digits=14, decimal_places=2)
    credit = serializers.DecimalField(max_digits=14, decimal_places=2)
    balance = serializers.DecimalField(max_digits=14, decimal_places=2)


class StatementSerializer(serializers.Serializer):
    structure = serializers.CharField(source="structure.slug")
    customer = serializers.CharField(source="code")
    name = serializers.CharField()
    start = serializers.DateField()
    end = serializers.DateField()
    opening_balance = serializers.DecimalField(max_digits=14, decimal_places=2)
    lines = StatementLineSerializer(many=True)
    closing_balance = serializers.DecimalField(max_digits=14, decimal_places=2, help_text="Positif : dû par le client.")
    open_invoices = OpenInvoiceSerializer(source="open_items", many=True)


class StatementInputSerializer(serializers.Serializer):
    def get_fields(self):
        return {
            "from": serializers.DateField(required=False, error_messages=DATE_ERRORS),
            "to": serializers.DateField(required=False, error_messages=DATE_ERRORS),
        }

    def validate(self, attrs):
        for name in ("from", "to"):
            if name in attrs and not MIN_DATE <= attrs[name] <= MAX_DATE:
                raise serializers.ValidationError({name: [_("Date hors de la plage 2000-2099.")]})
        if attrs.get("from") and attrs.get("to") and attrs["from"] > attrs["to"]:
            raise serializers.ValidationError({"to": [_("La date de fin doit suivre la date de début.")]})
        return attrs


class PdfRenderer(renderers.BaseRenderer):
    """Lets a client ask for `?format=pdf` or `Accept: application/pdf`; the file is sent by the view."""

    media_type = "application/pdf"
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


class ReceivablesAPIView(APIView):
    """Any caller may ask; the structure check answers 404 to all but its accountants and hub admins."""

    permission_classes = []

    def get_structure(self):
        return get_structure_or_404(self.request.user, self.kwargs["structure"])


class AgedBalanceView(ReceivablesAPIView):
    @extend_schema(
        summary="Balance âgée des créances d'une structure",
        description="Factures ouvertes par client, réparties par jours depuis l'échéance (non échu, 1–30, 31–60, "
        "61–90, plus de 90), avec les totaux ; le total égale le solde du compte 411.",
        responses={200: AgedBalanceSerializer, 404: NOT_FOUND},
    )
    def get(self, request, structure: str):
        aged = receivables.aged_balance(self.get_structure())
        return Response(AgedBalanceSerializer(aged).data)


class CustomerStatementView(ReceivablesAPIView):
    renderer_classes = [renderers.JSONRenderer, PdfRenderer]

    @extend_schema(
        summary="Relevé de compte d'un client",
        description="Factures, paiements, rejets, remboursements et avoirs de la période avec le solde courant, "
        "puis les factures restant dues. `?format=pdf` (ou `Accept: application/pdf`) : le relevé en PDF.",
        parameters=[
            OpenApiParameter("from", OpenApiTypes.DATE, description="Début (défaut : 1er janvier de l'année)."),
            OpenApiParameter("to", OpenApiTypes.DATE, description="Fin (défaut : aujourd'hui)."),
            OpenApiParameter("format", str, enum=["json", "pdf"], description="json (défaut) ou pdf."),
        ],
        responses={
            (200, "application/json"): StatementSerializer,
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="Le relevé en PDF."),
            (202, "application/json"): OpenApiResponse(ErrorSerializer, description="PDF en préparation."),
            400: INVALID,
            404: NOT_FOUND,
        },
    )
    def get(self, request, structure: str, customer: str):
        structure_obj = self.get_structure()
        params = StatementInputSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        today = timezone.localdate()
        start = params.validated_data.get("from") or today.replace(month=1, day=1)
        end = params.validated_data.get("to") or today
        statement = receivables.customer_statement(structure_obj, customer[:20], start=start, end=end)
        if statement is None:
            raise Http404
        if request.accepted_renderer.format == "pdf":
            name = pdf_or_queue(receivables.statement_html(statement), folder="customer-statements")
            if name is None:
                response = Response(
                    {"code": "document_pending", "message": _("Le relevé est en préparation : réessayez.")},
                    status=status.HTTP_202_ACCEPTED,
                )
                response["Retry-After"] = "5"
                return response
            return private_stored_response(
                name, filename=f"releve-{structure_obj.slug}-{statement.code}-{end:%Y%m%d}.pdf",
                content_type="application/pdf",
            )  # fmt: skip
        return Response(StatementSerializer(statement).data)

    def finalize_response(self, request, response, *args, **kwargs):
        # Only the file is PDF: a body of data (202, 400, 404) is JSON whatever the client asked for.
        if isinstance(response, Response):
            request.accepted_renderer, request.accepted_media_type = renderers.JSONRenderer(), "application/json"
        return super().finalize_response(request, response, *args, **kwargs)


class InvoicePaymentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    received_on = serializers.DateField()
    method = serializers.ChoiceField(choices=InvoicePaymentMethod.choices)
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    reference = serializers.CharField()
    entry = serializers.CharField(source="entry.reference", help_text="L'écriture de banque (512 / 411).")
    cancelled_at = serializers.DateTimeField(allow_null=True)
    cancel_reason = serializers.CharField()


class InvoicePaymentsSerializer(serializers.Serializer):
    invoice = serializers.CharField(source="invoice.number")
    total = serializers.DecimalField(source="invoice.total_incl", max_digits=14, decimal_places=2)
    remaining = serializers.DecimalField(max_digits=14, decimal_places=2, help_text="Avoirs et règlements déduits.")
    payments = InvoicePaymentSerializer(many=True)


class InvoicePaymentInputSerializer(serializers.Serializer):
    received_on = serializers.DateField(error_messages=DATE_ERRORS, help_text="Jour de réception (AAAA-MM-JJ).")
    amount = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=Decimal("0.01"), help_text="TTC, au centime, au plus le reste dû."
    )
    method = serializers.ChoiceField(choices=InvoicePaymentMethod.choices)
    reference = serializers.CharField(
        max_length=50, required=False, allow_blank=True, default="", help_text="N° du chèque (obligatoire) ou libellé."
    )

    def validate_received_on(self, value):
        if not MIN_DATE <= value <= MAX_DATE:
            raise serializers.ValidationError(_("Date hors de la plage 2000-2099."))
        return value


def _orderless_invoice_or_404(structure, invoice_id: int) -> Invoice:
    if invoice_id > 2**31 - 1:
        raise Http404
    invoice = (
        Invoice.objects.issued()
        .filter(pk=invoice_id, structure=structure, order__isnull=True, kind=InvoiceKind.INVOICE)
        .first()
    )
    if invoice is None:
        raise Http404
    return invoice


def _payments_body(invoice: Invoice) -> dict:
    payments = list(invoice.payments.select_related("entry"))
    return InvoicePaymentsSerializer({"invoice": invoice, "remaining": remaining(invoice), "payments": payments}).data


class InvoicePaymentsView(ReceivablesAPIView):
    @extend_schema(
        summary="Règlements d'une facture sans commande",
        description="Services mutualisés du Collectif, pénalités de retard : le total, le reste dû, les "
        "règlements reçus (virement, chèque), annulés compris.",
        responses={200: InvoicePaymentsSerializer, 404: NOT_FOUND},
    )
    def get(self, request, structure: str, invoice_id: int):
        invoice = _orderless_invoice_or_404(self.get_structure(), invoice_id)
        return Response(_payments_body(invoice))

    @extend_schema(
        summary="Enregistrer le règlement d'une facture sans commande",
        description="Un virement ou un chèque reçu : passé en banque (512 / 411, et 401 / 512 chez une structure "
        "membre), la TVA sur encaissements exigible, la facture lettrée une fois soldée. Refusé (400, rien "
        "d'écrit) au-delà du reste dû, daté avant la facture ou après aujourd'hui, ou dans une période verrouillée.",
        request=InvoicePaymentInputSerializer,
        responses={201: InvoicePaymentsSerializer, 400: INVALID, 404: NOT_FOUND},
    )
    def post(self, request, structure: str, invoice_id: int):
        invoice = _orderless_invoice_or_404(self.get_structure(), invoice_id)
        data = InvoicePaymentInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            record_invoice_payment(invoice=invoice, by=request.user, **data.validated_data)
        except PaymentError as error:
            return Response({"code": error.code, "message": error.message}, status=status.HTTP_400_BAD_REQUEST)
        return Response(_payments_body(invoice), status=status.HTTP_201_CREATED)
