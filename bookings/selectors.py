"""Reads of availability: the slots of an offering over a date range, in a constant number of queries."""

import datetime
import re
from dataclasses import dataclass
from decimal import Decimal
from functools import cache

import holidays
from django.db.models import Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from bookings.enums import BookingStatus
from bookings.models import Booking, Closure, CollectionFee, OpeningRule, Resource
from hub import money
from marketplace.actions.cart import CartLine, CartSummary
from marketplace.actions.checkout import available_payment_methods, price_items
from marketplace.enums import PaymentMethod
from marketplace.models import CartItem, Order
from services.enums import OfferingKind, Unit
from services.models import Offering

MAX_RANGE_DAYS = 62


@dataclass(frozen=True)
class AvailableSlot:
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    capacity: Decimal
    used: Decimal
    # A visit booked by its start time (home services): its capacity counts visits at the same time.
    timed: bool = False

    @property
    def hours(self) -> Decimal:
        """How long the slot lasts, in hours (a timed visit's price is its hours × the hourly rate)."""
        return Decimal((self.ends_at - self.starts_at).total_seconds()) / Decimal("3600")

    @property
    def remaining(self) -> Decimal:
        return max(self.capacity - self.used, Decimal("0"))

    @property
    def is_full(self) -> bool:
        return self.remaining <= 0


@cache
def _french_holidays(year: int) -> frozenset[datetime.date]:
    return frozenset(holidays.country_holidays("FR", years=year))


def is_public_holiday(day: datetime.date) -> bool:
    return day in _french_holidays(day.year)


def consumes_hours(offering: Offering) -> bool:
    """Offerings sold by the hour use team hours; everything else uses places."""
    return offering.unit == Unit.HOUR


# Sold by a measure of one place: the quantity is the weight or distance estimated (a laundry pickup,
# a trip with one driver), never more places.
MEASURED_UNITS = {Unit.KG, Unit.KM}


def places_for(offering: Offering, quantity: Decimal) -> Decimal:
    """What a booking of `quantity` takes from its slot's capacity — which is what its quantity means:

    - by the hour (home services): hours, counted against the slot's team hours;
    - by the kilo or the kilometre (laundry, trips): one place, the quantity being the estimate;
    - anything else (seats at a session, a vehicle for the slot's day): the quantity *is* places.
    """
    if consumes_hours(offering):
        return quantity
    if offering.unit in MEASURED_UNITS:
        return Decimal("1")
    return quantity


def cart_refusals(offerings: list[Offering]) -> dict[int, str]:
    """The cart's rule (`marketplace.cart_rules`): an offering with opening rules is booked on a slot, on
    its own page, where capacity is checked; the cart refuses it with a sentence saying where to go."""
    bookable = set(
        OpeningRule.objects.filter(offering__in=[o.pk for o in offerings]).values_list("offering_id", flat=True)
    )
    return {
        offering.pk: _("« %(name)s » se réserve sur un créneau, pas au panier : réservez-le sur sa page %(url)s.")
        % {"name": offering.name, "url": reverse("bookings:calendar", args=[offering.slug])}
        for offering in offerings
        if offering.pk in bookable
    }


def _slots_of_rule(rule: OpeningRule, day: datetime.date):
    """The rule's slots of `day`: back to back, or (a visit duration set) a start every `slot_minutes`."""
    start = timezone.make_aware(datetime.datetime.combine(day, rule.start_time))
    end_of_day = timezone.make_aware(datetime.datetime.combine(day, rule.end_time))
    step = datetime.timedelta(minutes=rule.slot_minutes)
    length = datetime.timedelta(minutes=rule.visit_minutes) if rule.visit_minutes else step
    while start + length <= end_of_day:
        yield start, start + length
        start += step


def is_timed(offering: Offering) -> bool:
    """Booked by its start time, for a set duration (home services): its rules give a visit duration."""
    return OpeningRule.objects.filter(offering=offering, visit_minutes__isnull=False).exists()


def day_anchor(offering: Offering, day: datetime.date) -> tuple[datetime.datetime, datetime.datetime, Decimal] | None:
    """The first slot of `day` (start, end, capacity) of a timed offering: the row every booking of that day
    locks, since its visits overlap one another (None if the offering does not open that day)."""
    firsts = []
    for rule in OpeningRule.objects.filter(offering=offering, visit_minutes__isnull=False):
        first = next(_slots_of_rule(rule, day), None) if rule.applies_on(day) else None
        if first is not None:
            firsts.append((*first, rule.capacity))
    return min(firsts, default=None)


def peak_use(bookings, starts_at: datetime.datetime, ends_at: datetime.datetime) -> Decimal:
    """The most capacity used at any moment of [starts_at, ends_at) by `bookings` ((start, end, places)):
    what is used only changes when a booking starts, so those moments are enough."""
    overlapping = [(start, end, places) for start, end, places in bookings if start < ends_at and end > starts_at]
    moments = {starts_at} | {start for start, _end, _places in overlapping if start > starts_at}
    return max(
        (sum((p for s, e, p in overlapping if s <= moment < e), Decimal("0")) for moment in moments),
        default=Decimal("0"),
    )


def available_slots(
    *,
    offering: Offering,
    start: datetime.date,
    end: datetime.date,
    at: datetime.datetime | None = None,
    exclude_booking: Booking | None = None,
) -> list[AvailableSlot]:
    """Every future slot of `offering` from `start` to `end` included, with its capacity and what is used.

    French public holidays and closures are skipped; expired holds do not count. Four queries,
    whatever the range: rules, closures, resources, usage.
    """
    at = at or timezone.now()
    end = min(end, start + datetime.timedelta(days=MAX_RANGE_DAYS))
    rules = list(OpeningRule.objects.filter(offering=offering))
    if not rules or end < start:
        return []
    closures = list(
        Closure.objects.filter(structure_id=offering.structure_id, start_date__lte=end, end_date__gte=start)
        .filter(Q(offering__isnull=True) | Q(offering=offering))
        .values_list("start_date", "end_date")
    )
    resources = Resource.objects.filter(offering=offering, is_active=True).count()
    range_start = timezone.make_aware(datetime.datetime.combine(start, datetime.time.min))
    range_end = timezone.make_aware(datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min))
    usage_query = Booking.objects.filter(offering=offering, starts_at__gte=range_start, starts_at__lt=range_end)
    if exclude_booking is not None:
        usage_query = usage_query.exclude(pk=exclude_booking.pk)
    timed = any(rule.visit_minutes for rule in rules)
    if timed:
        # Visits overlap: what a start time has left is the peak use over the visit it would start.
        booked = list(usage_query.occupying(at).values_list("starts_at", "ends_at", "places"))
        usage: dict = {}
    else:
        booked, usage = (
            [],
            dict(
                usage_query.occupying(at)
                .values("starts_at")
                .annotate(used=Sum("places"))
                .values_list("starts_at", "used")
            ),
        )

    slots = []
    day = start
    while day <= end:
        closed = is_public_holiday(day) or any(first <= day <= last for first, last in closures)
        if not closed:
            for rule in rules:
                if not rule.applies_on(day):
                    continue
                capacity = rule.capacity if not resources else min(rule.capacity, Decimal(resources))
                for slot_start, slot_end in _slots_of_rule(rule, day):
                    if slot_start <= at:
                        continue
                    used = peak_use(booked, slot_start, slot_end) if timed else usage.get(slot_start) or Decimal("0")
                    slots.append(AvailableSlot(slot_start, slot_end, capacity, Decimal(used), timed=bool(timed)))
        day += datetime.timedelta(days=1)
    slots.sort(key=lambda slot: slot.starts_at)
    return slots


def find_slot(
    *, offering: Offering, starts_at: datetime.datetime, at=None, exclude_booking=None
) -> AvailableSlot | None:
    day = timezone.localdate(starts_at)
    for slot in available_slots(offering=offering, start=day, end=day, at=at, exclude_booking=exclude_booking):
        if slot.starts_at == starts_at:
            return slot
    return None


def bookable_offerings():
    """Offerings with at least one opening rule (what the booking pages list)."""
    return Offering.objects.active().filter(opening_rules__isnull=False).distinct().select_related("structure")


def payment_methods_for(offering: Offering, *, organisations, timed: bool = False) -> list[str]:
    """Methods a booking of this offering may be paid with, for the person or one of their organisations.

    `timed`: booked by start time, a visit sold at a fixed price for its length (card allowed)."""
    line = CartLine(
        CartItem(offering=offering, quantity=Decimal("1")),
        offering.price,
        offering.price,
        money.quantize(offering.price),
        Decimal("0"),
        fixed=timed,
    )
    summary = CartSummary(lines=[line], by_structure={offering.structure: [line]})
    allowed = set(available_payment_methods(summary=summary, organisation=None))
    if organisations:
        # The rules only tell a person from an organisation: one organisation stands for all.
        allowed |= set(available_payment_methods(summary=summary, organisation=organisations[0]))
    return [method for method in PaymentMethod.values if method in allowed]


def week_days(monday: datetime.date) -> list[datetime.date]:
    return [monday + datetime.timedelta(days=n) for n in range(7)]


def laundry_week(*, structure_ids, monday: datetime.date):
    """The laundry pickups of a week for the structures' staff: one query with what the page shows."""
    start = timezone.make_aware(datetime.datetime.combine(monday, datetime.time.min))
    end = start + datetime.timedelta(days=7)
    return (
        Booking.objects.filter(
            offering__structure_id__in=structure_ids,
            offering__kind=OfferingKind.LAUNDRY,
            starts_at__gte=start,
            starts_at__lt=end,
        )
        .exclude(status=BookingStatus.CANCELLED)
        .select_related("offering", "organisation", "customer", "pickup_point", "collection_fee")
        .order_by("starts_at", "pk")
    )


def collection_fee_offering(offering: Offering) -> Offering | None:
    """The fee charged to collect an organisation's laundry at its address and deliver it back (None when
    the laundry offers no collection, or for the fee offering itself)."""
    if offering.kind != OfferingKind.LAUNDRY or offering.unit == Unit.DELIVERY:
        return None
    fee = (
        CollectionFee.objects.select_related("fee_offering__structure")
        .filter(structure_id=offering.structure_id, fee_offering__is_active=True)
        .first()
    )
    return fee.fee_offering if fee is not None else None


@dataclass(frozen=True)
class Estimate:
    """What a booking will cost, before it is confirmed: its lines and totals (weighed laundry is re-priced
    at the kilos weighed, so this is an estimate)."""

    lines: list
    total_excl: Decimal
    total_vat: Decimal
    total_incl: Decimal
    measured_later: bool


def booking_estimate(
    *, user, offering: Offering, quantity: Decimal, organisation=None, collection_fee: Offering | None = None
) -> Estimate:
    """The price of a booking as its order will charge it (`marketplace` prices it), the collection fee
    included when the laundry is collected at the organisation's address."""
    items = [(offering, quantity)]
    if collection_fee is not None:
        items.append((collection_fee, Decimal("1")))
    summary = price_items(user=user, items=items, organisation=organisation)
    return Estimate(
        lines=summary.lines,
        total_excl=summary.total_excl,
        total_vat=summary.total_vat,
        total_incl=summary.total_incl,
        measured_later=offering.quantity_measured_later,
    )


@dataclass(frozen=True)
class VisitPrice:
    """What a home visit costs, shown before it is confirmed: its hours at the hourly rate, and for a
    service à la personne the 50 % tax credit apart (DOMAIN.md rule 19, as the free quote counts it)."""

    hours: Decimal
    rate: Decimal
    total: Decimal
    tax_credit: Decimal | None

    @property
    def after_tax_credit(self) -> Decimal | None:
        return None if self.tax_credit is None else self.total - self.tax_credit


def visit_price(*, offering: Offering, hours: Decimal, user, organisation=None) -> VisitPrice:
    """The price of `hours` of `offering` for this buyer, as its order will charge it (`marketplace` prices
    it, a person's verified solidarity price included)."""
    line = price_items(user=user, items=[(offering, hours)], organisation=organisation).lines[0]
    return VisitPrice(
        hours=hours,
        rate=line.unit_price,
        total=line.total_incl,
        tax_credit=money.quantize(line.total_incl / 2) if offering.sap_eligible else None,
    )


POSTCODE = re.compile(r"\b(\d{5})\b")


def last_visit_address(user) -> tuple[str, str]:
    """Where the person's last home visit took place (address, postcode), else the address their last
    order was billed to: what the booking form offers first (one query, or two)."""
    if not user.is_authenticated:
        return "", ""
    last = (
        Booking.objects.filter(customer=user, organisation__isnull=True, offering__kind=OfferingKind.HOME_SERVICE)
        .exclude(address="")
        .order_by("-created_at", "-pk")
        .values_list("address", "postcode")
        .first()
    )
    if last is not None:
        return last
    billed = (
        Order.objects.filter(customer=user, organisation__isnull=True)
        .exclude(billing_address="")
        .order_by("-placed_at", "-pk")
        .values_list("billing_address", flat=True)
        .first()
    )
    if not billed:
        return "", ""
    match = POSTCODE.search(billed)
    return ", ".join(line.strip() for line in billed.splitlines() if line.strip()), match.group(1) if match else ""
