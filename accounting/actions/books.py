"""Setting a structure's books up: chart of accounts, journals, counters, the first fiscal year."""

import calendar
import datetime

from django.db import transaction
from django.utils import timezone

from accounting.chart import chart_for
from accounting.documents import clean_text
from accounting.enums import JournalCode
from accounting.models import Account, Books, Entry, EntryCounter, FiscalYear, Journal
from hub.models import Structure

# Journal labels are data of the legal record (JournalLib of the FEC): French, whatever the
# language of whoever sets the books up.
JOURNAL_LABELS = {
    JournalCode.OPENING: "À-nouveaux",
    JournalCode.SALES: "Ventes",
    JournalCode.PURCHASES: "Achats",
    JournalCode.BANK: "Banque",
    JournalCode.STRIPE: "Stripe",
    JournalCode.CASH: "Caisse",
    JournalCode.MISC: "Opérations diverses",
}


def _add_months(date: datetime.date, months: int) -> datetime.date:
    month_index = date.month - 1 + months
    year, month = date.year + month_index // 12, month_index % 12 + 1
    return date.replace(year=year, month=month, day=min(date.day, calendar.monthrange(year, month)[1]))


def fiscal_year_bounds(*, start_month: int, year: int) -> tuple[datetime.date, datetime.date]:
    """A fiscal year named after the calendar year it starts in, twelve months long."""
    start = datetime.date(year, start_month, 1)
    return start, _add_months(start, 12) - datetime.timedelta(days=1)


@transaction.atomic
def setup_books(*, structure: Structure, on: datetime.date | None = None) -> Books:
    """Create what a structure's books need, and only what is missing (safe to call again).

    The chart of DOMAIN.md rule 11 (with one 467 account per other structure of the hub, so
    calling it for every structure after a new one appears adds the missing 467), the seven
    journals, the fiscal year covering `on` (today by default) if the structure has none, and
    one numbering counter per journal and fiscal year.
    """
    books, _created = Books.objects.get_or_create(structure=structure)

    existing_codes = set(Account.objects.filter(structure=structure).values_list("code", flat=True))
    counterparts = Structure.objects.exclude(pk=structure.pk).only("pk", "name", "kind")
    Account.objects.bulk_create(
        [
            Account(structure=structure, code=code, label=clean_text(label))
            for code, label in chart_for(structure, counterparts)
            if code not in existing_codes
        ]
    )

    existing_journals = set(Journal.objects.filter(structure=structure).values_list("code", flat=True))
    Journal.objects.bulk_create(
        [
            Journal(structure=structure, code=code, label=JOURNAL_LABELS[code])
            for code in JournalCode
            if code not in existing_journals
        ]
    )

    on = on or timezone.localdate()
    years = FiscalYear.objects.filter(structure=structure)
    if not years.covering(on).exists() and not Entry.objects.filter(structure=structure).exists():
        # Before any entry is posted, the books may still start elsewhere: at creation they open on
        # the current year; a structure whose history is recorded from an earlier day opens there.
        if on < (years.order_by("start_date").values_list("start_date", flat=True).first() or on):
            EntryCounter.objects.filter(fiscal_year__structure=structure).delete()
            years.delete()
        if not years.exists():
            year = on.year if on.month >= books.fiscal_year_start_month else on.year - 1
            start, end = fiscal_year_bounds(start_month=books.fiscal_year_start_month, year=year)
            FiscalYear.objects.create(structure=structure, start_date=start, end_date=end)
    ensure_counters(structure)
    return books


def ensure_counters(structure: Structure) -> None:
    existing = set(
        EntryCounter.objects.filter(journal__structure=structure).values_list("fiscal_year_id", "journal_id")
    )
    EntryCounter.objects.bulk_create(
        [
            EntryCounter(fiscal_year_id=fiscal_year_id, journal_id=journal_id)
            for fiscal_year_id in FiscalYear.objects.filter(structure=structure).values_list("pk", flat=True)
            for journal_id in Journal.objects.filter(structure=structure).values_list("pk", flat=True)
            if (fiscal_year_id, journal_id) not in existing
        ],
        ignore_conflicts=True,
    )


def ensure_account(*, structure: Structure, code: str, label: str) -> Account:
    """A sub-account of the structure's chart, added when first needed (idempotent), e.g. 7638 for the
    late-payment penalties a seller invoices."""
    account, _created = Account.objects.get_or_create(structure=structure, code=code, defaults={"label": label})
    return account
