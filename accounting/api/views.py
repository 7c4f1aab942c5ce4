"""The books over the API: entries, trial balance, FEC. Accountants of the structure only.

Anyone else (another structure's accountant, a supervisor, a resident, an anonymous caller)
gets the same 404 as for a structure that does not exist.
"""

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics
from rest_framework.response import Response
from rest_framework.views import APIView

from accounting import selectors
from accounting.api.serializers import (
    EntriesInputSerializer,
    EntryOutputSerializer,
    FecInputSerializer,
    PeriodInputSerializer,
    TrialBalanceOutputSerializer,
)
from accounting.enums import JournalCode
from accounting.exports import fec_response
from accounting.models import FiscalYear
from accounting.perms import get_structure_or_404
from hub.api.schema import ErrorSerializer

NOT_FOUND = OpenApiResponse(ErrorSerializer, description="Structure inconnue ou comptabilité non accessible.")
INVALID = OpenApiResponse(ErrorSerializer, description="Paramètre invalide.")
PERIOD_PARAMETERS = [
    OpenApiParameter(
        "from", OpenApiTypes.DATE, description="Début de période (défaut : début de l'exercice en cours)."
    ),
    OpenApiParameter("to", OpenApiTypes.DATE, description="Fin de période (défaut : fin de l'exercice en cours)."),
]


class BooksAPIView(APIView):
    """Any caller may ask; the object-level check on the structure answers 404 to all but its accountants."""

    permission_classes = []

    def get_structure(self):
        structure = get_structure_or_404(self.request.user, self.kwargs["structure"])
        self.check_object_permissions(self.request, structure)
        return structure

    def get_period(self, structure, data: dict) -> selectors.Period:
        default = selectors.default_period(structure)
        return selectors.Period(data.get("from") or default.start, data.get("to") or default.end)


class EntryListView(BooksAPIView, generics.ListAPIView):
    serializer_class = EntryOutputSerializer

    @extend_schema(
        summary="Écritures d'une structure",
        description="Écritures d'une période (exercice en cours par défaut), avec leurs lignes, 50 par page.",
        parameters=[
            *PERIOD_PARAMETERS,
            OpenApiParameter("journal", str, enum=JournalCode.values, description="Code du journal."),
        ],
        responses={200: EntryOutputSerializer(many=True), 400: INVALID, 404: NOT_FOUND},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        structure = self.get_structure()
        params = EntriesInputSerializer(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        period = self.get_period(structure, params.validated_data)
        return selectors.journal_entries(structure, period, journal_code=params.validated_data.get("journal"))


class TrialBalanceView(BooksAPIView):
    @extend_schema(
        summary="Balance générale d'une structure",
        description="Par compte : total débit, total crédit et solde (débit − crédit) ; totaux équilibrés.",
        parameters=PERIOD_PARAMETERS,
        responses={200: TrialBalanceOutputSerializer, 400: INVALID, 404: NOT_FOUND},
    )
    def get(self, request, structure: str):
        structure_obj = self.get_structure()
        params = PeriodInputSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        period = self.get_period(structure_obj, params.validated_data)
        balance = selectors.trial_balance(structure_obj, period)
        body = {
            "structure": structure_obj.slug,
            "start": period.start,
            "end": period.end,
            "rows": balance.rows,
            "totals": {
                "debit": balance.total_debit,
                "credit": balance.total_credit,
                "debit_balance": balance.total_debit_balance,
                "credit_balance": balance.total_credit_balance,
                "balanced": balance.is_balanced,
            },
        }
        return Response(TrialBalanceOutputSerializer(body).data)


class FecView(BooksAPIView):
    @extend_schema(
        summary="FEC d'un exercice",
        description="Fichier des écritures comptables, nommé <SIREN>FEC<AAAAMMJJ>.txt (date de clôture).",
        parameters=[OpenApiParameter("year", int, required=True, description="Année de début de l'exercice.")],
        responses={
            (200, "text/plain"): OpenApiResponse(OpenApiTypes.BINARY, description="Le FEC, en flux."),
            400: INVALID,
            404: NOT_FOUND,
        },
    )
    def get(self, request, structure: str):
        structure_obj = self.get_structure()
        params = FecInputSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        fiscal_year = (
            FiscalYear.objects.select_related("structure")
            .filter(structure=structure_obj, start_date__year=params.validated_data["year"])
            .first()
        )
        if fiscal_year is None:
            raise Http404
        return fec_response(fiscal_year)
