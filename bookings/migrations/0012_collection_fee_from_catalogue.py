"""The laundry's « Collecte et livraison » offering becomes a line of the laundry booking itself.

Each laundry structure that sells a laundry offering priced per delivery gets it as its collection fee,
and that offering stops being bookable on its own (its opening rules go): an organisation books its
laundry once, collected and delivered at its address. Bookings already made of the fee offering stay as
they are (they were paid and planned that way).
"""

from django.db import migrations


def forwards(apps, schema_editor):
    Offering = apps.get_model("services", "Offering")
    CollectionFee = apps.get_model("bookings", "CollectionFee")
    OpeningRule = apps.get_model("bookings", "OpeningRule")
    fees = Offering.objects.filter(kind="laundry", unit="delivery", is_active=True).order_by("structure_id", "pk")
    for fee in fees:
        CollectionFee.objects.get_or_create(structure_id=fee.structure_id, defaults={"fee_offering": fee})
    OpeningRule.objects.filter(offering__in=CollectionFee.objects.values("fee_offering")).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0011_laundry_collection_at_address"),
        ("services", "0002_bounded_free_text"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
