"""The « Banque » pages and endpoints: import, lines to match, matching by hand; 404 for anyone but
the structure's accountants; JSON errors; query counts that do not grow with the lines."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from accounting.actions.bank import auto_match, import_statement
from accounting.models import BankAccount, BankLine, BankStatement
from hub.enums import StaffRole
from tests.accounting.bank_helpers import IBAN, camt, make_bank_account, post_512, sample
from tests.accounting.factories import StructureFactory
from tests.hub.factories import StructureRoleFactory

pytestmark = pytest.mark.django_db

D = Decimal
NOT_FOUND = {"code": "not_found", "message": "Ressource introuvable."}


@pytest.fixture
def bank_account(structure):
    return make_bank_account(structure)


@pytest.fixture
def accountant(structure):
    return StructureRoleFactory(structure=structure, role=StaffRole.ACCOUNTANT).user


@pytest.fixture
def accountant_client(client, accountant):
    client.force_login(accountant)
    return client


@pytest.fixture
def api(accountant):
    client = APIClient()
    client.force_login(accountant)
    return client


@pytest.fixture
def outsider(structure):
    """The accountant of another structure."""
    return StructureRoleFactory(
        structure=StructureFactory(books=datetime.date(2025, 6, 1)), role=StaffRole.ACCOUNTANT
    ).user


def page(structure, name="bank", **kwargs):
    return reverse(f"accounting:{name}", kwargs={"slug": structure.slug, **kwargs})


def endpoint(name, structure, **kwargs):
    return reverse(f"api:accounting-{name}", kwargs={"structure": structure.slug, **kwargs})


def upload(name="mars.xml", data=None):
    return SimpleUploadedFile(name, sample("camt053_v02.xml") if data is None else data, content_type="application/xml")


def statement_with_lines(bank_account, count: int):
    rows = [(f"T{n}", datetime.date(2025, 3, 1 + n % 28), f"{n + 1}.00", f"VIR {n}") for n in range(count)]
    import_statement(bank_account=bank_account, data=camt(rows))


# --- the page ----------------------------------------------------------------------------------------


def test_import_through_the_page_then_again(accountant_client, bank_account):
    post_512(bank_account.structure, "180.50", datetime.date(2025, 3, 5), "po_1QxA2b3C4d5E6f")
    response = accountant_client.post(
        page(bank_account.structure),
        {"action": "import", "bank_account": bank_account.pk, "file": upload()},
        follow=True,
    )

    assert response.status_code == 200
    assert [str(m) for m in response.context["messages"]] == [
        "Relevé importé : 3 opérations nouvelles (0 déjà connues), 1 rapprochées automatiquement."
    ]
    assert [line.amount for line in response.context["page"].object_list] == [D("-8.40"), D("120.00")]
    assert (response.context["total"], response.context["unmatched"]) == (3, 2)

    again = accountant_client.post(
        page(bank_account.structure),
        {"action": "import", "bank_account": bank_account.pk, "file": upload()},
        follow=True,
    )

    assert [str(m) for m in again.context["messages"]] == ["Ce relevé est déjà importé : rien n'a changé."]
    assert "déjà importé" in again.content.decode()
    assert BankStatement.objects.filter(bank_account=bank_account).count() == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (sample("camt053_v02.xml")[:900], "XML mal formé"),
        (
            sample("camt053_v02.xml").replace(IBAN.encode(), b"FR7630004000010008765432102"),
            "Ce relevé est celui du compte",
        ),
    ],
)
def test_a_refused_file_shows_why_and_saves_nothing(accountant_client, bank_account, data, message):
    response = accountant_client.post(
        page(bank_account.structure), {"action": "import", "bank_account": bank_account.pk, "file": upload(data=data)}
    )

    assert response.status_code == 400
    assert message in response.context["import_form"].errors["file"][0]
    assert message in response.content.decode()
    assert not BankStatement.objects.filter(bank_account=bank_account).exists()


def test_add_a_bank_account_and_refuse_a_wrong_iban(accountant_client, structure):
    bad = accountant_client.post(
        page(structure), {"action": "account", "label": "Banque", "iban": "FR76 3000 4000 0100 0123 4567 831"}
    )
    assert bad.status_code == 400
    assert bad.context["account_form"].errors == {"iban": ["IBAN invalide : la clé de contrôle ne correspond pas."]}
    assert not BankAccount.objects.filter(structure=structure).exists()

    good = accountant_client.post(
        page(structure),
        {"action": "account", "label": "Banque", "iban": "FR76 3000 4000 0100 0123 4567 830", "bic": "bnpafrpp"},
    )
    assert good.status_code == 302
    assert list(BankAccount.objects.filter(structure=structure).values_list("iban", "bic", "ledger_account__code")) == [
        (IBAN, "BNPAFRPP", "512")
    ]


def test_filters_matched_and_unmatched(accountant_client, bank_account):
    post_512(bank_account.structure, "180.50", datetime.date(2025, 3, 5), "po_1QxA2b3C4d5E6f")
    import_statement(bank_account=bank_account, data=sample("camt053_v02.xml"))

    def amounts(state):
        response = accountant_client.get(page(bank_account.structure), {"etat": state})
        return [line.amount for line in response.context["page"].object_list]

    assert amounts("a-rapprocher") == [D("-8.40"), D("120.00")]
    assert amounts("rapprochees") == [D("180.50")]
    assert amounts("toutes") == [D("-8.40"), D("120.00"), D("180.50")]
    assert amounts("n'importe") == [D("-8.40"), D("120.00")]


def test_match_by_hand_then_unmatch_after_confirmation(accountant_client, bank_account, accountant):
    structure = bank_account.structure
    a = post_512(structure, "100.00", datetime.date(2025, 3, 10), "CMD-A")
    b = post_512(structure, "20.00", datetime.date(2025, 3, 11), "CMD-B")
    post_512(structure, "120.00", datetime.date(2025, 1, 1), "CMD-FAR")  # beyond a month: not offered
    import_statement(bank_account=bank_account, data=camt([("B1", datetime.date(2025, 3, 12), "120.00", "VIR DUPONT")]))
    line = BankLine.objects.get(bank_account=bank_account)

    shown = accountant_client.get(page(structure, "bank_line", line_id=line.pk))
    assert shown.context["candidates"] == []  # nothing of 120,00 € within a month
    response = accountant_client.post(
        page(structure, "bank_line", line_id=line.pk), {"action": "match", "entry_lines": [a.pk, b.pk]}
    )
    assert response.status_code == 400  # not offered: refused by the form, nothing written
    assert not BankLine.objects.get(pk=line.pk).is_matched

    c = post_512(structure, "120.00", datetime.date(2025, 3, 9), "CMD-C")
    shown = accountant_client.get(page(structure, "bank_line", line_id=line.pk))
    assert [row.pk for row in shown.context["candidates"]] == [c.pk]
    response = accountant_client.post(
        page(structure, "bank_line", line_id=line.pk), {"action": "match", "entry_lines": [c.pk]}
    )
    assert response.status_code == 302
    line.refresh_from_db()
    assert (line.match_kind, line.matched_by) == ("manual", accountant)

    confirm = accountant_client.get(page(structure, "bank_unmatch", line_id=line.pk))
    assert confirm.status_code == 200
    assert "perdront ce lettrage" in confirm.content.decode()
    assert BankLine.objects.get(pk=line.pk).is_matched  # asking changes nothing
    accountant_client.post(page(structure, "bank_unmatch", line_id=line.pk))
    assert not BankLine.objects.get(pk=line.pk).is_matched


def test_a_bank_charge_is_booked_from_its_page(accountant_client, bank_account):
    import_statement(bank_account=bank_account, data=sample("camt053_v02.xml"))
    fee = BankLine.objects.get(bank_account=bank_account, amount=D("-8.40"))

    response = accountant_client.post(
        page(bank_account.structure, "bank_line", line_id=fee.pk),
        {"action": "entry", "label": "Frais de mars"},
        follow=True,
    )

    assert [str(m) for m in response.context["messages"]] == ["Écriture BQ-2025-000001 passée et rapprochée."]
    assert BankLine.objects.get(pk=fee.pk).match_kind == "manual"


@pytest.mark.parametrize("who", ["outsider", "anonymous"])
def test_the_pages_are_404_for_anyone_else(client, bank_account, outsider, who):
    import_statement(bank_account=bank_account, data=sample("camt053_v02.xml"))
    line = BankLine.objects.filter(bank_account=bank_account).first()
    if who == "outsider":
        client.force_login(outsider)
    structure = bank_account.structure
    for url in (
        page(structure),
        page(structure, "bank_line", line_id=line.pk),
        page(structure, "bank_unmatch", line_id=line.pk),
    ):
        assert client.get(url).status_code == 404
    assert client.post(page(structure), {"action": "match"}).status_code == 404


def test_a_line_of_another_structure_is_404(accountant_client, bank_account, outsider):
    other = make_bank_account(StructureFactory(books=datetime.date(2025, 6, 1)))
    import_statement(bank_account=other, data=sample("camt053_v02.xml"))
    line = BankLine.objects.filter(bank_account=other).first()
    assert accountant_client.get(page(bank_account.structure, "bank_line", line_id=line.pk)).status_code == 404


def test_the_page_query_count_does_not_grow_with_lines(accountant_client, bank_account, django_assert_num_queries):
    statement_with_lines(bank_account, 3)
    # structure, session, user, roles; accounts with counts, the import form's accounts; count and
    # page of lines (with their account); statements
    with django_assert_num_queries(10) as few:
        accountant_client.get(page(bank_account.structure), {"etat": "toutes"})
    statement_with_lines(bank_account, 40)
    with django_assert_num_queries(len(few.captured_queries)):
        accountant_client.get(page(bank_account.structure), {"etat": "toutes"})


# --- the API -----------------------------------------------------------------------------------------


def test_api_import_then_again(api, bank_account):
    post_512(bank_account.structure, "180.50", datetime.date(2025, 3, 5), "po_1QxA2b3C4d5E6f")
    response = api.post(endpoint("bank-statements", bank_account.structure), {"file": upload()}, format="multipart")

    assert response.status_code == 201
    body = response.json()
    assert body == {
        "id": body["id"],
        "bank_account": bank_account.pk,
        "format": "camt053",
        "period_start": "2025-03-01",
        "period_end": "2025-03-31",
        "closing_balance": "1792.10",
        "already_imported": False,
        "new_lines": 3,
        "known_lines": 0,
        "matched": 1,
    }
    again = api.post(endpoint("bank-statements", bank_account.structure), {"file": upload()}, format="multipart")
    assert again.status_code == 200
    assert (again.json()["already_imported"], again.json()["id"], again.json()["new_lines"]) == (True, body["id"], 0)


def test_api_refuses_a_malformed_file_as_json(api, bank_account):
    response = api.post(
        endpoint("bank-statements", bank_account.structure), {"file": upload(data=b"<Document>")}, format="multipart"
    )
    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid_file",
        "message": "Format non reconnu : un relevé CAMT.053 (XML ISO 20022) ou OFX est attendu.",
    }
    missing = api.post(endpoint("bank-statements", bank_account.structure), {}, format="multipart")
    assert missing.status_code == 400
    assert missing.json()["code"] == "invalid"
    assert list(missing.json()["errors"]) == ["file"]
    assert not BankStatement.objects.filter(bank_account=bank_account).exists()


def test_api_needs_the_account_when_there_are_several(api, bank_account):
    make_bank_account(bank_account.structure, "FR7630004000010008765432102")
    response = api.post(endpoint("bank-statements", bank_account.structure), {"file": upload()}, format="multipart")
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "bank_account": ["Compte bancaire inconnu : précisez l'identifiant d'un compte de la structure."]
    }
    chosen = api.post(
        endpoint("bank-statements", bank_account.structure),
        {"file": upload(), "bank_account": bank_account.pk},
        format="multipart",
    )
    assert chosen.status_code == 201


def test_api_lists_unmatched_lines_with_a_fixed_query_count(api, bank_account, django_assert_num_queries):
    post_512(bank_account.structure, "180.50", datetime.date(2025, 3, 5), "po_1QxA2b3C4d5E6f")
    import_statement(bank_account=bank_account, data=sample("camt053_v02.xml"))

    response = api.get(endpoint("bank-lines", bank_account.structure), {"matched": "false"})

    assert response.status_code == 200
    assert [
        (line["transaction_id"], line["amount"], line["matched"], line["entry_lines"])
        for line in response.json()["results"]
    ] == [
        ("2025033100003", "-8.40", False, []),
        ("2025031200002", "120.00", False, []),
    ]
    matched = api.get(endpoint("bank-lines", bank_account.structure), {"matched": "true"}).json()["results"]
    assert [(line["amount"], line["match_kind"], len(line["entry_lines"])) for line in matched] == [
        ("180.50", "auto", 1)
    ]
    # session, user, roles, structure; count, page, prefetched matches
    with django_assert_num_queries(7) as few:
        api.get(endpoint("bank-lines", bank_account.structure))
    statement_with_lines(bank_account, 30)
    with django_assert_num_queries(len(few.captured_queries)):
        api.get(endpoint("bank-lines", bank_account.structure))
    assert api.get(endpoint("bank-lines", bank_account.structure), {"matched": "peut-être"}).status_code == 400


def test_api_match_by_hand(api, bank_account):
    structure = bank_account.structure
    item = post_512(structure, "120.00", datetime.date(2025, 3, 10), "CMD-A")
    other = post_512(structure, "50.00", datetime.date(2025, 3, 10), "CMD-B")
    import_statement(
        bank_account=bank_account,
        data=camt(
            [
                ("B1", datetime.date(2025, 3, 12), "120.00", "VIR DUPONT"),
                ("B2", datetime.date(2025, 3, 12), "120.00", "VIR DURAND"),
            ]
        ),
    )
    line = BankLine.objects.get(bank_account=bank_account, transaction_id="B1")
    auto_match(bank_account=bank_account)  # two lines for one item: left to a person

    wrong = api.post(
        endpoint("bank-line-match", structure, line_id=line.pk), {"entry_lines": [other.pk]}, format="json"
    )
    assert wrong.status_code == 400
    assert wrong.json() == {
        "code": "refused",
        "message": "Les montants ne correspondent pas : 50,00\xa0€ en comptabilité pour 120,00\xa0€ à la banque.",
    }
    invalid = api.post(endpoint("bank-line-match", structure, line_id=line.pk), {"entry_lines": ["x"]}, format="json")
    assert invalid.status_code == 400
    assert invalid.json()["code"] == "invalid"

    response = api.post(
        endpoint("bank-line-match", structure, line_id=line.pk), {"entry_lines": [item.pk]}, format="json"
    )

    assert response.status_code == 200
    assert (response.json()["matched"], response.json()["match_kind"], response.json()["entry_lines"]) == (
        True,
        "manual",
        [item.pk],
    )


@pytest.mark.parametrize("who", ["outsider", "anonymous"])
def test_api_is_404_for_anyone_else(bank_account, outsider, who):
    import_statement(bank_account=bank_account, data=sample("camt053_v02.xml"))
    line = BankLine.objects.filter(bank_account=bank_account).first()
    client = APIClient()
    if who == "outsider":
        client.force_login(outsider)
    structure = bank_account.structure
    assert client.get(endpoint("bank-lines", structure)).json() == NOT_FOUND
    posted = client.post(endpoint("bank-statements", structure), {"file": upload()}, format="multipart")
    assert (posted.status_code, posted.json()) == (404, NOT_FOUND)
    matched = client.post(endpoint("bank-line-match", structure, line_id=line.pk), {"entry_lines": [1]}, format="json")
    assert (matched.status_code, matched.json()) == (404, NOT_FOUND)


def test_the_endpoints_are_in_the_openapi_schema(client):
    paths = client.get(reverse("schema"), HTTP_ACCEPT="application/json").json()["paths"]
    assert {"post"} <= set(paths["/api/v1/accounting/{structure}/bank-statements/"])
    assert {"get"} <= set(paths["/api/v1/accounting/{structure}/bank-lines/"])
    assert {"post"} <= set(paths["/api/v1/accounting/{structure}/bank-lines/{line_id}/match/"])
