"""The client's own tax certificates over the API (`GET /api/v1/sap/certificates/`)."""

from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.permissions import IsAuthenticated

from sap.models import TaxCertificate


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
