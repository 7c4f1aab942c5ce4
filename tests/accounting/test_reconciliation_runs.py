"""`reconcile_books`, the nightly task and the accountant's page, on checks registered by the test."""

from decimal import Decimal

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from accounting import reconciliation
from accounting.models import ReconciliationRun
from accounting.reconciliation import CheckSkipped, Difference
from accounting.tasks import reconcile_books
from hub.enums import StaffRole
from tests.accounting.factories import StructureFactory
from tests.accounts.factories import UserFactory
from tests.hub.factories import StructureRoleFactory

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def checks(monkeypatch):
    """Only the checks a test registers run (the registry is put back afterwards)."""
    monkeypatch.setattr(reconciliation, "_checks", {})

    def add(code: str, *differences: Difference, skipped: str = "") -> None:
        def run():
            if skipped:
                raise CheckSkipped(skipped)
            return list(differences)

        reconciliation.register(code, f"Contrôle {code}")(run)

    return add


def _difference(structure="Jardins du Loing", reference="RIB-2026-00001", expected="17.00", actual=None):
    return Difference(
        check="factures",
        structure=structure,
        reference=reference,
        expected=D(expected) if expected is not None else None,
        actual=D(actual) if actual is not None else None,
        message=f"La facture {reference} de 17,00 € n'a pas d'écriture au journal des ventes.",
    )


def test_command_clean_exits_zero_and_says_so(checks, capsys):
    checks("factures")
    checks("stripe", skipped="Stripe n'est pas configuré.")
    call_command("reconcile_books")
    out = capsys.readouterr().out
    assert out.splitlines() == [
        "[stripe] non vérifié : Stripe n'est pas configuré.",
        "Livres rapprochés : 2 contrôle(s), 1 non vérifié(s), 0 écart(s).",
    ]
    run = ReconciliationRun.objects.get()
    assert (run.clean, run.checks, run.skipped, run.differences, run.triggered_by) == (
        True,
        ["factures", "stripe"],
        {"stripe": "Stripe n'est pas configuré."},
        [],
        "reconcile_books",
    )


def test_command_lists_each_difference_and_exits_one(checks, capsys):
    checks("factures", _difference(), _difference(reference="RIB-2026-00002", expected="5.00", actual="4.00"))
    checks("parts")
    with pytest.raises(SystemExit) as exit_:
        call_command("reconcile_books", "--no-alert")
    assert exit_.value.code == 1
    assert capsys.readouterr().out.splitlines() == [
        "[factures] Jardins du Loing — RIB-2026-00001 : attendu 17,00\u00a0€, en compte —. "
        "La facture RIB-2026-00001 de 17,00 € n'a pas d'écriture au journal des ventes.",
        "[factures] Jardins du Loing — RIB-2026-00002 : attendu 5,00\u00a0€, en compte 4,00\u00a0€. "
        "La facture RIB-2026-00002 de 17,00 € n'a pas d'écriture au journal des ventes.",
        "Écarts trouvés : 2 contrôle(s), 0 non vérifié(s), 2 écart(s).",
    ]
    assert ReconciliationRun.objects.get().differences[1] == {
        "check": "factures",
        "structure": "Jardins du Loing",
        "reference": "RIB-2026-00002",
        "expected": "5.00",
        "actual": "4.00",
        "message": "La facture RIB-2026-00002 de 17,00 € n'a pas d'écriture au journal des ventes.",
    }
    assert mail.outbox == []  # --no-alert


def test_command_runs_only_the_checks_asked(checks, capsys):
    checks("factures", _difference())
    checks("parts")
    call_command("reconcile_books", "--check", "parts")
    assert ReconciliationRun.objects.get().checks == ["parts"]
    with pytest.raises(Exception, match="Contrôle inconnu : rien"):
        call_command("reconcile_books", "--check", "rien")


def test_the_real_checks_are_registered():
    codes = {check.code for check in reconciliation.checks()}
    assert {"invoices_posted", "shares_booked", "counterparts_settled", "stripe_balance"} <= codes


def test_nightly_task_stores_the_run_and_emails_the_accountants(checks, settings, django_capture_on_commit_callbacks):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    accountant = StructureRoleFactory(accountant=True, user__email="compta@exemple.test").user
    StructureRoleFactory(supervisor=True, user__email="encadrant@exemple.test")
    checks("factures", _difference())
    with django_capture_on_commit_callbacks(execute=True):  # the e-mail leaves through the outbox
        assert reconcile_books.delay().get() is False
    run = ReconciliationRun.objects.get()
    assert (run.clean, len(run.differences), run.triggered_by) == (False, 1, "tâche de nuit")
    (email,) = mail.outbox
    assert accountant.email in email.to  # the demo's accountant too
    assert "encadrant@exemple.test" not in email.to
    assert email.subject == "[Pôle Économie Solidaire] Rapprochement des comptes : 1 écart(s)"
    assert "- Jardins du Loing — La facture RIB-2026-00001 de 17,00 € n'a pas d'écriture" in email.body


def test_nightly_task_clean_sends_nothing(checks):
    StructureRoleFactory(accountant=True)
    checks("factures")
    assert reconcile_books() is True
    assert ReconciliationRun.objects.get().clean
    assert mail.outbox == []


def test_beat_runs_it_every_night(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["accounting-reconcile-books"]
    assert entry["task"] == "accounting.reconcile_books"
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({3}, {30})


# --- The page ------------------------------------------------------------------------------------


@pytest.fixture
def garden_books(db):
    return StructureFactory(name="Jardins du Loing")


@pytest.fixture
def other_books(db):
    return StructureFactory(name="Lavoir solidaire")


@pytest.mark.parametrize("role", [None, StaffRole.SUPERVISOR, StaffRole.MANAGER, StaffRole.STAFF])
def test_page_is_a_404_for_anyone_but_accountants(client, garden_books, role):
    user = UserFactory()
    if role:
        StructureRoleFactory(user=user, structure=garden_books, role=role)
    client.force_login(user)
    assert client.get(reverse("accounting:reconciliation")).status_code == 404
    assert client.post(reverse("accounting:reconciliation")).status_code == 404
    assert not ReconciliationRun.objects.exists()


def test_page_asks_anonymous_visitors_to_sign_in(client):
    response = client.get(reverse("accounting:reconciliation"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_accountant_sees_the_differences_of_their_books_only(client, checks, garden_books, other_books):
    accountant = StructureRoleFactory(structure=garden_books, accountant=True).user
    checks("factures", _difference(), _difference(structure="Lavoir solidaire", reference="LAV-2026-00009"))
    client.force_login(accountant)
    response = client.post(reverse("accounting:reconciliation"))
    assert response.status_code == 302
    run = ReconciliationRun.objects.get()
    assert run.triggered_by == accountant.email
    page = client.get(reverse("accounting:reconciliation")).content.decode()
    assert "Lancer le rapprochement" in page
    assert "RIB-2026-00001" in page
    assert "17,00\u00a0€" in page
    assert "LAV-2026-00009" not in page  # another structure's books
    assert "1 écart" in page


def test_hub_admin_sees_every_difference_and_a_clean_run(client, checks, garden_books, other_books):
    admin = UserFactory(hub_admin=True)
    checks("factures", _difference(), _difference(structure="Lavoir solidaire", reference="LAV-2026-00009"))
    client.force_login(admin)
    client.post(reverse("accounting:reconciliation"))
    page = client.get(reverse("accounting:reconciliation")).content.decode()
    assert "RIB-2026-00001" in page
    assert "LAV-2026-00009" in page
    assert "2 écarts" in page


def test_clean_run_says_so(client, checks):
    checks("factures")
    client.force_login(UserFactory(hub_admin=True))
    response = client.post(reverse("accounting:reconciliation"), follow=True)
    page = response.content.decode()
    assert "Rapprochement terminé : aucun écart." in page
    assert "Aucun écart" in page


def test_accounting_home_links_to_the_page_for_accountants(client, garden_books):
    accountant = StructureRoleFactory(structure=garden_books, accountant=True).user
    client.force_login(accountant)
    assert reverse("accounting:reconciliation") in client.get(reverse("accounting:index")).content.decode()


def test_page_queries_do_not_grow_with_runs_and_differences(client, checks, garden_books, django_assert_num_queries):
    checks("factures", *(_difference(reference=f"RIB-2026-{n:05d}") for n in range(1, 4)))
    client.force_login(StructureRoleFactory(structure=garden_books, accountant=True).user)
    client.post(reverse("accounting:reconciliation"))
    # session, user, roles, the structures whose books the reader keeps, the last runs (the latest among them)
    with django_assert_num_queries(5):
        client.get(reverse("accounting:reconciliation"))

    for _ in range(12):
        client.post(reverse("accounting:reconciliation"))

    with django_assert_num_queries(5):
        page = client.get(reverse("accounting:reconciliation")).content.decode()
    assert "RIB-2026-00003" in page
