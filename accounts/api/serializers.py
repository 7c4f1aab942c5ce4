from django.utils import timezone
from rest_framework import serializers

from accounts.models import ApiToken


class ApiTokenOutputSerializer(serializers.ModelSerializer):
    """A token as its owner sees it: never its secret, which is not stored."""

    status = serializers.SerializerMethodField(help_text="active, expired or revoked")

    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "created_at", "expires_at", "last_used_at", "revoked_at", "status"]
        read_only_fields = fields

    def get_status(self, token: ApiToken) -> str:
        if token.is_revoked:
            return "revoked"
        return "expired" if token.is_expired(at=timezone.now()) else "active"
