from rest_framework import serializers

from subscriptions.enums import SubscriptionPaymentMode
from subscriptions.models import Delivery, Subscription


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
