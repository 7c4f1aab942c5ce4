"""Impact fixtures built from nothing (never the demo seed): validated timesheet days, assignments to jobs
of any source, contracts in any month, and bookings moved to the state the figures read.

Most figures are read over March 2026 (`MARCH`), the month the other apps' factories work in.
"""

import datetime
from decimal import Decimal

import factory
from django.utils import timezone

from bookings.enums import BookingStatus
from bookings.models import Booking
from impact.figures import Period
from insertion.enums import ContractKind
from insertion.models import Assignment, Contract, TimesheetEntry
from tests.accounts.factories import UserFactory
from tests.insertion.factories import JobFactory

MARCH = Period(2026, 3)
D = datetime.date


class TimesheetEntryFactory(factory.django.DjangoModelFactory):
    """A worker's day, validated (`draft=True`: entered, not yet validated)."""

    class Meta:
        model = TimesheetEntry

    worker = factory.SubFactory("tests.insertion.factories.WorkerFactory")
    date = D(2026, 3, 2)
    hours = Decimal("7.00")
    validated_at = factory.LazyFunction(timezone.now)
    validated_by = factory.SubFactory(UserFactory)

    class Params:
        draft = factory.Trait(validated_at=None, validated_by=None)


def contract(worker, start: datetime.date, end: datetime.date, weekly: str = "26") -> Contract:
    return Contract.objects.create(
        worker=worker, kind=ContractKind.CDDI, start_date=start, end_date=end, weekly_hours=Decimal(weekly)
    )


_slot = iter(range(10_000))


def assign(worker, *, on: datetime.date, hours: str, source_kind: str = "manual", source_id: str | None = None):
    """A job of the worker's structure on that day (its own hour of the day, so none overlaps) and the
    worker on it for `hours`."""
    start = 6 + next(_slot) % 12
    job = JobFactory(
        structure=worker.structure,
        date=on,
        start_time=datetime.time(start),
        end_time=datetime.time(start, 50),
        estimated_hours=Decimal(hours),
        source_kind=source_kind,
        **({"source_id": source_id} if source_id is not None else {}),
    )
    return Assignment.objects.create(job=job, worker=worker, hours=Decimal(hours))


def finish(booking: Booking, *, final: str | None = None, status: str = BookingStatus.DONE) -> Booking:
    """The booking done (or `status`), with its final quantity when given: what the figures read."""
    now = timezone.now()
    Booking.objects.filter(pk=booking.pk).update(
        status=status,
        final_quantity=Decimal(final) if final is not None else None,
        done_at=now if status == BookingStatus.DONE else None,
        confirmed_at=booking.confirmed_at or now,
        cancelled_at=now if status == BookingStatus.CANCELLED else None,
    )
    booking.refresh_from_db()
    return booking
