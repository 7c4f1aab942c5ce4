"""What jobs sources say: `JobSpec`, the registry of sources, and the marketplace's own source.

A job source turns its own rows into `JobSpec`s, each keyed by (structure, source kind, source
id), and registers itself here (`register_source`); `insertion.jobs.sync` makes the jobs match.
Sources read only the labour snapshotted on their own rows when the sale was confirmed (never the
live catalogue), and `JobSpec.version` digests what a source says, so that a job is touched only
when it changes.
"""

import datetime
import hashlib
import math
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from hub.models import Structure
from insertion.enums import JobSourceKind
from insertion.workdays import next_working_day
from marketplace.enums import FulfilmentStatus, PaymentStatus
from marketplace.models import OrderLine

# Work days are laid out from these half-days; one person does at most a half-day block per job.
HALF_DAYS = ((datetime.time(8, 30), datetime.time(12, 0)), (datetime.time(13, 30), datetime.time(17, 0)))
MAX_HOURS_PER_PERSON = Decimal("3.5")
QUARTER = 15


@dataclass(frozen=True)
class JobSpec:
    """What a source says one job should be. `cancelled` jobs are closed if they exist, never created."""

    structure_id: int
    source_kind: str
    source_id: str
    title: str
    date: datetime.date
    estimated_hours: Decimal
    headcount: int = 1
    required_skill_id: int | None = None
    place_id: int | None = None
    cancelled: bool = False
    start_time: datetime.time | None = None  # None: laid out by `sync_jobs` in the structure's day
    end_time: datetime.time | None = None
    source_label: str = ""  # "La commande CMD-…": how an alert names the source (feminine, singular)

    @property
    def key(self) -> tuple[int, str, str]:
        return (self.structure_id, self.source_kind, self.source_id)

    @property
    def version(self) -> str:
        """A digest of the facts the source gives (not the title, a label that may follow the catalogue)."""
        facts = (
            self.date.isoformat(),
            f"{Decimal(self.estimated_hours):.2f}",
            self.headcount,
            self.required_skill_id,
            self.place_id,
            self.cancelled,
            self.start_time.isoformat() if self.start_time else None,
            self.end_time.isoformat() if self.end_time else None,
        )
        return hashlib.sha1(repr(facts).encode(), usedforsecurity=False).hexdigest()


@dataclass
class SyncResult:
    created: int = 0
    updated: int = 0
    cancelled: int = 0
    unchanged: int = 0
    alerts: int = 0
    touched: list[int] = field(default_factory=list)


JobSourceFn = Callable[..., Iterable[JobSpec]]
_SOURCES: dict[str, JobSourceFn] = {}


def register_source(kind: str, source: JobSourceFn) -> None:
    """Add a source: a callable (structure: Structure | None, week: date | None) → JobSpecs."""
    _SOURCES[kind] = source


def sources() -> dict[str, JobSourceFn]:
    return dict(_SOURCES)


# The marketplace source: paid or confirmed orders of goods or services that need labour ------


def order_job_specs(*, structure: Structure | None = None, week: datetime.date | None = None) -> list[JobSpec]:
    """One preparation job per order and seller of goods: hours = Σ quantity × labour hours per unit.

    Dated the working day after the order's confirmation, at the order's pickup point; the
    skill is the one the lines require (the first line's when they differ). The labour is the one
    snapshotted on the lines when the order was placed, never the offering's current one.
    """
    # Goods only: services (home visits, laundry, trips) become jobs through their bookings' own source.
    # An advance order (a prepaid season) is no work by itself: each basket becomes a delivery job.
    lines = OrderLine.objects.filter(
        is_goods=True, labour_hours_per_unit__gt=0, order__confirmed_at__isnull=False, order__advance_reference=""
    ).filter(
        Q(
            order__fulfilment_status__in=[
                FulfilmentStatus.CONFIRMED,
                FulfilmentStatus.FULFILLED,
                FulfilmentStatus.CLOSED,
                FulfilmentStatus.CANCELLED,
            ]
        )
        | Q(order__payment_status=PaymentStatus.PAID)
    )
    if structure is not None:
        lines = lines.filter(seller=structure)
    if week is not None:
        # The job date is at most a long weekend after confirmation: look a week back.
        start = timezone.make_aware(datetime.datetime.combine(week - datetime.timedelta(days=7), datetime.time()))
        end = timezone.make_aware(datetime.datetime.combine(week + datetime.timedelta(days=7), datetime.time()))
        lines = lines.filter(order__confirmed_at__gte=start, order__confirmed_at__lt=end)
    lines = lines.select_related("order").order_by("order_id", "seller_id", "pk")

    grouped: dict[tuple[int, int], list] = defaultdict(list)
    for line in lines:
        grouped[(line.order_id, line.seller_id)].append(line)
    specs = []
    for (order_id, seller_id), order_lines in grouped.items():
        order = order_lines[0].order
        hours = sum((line.billed_quantity * line.labour_hours_per_unit for line in order_lines), Decimal("0")).quantize(
            Decimal("0.01")
        )
        if hours <= 0:
            hours = Decimal("0.25")  # a weighed line not measured yet still needs someone
        headcount = max(max(line.labour_headcount for line in order_lines), math.ceil(hours / MAX_HOURS_PER_PERSON))
        day = next_working_day(timezone.localtime(order.confirmed_at).date())
        if week is not None and not (week <= day <= week + datetime.timedelta(days=6)):
            continue
        skill_id = next((line.required_skill_id for line in order_lines if line.required_skill_id), None)
        specs.append(
            JobSpec(
                structure_id=seller_id,
                source_kind=JobSourceKind.ORDER,
                source_id=f"{order_id}",
                title=_("Préparation de la commande %(reference)s") % {"reference": order.reference},
                date=day,
                estimated_hours=hours,
                headcount=headcount,
                required_skill_id=skill_id,
                place_id=order.pickup_point_id,
                cancelled=order.fulfilment_status == FulfilmentStatus.CANCELLED,
                source_label=_("La commande %(reference)s") % {"reference": order.reference},
            )
        )
    return specs


register_source(JobSourceKind.ORDER, order_job_specs)
