"""The monthly IAE return (ADR 0031): figures from validated timesheets only, blockers first, one screen,
one CSV and one API answer, for the structure's supervisors and managers only.

March 2026 (MONDAY's month): Anne Alpha works, takes leave and sees a social worker; Bruno Bravo leaves
for a CDI on the 13th; Chloé Charlie's contract ends on the 20th with no exit and no PASS IAE.
"""

import datetime
from decimal import Decimal

import pytest

from insertion.enums import AbsenceKind, ExitReason, ReturnBlocker
from insertion.iae_return import monthly_return
from tests.accounts.factories import UserFactory
from tests.hub.factories import StructureFactory
from tests.insertion.factories import (
    AbsenceFactory,
    ApprovalFactory,
    ContractExitFactory,
    ContractFactory,
    SuspensionFactory,
    TimesheetEntryFactory,
    WorkerFactory,
)

pytestmark = pytest.mark.django_db

APRIL = datetime.date(2026, 4, 15)  # the month of March is over
D = datetime.date


@pytest.fixture
def jardins():
    return StructureFactory(name="Jardins du Tilleul", slug="jardins-tilleul")


@pytest.fixture
def march(jardins):
    """The three workers of the month, and one whose contract ended in February (not in the return)."""
    anne = WorkerFactory(structure=jardins, first_name="Anne", last_name="Alpha", birth_date=D(1990, 5, 4))
    ContractFactory(worker=anne, start_date=D(2026, 1, 1), end_date=D(2026, 6, 30), weekly_hours=Decimal("26"))
    ApprovalFactory(worker=anne, number="999880000001", start_date=D(2025, 12, 1))
    TimesheetEntryFactory(worker=anne, date=D(2026, 3, 2), hours=Decimal("7"), validated=True)
    TimesheetEntryFactory(worker=anne, date=D(2026, 3, 3), hours=Decimal("7"), validated=True)
    TimesheetEntryFactory(worker=anne, date=D(2026, 3, 4), hours=Decimal("7"))  # not validated: left out
    AbsenceFactory(worker=anne, kind=AbsenceKind.LEAVE, start_date=D(2026, 3, 9), end_date=D(2026, 3, 10))
    AbsenceFactory(worker=anne, kind=AbsenceKind.SICKNESS, start_date=D(2026, 3, 16), end_date=D(2026, 3, 16))
    # Seen on a day fully worked: no paid hours on top of the 7 worked.
    AbsenceFactory(worker=anne, kind=AbsenceKind.SOCIAL_APPOINTMENT, start_date=D(2026, 3, 3), end_date=D(2026, 3, 3))
    AbsenceFactory(worker=anne, kind=AbsenceKind.TRAINING, start_date=D(2026, 3, 14), end_date=D(2026, 3, 14))  # Sat

    bruno = WorkerFactory(structure=jardins, first_name="Bruno", last_name="Bravo")
    contract = ContractFactory(worker=bruno, start_date=D(2025, 11, 1), end_date=D(2026, 4, 30))
    ApprovalFactory(worker=bruno, number="999880000002", start_date=D(2025, 10, 1))
    ContractExitFactory(contract=contract, date=D(2026, 3, 13), reason=ExitReason.CDI)
    TimesheetEntryFactory(worker=bruno, date=D(2026, 3, 12), hours=Decimal("6.5"), validated=True)
    TimesheetEntryFactory(worker=bruno, date=D(2026, 3, 16), hours=Decimal("7"), validated=True)  # after his exit

    chloe = WorkerFactory(structure=jardins, first_name="Chloé", last_name="Charlie")
    ContractFactory(worker=chloe, start_date=D(2025, 10, 1), end_date=D(2026, 3, 20), weekly_hours=Decimal("20"))

    gone = WorkerFactory(structure=jardins, first_name="Denis", last_name="Delta")
    ContractFactory(worker=gone, start_date=D(2025, 10, 1), end_date=D(2026, 2, 27))
    TimesheetEntryFactory(worker=WorkerFactory(ready=True), date=D(2026, 3, 2), validated=True)  # another structure
    return {"anne": anne, "bruno": bruno, "chloe": chloe}


def test_rows_from_validated_timesheets_in_the_statements_order(jardins, march):
    result = monthly_return(jardins, 2026, 3, today=APRIL)

    assert [(row.worker.last_name, row.approval.number if row.approval else None) for row in result.rows] == [
        ("Alpha", "999880000001"),
        ("Bravo", "999880000002"),
        ("Charlie", None),
    ]
    anne, bruno, chloe = result.rows
    assert (anne.hours_worked, anne.hours_paid) == (Decimal("14.00"), Decimal("24.40"))  # 14 + 2 × 26/5
    assert anne.absence_days == {"leave": 2, "sickness": 1, "training": 0, "social_appointment": 1}
    assert anne.exit is None
    assert (bruno.hours_worked, bruno.hours_paid, bruno.period_end) == (
        Decimal("6.50"),
        Decimal("6.50"),
        D(2026, 3, 13),
    )
    assert (bruno.exit.date, bruno.exit.category, bruno.exit.reason) == (D(2026, 3, 13), "durable", "cdi")
    assert (chloe.hours_worked, chloe.hours_paid, chloe.period_end) == (
        Decimal("0.00"),
        Decimal("0.00"),
        D(2026, 3, 20),
    )
    assert (result.hours_worked, result.hours_paid, result.exits) == (Decimal("20.50"), Decimal("30.90"), 1)


def test_blockers_listed_before_the_month_can_be_declared(jardins, march):
    result = monthly_return(jardins, 2026, 3, today=APRIL)

    assert [(blocker.code, blocker.message) for blocker in result.blockers] == [
        (ReturnBlocker.UNVALIDATED_HOURS, "Anne Alpha : 1 relevé(s) d'heures non validé(s) (04/03/2026)."),
        (ReturnBlocker.NO_APPROVAL, "Chloé Charlie : aucun PASS IAE pour ce mois."),
        (ReturnBlocker.EXIT_MISSING, "Chloé Charlie : contrat terminé le 20/03/2026 sans sortie enregistrée."),
        (
            ReturnBlocker.HOURS_OUTSIDE_CONTRACT,
            "Bruno Bravo : heures saisies hors contrat, non déclarées (16/03/2026).",
        ),
    ]
    assert result.can_declare is False


def test_once_put_right_the_month_can_be_declared_and_validated_hours_count(jardins, march):
    anne, bruno, chloe = march["anne"], march["bruno"], march["chloe"]
    anne.timesheet.filter(date=D(2026, 3, 4)).update(validated_at=datetime.datetime(2026, 4, 1, tzinfo=datetime.UTC),
                                                      validated_by=UserFactory())  # fmt: skip
    bruno.timesheet.filter(date=D(2026, 3, 16)).delete()
    ApprovalFactory(worker=chloe, number="999880000003", start_date=D(2025, 9, 1))
    ContractExitFactory(contract=chloe.contracts.get(), reason=ExitReason.TRAINING)

    result = monthly_return(jardins, 2026, 3, today=APRIL)

    assert result.blockers == []
    assert result.can_declare is True
    assert result.rows[0].hours_worked == Decimal("21.00")
    assert (result.rows[2].exit.category, result.exits) == ("positive", 2)


def test_expired_or_suspended_pass_iae_and_the_month_not_over(jardins):
    worker = WorkerFactory(structure=jardins, first_name="Eva", last_name="Echo")
    ContractFactory(worker=worker, start_date=D(2026, 1, 1), end_date=D(2026, 6, 30))
    approval = ApprovalFactory(worker=worker, number="999880000004", start_date=D(2024, 3, 11), end_date=D(2026, 3, 10))
    SuspensionFactory(approval=approval, start_date=D(2026, 3, 2), end_date=D(2026, 3, 6), reason="sickness")

    result = monthly_return(jardins, 2026, 3, today=D(2026, 3, 31))

    assert [(blocker.code, blocker.message) for blocker in result.blockers] == [
        (ReturnBlocker.MONTH_NOT_OVER, "Le mois se déclare une fois terminé, à partir du 01/04/2026."),
        (ReturnBlocker.APPROVAL_EXPIRED, "Eva Echo : PASS IAE 99988 00 00004 expiré le 10/03/2026."),
        (
            ReturnBlocker.APPROVAL_SUSPENDED,
            "Eva Echo : PASS IAE 99988 00 00004 suspendu du 02/03/2026 au 06/03/2026 (Arrêt maladie).",
        ),
    ]


def test_a_renewal_is_two_rows_and_no_missing_exit(jardins):
    worker = WorkerFactory(structure=jardins, first_name="Fanny", last_name="Foxtrot")
    ApprovalFactory(worker=worker, start_date=D(2025, 6, 1))
    ContractFactory(worker=worker, start_date=D(2025, 11, 16), end_date=D(2026, 3, 15))
    ContractFactory(worker=worker, start_date=D(2026, 3, 16), end_date=D(2026, 9, 15))
    TimesheetEntryFactory(worker=worker, date=D(2026, 3, 13), hours=Decimal("4"), validated=True)
    TimesheetEntryFactory(worker=worker, date=D(2026, 3, 16), hours=Decimal("5"), validated=True)

    result = monthly_return(jardins, 2026, 3, today=APRIL)

    assert [(row.period_start, row.period_end, row.hours_worked) for row in result.rows] == [
        (D(2026, 3, 1), D(2026, 3, 15), Decimal("4.00")),
        (D(2026, 3, 16), D(2026, 3, 31), Decimal("5.00")),
    ]
    assert result.blockers == []


def _crew(structure, count: int) -> None:
    for index in range(count):
        worker = WorkerFactory(structure=structure)
        ContractFactory(worker=worker, start_date=D(2026, 1, 1), end_date=D(2026, 3, 10 + index))
        ApprovalFactory(worker=worker, start_date=D(2025, 12, 1))
        AbsenceFactory(worker=worker, start_date=D(2026, 3, 2), end_date=D(2026, 3, 3))
        TimesheetEntryFactory(worker=worker, date=D(2026, 3, 4), validated=True)
        TimesheetEntryFactory(worker=worker, date=D(2026, 3, 25))  # after the contract: a blocker


@pytest.mark.parametrize("count", [2, 6])
def test_queries_do_not_grow_with_the_workers(jardins, count, django_assert_max_num_queries):
    _crew(jardins, count)

    with django_assert_max_num_queries(7):
        result = monthly_return(jardins, 2026, 3, today=APRIL)

    assert len(result.rows) == count
    assert len(result.blockers) == 2 * count  # hours outside the contract, and no exit
