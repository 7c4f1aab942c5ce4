import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from accounting.actions import post_document
from accounting.exceptions import ImmutableEntry
from accounting.models import Entry, EntryLine
from tests.accounting.factories import DocumentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry(structure):
    return post_document(DocumentFactory(structure=structure, label="Facture d'origine"))


def _snapshot(entry):
    return (
        Entry.objects.filter(pk=entry.pk).values().get(),
        list(EntryLine.objects.filter(entry=entry).order_by("position").values()),
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("label", "Autre libellé"),
        ("date", datetime.date(2025, 3, 11)),
        ("number", 99),
        ("reference", "VE-2025-000099"),
        ("piece_ref", "AUTRE"),
        ("validation_date", datetime.date(2020, 1, 1)),
    ],
)
def test_saving_a_changed_entry_is_refused(entry, field, value):
    before = _snapshot(entry)
    setattr(entry, field, value)
    with pytest.raises(ImmutableEntry):
        entry.save()
    assert _snapshot(entry) == before


def test_saving_an_unchanged_entry_writes_nothing(entry, django_assert_num_queries):
    with django_assert_num_queries(1):  # the comparison with the stored row
        entry.save()


@pytest.mark.parametrize(
    ("field", "value"),
    [("debit", Decimal("121.00")), ("label", "Autre"), ("auxiliary_code", "C9999"), ("position", 9)],
)
def test_saving_a_changed_line_is_refused(entry, field, value):
    before = _snapshot(entry)
    line = entry.lines.get(position=1)
    setattr(line, field, value)
    with pytest.raises(ImmutableEntry):
        line.save()
    assert _snapshot(entry) == before


def test_a_line_may_change_its_account_only_by_reversal(entry, structure):
    before = _snapshot(entry)
    line = entry.lines.get(position=2)
    line.account = structure.accounts.get(code="707")
    with pytest.raises(ImmutableEntry):
        line.save()
    assert _snapshot(entry) == before


def test_the_lettering_of_a_line_may_change(entry):
    line = entry.lines.get(position=1)
    line.lettering_code = "AAA"
    line.lettering_date = datetime.date(2025, 4, 1)
    line.save()
    line.refresh_from_db()
    assert (line.lettering_code, line.lettering_date) == ("AAA", datetime.date(2025, 4, 1))


def test_deleting_is_refused(entry):
    before = _snapshot(entry)
    with pytest.raises(ImmutableEntry):
        entry.delete()
    with pytest.raises(ImmutableEntry):
        entry.lines.first().delete()
    with pytest.raises(ImmutableEntry):
        Entry.objects.filter(pk=entry.pk).delete()
    with pytest.raises(ImmutableEntry):
        EntryLine.objects.filter(entry=entry).delete()
    assert _snapshot(entry) == before


def test_queryset_updates_of_protected_fields_are_refused(entry):
    before = _snapshot(entry)
    with pytest.raises(ImmutableEntry):
        Entry.objects.filter(pk=entry.pk).update(label="Autre")
    with pytest.raises(ImmutableEntry):
        EntryLine.objects.filter(entry=entry).update(debit=Decimal("1.00"))
    with pytest.raises(ImmutableEntry):
        EntryLine.objects.filter(entry=entry).update(lettering_code="AAB", credit=Decimal("1.00"))
    assert _snapshot(entry) == before


def test_queryset_update_of_the_lettering_is_allowed(entry):
    assert (
        EntryLine.objects.filter(entry=entry, position=1).update(
            lettering_code="AAB", lettering_date=datetime.date(2025, 5, 1)
        )
        == 1
    )
    assert entry.lines.get(position=1).lettering_code == "AAB"


def test_a_line_with_both_debit_and_credit_is_refused_by_the_database(entry):
    line = EntryLine(entry=entry, position=9, account=entry.lines.first().account, debit=1, credit=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        line.save()
    assert entry.lines.count() == 3


@pytest.mark.postgres
class TestPostgresTrigger:
    """Raw SQL bypasses the model layer: the trigger of migration 0002 still refuses."""

    def _raw(self, sql, params):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)

    def test_raw_update_of_an_amount_is_refused(self, entry):
        before = _snapshot(entry)
        with pytest.raises(IntegrityError, match="seul le lettrage"):
            self._raw("UPDATE accounting_entryline SET debit = debit + 1 WHERE entry_id = %s", [entry.pk])
        assert _snapshot(entry) == before

    def test_raw_update_of_an_entry_is_refused(self, entry):
        before = _snapshot(entry)
        with pytest.raises(IntegrityError, match="modification interdite"):
            self._raw("UPDATE accounting_entry SET label = 'Autre' WHERE id = %s", [entry.pk])
        assert _snapshot(entry) == before

    def test_raw_delete_is_refused(self, entry):
        before = _snapshot(entry)
        with pytest.raises(IntegrityError, match="suppression interdite"):
            self._raw("DELETE FROM accounting_entryline WHERE entry_id = %s", [entry.pk])
        with pytest.raises(IntegrityError, match="suppression interdite"):
            self._raw("DELETE FROM accounting_entry WHERE id = %s", [entry.pk])
        assert _snapshot(entry) == before

    def test_raw_update_of_the_lettering_is_allowed(self, entry):
        self._raw(
            "UPDATE accounting_entryline SET lettering_code = 'ZZZ', lettering_date = '2025-06-01' WHERE entry_id = %s",
            [entry.pk],
        )
        assert set(entry.lines.values_list("lettering_code", flat=True)) == {"ZZZ"}

    def test_a_line_slipped_into_a_posted_entry_is_refused(self, entry):
        before = _snapshot(entry)
        account_id = entry.lines.get(position=2).account_id
        with pytest.raises(IntegrityError, match="déséquilibrée"):
            self._raw(
                "INSERT INTO accounting_entryline (entry_id, position, account_id, debit, credit, label, "
                "auxiliary_code, auxiliary_name, lettering_code) VALUES (%s, 4, %s, 0, 5, '', '', '', '')",
                [entry.pk, account_id],
            )
        assert _snapshot(entry) == before

    def test_the_model_layer_cannot_unbalance_an_entry_either(self, entry):
        line = EntryLine(entry=entry, position=4, account=entry.lines.get(position=2).account, credit=Decimal("5.00"))
        with pytest.raises(IntegrityError, match="déséquilibrée"), transaction.atomic():
            line.save()
        assert entry.lines.count() == 3
