"""Matching bank lines to the 512 entry lines: by reference first, by amount and date only when
nothing else fits, never a guess; by hand; every match lettered on the 512 account."""

import datetime
from decimal import Decimal

import pytest

from accounting.actions import letter_lines
from accounting.actions.bank import auto_match, import_statement, match_line, post_bank_line_entry, unmatch_line
from accounting.exceptions import BankMatchError
from accounting.models import Account, BankLine, BankMatch, EntryLine
from tests.accounting.bank_helpers import camt, make_bank_account, post_512
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db

D = Decimal
MARCH = datetime.date(2025, 3, 1)


def day(n: int) -> datetime.date:
    return MARCH + datetime.timedelta(days=n - 1)


@pytest.fixture
def bank_account(structure):
    return make_bank_account(structure)


def load(bank_account, rows):
    """Import a statement of (id, day, amount, label[, reference]) without matching it yet."""
    import_statement(bank_account=bank_account, data=camt(rows), match=False)
    return {line.transaction_id: line for line in BankLine.objects.filter(bank_account=bank_account)}


def matches(bank_account) -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    for line in BankLine.objects.filter(bank_account=bank_account).order_by("transaction_id"):
        found[line.transaction_id] = sorted(
            BankMatch.objects.filter(bank_line=line).values_list("entry_line_id", flat=True)
        )
    return found


def test_the_reference_wins_over_the_nearest_date(bank_account, structure):
    near = post_512(structure, "180.50", day(6), "po_OTHERPAYOUT")
    referenced = post_512(structure, "180.50", day(1), "po_1QxA2b3C4d5E6f")
    load(bank_account, [("B1", day(7), "180.50", "VIR STRIPE po_1QxA2b3C4d5E6f")])

    assert auto_match(bank_account=bank_account) == 1

    assert matches(bank_account) == {"B1": [referenced.pk]}
    near.refresh_from_db()
    assert near.lettering_code == ""


def test_a_reference_in_the_bank_reference_field_counts_too(bank_account, structure):
    slip = post_512(structure, "120.00", day(10), "REM-7", journal="BQ")
    load(bank_account, [("B1", day(12), "120.00", "REMISE", "REM-7")])

    assert auto_match(bank_account=bank_account) == 1
    assert matches(bank_account) == {"B1": [slip.pk]}


def test_equal_amounts_without_reference_are_left_to_a_person(bank_account, structure):
    post_512(structure, "50.00", day(10), "CMD-A")
    post_512(structure, "50.00", day(11), "CMD-B")
    load(bank_account, [("B1", day(12), "50.00", "VIR DIVERS")])

    assert auto_match(bank_account=bank_account) == 0
    assert matches(bank_account) == {"B1": []}
    assert (
        EntryLine.objects.filter(entry__structure=structure, account__code="512").exclude(lettering_code="").count()
        == 0
    )


def test_two_bank_lines_for_one_item_are_left_to_a_person(bank_account, structure):
    post_512(structure, "50.00", day(10), "CMD-A")
    load(bank_account, [("B1", day(11), "50.00", "VIR DUPONT"), ("B2", day(12), "50.00", "VIR DURAND")])

    assert auto_match(bank_account=bank_account) == 0


def test_a_single_candidate_within_the_week_is_matched_outside_it_is_not(bank_account, structure):
    inside = post_512(structure, "42.00", day(1), "CMD-IN")
    post_512(structure, "43.00", day(1), "CMD-OUT")
    load(bank_account, [("B1", day(8), "42.00", "VIR SEPA"), ("B2", day(9), "43.00", "VIR SEPA")])

    assert auto_match(bank_account=bank_account) == 1
    assert matches(bank_account) == {"B1": [inside.pk], "B2": []}


def test_a_reference_reaches_a_month_back(bank_account, structure):
    item = post_512(structure, "43.00", day(1), "CMD-OLD")
    load(bank_account, [("B1", day(30), "43.00", "VIR SEPA CMD-OLD")])

    assert auto_match(bank_account=bank_account) == 1
    assert matches(bank_account) == {"B1": [item.pk]}


def test_money_out_matches_credits_of_512(bank_account, structure):
    paid = post_512(structure, "-73.00", day(19), "FA-2025-118", journal="BQ")
    load(bank_account, [("B1", day(20), "-73.00", "PRLV GRAINES FA-2025-118")])

    assert auto_match(bank_account=bank_account) == 1
    assert matches(bank_account) == {"B1": [paid.pk]}


def test_a_batch_sharing_one_reference_is_matched_whole(bank_account, structure):
    first = post_512(structure, "30.00", day(3), "SEPA-2025-03")
    second = post_512(structure, "45.00", day(3), "SEPA-2025-03")
    load(bank_account, [("B1", day(5), "75.00", "REMISE PRLV SEPA-2025-03")])

    assert auto_match(bank_account=bank_account) == 1

    assert matches(bank_account) == {"B1": sorted([first.pk, second.pk])}
    codes = set(EntryLine.objects.filter(pk__in=[first.pk, second.pk]).values_list("lettering_code", flat=True))
    assert codes == {BankLine.objects.get(bank_account=bank_account).lettering_code}


def test_matched_lines_are_lettered_on_512_with_the_bank_lines_code(bank_account, structure):
    a = post_512(structure, "10.00", day(2), "po_A")
    b = post_512(structure, "20.00", day(2), "po_B")
    load(bank_account, [("B1", day(4), "10.00", "po_A"), ("B2", day(4), "20.00", "po_B")])

    auto_match(bank_account=bank_account)

    lines = {line.transaction_id: line for line in BankLine.objects.filter(bank_account=bank_account)}
    a.refresh_from_db()
    b.refresh_from_db()
    assert sorted([a.lettering_code, b.lettering_code]) == ["AAA", "AAB"]
    assert (lines["B1"].lettering_code, lines["B2"].lettering_code) == (a.lettering_code, b.lettering_code)
    assert a.lettering_date is not None
    assert (lines["B1"].match_kind, lines["B1"].matched_at is not None) == ("auto", True)
    account = Account.objects.get(structure=structure, code="512")
    assert account.lettering_counter == 2
    # Ordinary lettering on the same account takes the next code.
    c = post_512(structure, "5.00", day(5), "X1")
    d = post_512(structure, "-5.00", day(5), "X2")
    assert letter_lines(lines=[c, d]) == "AAC"


def test_a_second_run_matches_nothing_more(bank_account, structure):
    post_512(structure, "10.00", day(2), "po_A")
    load(bank_account, [("B1", day(4), "10.00", "po_A")])
    assert auto_match(bank_account=bank_account) == 1
    assert auto_match(bank_account=bank_account) == 0
    assert BankMatch.objects.filter(bank_line__bank_account=bank_account).count() == 1


def test_import_matches_at_once(bank_account, structure):
    post_512(structure, "10.00", day(2), "po_A")
    result = import_statement(bank_account=bank_account, data=camt([("B1", day(4), "10.00", "po_A")]))
    assert result.matched == 1


# --- by hand -----------------------------------------------------------------------------------------


def test_match_by_hand_two_lines_adding_up(bank_account, structure):
    accountant = UserFactory()
    a = post_512(structure, "50.00", day(10), "CMD-A")
    b = post_512(structure, "25.00", day(11), "CMD-B")
    lines = load(bank_account, [("B1", day(12), "75.00", "VIR DUPONT")])

    code = match_line(bank_line=lines["B1"], entry_line_ids=[a.pk, b.pk], by=accountant)

    line = BankLine.objects.get(pk=lines["B1"].pk)
    assert (line.match_kind, line.matched_by, line.lettering_code) == ("manual", accountant, code)
    assert set(EntryLine.objects.filter(pk__in=[a.pk, b.pk]).values_list("lettering_code", flat=True)) == {code}


@pytest.mark.parametrize("case", ["amount", "other_account", "lettered", "empty"])
def test_a_wrong_match_by_hand_is_refused_and_changes_nothing(bank_account, structure, case):
    item = post_512(structure, "50.00", day(10), "CMD-A")
    lines = load(bank_account, [("B1", day(12), "75.00" if case == "amount" else "50.00", "VIR")])
    ids = [item.pk]
    message = "Les montants ne correspondent pas : 50,00\xa0€ en comptabilité pour 75,00\xa0€ à la banque."
    if case == "other_account":
        ids = [item.entry.lines.get(account__code="512800").pk]
        message = "Ces lignes d'écriture ne sont pas toutes sur le compte de cette banque."
    elif case == "lettered":
        other = post_512(structure, "-50.00", day(10), "CMD-B")
        letter_lines(lines=[item, other])
        message = "Une de ces lignes d'écriture est déjà lettrée ou rapprochée."
    elif case == "empty":
        ids = []
        message = "Choisissez au moins une ligne d'écriture."

    with pytest.raises(BankMatchError, match=message):
        match_line(bank_line=lines["B1"], entry_line_ids=ids)

    line = BankLine.objects.get(pk=lines["B1"].pk)
    assert (line.match_kind, line.lettering_code, line.matched_at) == ("", "", None)
    assert not BankMatch.objects.filter(bank_line=line).exists()


def test_a_matched_line_cannot_be_matched_again(bank_account, structure):
    a = post_512(structure, "50.00", day(10), "CMD-A")
    b = post_512(structure, "50.00", day(10), "CMD-B")
    lines = load(bank_account, [("B1", day(12), "50.00", "VIR")])
    match_line(bank_line=lines["B1"], entry_line_ids=[a.pk])

    with pytest.raises(BankMatchError, match="déjà rapprochée"):
        match_line(bank_line=lines["B1"], entry_line_ids=[b.pk])
    assert matches(bank_account) == {"B1": [a.pk]}


def test_unmatch_clears_both_sides_and_the_line_can_be_matched_again(bank_account, structure):
    item = post_512(structure, "10.00", day(2), "po_A")
    load(bank_account, [("B1", day(4), "10.00", "po_A")])
    auto_match(bank_account=bank_account)
    line = BankLine.objects.get(bank_account=bank_account)

    unmatch_line(bank_line=line)

    line.refresh_from_db()
    item.refresh_from_db()
    assert (line.match_kind, line.lettering_code, line.matched_at, line.matched_by) == ("", "", None, None)
    assert (item.lettering_code, item.lettering_date) == ("", None)
    assert not BankMatch.objects.filter(bank_line=line).exists()
    assert auto_match(bank_account=bank_account) == 1
    with pytest.raises(BankMatchError, match="n'est pas rapprochée"):
        unmatch_line(bank_line=BankLine.objects.create(
            bank_account=bank_account, statement=line.statement, transaction_id="X", booking_date=day(4), amount=D("1.00")
        ))  # fmt: skip


def test_bank_charges_are_booked_from_the_line_and_matched(bank_account, structure):
    lines = load(bank_account, [("B1", day(31), "-8.40", "FRAIS TENUE DE COMPTE"), ("B2", day(31), "1.23", "INTERETS")])

    fees = post_bank_line_entry(bank_line=lines["B1"], label="Frais de tenue de compte mars")
    interest = post_bank_line_entry(bank_line=lines["B2"])

    assert (fees.journal.code, fees.date, fees.label, fees.piece_ref) == (
        "BQ",
        day(31),
        "Frais de tenue de compte mars",
        "B1",
    )
    assert [(line.account.code, line.debit, line.credit) for line in fees.lines.order_by("position")] == [
        ("627", D("8.40"), D("0.00")),
        ("512", D("0.00"), D("8.40")),
    ]
    assert [(line.account.code, line.debit, line.credit) for line in interest.lines.order_by("position")] == [
        ("512", D("1.23"), D("0.00")),
        ("768", D("0.00"), D("1.23")),
    ]
    assert Account.objects.get(structure=structure, code="768").label == "Autres produits financiers"
    assert set(BankLine.objects.filter(bank_account=bank_account).values_list("match_kind", flat=True)) == {"manual"}
    with pytest.raises(BankMatchError, match="déjà rapprochée"):
        post_bank_line_entry(bank_line=lines["B1"])
