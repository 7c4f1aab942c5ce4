"""Exits (« sorties »): recorded from the worker's page with a confirmation step, refusals change
nothing, and the exit report gives the DREETS rates and each person's time in the scheme."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from hub.enums import StaffRole
from insertion import actions
from insertion.enums import ExitReason
from insertion.exceptions import ExitRefused
from insertion.models import ContractExit, Worker
from insertion.reports import exit_report
from tests.hub.factories import StructureFactory, StructureRoleFactory
from tests.insertion.factories import ContractExitFactory, ContractFactory, WorkerFactory

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def ended(db):
    """Gaëlle's contract ended ten days ago, and no exit was recorded."""
    structure = StructureFactory(slug="atelier-velo")
    worker = WorkerFactory(structure=structure, first_name="Gaëlle", last_name="Golf")
    today = timezone.localdate()
    ContractFactory(
        worker=worker, start_date=today - datetime.timedelta(days=200), end_date=today - datetime.timedelta(days=10)
    )
    return worker


def url(worker) -> str:
    return f"/insertion/{worker.structure.slug}/salaries/{worker.pk}/sortie/"


def supervisor(client, structure):
    client.force_login(StructureRoleFactory(structure=structure, role=StaffRole.SUPERVISOR).user)


def form_data(worker, **changes) -> dict:
    contract = worker.contracts.get()
    return {"contract": contract.pk, "date": contract.end_date.isoformat(), "reason": "cdi", "note": "Menuiserie Dupré",
            **changes}  # fmt: skip


def snapshot():
    return list(ContractExit.objects.order_by("pk").values_list("contract_id", "date", "reason")), list(
        Worker.objects.order_by("pk").values_list("pk", "is_active")
    )


def test_the_worker_page_flags_a_contract_ended_without_exit(client, ended):
    supervisor(client, ended.structure)

    page = client.get(f"/insertion/{ended.structure.slug}/salaries/{ended.pk}/").content.decode()

    end = ended.contracts.get().end_date
    assert f"Contrat terminé le {end:%d/%m/%Y} sans sortie enregistrée." in page
    assert url(ended) in page


def test_posting_the_form_asks_for_confirmation_first_and_records_nothing(client, ended):
    supervisor(client, ended.structure)
    before = snapshot()

    response = client.post(url(ended), form_data(ended))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Confirmer la sortie de Gaëlle Golf ?" in page
    assert "Emploi durable" in page
    assert snapshot() == before


def test_confirming_records_the_exit_with_its_category(client, ended):
    supervisor(client, ended.structure)

    response = client.post(url(ended), form_data(ended, confirm="1"))

    assert response.status_code == 302
    exit_ = ContractExit.objects.get(contract__worker=ended)
    contract = ended.contracts.get()
    assert (exit_.date, exit_.category, exit_.reason, exit_.note) == (
        contract.end_date,
        "durable",
        "cdi",
        "Menuiserie Dupré",
    )
    assert exit_.recorded_by.structure_roles.get().structure == ended.structure
    ended.refresh_from_db()
    assert ended.is_active is False


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"reason": "licorne"}, "Choisissez un motif de sortie de la liste."),
        ({"date": "2026-02-30"}, "Indiquez une date réelle (jj/mm/aaaa)."),
        ({"date": "2001-01-01"}, "La date de sortie doit tomber pendant le contrat"),
        ({"note": "x" * 201}, "La précision compte 200 caractères au plus."),
        ({"note": "nul\x00"}, "La requête contient un caractère nul : elle est refusée."),
        ({"contract": "999999"}, "Choisissez un contrat de la liste."),
    ],
)
def test_refused_input_says_why_in_french_and_changes_nothing(client, ended, changes, message):
    supervisor(client, ended.structure)
    before = snapshot()

    response = client.post(url(ended), form_data(ended, confirm="1", **changes))

    assert response.status_code == 400
    assert message.replace("'", "&#x27;") in response.content.decode()
    assert snapshot() == before


def test_a_future_date_is_refused(client, db):
    worker = WorkerFactory()
    today = timezone.localdate()
    ContractFactory(
        worker=worker, start_date=today - datetime.timedelta(days=100), end_date=today + datetime.timedelta(days=30)
    )
    supervisor(client, worker.structure)
    before = snapshot()

    response = client.post(
        url(worker), form_data(worker, confirm="1", date=(today + datetime.timedelta(days=1)).isoformat())
    )

    assert response.status_code == 400
    assert "Une sortie s&#x27;enregistre une fois advenue" in response.content.decode()
    assert snapshot() == before


@pytest.mark.parametrize("role", [None, StaffRole.ACCOUNTANT, "other"])
def test_nobody_else_records_an_exit(client, ended, role):
    if role == "other":
        client.force_login(StructureRoleFactory(role=StaffRole.SUPERVISOR).user)
    elif role is not None:
        client.force_login(StructureRoleFactory(structure=ended.structure, role=role).user)
    before = snapshot()

    response = client.post(url(ended), form_data(ended, confirm="1"))

    assert response.status_code == 404
    assert snapshot() == before


def test_an_exit_goes_on_the_last_contract_and_only_once(ended):
    user = StructureRoleFactory(structure=ended.structure, role=StaffRole.SUPERVISOR).user
    first = ended.contracts.get()
    renewal = ContractFactory(worker=ended, start_date=first.end_date + datetime.timedelta(days=1),
                              end_date=first.end_date + datetime.timedelta(days=5))  # fmt: skip

    with pytest.raises(ExitRefused, match="Un autre contrat suit celui-ci"):
        actions.record_exit(contract=first, reason=ExitReason.CDI, date=first.end_date, by=user)
    actions.record_exit(contract=renewal, reason=ExitReason.TRAINING, date=renewal.end_date - datetime.timedelta(days=1),
                        by=user, today=renewal.end_date)  # fmt: skip
    with pytest.raises(ExitRefused, match="déjà enregistrée"):
        actions.record_exit(
            contract=renewal, reason=ExitReason.CDI, date=renewal.end_date, by=user, today=renewal.end_date
        )

    assert list(ContractExit.objects.filter(contract__worker=ended).values_list("contract_id", "category")) == [
        (renewal.pk, "positive")
    ]


def test_exit_report_rates_and_time_in_the_scheme():
    structure = StructureFactory()
    # (first contract start, exit date, reason): one person had two contracts.
    people = [
        (D(2025, 1, 1), D(2026, 1, 31), ExitReason.CDI),
        (D(2025, 6, 1), D(2026, 2, 28), ExitReason.LONG_FIXED_TERM),
        (D(2025, 9, 1), D(2026, 3, 31), ExitReason.SHORT_FIXED_TERM),
        (D(2025, 9, 1), D(2026, 4, 30), ExitReason.OTHER_SIAE),
        (D(2025, 9, 1), D(2026, 5, 31), ExitReason.JOB_SEEKER),
        (D(2025, 9, 1), D(2026, 6, 30), ExitReason.UNKNOWN),
        (D(2025, 9, 1), D(2026, 7, 31), ExitReason.WITHDRAWN),
    ]
    for start, exit_date, reason in people:
        worker = WorkerFactory(structure=structure)
        last = ContractFactory(worker=worker, start_date=start, end_date=exit_date)
        ContractExitFactory(contract=last, date=exit_date, reason=reason)
    first_worker = ContractExit.objects.for_structure(structure).order_by("date").first().contract.worker
    ContractFactory(worker=first_worker, start_date=D(2024, 7, 1), end_date=D(2024, 12, 31))  # an earlier contract
    ContractExitFactory(contract=ContractFactory(worker=WorkerFactory(structure=structure), start_date=D(2024, 1, 1),
                                                 end_date=D(2024, 12, 31)))  # fmt: skip  # before the period
    ContractExitFactory(contract=ContractFactory(worker=WorkerFactory(), start_date=D(2025, 1, 1),
                                                 end_date=D(2026, 3, 31)))  # fmt: skip  # another structure

    report = exit_report(structure, D(2026, 1, 1), D(2026, 12, 31))

    assert report.counts == {"durable": 2, "transitional": 1, "positive": 1, "other": 1, "unknown": 1, "withdrawn": 1}
    assert report.counted == 6
    assert (report.durable_rate, report.dynamic_rate) == (Decimal("33.3"), Decimal("66.7"))
    assert report.rate("transitional") == Decimal("16.7")
    first = report.rows[0]
    assert (first.first_start, first.days_in_scheme, first.months_in_scheme) == (D(2024, 7, 1), 580, Decimal("19.1"))
    assert [row.days_in_scheme for row in report.rows] == [580, 273, 212, 242, 273, 303, 334]
    assert report.average_months == Decimal("10.4")  # 2 217 days / 7 / 30.4375


def test_exit_report_without_exits_has_no_rates():
    report = exit_report(StructureFactory(), D(2026, 1, 1), D(2026, 12, 31))

    assert (report.counted, report.durable_rate, report.dynamic_rate, report.average_months) == (0, None, None, None)


def test_exits_page_shows_the_rates(client, ended):
    supervisor(client, ended.structure)
    contract = ended.contracts.get()
    ContractExitFactory(contract=contract, reason=ExitReason.SUBSIDISED_CONTRACT)

    page = client.get(f"/insertion/{ended.structure.slug}/sorties/?du={contract.end_date}&au={contract.end_date}")

    assert page.status_code == 200
    text = page.content.decode()
    assert "1 sortie comptée du" in text
    assert "Sorties dynamiques : 100\N{NO-BREAK SPACE}% ; dont emploi durable : 0\N{NO-BREAK SPACE}%." in text
    assert client.get(f"/insertion/{ended.structure.slug}/sorties/?du=2026-13-01").status_code == 400


def test_admin_lists_exits_and_a_supervisor_sees_only_their_structures(client, ended):
    ContractExitFactory(contract=ended.contracts.get(), reason=ExitReason.INACTIVE, note="Note du Tilleul")
    ContractExitFactory(contract=ContractFactory(worker=WorkerFactory()), note="Note d'ailleurs")
    supervisor(client, ended.structure)

    page = client.get("/admin/insertion/contractexit/")

    assert page.status_code == 200
    text = page.content.decode()
    assert "Inactivité" in text
    assert client.get("/admin/insertion/contractexit/add/").status_code == 200
    other = ContractExit.objects.exclude(contract__worker__structure=ended.structure).order_by("-pk").first()
    assert client.get(f"/admin/insertion/contractexit/{other.pk}/change/").status_code in (302, 404)
