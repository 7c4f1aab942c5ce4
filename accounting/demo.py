"""Demo books: every structure of the demo hub gets its chart, journals and current fiscal year."""

from django.db import transaction

from accounting.actions import setup_books
from accounting.models import Account, FiscalYear, Journal
from hub.models import Structure


@transaction.atomic
def seed_demo() -> dict[str, int]:
    # After the structures exist, so each chart gets one 467 per other structure.
    for structure in Structure.objects.order_by("pk"):
        setup_books(structure=structure)
    return {
        "comptes": Account.objects.count(),
        "journaux": Journal.objects.count(),
        "exercices comptables": FiscalYear.objects.count(),
    }
