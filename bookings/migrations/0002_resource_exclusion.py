from django.db import migrations

from bookings.db import no_overlapping_resource_use


class Migration(migrations.Migration):
    dependencies = [("bookings", "0001_initial")]

    operations = [no_overlapping_resource_use()]
