from rest_framework import serializers

from hub.models import Structure


class StructureOutputSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    # Blank in the model: "" is documented next to the format (a read-only field would lose allow_blank).
    email = serializers.EmailField(read_only=True, allow_blank=True)
    website = serializers.URLField(read_only=True, allow_blank=True)

    class Meta:
        model = Structure
        fields = [
            "slug",
            "name",
            "kind",
            "kind_label",
            "legal_form",
            "description",
            "siret",
            "address_line1",
            "address_line2",
            "postcode",
            "city",
            "email",
            "phone",
            "website",
        ]
        read_only_fields = fields
