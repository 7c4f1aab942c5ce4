"""The services à la personne over the API: the client's own tax certificates (`GET /api/v1/sap/certificates/`);
for the provider's staff, the immediate advance: a client's registration sent again
(`POST /api/v1/sap/clients/<id>/register/`) and the payment requests (`GET /api/v1/sap/payment-requests/`).
No birth data and no bank account in any response."""

from django.db.models import Prefetch
from django.http import Http404
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from hub.api.errors import Refused
from hub.api.schema import INVALID, NOT_FOUND
from sap import advance, perms
from sap.enums import RequestStatus
from sap.exceptions import SapError
from sap.models import AdvanceClient, PaymentRequest, PaymentRequestEvent, TaxCertificate

MAX_ID = 2**31 - 1


class CertificateSerializer(serializers.ModelSerializer):
    provider = serializers.CharField(source="structure.name")
    pdf = serializers.SerializerMethodField(help_text="Adresse du PDF (session ou jeton du client).")

    class Meta:
        model = TaxCertificate
        fields = [
            "id", "number", "year", "provider", "total_paid", "cesu_amount", "advance_amount", "apa_pch_amount",
            "personal_amount", "hours", "issued_at", "pdf",
        ]  # fmt: skip
        read_only_fields = fields

    def get_pdf(self, certificate) -> str:
        return reverse("sap:certificate_pdf", args=[certificate.pk])


@extend_schema(
    summary="Mes attestations fiscales",
    description="Les attestations fiscales annuelles du client connecté (services à la personne) : ce qu'il a "
    "payé, par source (CESU préfinancés, avance immédiate de l'URSSAF, APA/PCH), et le montant payé "
    "personnellement, à déclarer. Le PDF nomme les intervenant·es : il n'est servi qu'au client et au prestataire.",
)
class CertificateListView(generics.ListAPIView):
    serializer_class = CertificateSerializer
    permission_classes = [IsAuthenticated]

    def get_queryset(self):
        return (
            TaxCertificate.objects.filter(customer=self.request.user)
            .select_related("structure")
            .order_by("-year", "pk")
        )


# --- The immediate advance ------------------------------------------------------------------------------


class AdvanceStaffOnly(IsAuthenticated):
    """Signed in; the view answers 404 to whoever is not staff of the structure concerned."""

    answers_not_found = True  # documented as a 404 in the OpenAPI schema (hub.api.schema)


class AdvanceClientStatusSerializer(serializers.ModelSerializer):
    display_name = serializers.CharField(read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    structure = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = AdvanceClient
        fields = ["id", "display_name", "structure", "status", "status_label", "urssaf_status", "message"]
        read_only_fields = fields


class PaymentRequestEventSerializer(serializers.ModelSerializer):
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = PaymentRequestEvent
        fields = ["at", "status", "status_label", "urssaf_status", "note"]
        read_only_fields = fields


class PaymentRequestSerializer(serializers.ModelSerializer):
    invoice_number = serializers.CharField(source="invoice.number", read_only=True)
    client_name = serializers.CharField(source="client.display_name", read_only=True)
    structure = serializers.CharField(source="client.structure.slug", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    last_message = serializers.CharField(source="message", read_only=True)
    events = PaymentRequestEventSerializer(many=True, read_only=True)

    class Meta:
        model = PaymentRequest
        fields = [
            "id", "invoice_number", "client_name", "structure", "period_start", "period_end", "amount", "status",
            "status_label", "urssaf_status", "last_message", "transfer_amount", "transfer_date", "fallback_at",
            "events",
        ]  # fmt: skip
        read_only_fields = fields


class PaymentRequestFilterSerializer(serializers.Serializer):
    structure = serializers.SlugField(required=False, max_length=50)
    status = serializers.ChoiceField(choices=RequestStatus.choices, required=False)


@extend_schema(
    summary="Renvoyer l'inscription d'un client à l'avance immédiate",
    description="Le personnel de direction du prestataire renvoie à l'URSSAF l'inscription d'un client pas encore "
    "transmise (`to_register`) ou refusée (`refused`) : elle part en tâche de fond (202) ; son état se lit ensuite "
    "sur la page du client. 404 pour un client d'une autre structure ; 400 (`not_resendable`) pour un client "
    "déjà inscrit.",
    request=None,
    responses={202: AdvanceClientStatusSerializer, 400: INVALID, 404: NOT_FOUND},
)
class AdvanceClientRegisterView(APIView):
    permission_classes = [AdvanceStaffOnly]

    def post(self, request, pk: int):
        client = AdvanceClient.objects.select_related("structure").filter(pk=pk).first() if pk <= MAX_ID else None
        if client is None or not perms.can_manage_advance(request.user, client.structure):
            raise Http404
        try:
            client = advance.send_registration_again(client=client, by=request.user)
        except SapError as error:
            raise Refused(error) from error
        return Response(AdvanceClientStatusSerializer(client).data, status=status.HTTP_202_ACCEPTED)


@extend_schema(
    summary="Demandes de paiement de l'avance immédiate",
    description="Les demandes de paiement transmises à l'URSSAF pour les structures que suit la personne "
    "(direction, comptabilité) : facture, client, période, montant, état (et code de l'URSSAF), dernier message, "
    "virement reçu, et l'historique de chaque demande. 404 pour qui ne suit aucune structure ou une structure "
    "qui n'est pas la sienne.",
    parameters=[
        OpenApiParameter("structure", str, description="Slug d'une structure (défaut : toutes les siennes)."),
        OpenApiParameter("status", str, enum=RequestStatus.values, description="État des demandes."),
    ],
    responses={200: PaymentRequestSerializer(many=True), 400: INVALID, 404: NOT_FOUND},
)
class PaymentRequestListView(generics.ListAPIView):
    serializer_class = PaymentRequestSerializer
    permission_classes = [AdvanceStaffOnly]

    def get_queryset(self):
        params = PaymentRequestFilterSerializer(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        structures = perms.structures_with_advance(self.request.user)
        if "structure" in params.validated_data:
            structures = structures.filter(slug=params.validated_data["structure"])
        ids = list(structures.values_list("pk", flat=True))
        if not ids:
            raise Http404
        requests = PaymentRequest.objects.filter(client__structure_id__in=ids)
        if "status" in params.validated_data:
            requests = requests.filter(status=params.validated_data["status"])
        return (
            requests.select_related("invoice", "client__structure")
            .prefetch_related(Prefetch("events", queryset=PaymentRequestEvent.objects.order_by("at", "pk")))
            .order_by("-period_start", "-pk")
        )
