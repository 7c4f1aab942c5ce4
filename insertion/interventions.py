"""Who worked on each home visit billed on an order line: the interventions an SAP invoice lists and
the annual tax certificate sums up (REFERENCE.md §3.3–3.4: the worker's name and identification
number, the date and the hours). Registered with `marketplace.interventions` in AppConfig.ready().

These are the only places a customer sees worker data (DOMAIN.md rule 19): nothing else may print
them on a page, an e-mail or an API response.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from bookings.enums import BookingStatus
from bookings.models import Booking
from insertion.enums import JobSourceKind
from insertion.models import Assignment
from services.enums import OfferingKind, Unit

CENT = Decimal("0.01")
GONE = {BookingStatus.CANCELLED, BookingStatus.NO_SHOW}


@dataclass(frozen=True)
class Intervention:
    """One worker's part of one visit billed on an order line."""

    order_line_id: int
    day: datetime.date
    hours: Decimal
    worker_name: str
    worker_identifier: str


def interventions_for_order_lines(order_line_ids: Iterable[int]) -> dict[int, list[Intervention]]:
    """{order line id: its interventions, by day then worker}; lines without any are left out.

    The home-service bookings billed on each line (not cancelled, not missed), their jobs (not
    cancelled) and the workers assigned. A visit's hours are the booking's billed quantity (its
    final quantity once known; for an offering not sold by the hour, times its labour per unit),
    shared among its workers in proportion to their assignments' hours, to the cent, the last
    worker taking the rounding so the parts add up. A visit nobody is assigned to lists nothing.
    Two queries, whatever the number of lines.
    """
    ids = list(order_line_ids)
    if not ids:
        return {}
    bookings = {
        str(row["pk"]): row
        for row in Booking.objects.filter(order_line_id__in=ids, offering__kind=OfferingKind.HOME_SERVICE)
        .exclude(status__in=GONE)
        .values(
            "pk",
            "order_line_id",
            "quantity",
            "final_quantity",
            "labour_hours_per_unit",
            "offering__unit",
            "offering__structure_id",
        )
    }
    if not bookings:
        return {}
    assignments = (
        Assignment.objects.live()
        .filter(job__source_kind=JobSourceKind.BOOKING, job__source_id__in=list(bookings))
        .select_related("job", "worker")
        .order_by("job_id", "pk")
    )
    per_job: dict[int, list[Assignment]] = defaultdict(list)
    for assignment in assignments:
        booking = bookings[assignment.job.source_id]
        # A booking's job belongs to the structure that sold it (source ids are unique per structure).
        if assignment.job.structure_id == booking["offering__structure_id"]:
            per_job[assignment.job_id].append(assignment)

    result: dict[int, list[Intervention]] = defaultdict(list)
    for job_assignments in per_job.values():
        job = job_assignments[0].job
        booking = bookings[job.source_id]
        for assignment, hours in zip(job_assignments, _shares(_visit_hours(booking), job_assignments), strict=True):
            result[booking["order_line_id"]].append(
                Intervention(
                    order_line_id=booking["order_line_id"],
                    day=job.date,
                    hours=hours,
                    worker_name=assignment.worker.full_name,
                    worker_identifier=assignment.worker.identifier,
                )
            )
    return {
        line_id: sorted(items, key=lambda i: (i.day, i.worker_name, i.worker_identifier))
        for line_id, items in result.items()
    }


def _visit_hours(booking: dict) -> Decimal:
    quantity = booking["final_quantity"] if booking["final_quantity"] is not None else booking["quantity"]
    if booking["offering__unit"] != Unit.HOUR:
        quantity *= booking["labour_hours_per_unit"]
    return quantity.quantize(CENT)


def _shares(total: Decimal, assignments: list[Assignment]) -> list[Decimal]:
    """`total` shared in proportion to each assignment's hours, to the cent, adding up exactly."""
    planned = sum((a.hours for a in assignments), Decimal("0"))
    shares = [(total * a.hours / planned).quantize(CENT) for a in assignments[:-1]]
    return [*shares, total - sum(shares, Decimal("0"))]
