import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounting.models import Entry
from tests.accounts.factories import UserFactory
from tests.hub.factories import StructureFactory, StructureRoleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def jardins(db):
    """A structure whose books are open for 2026, the year of the entries below."""
    return StructureFactory(books=datetime.date(2026, 1, 1))


def _post(client, lines, *, slug, token="tok-1", date="2026-11-20"):
    data = {"token": token, "date": date, "piece_ref": "OD-REG-1", "label": "Régularisation caisse",
            "lignes-TOTAL_FORMS": str(len(lines)), "lignes-INITIAL_FORMS": "0",
            "lignes-MIN_NUM_FORMS": "2", "lignes-MAX_NUM_FORMS": "30"}  # fmt: skip
    for index, (account, debit, credit) in enumerate(lines):
        data |= {f"lignes-{index}-account": account, f"lignes-{index}-debit": debit, f"lignes-{index}-credit": credit}
    return client.post(reverse("accounting:manual_entry", args=[slug]), data)


@pytest.fixture
def accountant(client, jardins):
    client.force_login(StructureRoleFactory(structure=jardins, accountant=True).user)
    return client


def test_balanced_manual_entry_is_posted_once(accountant, jardins):
    response = _post(accountant, [("530", "12.50", ""), ("628", "", "12.50")], slug=jardins.slug)
    assert response.status_code == 302
    entry = Entry.objects.filter(structure=jardins, journal__code="OD").get()
    assert entry.label == "Régularisation caisse"
    assert [(line.account.code, line.debit, line.credit) for line in entry.lines.order_by("position")] == [
        ("530", Decimal("12.50"), Decimal("0")),
        ("628", Decimal("0"), Decimal("12.50")),
    ]
    _post(accountant, [("530", "12.50", ""), ("628", "", "12.50")], slug=jardins.slug)  # the same form sent twice
    assert Entry.objects.filter(structure=jardins, journal__code="OD").count() == 1


def test_unbalanced_entry_is_refused_in_french_and_nothing_is_posted(accountant, jardins):
    before = Entry.objects.count()
    response = _post(accountant, [("530", "12.50", ""), ("628", "", "12.00")], token="tok-2", slug=jardins.slug)
    assert response.status_code == 400
    assert "Écriture déséquilibrée : 12,50\u00a0€ au débit pour 12,00\u00a0€ au crédit." in response.content.decode()
    assert Entry.objects.count() == before


def test_a_line_with_both_sides_is_refused(accountant, jardins):
    before = Entry.objects.count()
    response = _post(accountant, [("530", "5", "5"), ("628", "", "5")], token="tok-3", slug=jardins.slug)
    assert response.status_code == 400
    assert "Chaque ligne porte soit un débit, soit un crédit." in response.content.decode()
    assert Entry.objects.count() == before


def test_only_the_structure_accountant_may_post(client, jardins):
    client.force_login(UserFactory())
    before = Entry.objects.count()
    assert _post(client, [("530", "1", ""), ("628", "", "1")], slug=jardins.slug).status_code == 404
    assert Entry.objects.count() == before


def test_an_entry_dated_after_today_is_refused_in_french_and_nothing_is_posted(accountant, jardins):
    before = Entry.objects.count()
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = _post(
        accountant, [("530", "3", ""), ("628", "", "3")], token="tok-4", slug=jardins.slug, date=tomorrow.isoformat()
    )
    assert response.status_code == 400
    assert (
        f"Une écriture ne peut pas être datée après aujourd&#x27;hui : {tomorrow:%d/%m/%Y} est dans le futur."
        in response.content.decode()
    )
    assert Entry.objects.count() == before
