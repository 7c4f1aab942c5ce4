from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from bookings.actions.booking import billing_for, book, cancel_booking, reschedule_booking
from bookings.actions.laundry import create_recurring_booking
from bookings.api.serializers import (
    AvailabilityQuerySerializer,
    BookingInputSerializer,
    BookingOutputSerializer,
    PickupPointOutputSerializer,
    RescheduleInputSerializer,
    SlotOutputSerializer,
)
from bookings.exceptions import BookingError, NotAllowed
from bookings.models import Booking
from bookings.selectors import available_slots, bookable_offerings
from hub.api.errors import Refused
from hub.api.schema import NOT_FOUND
from hub.models import Organisation, Site


def _bookings(user):
    return Booking.objects.visible_to(user).for_list()


class AvailabilityView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[
            OpenApiParameter("offering", OpenApiTypes.INT, required=True),
            OpenApiParameter("from", OpenApiTypes.DATE, required=True),
            OpenApiParameter("to", OpenApiTypes.DATE, required=True),
        ],
        responses={200: SlotOutputSerializer(many=True), 404: NOT_FOUND},
    )
    def get(self, request):
        query = AvailabilityQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        values = query.validated_data
        offering = get_object_or_404(bookable_offerings(), pk=values["offering"])
        slots = available_slots(offering=offering, start=values["start"], end=values["end"])
        return Response(SlotOutputSerializer(slots, many=True).data)


class BookingListView(generics.ListAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = BookingOutputSerializer

    def get_queryset(self):
        return _bookings(self.request.user).order_by("-starts_at", "-pk")

    @extend_schema(request=BookingInputSerializer, responses={201: BookingOutputSerializer})
    def post(self, request):
        data = BookingInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        offering = bookable_offerings().filter(pk=values["offering"]).first()
        if offering is None:
            raise Refused(BookingError(_("Cette offre ne se réserve pas.")))
        organisation = None
        if values["organisation"]:
            organisation = Organisation.objects.filter(
                slug=values["organisation"], memberships__user=request.user
            ).first()
            if organisation is None:
                raise Refused(NotAllowed(_("Vous n'êtes pas membre de cette organisation.")))
        pickup_point = (
            Site.objects.pickup_points().filter(slug=values["pickup_point"]).first() if values["pickup_point"] else None
        )
        arguments = {
            "user": request.user,
            "offering": offering,
            "quantity": values["quantity"],
            "payment_method": values["payment_method"],
            "billing": billing_for(request.user, organisation, address=values["billing_address"]),
            "organisation": organisation,
            "pickup_point": pickup_point,
        }
        try:
            if values["frequency"]:
                series = create_recurring_booking(
                    first_starts_at=values["starts_at"], frequency=values["frequency"], **arguments
                )
                booking = series.occurrences.order_by("starts_at").first()
            else:
                booking = book(
                    starts_at=values["starts_at"],
                    address=values["address"],
                    postcode=values["postcode"],
                    note=values["note"],
                    **arguments,
                )
        except BookingError as error:
            raise Refused(error) from error
        booking = _bookings(request.user).get(pk=booking.pk)
        return Response(BookingOutputSerializer(booking).data, status=status.HTTP_201_CREATED)


class BookingCancelView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses=BookingOutputSerializer)
    def post(self, request, pk: int):
        booking = get_object_or_404(_bookings(request.user), pk=pk)
        try:
            cancel_booking(booking=booking, by=request.user)
        except BookingError as error:
            raise Refused(error) from error
        return Response(BookingOutputSerializer(_bookings(request.user).get(pk=pk)).data)


class BookingRescheduleView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=RescheduleInputSerializer, responses=BookingOutputSerializer)
    def post(self, request, pk: int):
        booking = get_object_or_404(_bookings(request.user), pk=pk)
        data = RescheduleInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            reschedule_booking(booking=booking, starts_at=data.validated_data["starts_at"], by=request.user)
        except BookingError as error:
            raise Refused(error) from error
        return Response(BookingOutputSerializer(_bookings(request.user).get(pk=pk)).data)


class PickupPointListView(generics.ListAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = PickupPointOutputSerializer
    queryset = Site.objects.pickup_points().order_by("name")
