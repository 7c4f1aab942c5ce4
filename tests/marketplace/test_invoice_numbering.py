"""Invoice numbers follow issue dates (DOMAIN.md rule 8, ADR 0009): an invoice is dated the day its number
is taken; within a (structure, year) series, number order is date order, and an issue dated before the
series' last invoice is refused without writing anything."""

import datetime
from collections import defaultdict
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounting.models import Entry
from hub.models import Structure
from marketplace.actions import invoicing
from marketplace.enums import InvoiceKind
from marketplace.exceptions import BackdatedInvoice
from marketplace.models import Invoice, InvoiceSequence, Order
from tests.concurrency import run_in_threads
from tests.hub.factories import StructureFactory
from tests.marketplace.factories import order_for, resident
from tests.marketplace.invoice_factories import Line, draft_invoice


def structure(slug: str) -> Structure:
    """A structure of the demo hub (these tests check the demo's own invoice series too)."""
    return Structure.objects.get(slug=slug)


pytestmark = pytest.mark.django_db

BASKET = Line("Panier de légumes — moyen", Decimal("1"), Decimal("17.00"), Decimal("5.50"), revenue_account="701")


def noon(days: int) -> datetime.datetime:
    """Noon in Paris, `days` days after a day ten days ago: nothing is issued (nor booked) after today,
    so the tests that need several days in order replay them in the recent past, on a new series."""
    day = timezone.localdate() - datetime.timedelta(days=10) + datetime.timedelta(days=days)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))


@pytest.fixture
def fresh(db) -> Structure:
    """A market garden whose invoice series is still empty, its books open since January 2025."""
    return StructureFactory(name="Jardin neuf", invoice_prefix="NEU", books=datetime.date(2025, 1, 1))


def new_draft(customer=None, seller=None) -> Invoice:
    return draft_invoice(
        seller or structure("jardins-du-pole"),
        [BASKET],
        customer=customer or resident(),
        buyer_name="Camille Martin",
        buyer_address="4 rue des Tilleuls",
    )


def series(structure: Structure) -> dict[int, list[tuple[int, datetime.date]]]:
    """{year: [(sequence, issue date), …] in number order} of a structure's issued invoices."""
    by_year = defaultdict(list)
    issued = Invoice.objects.issued().filter(structure=structure).order_by("year", "sequence")
    for year, sequence, issue_date in issued.values_list("year", "sequence", "issue_date"):
        by_year[year].append((sequence, issue_date))
    return dict(by_year)


def assert_numbered_in_date_order(structure: Structure) -> None:
    for year, rows in series(structure).items():
        sequences, dates = [s for s, _ in rows], [d for _, d in rows]
        assert sequences == list(range(1, len(rows) + 1)), (structure.invoice_prefix, year)
        assert dates == sorted(dates), (structure.invoice_prefix, year, rows)
        assert {d.year for d in dates} == {year}


def test_the_issue_date_is_the_day_the_number_is_taken(demo_hub):
    invoice = invoicing.issue(new_draft())
    assert invoice.issue_date == timezone.localdate()
    assert invoice.year == timezone.localdate().year
    assert invoice.number == f"JAR-{invoice.year}-{invoice.sequence:05d}"


def test_sequential_issues_are_numbered_in_date_order(fresh):
    moments = [noon(0), noon(0), noon(1), noon(3)]
    invoices = [invoicing.issue(new_draft(seller=fresh), at=at) for at in moments]
    assert [i.issue_date for i in invoices] == [timezone.localdate(at) for at in moments]
    assert sorted(invoices, key=lambda i: (i.year, i.sequence)) == invoices
    assert_numbered_in_date_order(fresh)


def test_an_earlier_hour_of_the_same_day_keeps_the_date_order(fresh):
    later = invoicing.issue(new_draft(seller=fresh), at=noon(1) + datetime.timedelta(hours=5))
    earlier = invoicing.issue(new_draft(seller=fresh), at=noon(1) - datetime.timedelta(hours=3))
    assert (earlier.issue_date, earlier.sequence) == (later.issue_date, later.sequence + 1)


def test_a_backdated_issue_is_refused_and_writes_nothing(fresh):
    jardins = fresh
    last = invoicing.issue(new_draft(seller=fresh), at=noon(2))
    draft = new_draft(seller=fresh)
    counter = InvoiceSequence.objects.get(structure=jardins, year=last.year).last_number
    invoices = list(Invoice.objects.filter(structure=jardins).order_by("pk").values())
    entries = Entry.objects.filter(structure=jardins).count()

    with pytest.raises(BackdatedInvoice) as excinfo:
        invoicing.issue(draft, at=noon(1))

    assert excinfo.value.message == (
        f"Facture non émise : la série NEU-{last.year} a déjà une facture du {noon(2):%d/%m/%Y} ; une facture ne "
        f"peut être datée d'avant ({noon(1):%d/%m/%Y}), ses numéros suivent l'ordre des dates."
    )
    assert InvoiceSequence.objects.get(structure=jardins, year=last.year).last_number == counter
    assert list(Invoice.objects.filter(structure=jardins).order_by("pk").values()) == invoices
    assert Entry.objects.filter(structure=jardins).count() == entries
    draft.refresh_from_db()
    assert (draft.number, draft.sequence, draft.issue_date) == ("", None, None)


def test_a_backdated_order_is_not_placed_at_all(demo_hub):
    order_for(resident(), {"panier-moyen-format": "1"})  # invoiced today
    orders, invoices, entries = Order.objects.count(), Invoice.objects.count(), Entry.objects.count()

    with pytest.raises(BackdatedInvoice):
        order_for(resident(), {"panier-moyen-format": "1"}, at=noon(-1))

    assert (Order.objects.count(), Invoice.objects.count(), Entry.objects.count()) == (orders, invoices, entries)


def test_a_credit_note_is_not_backdated_either(fresh):
    invoice = invoicing.issue(new_draft(seller=fresh), at=noon(0))
    line = invoice.lines.get()
    invoicing.issue(new_draft(seller=fresh), at=noon(2))
    with pytest.raises(BackdatedInvoice):
        invoicing.issue_credit_note(invoice=invoice, amounts={line.pk: Decimal("8.50")}, at=noon(1))
    assert not Invoice.objects.filter(credited_invoice=invoice).exists()
    credit_note = invoicing.issue_credit_note(invoice=invoice, amounts={line.pk: Decimal("8.50")}, at=noon(2))
    assert (credit_note.kind, credit_note.issue_date) == (InvoiceKind.CREDIT_NOTE, noon(2).date())


def test_each_year_has_its_own_series(fresh):
    """A series is (structure, year): January's first invoice does not wait for the last December one."""
    year = timezone.localdate().year
    december = invoicing.issue(new_draft(seller=fresh), at=datetime.datetime(year - 1, 12, 30, 10, tzinfo=datetime.UTC))
    first = invoicing.issue(new_draft(seller=fresh), at=datetime.datetime(year, 1, 4, 10, tzinfo=datetime.UTC))
    assert (first.number, first.issue_date) == (f"NEU-{year}-00001", datetime.date(year, 1, 4))
    last_december = invoicing.issue(
        new_draft(seller=fresh), at=datetime.datetime(year - 1, 12, 31, 10, tzinfo=datetime.UTC)
    )
    assert (december.number, last_december.number) == (f"NEU-{year - 1}-00001", f"NEU-{year - 1}-00002")
    with pytest.raises(BackdatedInvoice):
        invoicing.issue(new_draft(seller=fresh), at=datetime.datetime(year, 1, 3, 10, tzinfo=datetime.UTC))


def test_the_demo_hub_is_numbered_in_date_order(demo_hub):
    """Every series of the seeded demo, weighed lines and credit notes included, sorted by number, is
    sorted by date; and no invoice is dated before its order was placed."""
    for seller in demo_hub:
        assert_numbered_in_date_order(seller)
    issued = Invoice.objects.issued().filter(order__isnull=False).select_related("order")
    assert all(i.issue_date >= timezone.localdate(i.order.placed_at) for i in issued)
    # The demo's weighed lines are invoiced the day after their order: dated then, not back-dated.
    assert any(i.issue_date > timezone.localdate(i.order.placed_at) for i in issued.filter(kind=InvoiceKind.INVOICE))
    assert issued.filter(kind=InvoiceKind.CREDIT_NOTE).count() >= 3
    assert sum(len(rows) for seller in demo_hub for rows in series(seller).values()) >= 25


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_issues_keep_numbers_in_date_order(demo_hub, fresh):
    """Eight issuers at once with moments on four days in a row: whatever the order they get the lock,
    the accepted invoices are gapless and in date order, and the others are refused as back-dated."""
    jardins = fresh
    before, drafts = series(jardins), Invoice.objects.filter(structure=jardins).drafts().count()
    customer = resident()

    def issue(index: int):
        with transaction.atomic():
            return invoicing.issue(new_draft(customer, seller=fresh), at=noon(1 + index % 4))

    results = run_in_threads(8, issue)

    issued = [r for r in results if isinstance(r, Invoice)]
    refused = [r for r in results if isinstance(r, BackdatedInvoice)]
    assert len(issued) + len(refused) == 8, results
    assert issued
    assert sum(len(rows) for rows in series(jardins).values()) == sum(len(rows) for rows in before.values()) + len(
        issued
    )
    assert_numbered_in_date_order(jardins)
    # A refused issuer rolled back its whole transaction, draft included.
    assert Invoice.objects.filter(structure=jardins).drafts().count() == drafts


@pytest.mark.postgres
def test_the_database_refuses_an_issue_out_of_date_order(fresh):
    """The trigger checks the neighbours of a number, whoever writes it (here an ORM update of drafts)."""
    jardins = fresh
    last = invoicing.issue(new_draft(seller=fresh), at=noon(2))

    def force_issue(draft: Invoice, sequence: int, day: datetime.date) -> None:
        with transaction.atomic():
            Invoice.objects.drafts().filter(pk=draft.pk).update(
                number=f"NEU-{last.year}-{sequence:05d}",
                year=last.year,
                sequence=sequence,
                issue_date=day,
                issued_at=timezone.make_aware(datetime.datetime.combine(day, datetime.time(12))),
            )

    with pytest.raises(IntegrityError, match="la facture précédente de la série est du"):
        force_issue(new_draft(seller=fresh), last.sequence + 1, last.issue_date - datetime.timedelta(days=1))
    force_issue(new_draft(seller=fresh), last.sequence + 2, last.issue_date)
    with pytest.raises(IntegrityError, match="la facture suivante de la série est du"):
        force_issue(new_draft(seller=fresh), last.sequence + 1, last.issue_date + datetime.timedelta(days=1))
    assert list(
        Invoice.objects.issued().filter(structure=jardins, sequence__gt=last.sequence).values_list("sequence")
    ) == [(last.sequence + 2,)]
