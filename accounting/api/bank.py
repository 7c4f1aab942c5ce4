"""Bank reconciliation over the API: import a statement, list its lines, match one by hand.

Accountants of the structure only; anyone else gets the same 404 as for a structure that does not
exist (`BooksAPIView`). Refusals are JSON: {"code": "invalid_file" | "refused", "message": "…"}.
"""

from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from accounting.actions.bank import import_statement, match_line
from accounting.api.views import INVALID, NOT_FOUND, BooksAPIView
from accounting.bank_formats import MAX_FILE_BYTES
from accounting.exceptions import AccountingError
from accounting.models import BankAccount, BankLine
from hub.api.schema import ErrorSerializer


class StatementInputSerializer(serializers.Serializer):
    file = serializers.FileField(max_length=200, help_text="Le relevé : CAMT.053 (XML) ou OFX, 5 Mo au plus.")
    bank_account = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=2**31 - 1,
        help_text="Identifiant du compte bancaire ; facultatif quand la structure n'en a qu'un.",
    )

    def validate_file(self, upload):
        if upload.size > MAX_FILE_BYTES:
            raise serializers.ValidationError(
                gettext_lazy("Fichier trop volumineux : %(size)s Mo au plus.") % {"size": MAX_FILE_BYTES // 2**20}
            )
        return upload


class StatementOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="statement.pk")
    bank_account = serializers.IntegerField(source="statement.bank_account_id")
    format = serializers.CharField(source="statement.file_format")
    period_start = serializers.DateField(source="statement.period_start")
    period_end = serializers.DateField(source="statement.period_end")
    closing_balance = serializers.DecimalField(
        source="statement.closing_balance", max_digits=14, decimal_places=2, allow_null=True
    )
    already_imported = serializers.BooleanField(help_text="Vrai si ce fichier était déjà importé : rien n'a changé.")
    new_lines = serializers.IntegerField()
    known_lines = serializers.IntegerField(help_text="Opérations déjà importées par un autre relevé.")
    matched = serializers.IntegerField(help_text="Opérations rapprochées automatiquement par cet import.")


class BankLineOutputSerializer(serializers.ModelSerializer):
    matched = serializers.BooleanField(source="is_matched")
    entry_lines = serializers.SerializerMethodField()

    class Meta:
        model = BankLine
        fields = [
            "id",
            "bank_account",
            "transaction_id",
            "booking_date",
            "value_date",
            "amount",
            "label",
            "reference",
            "counterparty",
            "matched",
            "match_kind",
            "lettering_code",
            "matched_at",
            "entry_lines",
        ]

    def get_entry_lines(self, line) -> list[int]:
        return sorted(match.entry_line_id for match in line.bankmatch_set.all())


class BankLinesInputSerializer(serializers.Serializer):
    matched = serializers.BooleanField(required=False, allow_null=True, default=None)


class MatchInputSerializer(serializers.Serializer):
    entry_lines = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
        min_length=1,
        max_length=200,
        help_text="Identifiants des lignes d'écriture (compte 512) que cette opération règle.",
    )


def _refused(error: AccountingError, code: str = "refused") -> Response:
    return Response({"code": code, "message": str(error)}, status=status.HTTP_400_BAD_REQUEST)


class BankStatementView(BooksAPIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        summary="Importer un relevé bancaire",
        description="Fichier CAMT.053 ou OFX (multipart, champ `file`). Le même fichier deux fois ne change rien "
        "(200, `already_imported`) ; un fichier mal formé ou d'un autre compte est refusé entier (400).",
        request={"multipart/form-data": StatementInputSerializer},
        responses={
            201: StatementOutputSerializer,
            200: StatementOutputSerializer,
            400: OpenApiResponse(ErrorSerializer, description="Fichier refusé (code invalid_file) ou invalide."),
            404: NOT_FOUND,
        },
    )
    def post(self, request, structure: str):
        structure_obj = self.get_structure()
        data = StatementInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        accounts = BankAccount.objects.filter(structure=structure_obj)
        if "bank_account" in data.validated_data:
            account = accounts.filter(pk=data.validated_data["bank_account"]).first()
        else:
            found = list(accounts[:2])
            account = found[0] if len(found) == 1 else None
        if account is None:
            raise serializers.ValidationError(
                {"bank_account": [_("Compte bancaire inconnu : précisez l'identifiant d'un compte de la structure.")]}
            )
        upload = data.validated_data["file"]
        try:
            result = import_statement(bank_account=account, data=upload.read(), file_name=upload.name, by=request.user)
        except AccountingError as error:
            return _refused(error, "invalid_file")
        body = StatementOutputSerializer(result).data
        return Response(body, status=status.HTTP_200_OK if result.already_imported else status.HTTP_201_CREATED)


class BankLineListView(BooksAPIView, generics.ListAPIView):
    serializer_class = BankLineOutputSerializer

    @extend_schema(
        summary="Opérations bancaires d'une structure",
        description="Les plus récentes d'abord, 50 par page ; `matched=false` : celles qui restent à rapprocher.",
        parameters=[OpenApiParameter("matched", bool, description="Rapprochées (true) ou non (false).")],
        responses={200: BankLineOutputSerializer(many=True), 400: INVALID, 404: NOT_FOUND},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        structure = self.get_structure()
        params = BankLinesInputSerializer(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        lines = BankLine.objects.filter(bank_account__structure=structure).prefetch_related("bankmatch_set")
        matched = params.validated_data.get("matched")
        if matched is True:
            lines = lines.matched()
        elif matched is False:
            lines = lines.unmatched()
        return lines.order_by("-booking_date", "-pk")


class BankLineMatchView(BooksAPIView):
    @extend_schema(
        summary="Rapprocher une opération bancaire à la main",
        description="Les lignes d'écriture du compte de la banque, non lettrées, dont la somme (débit − crédit) "
        "égale le montant de l'opération ; elles sont lettrées ensemble.",
        request=MatchInputSerializer,
        responses={200: BankLineOutputSerializer, 400: INVALID, 404: NOT_FOUND},
    )
    def post(self, request, structure: str, line_id: int):
        structure_obj = self.get_structure()
        line = BankLine.objects.filter(pk=line_id, bank_account__structure=structure_obj).first()
        if line is None:
            raise Http404
        data = MatchInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            match_line(bank_line=line, entry_line_ids=data.validated_data["entry_lines"], by=request.user)
        except AccountingError as error:
            return _refused(error)
        line = BankLine.objects.prefetch_related("bankmatch_set").get(pk=line.pk)
        return Response(BankLineOutputSerializer(line).data)
