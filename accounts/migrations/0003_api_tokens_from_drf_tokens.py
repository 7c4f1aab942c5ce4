"""Tokens made before API tokens expired (DRF's authtoken, now uninstalled) keep working, as
expiring tokens stored by digest; their plain keys are then erased from the old table."""

import hashlib
from datetime import timedelta

from django.conf import settings
from django.db import migrations
from django.utils import timezone

OLD_TABLE = "authtoken_token"


def copy_drf_tokens(apps, schema_editor):
    connection = schema_editor.connection
    if OLD_TABLE not in connection.introspection.table_names():
        return
    ApiToken = apps.get_model("accounts", "ApiToken")
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT key, user_id FROM {OLD_TABLE}")
        rows = cursor.fetchall()
    ApiToken.objects.bulk_create(
        ApiToken(
            user_id=user_id,
            name="Jeton créé avant l'expiration des jetons",
            prefix=key[:12],
            digest=hashlib.sha256(key.encode()).hexdigest(),
            created_at=now,
            expires_at=now + timedelta(days=settings.API_TOKEN_TTL_DAYS),
        )
        for key, user_id in rows
    )
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {OLD_TABLE}")  # no plain secret stays behind


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_api_tokens")]

    operations = [migrations.RunPython(copy_drf_tokens, migrations.RunPython.noop)]
