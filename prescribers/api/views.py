"""The supports over the API, for social workers: their organisations' supports
(`GET /api/v1/prescribers/supports/`) and opening one (`POST`). 404 for whoever is no social worker;
never a support whose person withdrew their consent."""

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from hub.api.errors import Refused
from hub.api.schema import INVALID, NOT_FOUND
from hub.models import Organisation
from prescribers import actions, perms
from prescribers.enums import SupportGround, SupportStatus
from prescribers.exceptions import SupportError
from prescribers.models import NOTE_MAX_LENGTH, Support


class SocialWorkersOnly(IsAuthenticated):
    """Signed in; the view answers 404 to whoever is not a social worker."""

    answers_not_found = True


class SupportSerializer(serializers.ModelSerializer):
    organisation = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    person_name = serializers.CharField(source="person.get_full_name", read_only=True)
    person_email = serializers.EmailField(source="person.email", read_only=True)
    ground_label = serializers.CharField(source="get_ground_display", read_only=True)
    status = serializers.ChoiceField(choices=SupportStatus.choices, read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Support
        fields = [
            "id", "organisation", "person_name", "person_email", "ground", "ground_label", "note", "starts_on",
            "ends_on", "grants_tier", "tier_until", "status", "status_label", "consent_at", "closed_at",
        ]  # fmt: skip
        read_only_fields = fields


class OpenSupportSerializer(serializers.Serializer):
    organisation = serializers.SlugField(max_length=60, help_text="Slug de l'organisation prescriptrice.")
    email = serializers.EmailField(max_length=254)
    first_name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    last_name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    ground = serializers.ChoiceField(choices=SupportGround.choices)
    note = serializers.CharField(max_length=NOTE_MAX_LENGTH, required=False, allow_blank=True, default="")
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    grant_tier = serializers.BooleanField(required=False, default=False)
    consent_in_writing = serializers.BooleanField(required=False, default=False)


@extend_schema_view(
    get=extend_schema(
        summary="Mes accompagnements",
        description="Les accompagnements des organisations prescriptrices de la personne connectée "
        "(travailleur·se social·e). Jamais ceux dont la personne a retiré son accord. 404 pour qui n'est "
        "travailleur·se social·e d'aucune organisation.",
        responses={200: SupportSerializer(many=True), 404: NOT_FOUND},
    ),
    post=extend_schema(
        summary="Ouvrir un accompagnement",
        description="Un·e travailleur·se social·e ouvre un accompagnement pour une personne trouvée par son "
        "e-mail (invitée à créer son compte si elle n'en a pas : prénom et nom sont alors requis). Il attend "
        "l'accord de la personne, sauf `consent_in_writing`. 400 (`support_refused`) pour un refus : dates hors "
        "bornes (douze mois au plus), accompagnement déjà en cours…",
        request=OpenSupportSerializer,
        responses={201: SupportSerializer, 400: INVALID, 404: NOT_FOUND},
    ),
)
class SupportListView(generics.ListCreateAPIView):
    serializer_class = SupportSerializer
    permission_classes = [SocialWorkersOnly]

    def _organisation_ids(self) -> list[int]:
        ids = perms.social_worker_organisations(self.request.user)
        if not ids:
            raise Http404
        return ids

    def get_queryset(self):
        return (
            Support.objects.for_organisations(self._organisation_ids())
            .with_people()
            .order_by("closed_at", "person__last_name", "pk")
        )

    def create(self, request, *args, **kwargs):
        ids = self._organisation_ids()
        data = OpenSupportSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        organisation = Organisation.objects.filter(pk__in=ids, slug=values.pop("organisation")).first()
        if organisation is None:
            raise serializers.ValidationError({"organisation": [_("Organisation inconnue ou qui n'est pas la vôtre.")]})
        try:
            support = actions.open_support(organisation=organisation, by=request.user, **values)
        except SupportError as error:
            raise Refused(error) from error
        support = Support.objects.with_people().get(pk=support.pk)
        return Response(SupportSerializer(support).data, status=status.HTTP_201_CREATED)
