from rest_framework import serializers

from services.models import Offering


class OfferingOutputSerializer(serializers.ModelSerializer):
    structure = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    structure_name = serializers.CharField(source="structure.name", read_only=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    unit_label = serializers.CharField(source="get_unit_display", read_only=True)
    price_excl = serializers.DecimalField(max_digits=12, decimal_places=2, read_only=True)
    price_after_tax_credit = serializers.DecimalField(max_digits=12, decimal_places=2, read_only=True, allow_null=True)
    vat_rate = serializers.DecimalField(max_digits=4, decimal_places=2, read_only=True)
    in_stock = serializers.SerializerMethodField()

    class Meta:
        model = Offering
        fields = [
            "id",
            "slug",
            "name",
            "structure",
            "structure_name",
            "kind",
            "kind_label",
            "summary",
            "description",
            "unit",
            "unit_label",
            "audience",
            "price",
            "price_excl",
            "solidarity_price",
            "vat_rate",
            "vat_exemption_mention",
            "sap_eligible",
            "price_after_tax_credit",
            "quantity_measured_later",
            "in_stock",
        ]
        read_only_fields = fields

    def get_in_stock(self, offering: Offering) -> bool | None:
        """None when stock is not tracked; the exact count stays internal."""
        return None if offering.stock is None else offering.stock > 0
