"""Demo books: every structure of the demo hub gets its chart, journals and current fiscal year."""

import datetime

from django.db import transaction
from django.utils import timezone

from accounting.actions import setup_books
from accounting.models import Account, FiscalYear, Journal
from hub.models import Structure


@transaction.atomic
def seed_demo() -> dict[str, int]:
    # After the structures exist, so each chart gets one 467 per other structure.
    # The demo's history starts four weeks back: the fiscal year must cover it (the sales open the
    # following year themselves when they reach it).
    since = timezone.localdate() - datetime.timedelta(days=60)
    for structure in Structure.objects.order_by("pk"):
        setup_books(structure=structure, on=since)
    return {
        "comptes": Account.objects.count(),
        "journaux": Journal.objects.count(),
        "exercices comptables": FiscalYear.objects.count(),
    }
