from rest_framework import serializers

from bookings.enums import Frequency, SubscriptionPaymentMode
from bookings.models import Booking, Delivery, Subscription
from hub.models import Site
from marketplace.enums import PaymentMethod


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
    billing_address = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    address = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    postcode = serializers.CharField(max_length=5, required=False, allow_blank=True, default="")
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    frequency = serializers.ChoiceField(choices=Frequency.choices, required=False, allow_null=True, default=None)


class RescheduleInputSerializer(serializers.Serializer):
    starts_at = serializers.DateTimeField()


class BookingOutputSerializer(serializers.ModelSerializer):
    offering = serializers.CharField(source="offering.slug")
    offering_name = serializers.CharField(source="offering.name")
    organisation = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    resource = serializers.CharField(source="resource.name", default=None)
    order = serializers.CharField(source="order_line.order.reference", default=None)
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


class SubscriptionInputSerializer(serializers.Serializer):
    plan = serializers.IntegerField()
    pickup_point = serializers.SlugField()
    start_date = serializers.DateField()
    # SEPA Direct Debit is not offered yet (see the subscription form).
    payment_mode = serializers.ChoiceField(choices=SubscriptionPaymentMode.choices)


class PauseInputSerializer(serializers.Serializer):
    until = serializers.DateField()


class SkipInputSerializer(serializers.Serializer):
    date = serializers.DateField()


class DeliveryOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Delivery
        fields = ["date", "status", "moved_from"]
        read_only_fields = fields


class SubscriptionOutputSerializer(serializers.ModelSerializer):
    reference = serializers.CharField()
    plan_name = serializers.CharField(source="plan.offering.name")
    size_label = serializers.CharField(source="plan.size_label")
    frequency = serializers.CharField(source="plan.frequency")
    price_per_delivery = serializers.DecimalField(source="plan.price_per_delivery", max_digits=8, decimal_places=2)
    cutoff_days = serializers.IntegerField(source="plan.cutoff_days")
    pickup_point = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    upcoming = DeliveryOutputSerializer(many=True, source="upcoming_deliveries")

    class Meta:
        model = Subscription
        fields = ["id", "reference", "plan", "plan_name", "size_label", "frequency", "price_per_delivery",
                  "cutoff_days", "pickup_point", "start_date", "status", "paused_until", "payment_mode",
                  "upcoming"]  # fmt: skip
        read_only_fields = fields
