"""Jobs born from bookings (DOMAIN.md rule 15), and actual hours reported back to them.

A confirmed booking whose offering needs labour becomes one job at the booking's time: a home
visit, a laundry pickup, a vehicle hand-over, a training session. When timesheets are validated,
the hours actually worked on home visits go back to `bookings.record_actual_hours`, which
re-prices and invoices them (hour-based invoicing of services à la personne).
"""

import datetime
import math
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from bookings.actions.booking import record_actual_hours
from bookings.enums import BookingStatus
from bookings.models import Booking
from hub.models import Skill, Structure
from insertion.enums import JobSourceKind, JobStatus
from insertion.jobs import MAX_HOURS_PER_PERSON, JobSpec, register_source
from insertion.models import Assignment, Job, TimesheetEntry
from services.enums import OfferingKind
from subscriptions.enums import DeliveryStatus
from subscriptions.models import Delivery

LIVE = {BookingStatus.CONFIRMED, BookingStatus.IN_PROGRESS, BookingStatus.DONE}
GONE = {BookingStatus.CANCELLED, BookingStatus.NO_SHOW}
TITLES = {
    OfferingKind.HOME_SERVICE: _("Intervention à domicile : %(name)s (%(place)s)"),
    OfferingKind.LAUNDRY: _("Blanchisserie : %(name)s (%(place)s)"),
    OfferingKind.MOBILITY: _("Mobilité : %(name)s (%(place)s)"),
    OfferingKind.TRAINING: _("Formation : %(name)s (%(place)s)"),
}


def booking_job_specs(*, structure: Structure | None = None, week: datetime.date | None = None) -> list[JobSpec]:
    """One job per confirmed booking that needs labour, from the labour snapshotted on the booking."""
    bookings = Booking.objects.filter(
        status__in=LIVE | GONE, labour_hours_per_unit__gt=0, confirmed_at__isnull=False
    ).select_related("offering", "organisation")
    if structure is not None:
        bookings = bookings.filter(offering__structure=structure)
    if week is not None:
        start = timezone.make_aware(datetime.datetime.combine(week, datetime.time()))
        bookings = bookings.filter(starts_at__gte=start, starts_at__lt=start + datetime.timedelta(days=7))
    specs = []
    for booking in bookings.order_by("pk"):
        offering = booking.offering
        quantity = booking.final_quantity if booking.final_quantity is not None else booking.quantity
        hours = (quantity * booking.labour_hours_per_unit).quantize(Decimal("0.01")) or Decimal("0.25")
        starts, window_end = timezone.localtime(booking.starts_at), timezone.localtime(booking.ends_at)
        headcount = max(booking.labour_headcount, math.ceil(hours / MAX_HOURS_PER_PERSON))
        # The booking may give a window (a home visit "in the morning"): the job lasts its hours.
        ends = min(window_end, starts + datetime.timedelta(minutes=math.ceil(hours * 60 / headcount)))
        place = booking.postcode or (booking.organisation.name if booking.organisation else "")
        title = TITLES.get(offering.kind, _("%(name)s (%(place)s)")) % {"name": offering.name, "place": place or "—"}
        specs.append(
            JobSpec(
                structure_id=offering.structure_id,
                source_kind=JobSourceKind.BOOKING,
                source_id=str(booking.pk),
                title=title[:150],
                date=starts.date(),
                estimated_hours=hours,
                headcount=headcount,
                required_skill_id=booking.required_skill_id,
                place_id=booking.pickup_point_id,
                cancelled=booking.status in GONE,
                start_time=starts.time() if starts.date() == ends.date() and ends > starts else None,
                end_time=ends.time() if starts.date() == ends.date() and ends > starts else None,
                source_label=_("La réservation n° %(number)s (%(name)s)")
                % {"number": booking.pk, "name": offering.name},
            )
        )
    return specs


register_source(JobSourceKind.BOOKING, booking_job_specs)


def report_actual_hours(*, structure: Structure, start: datetime.date, end: datetime.date, by) -> int:
    """Home visits of validated days get their actual hours; returns how many bookings were reported.

    Timesheets hold a worker's hours per day, not per job: each worker's actual day is shared
    among that day's jobs in proportion to the hours planned on them.
    """
    jobs = Job.objects.filter(
        structure=structure, source_kind=JobSourceKind.BOOKING, date__gte=start, date__lte=end
    ).exclude(status=JobStatus.CANCELLED)
    reported = 0
    for job in jobs:
        booking = Booking.objects.select_related("offering").filter(pk=int(job.source_id)).first()
        if (
            booking is None
            or booking.offering.kind != OfferingKind.HOME_SERVICE
            or not booking.offering.quantity_measured_later
            or booking.final_quantity is not None
            or booking.status not in LIVE
        ):
            continue
        actual = Decimal("0")
        assignments = list(Assignment.objects.live().filter(job=job))
        if not assignments:
            continue
        for assignment in assignments:
            entry = TimesheetEntry.objects.filter(
                worker=assignment.worker, date=job.date, validated_at__isnull=False
            ).first()
            if entry is None:
                break  # a day not validated yet: report later
            planned = sum(
                (a.hours for a in Assignment.objects.live().filter(worker=assignment.worker, job__date=job.date)),
                Decimal("0"),
            )
            actual += assignment.hours * entry.hours / planned if planned else Decimal("0")
        else:
            if actual > 0:
                record_actual_hours(booking=booking, hours=actual.quantize(Decimal("0.01")), by=by)
                reported += 1
    return reported


# --- Distribution days of basket subscriptions ----------------------------------------------------

ROUND_BASE_HOURS = Decimal("1.00")  # loading, driving to the pickup point and back
ROUND_HOURS_PER_BASKET = Decimal("0.02")  # handing each basket over


def delivery_job_specs(*, structure: Structure | None = None, week: datetime.date | None = None) -> list[JobSpec]:
    """Per distribution day and pickup point: one packing job and one delivery round (DOMAIN.md rule 15).

    A day whose baskets are all skipped or cancelled cancels both jobs. Packing reads the labour
    snapshotted on each delivery when it was generated; the round's rates are the constants above.
    """
    deliveries = Delivery.objects.select_related("subscription__plan__offering", "subscription__pickup_point")
    if structure is not None:
        deliveries = deliveries.filter(subscription__plan__offering__structure=structure)
    if week is not None:
        deliveries = deliveries.filter(date__gte=week, date__lt=week + datetime.timedelta(days=7))
    live_statuses = {DeliveryStatus.PLANNED, DeliveryStatus.DELIVERED, DeliveryStatus.UNPAID}
    groups: dict[tuple[int, datetime.date, int], list] = {}
    for delivery in deliveries.order_by("date", "pk"):
        offering = delivery.subscription.plan.offering
        key = (offering.structure_id, delivery.date, delivery.subscription.pickup_point_id)
        groups.setdefault(key, []).append(delivery)
    specs = []
    driving_skill_id = _driving_skill_id() if groups else None
    for (structure_id, day, site_id), group in sorted(groups.items()):
        live = [d for d in group if d.status in live_statuses]
        site = group[0].subscription.pickup_point
        packing_hours = sum((d.labour_hours for d in live), Decimal("0"))
        packing_skill = next((d.required_skill_id for d in group if d.required_skill_id), None)
        common = {
            "structure_id": structure_id,
            "source_kind": JobSourceKind.DELIVERY,
            "date": day,
            "place_id": site_id,
            "source_label": _("La distribution du %(date)s à %(place)s") % {"date": f"{day:%d/%m}", "place": site.name},
        }
        specs.append(
            JobSpec(
                **common,
                source_id=f"pack-{day:%Y%m%d}-{site_id}",
                title=ngettext(
                    "Préparation de %(count)s panier pour %(place)s",
                    "Préparation de %(count)s paniers pour %(place)s",
                    len(live),
                )
                % {"count": len(live), "place": site.name},
                estimated_hours=packing_hours.quantize(Decimal("0.01")) or Decimal("0.25"),
                headcount=max(1, math.ceil(packing_hours / MAX_HOURS_PER_PERSON)),
                required_skill_id=packing_skill,
                cancelled=not live,
            )
        )
        specs.append(
            JobSpec(
                **common,
                source_id=f"round-{day:%Y%m%d}-{site_id}",
                title=_("Tournée de distribution : %(place)s") % {"place": site.name},
                estimated_hours=(ROUND_BASE_HOURS + ROUND_HOURS_PER_BASKET * len(live)).quantize(Decimal("0.01")),
                headcount=1,
                required_skill_id=driving_skill_id,
                cancelled=not live,
            )
        )
    return specs


def _driving_skill_id() -> int | None:
    return Skill.objects.filter(slug="conduite-vl").values_list("pk", flat=True).first()


register_source(JobSourceKind.DELIVERY, delivery_job_specs)
