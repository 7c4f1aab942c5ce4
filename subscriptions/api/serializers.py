from rest_framework import serializers

from marketplace.enums import PaymentMethod
from subscriptions.enums import SEASON_PAYMENT_METHODS, PrepaidCreditChoice, SubscriptionPaymentMode
from subscriptions.models import Delivery, Subscription


class SubscriptionInputSerializer(serializers.Serializer):
    plan = serializers.IntegerField()
    pickup_point = serializers.SlugField()
    start_date = serializers.DateField()
    # SEPA Direct Debit is not offered yet (see the subscription form).
    payment_mode = serializers.ChoiceField(choices=SubscriptionPaymentMode.choices)
    # A prepaid season: how its order is paid (card on the order's pay page, or at the pickup point).
    season_payment_method = serializers.ChoiceField(choices=SEASON_PAYMENT_METHODS, default=PaymentMethod.CARD)


class PauseInputSerializer(serializers.Serializer):
    until = serializers.DateField()


class SkipInputSerializer(serializers.Serializer):
    date = serializers.DateField()
    # Prepaid baskets only: credited, then kept for the next season (default) or paid back.
    prepaid_choice = serializers.ChoiceField(choices=PrepaidCreditChoice.choices, default=PrepaidCreditChoice.CREDIT)


class CancelInputSerializer(serializers.Serializer):
    # Prepaid baskets not delivered: credited, then paid back (default) or kept for the next season.
    prepaid_choice = serializers.ChoiceField(choices=PrepaidCreditChoice.choices, default=PrepaidCreditChoice.REFUND)


class SeasonOutputSerializer(serializers.Serializer):
    order = serializers.CharField(source="order.reference")
    payment_status = serializers.CharField(source="order.payment_status")
    baskets = serializers.IntegerField()
    amount = serializers.DecimalField(source="amount_incl", max_digits=8, decimal_places=2)
    delivered = serializers.IntegerField()
    credited = serializers.IntegerField()
    credit_kept = serializers.DecimalField(max_digits=8, decimal_places=2)


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
    seasons = SeasonOutputSerializer(many=True, source="advances.all")

    class Meta:
        model = Subscription
        fields = ["id", "reference", "plan", "plan_name", "size_label", "frequency", "price_per_delivery",
                  "cutoff_days", "pickup_point", "start_date", "status", "paused_until", "payment_mode",
                  "upcoming", "seasons"]  # fmt: skip
        read_only_fields = fields
