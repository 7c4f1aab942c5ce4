from rest_framework import serializers

from bookings.enums import LaundryStep
from bookings.models import Booking
from hub.enums import Frequency
from hub.models import Site
from marketplace.enums import PaymentMethod
from marketplace.models.fields import BILLING_ADDRESS_MAX_LENGTH


class AvailabilityQuerySerializer(serializers.Serializer):
    offering = serializers.IntegerField()
    start = serializers.DateField()
    end = serializers.DateField()

    def to_internal_value(self, data):
        # `from` is a Python keyword: the query string names map onto start/end.
        return super().to_internal_value(
            {"offering": data.get("offering"), "start": data.get("from"), "end": data.get("to")}
        )


class SlotOutputSerializer(serializers.Serializer):
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    capacity = serializers.DecimalField(max_digits=8, decimal_places=2)
    remaining = serializers.DecimalField(max_digits=8, decimal_places=2)


class BookingInputSerializer(serializers.Serializer):
    offering = serializers.IntegerField()
    starts_at = serializers.DateTimeField()
    quantity = serializers.DecimalField(max_digits=10, decimal_places=3, min_value=0)
    payment_method = serializers.ChoiceField(choices=PaymentMethod.choices)
    organisation = serializers.SlugField(required=False, allow_null=True, default=None)
    pickup_point = serializers.SlugField(required=False, allow_null=True, default=None)
    billing_address = serializers.CharField(
        max_length=BILLING_ADDRESS_MAX_LENGTH, required=False, allow_blank=True, default=""
    )
    address = serializers.CharField(max_length=BILLING_ADDRESS_MAX_LENGTH, required=False, allow_blank=True, default="")
    postcode = serializers.CharField(max_length=5, required=False, allow_blank=True, default="")
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    frequency = serializers.ChoiceField(choices=Frequency.choices, required=False, allow_null=True, default=None)


class RescheduleInputSerializer(serializers.Serializer):
    starts_at = serializers.DateTimeField()


class BookingOutputSerializer(serializers.ModelSerializer):
    offering = serializers.CharField(source="offering.slug")
    offering_name = serializers.CharField(source="offering.name")
    organisation = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    resource = serializers.CharField(source="resource.name", default=None, allow_null=True)
    order = serializers.CharField(source="order_line.order.reference", default=None, allow_null=True)
    laundry_step = serializers.ChoiceField(choices=LaundryStep.choices, read_only=True, allow_blank=True)
    free_cancellation_until = serializers.DateTimeField()

    class Meta:
        model = Booking
        fields = ["id", "offering", "offering_name", "organisation", "resource", "starts_at", "ends_at", "quantity",
                  "final_quantity", "status", "laundry_step", "hold_expires_at", "free_cancellation_until", "order",
                  "series"]  # fmt: skip
        read_only_fields = fields


class PickupPointOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Site
        fields = ["slug", "name", "address_line1", "postcode", "city", "capacity", "opening_hours"]
        read_only_fields = fields
