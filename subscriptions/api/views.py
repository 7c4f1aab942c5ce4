"""The subscriptions API: thin — parse, check, call one action or selector, answer JSON."""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from hub.api.errors import Refused
from hub.api.schema import CONFLICT
from hub.models import Site
from subscriptions.actions.changes import cancel_subscription, pause_subscription, resume_subscription, skip_delivery
from subscriptions.actions.subscribing import subscribe
from subscriptions.api.serializers import (
    CancelInputSerializer,
    PauseInputSerializer,
    SkipInputSerializer,
    SubscriptionInputSerializer,
    SubscriptionOutputSerializer,
)
from subscriptions.exceptions import PickupPointFull, SubscriptionError
from subscriptions.models import Subscription
from subscriptions.selectors import open_plans, subscriptions_of


class PickupPointFullConflict(Refused):
    status_code = status.HTTP_409_CONFLICT


def _subscription(request, pk: int) -> Subscription:
    """The caller's own subscription (someone else's is a 404, never a 403)."""
    return get_object_or_404(subscriptions_of(request.user), pk=pk)


def _subscription_response(request, pk: int, code=status.HTTP_200_OK) -> Response:
    return Response(SubscriptionOutputSerializer(_subscription(request, pk)).data, status=code)


class SubscriptionListView(generics.ListAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = SubscriptionOutputSerializer

    def get_queryset(self):
        return subscriptions_of(self.request.user)

    @extend_schema(request=SubscriptionInputSerializer, responses={201: SubscriptionOutputSerializer, 409: CONFLICT})
    def post(self, request):
        data = SubscriptionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        plan = open_plans().filter(pk=values["plan"]).first()
        point = Site.objects.pickup_points().filter(slug=values["pickup_point"]).first()
        if plan is None or point is None:
            raise Refused(SubscriptionError(_("Formule ou point de retrait inconnu.")))
        try:
            subscription = subscribe(
                user=request.user,
                plan=plan,
                pickup_point=point,
                start_date=values["start_date"],
                payment_mode=values["payment_mode"],
                season_payment_method=values["season_payment_method"],
            )
        except PickupPointFull as error:
            raise PickupPointFullConflict(error) from error
        except SubscriptionError as error:
            raise Refused(error) from error
        return _subscription_response(request, subscription.pk, status.HTTP_201_CREATED)


class SubscriptionPauseView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=PauseInputSerializer, responses=SubscriptionOutputSerializer)
    def post(self, request, pk: int):
        subscription = _subscription(request, pk)
        data = PauseInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            pause_subscription(subscription=subscription, until=data.validated_data["until"], by=request.user)
        except SubscriptionError as error:
            raise Refused(error) from error
        return _subscription_response(request, pk)


class SubscriptionSkipView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=SkipInputSerializer, responses=SubscriptionOutputSerializer)
    def post(self, request, pk: int):
        subscription = _subscription(request, pk)
        data = SkipInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        delivery = subscription.deliveries.filter(date=data.validated_data["date"]).first()
        if delivery is None:
            raise Refused(SubscriptionError(_("Aucune livraison prévue ce jour-là.")))
        try:
            skip_delivery(delivery=delivery, by=request.user, prepaid_choice=data.validated_data["prepaid_choice"])
        except SubscriptionError as error:
            raise Refused(error) from error
        return _subscription_response(request, pk)


class SubscriptionResumeView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses=SubscriptionOutputSerializer)
    def post(self, request, pk: int):
        try:
            resume_subscription(subscription=_subscription(request, pk), by=request.user)
        except SubscriptionError as error:
            raise Refused(error) from error
        return _subscription_response(request, pk)


class SubscriptionCancelView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=CancelInputSerializer, responses=SubscriptionOutputSerializer)
    def post(self, request, pk: int):
        data = CancelInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            cancel_subscription(
                subscription=_subscription(request, pk),
                by=request.user,
                prepaid_choice=data.validated_data["prepaid_choice"],
            )
        except SubscriptionError as error:
            raise Refused(error) from error
        return _subscription_response(request, pk)
