"""Books set up before these accounts joined the chart get them (setup_books adds them to new ones)."""

from django.conf import settings
from django.db import migrations

ACCOUNTS = (
    ("44566", "TVA sur autres biens et services"),
    ("6222", "Commissions et courtages sur ventes"),
    ("654", "Pertes sur créances irrécouvrables"),
    ("7067", "Prestations de services - Commissions de la plateforme"),
)


def add_accounts(apps, schema_editor):
    Account = apps.get_model("accounting", "Account")
    Books = apps.get_model("accounting", "Books")
    sepa = (getattr(settings, "ACCOUNTING_STRIPE_SEPA_CLEARING_ACCOUNT", "512810"), "Stripe prélèvements SEPA")
    for structure_id in Books.objects.values_list("structure_id", flat=True):
        existing = set(Account.objects.filter(structure_id=structure_id).values_list("code", flat=True))
        Account.objects.bulk_create(
            Account(structure_id=structure_id, code=code, label=label)
            for code, label in (*ACCOUNTS, sepa)
            if code not in existing
        )


class Migration(migrations.Migration):
    dependencies = [("accounting", "0002_immutable_entries_trigger")]

    operations = [migrations.RunPython(add_accounts, migrations.RunPython.noop)]
