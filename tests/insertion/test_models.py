"""Constraints of one row (French messages) and the contract rules of `create_contract`."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from insertion.actions import create_contract
from insertion.enums import ContractKind
from insertion.exceptions import ContractRefused
from insertion.models import Approval, Contract
from tests.insertion.factories import ApprovalFactory, ContractFactory, JobFactory, WorkerFactory, day

pytestmark = pytest.mark.django_db


def test_a_cddi_outside_20_to_35_hours_breaks_a_check_constraint(structure):
    worker = WorkerFactory(structure=structure)
    with pytest.raises(IntegrityError), transaction.atomic():
        ContractFactory(worker=worker, weekly_hours=Decimal("19.50"))
    with pytest.raises(IntegrityError), transaction.atomic():
        ContractFactory(worker=worker, weekly_hours=Decimal("35.50"))
    assert Contract.objects.filter(worker=worker).count() == 0


def test_another_contract_kind_may_be_shorter_weekly(structure):
    contract = ContractFactory(worker=WorkerFactory(structure=structure), kind=ContractKind.CDD_USAGE, weekly_hours=10)
    assert contract.weekly_hours == 10


def test_check_constraints_speak_french(structure):
    contract = Contract(worker=WorkerFactory(structure=structure), start_date=day(0), end_date=day(-1), weekly_hours=18)
    with pytest.raises(ValidationError) as caught:
        contract.full_clean()
    assert caught.value.messages == [
        "La fin du contrat ne peut pas précéder son début.",
        "Un CDDI compte de 20 à 35 heures par semaine.",
    ]


def test_a_pass_iae_has_12_characters_and_lasts_730_days_by_default(structure):
    worker = WorkerFactory(structure=structure)
    with pytest.raises(IntegrityError), transaction.atomic():
        Approval.objects.create(worker=worker, number="99999123456", start_date=day(0), end_date=day(10))
    approval = ApprovalFactory(worker=worker, start_date=datetime.date(2031, 1, 1))
    assert approval.end_date == datetime.date(2032, 12, 30)  # 730 days, end included (2032 is a leap year)
    assert approval.number_with_spaces == f"{approval.number[:5]} {approval.number[5:7]} {approval.number[7:]}"


def test_a_job_ends_after_it_starts(structure):
    with pytest.raises(IntegrityError), transaction.atomic():
        JobFactory(structure=structure, start_time=datetime.time(12), end_time=datetime.time(12))


def test_a_cddi_lasts_4_to_24_months(structure):
    worker = WorkerFactory(structure=structure)

    with pytest.raises(ContractRefused) as too_short:
        create_contract(worker=worker, start_date=datetime.date(2031, 1, 1), end_date=datetime.date(2031, 4, 29),
                        weekly_hours=Decimal("26"))  # fmt: skip
    with pytest.raises(ContractRefused) as too_long:
        create_contract(worker=worker, start_date=datetime.date(2031, 1, 1), end_date=datetime.date(2033, 1, 1),
                        weekly_hours=Decimal("26"))  # fmt: skip

    assert (too_short.value.code, too_short.value.message) == ("cddi_too_short", "Un CDDI dure au moins 4 mois.")
    assert (too_long.value.code, too_long.value.message) == (
        "cddi_too_long", "Un CDDI de plus de 24 mois doit indiquer le motif de la dérogation."
    )  # fmt: skip
    assert Contract.objects.filter(worker=worker).count() == 0
    four_months = create_contract(worker=worker, start_date=datetime.date(2031, 1, 1),
                                  end_date=datetime.date(2031, 4, 30), weekly_hours=Decimal("26"))  # fmt: skip
    assert four_months.end_date == datetime.date(2031, 4, 30)


def test_beyond_24_months_with_a_recorded_reason(structure):
    contract = create_contract(
        worker=WorkerFactory(structure=structure),
        start_date=datetime.date(2031, 1, 1),
        end_date=datetime.date(2033, 6, 30),
        weekly_hours=Decimal("30"),
        extension_reason="  Fin de la formation qualifiante  ",
    )
    assert contract.extension_reason == "Fin de la formation qualifiante"


def test_contracts_of_one_worker_never_overlap(structure):
    worker = WorkerFactory(structure=structure)
    create_contract(worker=worker, start_date=datetime.date(2031, 1, 1), end_date=datetime.date(2031, 6, 30),
                    weekly_hours=Decimal("26"))  # fmt: skip

    with pytest.raises(ContractRefused) as caught:
        create_contract(worker=worker, start_date=datetime.date(2031, 6, 30), end_date=datetime.date(2031, 12, 31),
                        weekly_hours=Decimal("26"))  # fmt: skip

    assert caught.value.message == "Ce contrat chevauche un autre contrat de la même personne."
    assert Contract.objects.filter(worker=worker).count() == 1
    create_contract(worker=worker, start_date=datetime.date(2031, 7, 1), end_date=datetime.date(2031, 12, 31),
                    weekly_hours=Decimal("26"))  # fmt: skip
    assert Contract.objects.filter(worker=worker).count() == 2


@pytest.mark.postgres
def test_postgres_excludes_overlapping_contracts_even_behind_the_actions_back(structure):
    worker = WorkerFactory(structure=structure)
    ContractFactory(worker=worker, start_date=datetime.date(2031, 1, 1), end_date=datetime.date(2031, 6, 30))

    with pytest.raises(IntegrityError) as caught, transaction.atomic():
        ContractFactory(worker=worker, start_date=datetime.date(2031, 6, 30), end_date=datetime.date(2031, 12, 31))

    assert "insertion_contract_no_overlap" in str(caught.value)
    assert connection.vendor == "postgresql"
    ContractFactory(worker=WorkerFactory(structure=structure), start_date=datetime.date(2031, 1, 1),
                    end_date=datetime.date(2031, 6, 30))  # fmt: skip
