"""The impact figures over the API: `GET /api/v1/impact/summary/?year=YYYY[&month=M][&structure=slug]` for hub
admins (the whole hub without `structure`) and a structure's managers and accountants (their structure);
`GET /api/v1/impact/public/?year=YYYY` for anyone: the public report, counts of people under five hidden."""

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from hub.api.schema import INVALID, NOT_FOUND
from hub.models import Structure
from hub.params import MAX_YEAR, MIN_YEAR
from impact import figures, perms


class SummaryQuerySerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=MIN_YEAR, max_value=MAX_YEAR)
    month = serializers.IntegerField(min_value=1, max_value=12, required=False)
    structure = serializers.SlugField(max_length=60, required=False)


class PublicQuerySerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=MIN_YEAR, max_value=MAX_YEAR)

    def validate_year(self, value: int) -> int:
        if value > timezone.localdate().year:
            raise serializers.ValidationError(_("Le rapport d'une année à venir n'existe pas encore."))
        return value


ACTIVITY_HELP = "Par activité (type d'offre : basket, laundry, home_service, goods, mobility, training ; other)."


class FteSerializer(serializers.Serializer):
    planned = serializers.DecimalField(max_digits=12, decimal_places=2, help_text="ETP prévus (contrats).")
    done = serializers.DecimalField(max_digits=12, decimal_places=2, help_text="ETP réalisés (heures validées).")
    planned_hours = serializers.DecimalField(max_digits=12, decimal_places=2)
    done_hours = serializers.DecimalField(max_digits=12, decimal_places=2)


class PeopleSerializer(serializers.Serializer):
    entries = serializers.IntegerField(help_text="Premier contrat commencé dans la période.")
    exits = serializers.IntegerField(help_text="Contrat fini dans la période, sans contrat suivant.")
    present = serializers.IntegerField(help_text="Sous contrat le dernier jour de la période.")
    exit_categories = serializers.DictField(
        child=serializers.IntegerField(),
        help_text="Sorties enregistrées dans la période, par catégorie : durable, transitional, positive, other, "
        "unknown, withdrawn (retirées du calcul des taux).",
    )
    durable_rate = serializers.DecimalField(
        max_digits=4, decimal_places=1, allow_null=True, help_text="Sorties en emploi durable, en % (null sans sortie)."
    )
    dynamic_rate = serializers.DecimalField(
        max_digits=4, decimal_places=1, allow_null=True,
        help_text="Sorties dynamiques (durable, transition, positive), en % (null sans sortie).",
    )  # fmt: skip


class CustomersSerializer(serializers.Serializer):
    households = serializers.IntegerField()
    organisations = serializers.IntegerField()
    solidarity_households = serializers.IntegerField()
    solidarity_share = serializers.DecimalField(max_digits=5, decimal_places=1, allow_null=True, help_text="En %.")


class ActivitySerializer(serializers.Serializer):
    baskets = serializers.IntegerField()
    laundry_kg = serializers.DecimalField(max_digits=12, decimal_places=2)
    visit_hours = serializers.DecimalField(max_digits=12, decimal_places=2)
    transport_km = serializers.DecimalField(max_digits=12, decimal_places=2)


class SummarySerializer(serializers.Serializer):
    year = serializers.IntegerField(source="period.year")
    month = serializers.IntegerField(source="period.month", allow_null=True)
    structure = serializers.SerializerMethodField()
    revenue = serializers.DictField(
        child=serializers.DecimalField(max_digits=12, decimal_places=2), help_text=f"CA HT. {ACTIVITY_HELP}"
    )
    revenue_total = serializers.DecimalField(max_digits=12, decimal_places=2)
    hours = serializers.DictField(
        child=serializers.DecimalField(max_digits=12, decimal_places=2), help_text=f"Heures validées. {ACTIVITY_HELP}"
    )
    hours_total = serializers.DecimalField(max_digits=12, decimal_places=2)
    revenue_per_hour = serializers.DictField(
        child=serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True),
        help_text="CA HT par heure d'insertion, par activité et « total » (null sans heure).",
    )
    fte = FteSerializer()
    people = PeopleSerializer()
    customers = CustomersSerializer()
    activity = ActivitySerializer()

    def get_structure(self, summary) -> str | None:
        return summary.structure.slug if summary.structure else None


class PublicSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    revenue = serializers.DictField(child=serializers.DecimalField(max_digits=12, decimal_places=2))
    revenue_total = serializers.DecimalField(max_digits=12, decimal_places=2)
    hours = serializers.DictField(
        child=serializers.DecimalField(max_digits=12, decimal_places=2), allow_null=True, help_text="null : masqué."
    )
    hours_total = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    fte_done = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    entries = serializers.IntegerField(allow_null=True)
    exits = serializers.IntegerField(allow_null=True)
    present = serializers.IntegerField(allow_null=True)
    durable_rate = serializers.DecimalField(max_digits=4, decimal_places=1, allow_null=True)
    dynamic_rate = serializers.DecimalField(max_digits=4, decimal_places=1, allow_null=True)
    households = serializers.IntegerField(allow_null=True)
    organisations = serializers.IntegerField(allow_null=True)
    solidarity_households = serializers.IntegerField(allow_null=True)
    solidarity_share = serializers.DecimalField(max_digits=5, decimal_places=1, allow_null=True)
    activity = ActivitySerializer()
    hidden = serializers.ListField(
        child=serializers.CharField(), help_text="Les chiffres masqués (moins de 5 personnes, ou qui le révéleraient)."
    )


class ImpactReadersOnly(IsAuthenticated):
    """Signed in; the view answers 404 to whoever reads no figures of the structure asked for."""

    answers_not_found = True


@extend_schema(
    summary="Chiffres d'impact d'une année ou d'un mois",
    description="Chiffre d'affaires HT et heures d'insertion validées par activité, CA par heure, ETP prévus et "
    "réalisés, personnes en insertion (entrées, sorties, présentes), clients servis (ménages, organisations, part "
    "au tarif solidaire), paniers livrés, kilos de linge, heures d'intervention à domicile, kilomètres de "
    "transport solidaire. Sans `structure` : tout le pôle (administrateur·ices du pôle seulement). 404 pour une "
    "structure qui n'est pas la sienne ; 400 pour une année, un mois ou une structure mal écrits.",
    parameters=[
        OpenApiParameter("year", int, required=True, description=f"Année ({MIN_YEAR}–{MAX_YEAR})."),
        OpenApiParameter("month", int, description="Mois (1–12) ; sans : l'année entière."),
        OpenApiParameter("structure", str, description="Slug d'une structure (sans : tout le pôle)."),
    ],
    responses={200: SummarySerializer, 400: INVALID, 404: NOT_FOUND},
)
class SummaryView(APIView):
    permission_classes = [ImpactReadersOnly]

    def get(self, request):
        params = SummaryQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        slug = params.validated_data.get("structure")
        if slug is None:
            if not perms.can_view_hub_impact(request.user):
                raise Http404
            structure = None
        else:
            structure = Structure.objects.filter(slug=slug).first()
            if structure is None or not perms.can_view_impact(request.user, structure):
                raise Http404
        period = figures.Period(params.validated_data["year"], params.validated_data.get("month"))
        return Response(SummarySerializer(figures.summary(period, structure)).data)


@extend_schema(
    summary="Rapport d'activité public d'une année",
    description="Les chiffres de l'année pour tout le pôle, sans donnée personnelle : tout nombre de personnes "
    "inférieur à 5 est masqué (null, et nommé dans `hidden`), avec ce qui permettrait de le retrouver.",
    parameters=[OpenApiParameter("year", int, required=True, description="Année écoulée ou en cours.")],
    responses={200: PublicSerializer, 400: INVALID},
    auth=[],
)
class PublicView(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []

    def get(self, request):
        params = PublicQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        return Response(PublicSerializer(figures.public_report(params.validated_data["year"])).data)
