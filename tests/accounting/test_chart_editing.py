"""The chart of accounts, editable per structure: sub-accounts under existing accounts only, labels,
deactivation; an account with entry lines is never deleted; the purchases' accounts are seeded."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from accounting.actions import post_document
from accounting.actions.chart import add_sub_account, delete_account, rename_account, set_account_active
from accounting.chart import PURCHASE_ACCOUNTS
from accounting.documents import DocumentLine
from accounting.exceptions import ChartError, InactiveAccount
from accounting.models import Account
from hub.enums import StaffRole
from tests.accounting.factories import DocumentFactory
from tests.hub.factories import StructureRoleFactory

pytestmark = pytest.mark.django_db

D = Decimal


def chart_rows(structure) -> list[tuple]:
    return list(Account.objects.filter(structure=structure).order_by("code").values_list("code", "label", "is_active"))


def test_every_structure_gets_the_purchase_accounts(structure):
    codes = set(Account.objects.filter(structure=structure).values_list("code", flat=True))
    assert {code for code, _label in PURCHASE_ACCOUNTS} <= codes
    assert Account.objects.get(structure=structure, code="44562").label == "TVA sur immobilisations"
    assert Account.objects.get(structure=structure, code="2183").account_class == 2


def test_add_a_sub_account_under_an_existing_account(structure):
    account = add_sub_account(structure=structure, code="606310", label="Petit outillage\tdu jardin")
    assert (account.code, account.label, account.account_class, account.is_active) == (
        "606310", "Petit outillage du jardin", 6, True
    )  # fmt: skip


@pytest.mark.parametrize(
    ("code", "label", "message"),
    [
        ("9991", "Classe 9", "4 à 10 chiffres"),
        ("60A1", "Lettres", "4 à 10 chiffres"),
        ("606", "Trop court", "4 à 10 chiffres"),
        ("12345678901", "Trop long", "4 à 10 chiffres"),
        ("6951", "Sans parent", "Aucun compte du plan"),  # no 695 nor 69 in the chart
        ("6063", "Existe", "existe déjà"),
        ("60631", "", "obligatoire"),
        ("60631", "x" * 151, "au plus 150"),
    ],
)
def test_a_bad_sub_account_is_refused_and_changes_nothing(structure, code, label, message):
    before = chart_rows(structure)
    with pytest.raises(ChartError, match=message):
        add_sub_account(structure=structure, code=code, label=label)
    assert chart_rows(structure) == before


def test_rename_and_deactivate(structure):
    account = add_sub_account(structure=structure, code="62510", label="Repas")
    rename_account(account=account, label="Repas des bénévoles")
    set_account_active(account=account, active=False)
    account.refresh_from_db()
    assert (account.label, account.is_active) == ("Repas des bénévoles", False)
    with pytest.raises(InactiveAccount, match="62510"):
        post_document(DocumentFactory(structure=structure, lines=(
            DocumentLine(account="62510", debit=D("10.00")), DocumentLine(account="512", credit=D("10.00")))))  # fmt: skip
    set_account_active(account=account, active=True)
    post_document(DocumentFactory(structure=structure, journal="BQ", lines=(
        DocumentLine(account="62510", debit=D("10.00")), DocumentLine(account="512", credit=D("10.00")))))  # fmt: skip


def test_the_platforms_accounts_are_never_deactivated_nor_deleted(structure):
    before = chart_rows(structure)
    for code in ("411", "706", "512", "401", "44566"):
        account = Account.objects.get(structure=structure, code=code)
        with pytest.raises(ChartError, match="écritures de la plateforme"):
            set_account_active(account=account, active=False)
        with pytest.raises(ChartError, match="écritures de la plateforme"):
            delete_account(account=account)
    assert chart_rows(structure) == before


def test_an_account_with_entry_lines_is_never_deleted(structure):
    account = add_sub_account(structure=structure, code="60611", label="Eau")
    post_document(DocumentFactory(structure=structure, journal="BQ", date=datetime.date(2025, 2, 1), lines=(
        DocumentLine(account="60611", debit=D("12.00")), DocumentLine(account="512", credit=D("12.00")))))  # fmt: skip
    before = chart_rows(structure)
    with pytest.raises(ChartError, match="porte des écritures"):
        delete_account(account=account)
    assert chart_rows(structure) == before


def test_an_unused_sub_account_is_deleted(structure):
    account = add_sub_account(structure=structure, code="60612", label="Gaz")
    delete_account(account=account)
    assert not Account.objects.filter(structure=structure, code="60612").exists()


# --- Pages --------------------------------------------------------------------------------------


@pytest.fixture
def accountant_client(client, structure):
    client.force_login(StructureRoleFactory(structure=structure, role=StaffRole.ACCOUNTANT).user)
    return client


def test_the_chart_page_adds_renames_and_refuses_deleting_a_used_account(accountant_client, structure):
    chart = reverse("accounting:chart", args=[structure.slug])
    response = accountant_client.post(chart, {"code": "606310", "label": "Petit outillage"})
    assert response.status_code == 302
    response = accountant_client.post(chart, {"code": "9999", "label": "Non"})
    assert response.status_code == 400
    assert "De 4 à 10 chiffres, classes 1 à 8." in response.content.decode()

    edit = reverse("accounting:account_edit", args=[structure.slug, "606310"])
    assert accountant_client.post(edit, {"action": "rename", "label": "Outillage"}).status_code == 302
    assert Account.objects.get(structure=structure, code="606310").label == "Outillage"
    post_document(DocumentFactory(structure=structure, journal="BQ", lines=(
        DocumentLine(account="606310", debit=D("5.00")), DocumentLine(account="512", credit=D("5.00")))))  # fmt: skip
    before = chart_rows(structure)
    page = accountant_client.get(edit, {"supprimer": "1"})
    assert "Ce compte porte des écritures : il ne peut pas être supprimé." in page.content.decode()
    response = accountant_client.post(edit, {"action": "delete"})
    assert response.status_code == 400
    assert "porte des écritures" in response.content.decode()
    assert chart_rows(structure) == before


def test_deleting_an_unused_account_asks_first(accountant_client, structure):
    add_sub_account(structure=structure, code="60613", label="Fioul")
    edit = reverse("accounting:account_edit", args=[structure.slug, "60613"])
    page = accountant_client.get(edit, {"supprimer": "1"}).content.decode()
    assert "Le compte 60613 sera retiré du plan de la structure." in page
    assert 'class="button-danger"' in page
    assert Account.objects.filter(structure=structure, code="60613").exists()
    assert accountant_client.post(edit, {"action": "delete"}).status_code == 302
    assert not Account.objects.filter(structure=structure, code="60613").exists()


def test_an_unknown_account_is_a_404(accountant_client, structure):
    assert accountant_client.get(reverse("accounting:account_edit", args=[structure.slug, "999999"])).status_code == 404
