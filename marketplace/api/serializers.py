from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from marketplace.enums import PaymentMethod
from marketplace.models import Invoice, Order, OrderLine
from marketplace.models.fields import BILLING_ADDRESS_MAX_LENGTH, BILLING_NAME_MAX_LENGTH


class CartLineOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="item.pk")
    offering = serializers.IntegerField(source="item.offering_id")
    name = serializers.CharField(source="item.offering.name")
    structure = serializers.CharField(source="item.offering.structure.slug")
    unit = serializers.CharField(source="item.offering.unit")
    quantity = serializers.DecimalField(source="item.quantity", max_digits=10, decimal_places=3)
    unit_price = serializers.DecimalField(max_digits=12, decimal_places=2)
    total_incl = serializers.DecimalField(max_digits=12, decimal_places=2)
    total_excl = serializers.DecimalField(max_digits=12, decimal_places=2)
    total_vat = serializers.DecimalField(max_digits=12, decimal_places=2)
    problem = serializers.CharField()


class CartOutputSerializer(serializers.Serializer):
    lines = CartLineOutputSerializer(many=True)
    total_incl = serializers.DecimalField(max_digits=12, decimal_places=2)
    total_excl = serializers.DecimalField(max_digits=12, decimal_places=2)
    total_vat = serializers.DecimalField(max_digits=12, decimal_places=2)
    solidarity = serializers.BooleanField()


class CartItemInputSerializer(serializers.Serializer):
    offering = serializers.IntegerField()
    quantity = serializers.CharField(max_length=20)


class CartItemUpdateInputSerializer(serializers.Serializer):
    quantity = serializers.CharField(max_length=20)


class CheckoutInputSerializer(serializers.Serializer):
    payment_method = serializers.ChoiceField(choices=PaymentMethod.choices)
    billing_name = serializers.CharField(
        max_length=BILLING_NAME_MAX_LENGTH, required=False, allow_blank=True, default=""
    )
    billing_address = serializers.CharField(max_length=BILLING_ADDRESS_MAX_LENGTH)
    organisation = serializers.SlugField(required=False, allow_null=True, default=None)
    pickup_point = serializers.SlugField(required=False, allow_null=True, default=None)
    purchase_order_number = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    accept_terms = serializers.BooleanField(
        help_text="The customer accepted the terms of sale (page /pages/cgv/); must be true, as on the website."
    )

    def validate_accept_terms(self, value: bool) -> bool:
        if not value:
            raise serializers.ValidationError(_("Acceptez les conditions générales de vente pour commander."))
        return value


class OrderLineOutputSerializer(serializers.ModelSerializer):
    seller = serializers.CharField(source="seller.slug")

    class Meta:
        model = OrderLine
        fields = ["name", "seller", "unit", "quantity", "final_quantity", "unit_price", "vat_rate",
                  "total_excl", "total_vat", "total_incl", "refunded_amount"]  # fmt: skip
        read_only_fields = fields


class OrderOutputSerializer(serializers.ModelSerializer):
    organisation = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    pickup_point = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    lines = OrderLineOutputSerializer(many=True, read_only=True)

    class Meta:
        model = Order
        fields = ["reference", "organisation", "fulfilment_status", "payment_status", "payment_method",
                  "pickup_point", "purchase_order_number", "billing_name", "total_excl", "total_vat",
                  "total_incl", "amount_refunded", "placed_at", "confirmed_at", "paid_at", "lines"]  # fmt: skip
        read_only_fields = fields


class OrderListOutputSerializer(OrderOutputSerializer):
    class Meta(OrderOutputSerializer.Meta):
        fields = [f for f in OrderOutputSerializer.Meta.fields if f != "lines"]
        read_only_fields = fields


class InvoiceOutputSerializer(serializers.ModelSerializer):
    structure = serializers.CharField(source="structure.slug")
    pdf_url = serializers.SerializerMethodField()

    class Meta:
        model = Invoice
        fields = [
            "number",
            "kind",
            "structure",
            "issue_date",
            "due_date",
            "total_excl",
            "total_vat",
            "total_incl",
            "pdf_url",
        ]
        read_only_fields = fields

    def get_pdf_url(self, invoice: Invoice) -> str:
        from django.urls import reverse

        request = self.context.get("request")
        path = reverse("marketplace:invoice_pdf", args=[invoice.number])
        return request.build_absolute_uri(path) if request else path


class CheckoutOutputSerializer(serializers.Serializer):
    order = OrderOutputSerializer()
    client_secret = serializers.CharField(allow_null=True)
