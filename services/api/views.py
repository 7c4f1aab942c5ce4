from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.permissions import AllowAny

from services.api.serializers import OfferingOutputSerializer
from services.enums import Audience, OfferingKind
from services.models import Offering


class OfferingFilterSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=OfferingKind.choices, required=False)
    structure = serializers.SlugField(required=False)
    audience = serializers.ChoiceField(
        choices=[Audience.RESIDENTS, Audience.ORGANISATIONS],
        required=False,
        error_messages={"invalid_choice": _("« {input} » n'est pas un public valide : residents ou organisations.")},
    )
    q = serializers.CharField(required=False, max_length=100)


@extend_schema(
    parameters=[
        OpenApiParameter("kind", enum=OfferingKind.values),
        OpenApiParameter("structure", str, description="slug de la structure vendeuse"),
        OpenApiParameter("audience", enum=[Audience.RESIDENTS, Audience.ORGANISATIONS]),
        OpenApiParameter("q", str, description="recherche plein texte"),
    ]
)
class OfferingListView(generics.ListAPIView):
    """The active catalogue, filterable; public."""

    permission_classes = [AllowAny]
    serializer_class = OfferingOutputSerializer

    def get_queryset(self):
        filters = OfferingFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        # A form would send an empty filter for "any"; the API's filters are absent or valid.
        blank = {name: [_("Valeur vide : omettez ce filtre.")] for name in ("kind", "audience")
                 if self.request.query_params.get(name, None) == ""}  # fmt: skip
        if blank:
            raise serializers.ValidationError(blank)
        data = filters.validated_data
        queryset = Offering.objects.for_catalogue()
        if "kind" in data:
            queryset = queryset.filter(kind=data["kind"])
        if "structure" in data:
            queryset = queryset.filter(structure__slug=data["structure"])
        if "audience" in data:
            queryset = queryset.for_audience(data["audience"])
        return queryset.search(data.get("q", ""))


class OfferingDetailView(generics.RetrieveAPIView):
    permission_classes = [AllowAny]
    serializer_class = OfferingOutputSerializer
    queryset = Offering.objects.for_catalogue()
