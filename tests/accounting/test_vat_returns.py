"""The VAT return (CA3): every box against an independent SQL sum of the ledger, the settlement
entry, the period lock, refusals that change nothing, the API and the pages."""

import datetime
from decimal import Decimal as D

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounting.actions import post_document, post_vat_return
from accounting.documents import DocumentLine
from accounting.enums import BooksAction, VatPeriodicity
from accounting.exceptions import PeriodLocked, VatReturnError
from accounting.models import Books, BooksLog, Entry, VatReturn
from accounting.vat import compute_return, parse_period
from hub.enums import StaffRole
from tests.accounting.factories import DocumentFactory, StructureFactory
from tests.accounts.factories import UserFactory
from tests.hub.factories import StructureRoleFactory

pytestmark = pytest.mark.django_db

JAN, FEB, MAR = parse_period("2025-01"), parse_period("2025-02"), parse_period("2025-03")


def _post(structure, day, journal, *lines, piece="P"):
    return post_document(DocumentFactory(structure=structure, date=day, journal=journal, piece_ref=piece, lines=lines))


def dl(account, debit="0", credit="0", aux=""):
    return DocumentLine(
        account=account, debit=D(debit), credit=D(credit), auxiliary_code=aux, auxiliary_name=aux and f"Client {aux}"
    )


def january(structure):
    """Goods at 5.5 % invoiced; services at 20 % invoiced, half paid; a purchase; VAT on a fixed asset."""
    day = datetime.date(2025, 1, 10)
    _post(structure, day, "VE", dl("411", "105.50", aux="C1"), dl("701", credit="100.00"), dl("445713", credit="5.50"))
    _post(structure, day, "VE", dl("411", "120.00", aux="C2"), dl("706", credit="100.00"), dl("44587", credit="20.00"))
    _post(structure, day, "BQ", dl("512", "60.00"), dl("411", credit="60.00", aux="C2"))
    _post(structure, day, "OD", dl("44587", "10.00"), dl("445711", credit="10.00"))
    _post(structure, day, "AC", dl("628", "50.00"), dl("44566", "10.00"), dl("401", credit="60.00"))
    _post(structure, day, "AC", dl("628", "20.00"), dl("44562", "4.00"), dl("401", credit="24.00"))
    # Outside the period: counted in no box of January.
    _post(structure, datetime.date(2025, 2, 3), "VE", dl("411", "12.00", aux="C1"), dl("707", credit="10.00"),
          dl("445711", credit="2.00"))  # fmt: skip


@pytest.fixture
def liable(db):
    return StructureFactory(liable=True, books=datetime.date(2025, 6, 1))


@pytest.fixture
def accountant(liable):
    return StructureRoleFactory(structure=liable, role=StaffRole.ACCOUNTANT).user


def independent_sums(structure, period) -> dict[str, D]:
    """Credit − debit per account over the period, straight from the tables (no ORM, no app code)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT a.code, SUM(l.credit - l.debit)
            FROM accounting_entryline l
            JOIN accounting_entry e ON e.id = l.entry_id
            JOIN accounting_account a ON a.id = l.account_id
            JOIN accounting_journal j ON j.id = e.journal_id
            WHERE e.structure_id = %s AND e.date BETWEEN %s AND %s AND j.code <> 'AN'
              AND e.source_kind <> 'vat_return'
            GROUP BY a.code
            """,
            [structure.pk, period.start, period.end],
        )
        return dict(cursor.fetchall())


def test_every_box_agrees_with_an_independent_sum_of_the_ledger(liable):
    january(liable)
    sums = independent_sums(liable, JAN)
    figures = compute_return(liable, JAN).figures()
    expected = {
        "08_tva": sums["445711"], "9B_tva": D("0.00"), "09_tva": sums["445713"],
        "19": -sums["44562"], "20": -sums["44566"], "22": D("0.00"),
    }  # fmt: skip
    assert {box: D(figures[box]) for box in expected} == expected
    assert figures == {
        "01": "150.00", "08_base": "50.00", "08_tva": "10.00", "9B_base": "0.00", "9B_tva": "0.00",
        "09_base": "100.00", "09_tva": "5.50", "16": "15.50", "19": "4.00", "20": "10.00", "22": "0.00",
        "23": "14.00", "25": "0.00", "27": "0.00", "28": "1.50", "32": "1.50",
    }  # fmt: skip
    # Posting does not change what the return reads.
    vat_return = post_vat_return(structure=liable, period=JAN)
    assert compute_return(liable, JAN).figures() == figures == vat_return.figures


def test_posting_settles_the_vat_accounts_into_44551_and_locks_the_period(liable, accountant):
    january(liable)
    vat_return = post_vat_return(structure=liable, period=JAN, by=accountant)
    entry = vat_return.entry
    assert (entry.journal.code, entry.date, entry.piece_ref, entry.label) == (
        "OD",
        datetime.date(2025, 1, 31),
        "TVA-2025-01",
        "Déclaration de TVA janvier 2025",
    )
    assert [(line.account.code, line.debit, line.credit) for line in entry.lines.order_by("position")] == [
        ("445711", D("10.00"), D("0.00")),
        ("445713", D("5.50"), D("0.00")),
        ("44562", D("0.00"), D("4.00")),
        ("44566", D("0.00"), D("10.00")),
        ("44551", D("0.00"), D("1.50")),
    ]
    assert Books.objects.get(structure=liable).locked_until == datetime.date(2025, 1, 31)
    log = BooksLog.objects.get(structure=liable)
    assert (log.action, log.by, log.entry, log.previous_lock, log.new_lock) == (
        BooksAction.VAT_RETURN,
        accountant,
        entry,
        None,
        datetime.date(2025, 1, 31),
    )
    # The locked period refuses any new entry.
    with pytest.raises(PeriodLocked):
        _post(liable, datetime.date(2025, 1, 20), "VE", dl("411", "12.00", aux="C1"), dl("707", credit="12.00"))


def test_posting_twice_is_refused_and_changes_nothing(liable):
    january(liable)
    post_vat_return(structure=liable, period=JAN)
    entries = Entry.objects.count()
    with pytest.raises(VatReturnError, match="déjà validée"):
        post_vat_return(structure=liable, period=JAN)
    assert (Entry.objects.count(), VatReturn.objects.filter(structure=liable).count(),
            BooksLog.objects.filter(structure=liable).count()) == (entries, 1, 1)  # fmt: skip


def test_a_credit_is_carried_forward_to_the_next_return(liable):
    january(liable)
    post_vat_return(structure=liable, period=JAN)
    # February: only a purchase (30 € VAT on 150 €) and the goods sale of the 3rd (2 € at 20 %): credit 28 €.
    _post(
        liable, datetime.date(2025, 2, 12), "AC", dl("628", "150.00"), dl("44566", "30.00"), dl("401", credit="180.00")
    )
    february = post_vat_return(structure=liable, period=FEB)
    assert (february.figures["16"], february.figures["20"], february.figures["27"], february.figures["28"]) == (
        "2.00", "30.00", "28.00", "0.00"
    )  # fmt: skip
    assert [(line.account.code, line.debit, line.credit) for line in february.entry.lines.order_by("position")] == [
        ("445711", D("2.00"), D("0.00")), ("44566", D("0.00"), D("30.00")), ("44567", D("28.00"), D("0.00")),
    ]  # fmt: skip
    # March: 40 € collected; the 28 € credit comes off: 12 € due.
    _post(liable, datetime.date(2025, 3, 5), "VE", dl("411", "240.00", aux="C1"), dl("707", credit="200.00"),
          dl("445711", credit="40.00"))  # fmt: skip
    march = post_vat_return(structure=liable, period=MAR)
    assert (march.figures["22"], march.figures["23"], march.figures["28"]) == ("28.00", "28.00", "12.00")
    assert [(line.account.code, line.debit, line.credit) for line in march.entry.lines.order_by("position")] == [
        ("445711", D("40.00"), D("0.00")), ("44551", D("0.00"), D("12.00")), ("44567", D("0.00"), D("28.00")),
    ]  # fmt: skip


def test_a_credit_carried_over_an_empty_period_posts_no_entry(liable):
    _post(liable, datetime.date(2025, 1, 12), "AC", dl("628", "50.00"), dl("44566", "10.00"), dl("401", credit="60.00"))
    post_vat_return(structure=liable, period=JAN)
    february = post_vat_return(structure=liable, period=FEB)
    assert (february.entry, february.figures["22"], february.figures["27"]) == (None, "10.00", "10.00")


def test_refusals_change_nothing(liable):
    january(liable)
    with pytest.raises(VatReturnError, match="Validez d'abord la déclaration de janvier 2025"):
        post_vat_return(structure=liable, period=FEB)
    with pytest.raises(VatReturnError, match="chaque mois"):
        post_vat_return(structure=liable, period=parse_period("2025-Q1"))
    not_liable = StructureFactory(books=datetime.date(2025, 6, 1))
    with pytest.raises(VatReturnError, match="n'est pas assujettie"):
        post_vat_return(structure=not_liable, period=JAN)
    assert (VatReturn.objects.filter(structure__in=[liable, not_liable]).count(),
            BooksLog.objects.filter(structure__in=[liable, not_liable]).count()) == (0, 0)  # fmt: skip
    assert Books.objects.get(structure=liable).locked_until is None


def test_a_period_not_over_is_refused(db):
    structure = StructureFactory(liable=True, books=True)
    today = timezone.localdate()
    with pytest.raises(VatReturnError, match="se termine le"):
        post_vat_return(structure=structure, period=parse_period(f"{today:%Y-%m}"))
    assert not VatReturn.objects.filter(structure=structure).exists()


def test_a_quarterly_structure_declares_quarters_and_an_empty_return_posts_no_entry(liable):
    Books.objects.filter(structure=liable).update(vat_periodicity=VatPeriodicity.QUARTERLY)
    vat_return = post_vat_return(structure=liable, period=parse_period("2025-Q1"))
    assert (vat_return.entry, vat_return.start_date, vat_return.end_date) == (
        None, datetime.date(2025, 1, 1), datetime.date(2025, 3, 31)
    )  # fmt: skip
    assert Books.objects.get(structure=liable).locked_until == datetime.date(2025, 3, 31)


# --- API --------------------------------------------------------------------------------------


def api_for(user):
    client = APIClient()
    if user is not None:
        client.force_login(user)
    return client


def test_api_returns_the_boxes_then_posts_the_return(liable, accountant, django_assert_num_queries):
    january(liable)
    api = api_for(accountant)
    url = reverse("api:accounting-vat-returns", kwargs={"structure": liable.slug})
    api.get(url, {"period": "2025-01"})  # warm the session
    with django_assert_num_queries(8):
        response = api.get(url, {"period": "2025-01"})
    assert response.status_code == 200
    body = response.json()
    assert (body["period"], body["posted"], body["entry"], body["boxes"]["28"]) == ("2025-01", False, None, "1.50")
    post = reverse("api:accounting-vat-return-post", kwargs={"structure": liable.slug, "period": "2025-01"})
    response = api.post(post)
    assert response.status_code == 201
    assert (response.json()["posted"], response.json()["entry"]) == (True, "OD-2025-000002")
    again = api.post(post)
    assert again.status_code == 400
    assert again.json() == {"code": "refused", "message": "La déclaration de TVA de janvier 2025 est déjà validée."}
    assert VatReturn.objects.filter(structure=liable).count() == 1


def test_api_errors_are_json(liable, accountant):
    api = api_for(accountant)
    url = reverse("api:accounting-vat-returns", kwargs={"structure": liable.slug})
    assert api.get(url, {"period": "2025-13"}).json()["code"] == "invalid"
    assert api.get(url).json()["code"] == "invalid"
    response = api.get(url, {"period": "2025-Q1"})
    assert (response.status_code, response.json()["code"]) == (400, "invalid_period")
    not_liable = StructureFactory(books=datetime.date(2025, 6, 1))
    other = api_for(StructureRoleFactory(structure=not_liable, role=StaffRole.ACCOUNTANT).user)
    response = other.get(
        reverse("api:accounting-vat-returns", kwargs={"structure": not_liable.slug}), {"period": "2025-01"}
    )
    assert (response.status_code, response.json()["code"]) == (400, "not_liable")


@pytest.mark.parametrize(
    ("caller", "status"), [("other_accountant", 404), ("supervisor", 404), ("resident", 404), ("anonymous", 404)]
)
def test_api_is_for_the_structures_accountants_only(liable, caller, status):
    user = {
        "other_accountant": lambda: StructureRoleFactory(structure=StructureFactory(), role=StaffRole.ACCOUNTANT).user,
        "supervisor": lambda: StructureRoleFactory(structure=liable, role=StaffRole.SUPERVISOR).user,
        "resident": UserFactory,
        "anonymous": lambda: None,
    }[caller]()
    api = api_for(user)
    get = api.get(reverse("api:accounting-vat-returns", kwargs={"structure": liable.slug}), {"period": "2025-01"})
    post = api.post(reverse("api:accounting-vat-return-post", kwargs={"structure": liable.slug, "period": "2025-01"}))
    assert (get.status_code, post.status_code) == (status, status)
    assert not VatReturn.objects.filter(structure=liable).exists()


# --- Pages ------------------------------------------------------------------------------------


def test_pages_list_detail_drill_down_and_post(client, liable, accountant, django_assert_num_queries):
    january(liable)
    client.force_login(accountant)
    listing = reverse("accounting:vat_returns", args=[liable.slug])
    client.get(listing)
    with django_assert_num_queries(8):
        response = client.get(listing, {"exercice": 2025})
    assert response.status_code == 200
    assert response.content.decode().count("À valider") == 12  # every month of 2025 has ended
    detail = reverse("accounting:vat_return", args=[liable.slug, "2025-01"])
    page = client.get(detail).content.decode()
    assert '<tr class="total" id="box-28">' in page
    assert "1,50" in page
    with django_assert_num_queries(7):
        box = client.get(reverse("accounting:vat_box", args=[liable.slug, "2025-01", "08"]))
    assert box.status_code == 200
    assert box.content.decode().count("OD-2025-000001") == 1
    confirm = reverse("accounting:vat_return_post", args=[liable.slug, "2025-01"])
    assert "44551" in client.get(confirm).content.decode()
    assert not VatReturn.objects.filter(structure=liable).exists()  # the confirmation page posts nothing
    response = client.post(confirm)
    assert response.status_code == 302
    assert VatReturn.objects.get(structure=liable).entry.reference == "OD-2025-000002"
    assert client.post(confirm).status_code == 400


def test_a_structure_not_liable_has_no_return(client, db):
    structure = StructureFactory(books=datetime.date(2025, 6, 1))
    client.force_login(StructureRoleFactory(structure=structure, role=StaffRole.ACCOUNTANT).user)
    response = client.get(reverse("accounting:vat_returns", args=[structure.slug]))
    assert 'id="not-liable"' in response.content.decode()
    assert client.get(reverse("accounting:vat_return", args=[structure.slug, "2025-01"])).status_code == 404
