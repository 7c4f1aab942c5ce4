import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounting.actions import setup_books
from accounting.chart import counterpart_account
from accounting.demo import seed_demo
from accounting.enums import JournalCode
from accounting.models import Account, Books, EntryCounter, FiscalYear, Journal
from hub.models import Structure
from tests.accounting.factories import StructureFactory

COMMON_CODES = {
    "110", "119", "120", "129", "401", "411", "4191", "445711", "445712", "445713", "44566", "44587", "512",
    "5112", "5118", "530", "580", "6222", "627", "628", "654", "701", "706", "7061", "7062", "7063", "7064",
    "7065", "7067", "707", "7084", "512800", "512810",
    # purchases (issue 13)
    "2154", "2182", "2183", "2184", "44562", "601", "602", "604", "606", "6061", "6063", "6064", "607", "611",
    "613", "615", "616", "618", "622", "623", "625", "626",
    # The accountant's year: VAT settlement and year-end cut-offs.
    "408", "418", "44551", "44567", "486", "487",
}  # fmt: skip


@pytest.mark.django_db
def test_setup_books_creates_the_chart_journals_year_and_counters():
    other = StructureFactory()
    structure = StructureFactory()

    books = setup_books(structure=structure, on=datetime.date(2025, 6, 1))

    codes = set(Account.objects.filter(structure=structure).values_list("code", flat=True))
    # One 467 per other structure of the hub (not the outside associations whose books the Collectif keeps).
    demo_count = Structure.objects.exclude(pk=structure.pk).of_the_hub().count()
    counterpart_codes = {code for code in codes if code.startswith("467")}
    assert codes - counterpart_codes == COMMON_CODES | {"102"}
    assert len(counterpart_codes) == demo_count
    assert f"467{other.pk:03d}" in counterpart_codes
    assert Account.objects.get(structure=structure, code=f"467{other.pk:03d}").label == f"Compte courant - {other.name}"
    assert Account.objects.get(structure=structure, code="512800").label == "Stripe"
    assert set(Journal.objects.filter(structure=structure).values_list("code", "label")) == {
        ("AN", "À-nouveaux"),
        ("VE", "Ventes"),
        ("AC", "Achats"),
        ("BQ", "Banque"),
        ("ST", "Stripe"),
        ("CA", "Caisse"),
        ("OD", "Opérations diverses"),
    }
    fiscal_year = FiscalYear.objects.get(structure=structure)
    assert (fiscal_year.start_date, fiscal_year.end_date, fiscal_year.is_closed) == (
        datetime.date(2025, 1, 1),
        datetime.date(2025, 12, 31),
        False,
    )
    assert EntryCounter.objects.filter(fiscal_year=fiscal_year).count() == 7
    assert books.fiscal_year_start_month == 1
    assert books.locked_until is None


@pytest.mark.django_db
def test_account_class_is_the_first_digit_of_the_code(structure):
    classes = dict(Account.objects.filter(structure=structure).values_list("code", "account_class"))
    assert classes["102"] == 1
    assert classes["411"] == 4
    assert classes["512800"] == 5
    assert classes["7084"] == 7


@pytest.mark.django_db
def test_a_company_gets_capital_and_an_association_fonds_propres():
    company = StructureFactory(company=True)
    setup_books(structure=company, on=datetime.date(2025, 6, 1))
    codes = set(Account.objects.filter(structure=company).values_list("code", flat=True))
    assert "101" in codes
    assert "102" not in codes
    assert Account.objects.get(structure=company, code="101").label == "Capital"


@pytest.mark.django_db
def test_setup_books_twice_creates_nothing_more(structure):
    counts = (
        Account.objects.count(),
        Journal.objects.count(),
        FiscalYear.objects.count(),
        EntryCounter.objects.count(),
    )
    setup_books(structure=structure, on=datetime.date(2025, 6, 1))
    assert (
        Account.objects.count(),
        Journal.objects.count(),
        FiscalYear.objects.count(),
        EntryCounter.objects.count(),
    ) == counts


@pytest.mark.django_db
def test_setup_books_again_adds_the_467_of_a_new_structure(structure):
    newcomer = StructureFactory()
    setup_books(structure=structure)
    assert Account.objects.filter(structure=structure, code=f"467{newcomer.pk:03d}").count() == 1


@pytest.mark.django_db
def test_a_fiscal_year_starting_in_july(db):
    structure = StructureFactory()  # its books are set up at creation, on the calendar year
    Books.objects.filter(structure=structure).update(fiscal_year_start_month=7)
    setup_books(structure=structure, on=datetime.date(2025, 3, 1))
    fiscal_year = FiscalYear.objects.get(structure=structure)
    assert (fiscal_year.start_date, fiscal_year.end_date, fiscal_year.name) == (
        datetime.date(2024, 7, 1),
        datetime.date(2025, 6, 30),
        "2024-2025",
    )


@pytest.mark.django_db
def test_the_stripe_clearing_account_is_a_setting(settings):
    settings.ACCOUNTING_STRIPE_CLEARING_ACCOUNT = "467900"
    structure = StructureFactory()
    setup_books(structure=structure, on=datetime.date(2025, 6, 1))
    account = Account.objects.get(structure=structure, code="467900")
    assert account.label == "Stripe"
    assert not Account.objects.filter(structure=structure, code="512800").exists()


@pytest.mark.django_db
def test_an_account_code_must_start_with_three_pcg_digits(structure):
    with pytest.raises(IntegrityError), transaction.atomic():
        Account.objects.create(structure=structure, code="9ZZ", label="Hors PCG")
    assert not Account.objects.filter(code="9ZZ").exists()


@pytest.mark.django_db
def test_demo_books_cover_every_structure(demo_hub):
    counts = seed_demo()
    structures = Structure.objects.of_the_hub().count()
    assert counts["journaux"] == Journal.objects.count()
    assert Journal.objects.filter(structure__in=demo_hub).count() == 7 * demo_hub.count()
    collectif = Structure.objects.collective()
    assert Account.objects.filter(structure=collectif, code__startswith="467").count() == structures - 1
    assert Account.objects.filter(structure__slug="comptoir-equitable", code="101").exists()
    assert Account.objects.filter(structure__slug="jardins-du-pole", code="102").exists()
    assert counts["comptes"] == Account.objects.count()
    # Each structure's current year, and its closed 2025 before it.
    assert FiscalYear.objects.filter(structure__in=demo_hub).count() == 2 * demo_hub.count()
    assert set(FiscalYear.objects.filter(is_closed=True, structure__in=demo_hub).values_list("structure__slug", flat=True)) == set(
        demo_hub.values_list("slug", flat=True))  # fmt: skip


def test_money_fields_are_decimal_with_two_places():
    from accounting.models import EntryLine

    for name in ("debit", "credit"):
        field = EntryLine._meta.get_field(name)
        assert (field.max_digits, field.decimal_places) == (12, 2)
        assert field.to_python("1.5") == Decimal("1.5")


@pytest.mark.django_db
def test_a_new_structure_has_its_books_and_the_others_its_counterpart_account():
    existing = StructureFactory()

    created = StructureFactory()

    today = timezone.localdate()
    assert Books.objects.filter(structure=created).count() == 1
    assert sorted(Journal.objects.filter(structure=created).values_list("code", flat=True)) == sorted(
        JournalCode.values
    )
    year = FiscalYear.objects.get(structure=created)
    assert year.start_date <= today <= year.end_date
    assert EntryCounter.objects.filter(fiscal_year=year).count() == len(JournalCode.values)
    assert Account.objects.filter(structure=created, code="411").exists()
    assert Account.objects.filter(structure=existing, code=counterpart_account(created)[0]).count() == 1
    assert Account.objects.filter(structure=created, code=counterpart_account(existing)[0]).count() == 1


@pytest.mark.django_db
def test_books_opened_at_creation_move_back_to_an_earlier_start_only_before_any_entry():
    structure = StructureFactory()

    setup_books(structure=structure, on=datetime.date(2025, 3, 1))

    assert list(FiscalYear.objects.filter(structure=structure).values_list("start_date", "end_date")) == [
        (datetime.date(2025, 1, 1), datetime.date(2025, 12, 31))
    ]
