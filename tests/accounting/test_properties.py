"""Property: whatever documents arrive, in whatever order, refused ones included, every entry
balances and each journal's numbers run 1, 2, 3… with no gap."""

import datetime
from collections import defaultdict
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounting.actions import post_document, setup_books
from accounting.documents import DocumentLine
from accounting.exceptions import UnbalancedEntry
from accounting.models import Entry, EntryLine
from tests.accounting.factories import DocumentFactory, StructureFactory

DEBIT_ACCOUNTS = ["411", "512", "530", "5112", "512800", "627", "628"]
CREDIT_ACCOUNTS = ["701", "706", "7061", "707", "445711", "4191", "411"]
amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999.99"), places=2)
documents = st.lists(
    st.tuples(
        st.sampled_from(["VE", "BQ", "CA", "OD", "ST"]),
        st.lists(st.tuples(st.sampled_from(DEBIT_ACCOUNTS), amounts), min_size=1, max_size=4),
        st.sampled_from(CREDIT_ACCOUNTS),
        st.integers(min_value=0, max_value=364),
        st.booleans(),  # spoil it: one cent too much on the credit side
    ),
    min_size=1,
    max_size=10,
)


@pytest.mark.django_db
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(documents=documents)
def test_random_documents_leave_balanced_entries_and_gapless_numbers(documents):
    structure = StructureFactory()
    setup_books(structure=structure, on=datetime.date(2025, 6, 1))
    posted = defaultdict(int)
    for journal, debits, credit_account, day, spoil in documents:
        total = sum((amount for _account, amount in debits), Decimal("0.00"))
        lines = (
            *(DocumentLine(account=account, debit=amount) for account, amount in debits),
            DocumentLine(account=credit_account, credit=total + (Decimal("0.01") if spoil else 0)),
        )
        document = DocumentFactory(
            structure=structure,
            journal=journal,
            date=datetime.date(2025, 1, 1) + datetime.timedelta(days=day),
            lines=lines,
        )
        if spoil:
            with pytest.raises(UnbalancedEntry):
                post_document(document)
        else:
            post_document(document)
            posted[journal] += 1

    for entry in Entry.objects.filter(structure=structure):
        lines = EntryLine.objects.filter(entry=entry)
        assert sum(line.debit for line in lines) == sum(line.credit for line in lines)
    for journal, count in posted.items():
        numbers = list(
            Entry.objects.filter(structure=structure, journal__code=journal)
            .order_by("number")
            .values_list("number", flat=True)
        )
        assert numbers == list(range(1, count + 1))
    assert Entry.objects.filter(structure=structure).count() == sum(posted.values())
