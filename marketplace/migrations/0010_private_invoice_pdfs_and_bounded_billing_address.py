"""Invoice PDFs move to the private storage (outside MEDIA_ROOT); an order's billing address gets a bound.

Cached PDFs are moved, not dropped: a PDF already sent is the original (it prints the seller's
identity as it was then), so it is kept as is. One whose file is gone is rendered again on demand.
Other renders of its invoices left under MEDIA_ROOT/invoices/ (a first view rendered twice) are deleted.
An address longer than the bound (only an abuse makes one) is cut before the constraint is added.
"""

import django.core.validators
import django.db.models.functions.text
import django.db.models.lookups
from django.conf import settings
from django.db import migrations, models
from django.db.models.functions import Length

import hub.storage

BILLING_ADDRESS_MAX_LENGTH = 600


def move_cached_pdfs_to_private_storage(apps, schema_editor):
    from django.core.files.storage import storages

    from hub.storage import private_storage

    public, private = storages["default"], private_storage()
    Invoice = apps.get_model("marketplace", "Invoice")
    for pk, name in Invoice.objects.exclude(pdf="").values_list("pk", "pdf").iterator():
        if private.exists(name):
            pass  # moved by an earlier run
        elif public.exists(name):
            with public.open(name, "rb") as cached:
                stored = private.save(name, cached)
            if stored != name:
                Invoice.objects.filter(pk=pk).update(pdf=stored)
        else:
            Invoice.objects.filter(pk=pk).update(pdf="")  # rendered again on first demand
        if public.exists(name):
            public.delete(name)
    # Other renders of this database's invoices (`<number>_<suffix>.pdf`, a first view rendered twice)
    # are deleted; files of numbers this database does not hold (another database sharing MEDIA_ROOT,
    # e.g. the test suite's next to the demo's) are not its to touch.
    numbers = set(Invoice.objects.exclude(number="").values_list("number", flat=True))
    if numbers and public.exists("invoices"):
        for leftover in public.listdir("invoices")[1]:
            stem = leftover.removesuffix(".pdf")
            if stem in numbers or stem.rsplit("_", 1)[0] in numbers:
                public.delete(f"invoices/{leftover}")


def cut_over_long_billing_addresses(apps, schema_editor):
    Order = apps.get_model("marketplace", "Order")
    too_long = Order.objects.annotate(length=Length("billing_address")).filter(length__gt=BILLING_ADDRESS_MAX_LENGTH)
    for pk, address in too_long.values_list("pk", "billing_address"):
        Order.objects.filter(pk=pk).update(billing_address=address[:BILLING_ADDRESS_MAX_LENGTH])


class Migration(migrations.Migration):
    dependencies = [
        ("hub", "0001_initial"),
        ("marketplace", "0009_advance_orders_and_deposit_invoices"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="invoice",
            name="buyer_address",
            field=models.TextField(
                max_length=600,
                validators=[django.core.validators.MaxLengthValidator(600)],
                verbose_name="adresse du client",
            ),
        ),
        migrations.AlterField(
            model_name="invoice",
            name="pdf",
            field=models.FileField(blank=True, storage=hub.storage.private_storage, upload_to="invoices/"),
        ),
        migrations.RunPython(move_cached_pdfs_to_private_storage, migrations.RunPython.noop, elidable=True),
        migrations.RunPython(cut_over_long_billing_addresses, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name="order",
            name="billing_address",
            field=models.TextField(
                max_length=600,
                validators=[django.core.validators.MaxLengthValidator(600)],
                verbose_name="adresse de facturation",
            ),
        ),
        migrations.AddConstraint(
            model_name="order",
            constraint=models.CheckConstraint(
                condition=django.db.models.lookups.LessThanOrEqual(
                    django.db.models.functions.text.Length("billing_address"), 600
                ),
                name="marketplace_order_billing_address_length",
                violation_error_message="L'adresse de facturation est trop longue.",
            ),
        ),
    ]
