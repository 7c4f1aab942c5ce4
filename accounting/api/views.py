"""The books over the API: entries, trial balance, FEC. Accountants of the structure only.

Anyone else (another structure's accountant, a supervisor, a resident, an anonymous caller)
gets the same 404 as for a structure that does not exist.
"""

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics
from rest_framework.response import Response
from rest_framework.views import APIView

from accounting import selectors
from accounting.actions import post_vat_return
from accounting.actions.closing import close_year, opening_entry_of
from accounting.api.serializers import (
    EntriesInputSerializer,
    EntryOutputSerializer,
    FecInputSerializer,
    PeriodInputSerializer,
    TrialBalanceOutputSerializer,
    VatPeriodInputSerializer,
    VatReturnOutputSerializer,
    YearCloseOutputSerializer,
)
from accounting.enums import JournalCode
from accounting.exceptions import AccountingError
from accounting.exports import fec_response
from accounting.models import Books, FiscalYear, VatReturn
from accounting.perms import get_structure_or_404
from accounting.vat import Ca3, InvalidPeriod, VatPeriod, check_periodicity, compute_return, parse_period
from hub.api.errors import Refused
from hub.api.schema import ErrorSerializer
from hub.exceptions import DomainError

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


def _refused(error: AccountingError, code: str) -> Refused:
    return Refused(DomainError(str(error), code=code))


def _vat_body(structure, period: VatPeriod, ca3: Ca3 | None, vat_return: VatReturn | None) -> dict:
    figures = vat_return.figures if vat_return is not None else ca3.figures()
    return {
        "structure": structure.slug,
        "period": period.code,
        "start": period.start,
        "end": period.end,
        "posted": vat_return is not None,
        "posted_at": vat_return.posted_at if vat_return else None,
        "entry": vat_return.entry.reference if vat_return and vat_return.entry else None,
        "boxes": figures,
    }


def _liable_structure(view) -> tuple:
    structure = view.get_structure()
    if not structure.is_vat_liable:
        raise Refused(
            DomainError(
                _("%(structure)s n'est pas assujettie à la TVA : elle ne dépose pas de déclaration.")
                % {"structure": structure.name},
                code="not_liable",
            )
        )
    return structure, Books.objects.get(structure=structure)


def _period(code: str, books) -> VatPeriod:
    try:
        period = parse_period(code)
        check_periodicity(books.vat_periodicity, period)
    except InvalidPeriod as error:
        raise Refused(DomainError(str(error), code="invalid_period")) from error
    return period


class VatReturnView(BooksAPIView):
    @extend_schema(
        summary="Déclaration de TVA (CA3) d'une période",
        description="Les cases de la CA3 calculées depuis le grand livre (ou telles que validées). "
        "400 `not_liable` pour une structure non assujettie.",
        parameters=[OpenApiParameter("period", str, required=True, description="AAAA-MM ou AAAA-Qn.")],
        responses={200: VatReturnOutputSerializer, 400: INVALID, 404: NOT_FOUND},
    )
    def get(self, request, structure: str):
        structure_obj, books = _liable_structure(self)
        params = VatPeriodInputSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        period = _period(params.validated_data["period"], books)
        vat_return = (
            VatReturn.objects.select_related("entry").filter(structure=structure_obj, start_date=period.start).first()
        )
        ca3 = None if vat_return else compute_return(structure_obj, period)
        return Response(VatReturnOutputSerializer(_vat_body(structure_obj, period, ca3, vat_return)).data)


class VatReturnPostView(BooksAPIView):
    @extend_schema(
        summary="Valider la déclaration de TVA d'une période",
        description="Passe l'écriture de liquidation (OD) et verrouille la période. Refusée (400) si la "
        "structure n'est pas assujettie, la période pas terminée, la déclaration déjà validée ou la "
        "précédente pas encore.",
        request=None,
        responses={201: VatReturnOutputSerializer, 400: INVALID, 404: NOT_FOUND},
    )
    def post(self, request, structure: str, period: str):
        structure_obj, books = _liable_structure(self)
        vat_period = _period(period, books)
        try:
            vat_return = post_vat_return(structure=structure_obj, period=vat_period, by=request.user)
        except AccountingError as error:
            raise _refused(error, "refused") from error
        body = _vat_body(structure_obj, vat_period, None, vat_return)
        return Response(VatReturnOutputSerializer(body).data, status=201)


class YearCloseView(BooksAPIView):
    @extend_schema(
        summary="Clôturer un exercice",
        description="Clôture l'exercice qui commence l'année `year` et passe les à-nouveaux du suivant. "
        "Refusée (400 `refused`, rien n'est modifié) avant le lendemain de sa clôture, tant qu'une "
        "déclaration de TVA de l'exercice n'est pas validée ou que l'exercice précédent est ouvert.",
        request=None,
        responses={200: YearCloseOutputSerializer, 400: INVALID, 404: NOT_FOUND},
    )
    def post(self, request, structure: str, year: int):
        structure_obj = self.get_structure()
        fiscal_year = FiscalYear.objects.filter(structure=structure_obj, start_date__year=year).first()
        if fiscal_year is None:
            raise Http404
        try:
            fiscal_year = close_year(fiscal_year=fiscal_year, by=request.user)
        except AccountingError as error:
            raise _refused(error, "refused") from error
        following = (
            FiscalYear.objects.filter(structure=structure_obj, start_date__gt=fiscal_year.end_date)
            .order_by("start_date")
            .first()
        )
        opening = opening_entry_of(following) if following else None
        body = {
            "structure": structure_obj.slug,
            "year": fiscal_year.name,
            "closed": fiscal_year.is_closed,
            "closed_at": fiscal_year.closed_at,
            "opening_entry": opening.reference if opening else None,
        }
        return Response(YearCloseOutputSerializer(body).data)
