"""Booking a slot, paying it through a marketplace order, cancelling and rescheduling it."""

import datetime
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from bookings import notify
from bookings.enums import BookingEmail, BookingStatus, LaundryStep
from bookings.exceptions import BookingError, NotAllowed, SlotFull, SlotUnavailable
from bookings.models import (
    Booking,
    BookingTransition,
    CancellationFee,
    OrganisationAccount,
    RecurringBooking,
    Resource,
    ServiceArea,
    Slot,
)
from bookings.perms import can_manage_booking, is_booking_staff
from bookings.selectors import (
    AvailableSlot,
    collection_fee_offering,
    consumes_hours,
    day_anchor,
    find_slot,
    peak_use,
    places_for,
)
from hub import perms
from hub.models import Organisation, Site
from marketplace.actions.checkout import Billing, place_order_for_items
from marketplace.actions.invoicing import issue_order_invoices
from marketplace.actions.payments import record_final_quantity
from marketplace.actions.refunds import cancel_order
from marketplace.enums import FulfilmentStatus, PaymentMethod, PaymentStatus
from marketplace.exceptions import MarketplaceError
from services.enums import OfferingKind, Unit
from services.models import Offering


def hold_minutes() -> int:
    return getattr(settings, "BOOKING_HOLD_MINUTES", 15)


def on_monthly_invoicing(organisation: Organisation | None, offering: Offering, series=None) -> bool:
    """Billed once a month, not booking by booking: laundry of an organisation on account, and
    recurring home visits, invoiced on the hours actually done (DOMAIN.md rule 19)."""
    if series is not None and offering.kind == OfferingKind.HOME_SERVICE:
        return True
    if organisation is None or offering.kind != OfferingKind.LAUNDRY:
        return False
    return OrganisationAccount.objects.filter(organisation=organisation, monthly_invoicing=True).exists()


def _lock_slot(offering: Offering, starts_at: datetime.datetime, ends_at, capacity: Decimal) -> Slot:
    # Create the slot row if missing without racing (a concurrent creator is ignored), then lock it:
    # every booking of this slot waits here, so counting then inserting is safe.
    Slot.objects.bulk_create(
        [Slot(offering=offering, starts_at=starts_at, ends_at=ends_at, capacity=capacity)], ignore_conflicts=True
    )
    slot = Slot.objects.select_for_update(of=("self",)).get(offering=offering, starts_at=starts_at)
    if slot.capacity != capacity:
        Slot.objects.filter(pk=slot.pk).update(capacity=capacity)
        slot.capacity = capacity
    return slot


def _release_expired_holds_of(bookings, *, at) -> None:
    for booking in bookings.filter(status__in=[BookingStatus.HELD, BookingStatus.UNPAID], hold_expires_at__lte=at):
        booking.set_status(BookingStatus.CANCELLED, note=_("Option expirée."), at=at)
        booking.save(update_fields=["status", "cancelled_at"])


def _reserve(
    offering: Offering, available: AvailableSlot, *, places: Decimal, at, exclude: Booking | None = None
) -> Slot:
    """Lock what protects the slot's capacity, release expired holds, check the capacity; the slot row.

    Back-to-back slots lock their own row. Timed visits (home services booked by start time) overlap
    one another: every booking of the day first locks the day's first slot row (always in that order,
    so no deadlock), then counts the most visits at the same time over its own span.
    """
    if not available.timed:
        slot = _lock_slot(offering, available.starts_at, available.ends_at, available.capacity)
        _release_expired_holds_of(Booking.objects.filter(slot=slot), at=at)
        _check_capacity(slot, places=places, at=at, exclude=exclude)
        return slot
    anchor = day_anchor(offering, timezone.localdate(available.starts_at))
    if anchor is None:  # the rules changed since the slot was read
        raise SlotUnavailable(_("Ce créneau n'est pas ouvert à la réservation."))
    _lock_slot(offering, *anchor)
    slot = _lock_slot(offering, available.starts_at, available.ends_at, available.capacity)
    overlapping = Booking.objects.filter(
        offering=offering, starts_at__lt=available.ends_at, ends_at__gt=available.starts_at
    )
    _release_expired_holds_of(overlapping, at=at)
    if exclude is not None:
        overlapping = overlapping.exclude(pk=exclude.pk)
    booked = list(overlapping.occupying(at).values_list("starts_at", "ends_at", "places"))
    if peak_use(booked, available.starts_at, available.ends_at) + places > available.capacity:
        raise SlotFull(_("Toutes les équipes sont prises à cette heure-là. Choisissez une autre heure de début."))
    return slot


def _check_capacity(slot: Slot, *, places: Decimal, at, exclude: Booking | None = None) -> None:
    taken = Booking.objects.filter(slot=slot).occupying(at)
    if exclude is not None:
        taken = taken.exclude(pk=exclude.pk)
    used = taken.aggregate(total=Sum("places"))["total"] or Decimal("0")
    if used + places > slot.capacity:
        raise SlotFull(_("Ce créneau est complet. Choisissez-en un autre."))


def _check_places(offering: Offering, places: Decimal, *, capacity: Decimal) -> None:
    """The quantity's places (see `places_for`) are whole unless they are hours, and fit the slot's capacity."""
    if consumes_hours(offering):
        if places > capacity:
            raise BookingError(
                _("Ce créneau compte %(capacity)s heures d'intervention : vous ne pouvez pas en réserver %(places)s.")
                % {"capacity": f"{capacity.normalize():f}", "places": f"{places.normalize():f}"}
            )
        return
    if places != places.to_integral_value():
        raise BookingError(_("Le nombre de places est un nombre entier."))
    if places > capacity:
        raise BookingError(
            _("Ce créneau compte %(capacity)s place(s) : vous ne pouvez pas en réserver %(places)s.")
            % {"capacity": f"{capacity.normalize():f}", "places": f"{places.normalize():f}"}
        )


def _free_resource(offering: Offering, starts_at, ends_at, *, at, exclude: Booking | None = None) -> Resource | None:
    """The first active resource with no live booking overlapping [starts_at, ends_at) (None if not resource-based)."""
    resources = list(Resource.objects.filter(offering=offering, is_active=True).order_by("name", "pk"))
    if not resources:
        return None
    busy = Booking.objects.occupying(at).filter(resource__in=resources, starts_at__lt=ends_at, ends_at__gt=starts_at)
    if exclude is not None:
        busy = busy.exclude(pk=exclude.pk)
    busy_ids = set(busy.values_list("resource_id", flat=True))
    for resource in resources:
        if resource.pk not in busy_ids:
            return resource
    raise SlotFull(_("Plus aucun véhicule n'est disponible ce jour-là."))


def is_trip(offering: Offering) -> bool:
    """Solidarity transport: priced by the kilometre, from one address to another."""
    return offering.kind == OfferingKind.MOBILITY and offering.unit == Unit.KM


def check_service_area(offering: Offering, postcode: str) -> None:
    """A home visit goes only where the structure works (its postcodes; none listed: anywhere)."""
    if offering.kind != OfferingKind.HOME_SERVICE:
        return
    area = set(ServiceArea.objects.filter(structure_id=offering.structure_id).values_list("postcode", flat=True))
    if not postcode:
        raise BookingError(_("Indiquez l'adresse d'intervention."))
    if area and postcode not in area:
        raise BookingError(
            _("Nous n'intervenons pas encore dans la commune de ce code postal (%(postcode)s).")
            % {"postcode": postcode}
        )


@transaction.atomic
def book(
    *,
    user,
    offering: Offering,
    starts_at: datetime.datetime,
    quantity: Decimal,
    payment_method: str,
    billing: Billing,
    organisation: Organisation | None = None,
    pickup_point: Site | None = None,
    address: str = "",
    postcode: str = "",
    note: str = "",
    destination: str = "",
    series=None,
    collect_at_address: bool = False,
    at: datetime.datetime | None = None,
) -> Booking:
    """Book one slot: capacity is reserved under a lock on the slot row, and the booking is paid by an order.

    The booking is *held* until its order is confirmed (`order_confirmed`): at once for pay-later
    methods, at payment for cards, whose hold expires after BOOKING_HOLD_MINUTES. An
    organisation on monthly invoicing is served on account: its laundry is confirmed at once and
    billed at month end.

    `collect_at_address`: an organisation's laundry is collected and delivered at its address, the
    laundry's collection fee a second line of the same order (of the month's order on account).
    """
    at = at or timezone.now()
    if organisation is not None and not perms.can_order_for_organisation(user, organisation):
        raise NotAllowed(_("Vous n'êtes pas membre de cette organisation."))
    collection_fee = None
    if collect_at_address:
        collection_fee = _collection_fee(offering, organisation)
        address, postcode, pickup_point = "\n".join(organisation.address_lines), organisation.postcode, None
    if quantity <= 0:
        raise BookingError(_("La quantité doit être positive."))
    check_service_area(offering, postcode.strip())
    if is_trip(offering) and not (address.strip() and destination.strip()):
        raise BookingError(_("Indiquez l'adresse de prise en charge et l'adresse d'arrivée."))
    available = find_slot(offering=offering, starts_at=starts_at, at=at)
    if available is None:
        raise SlotUnavailable(_("Ce créneau n'est pas ouvert à la réservation."))
    # A visit booked by its start time is sold at a fixed price for its set length (ADR 0019): its line
    # is final at once, so it may be paid by card when booked.
    fixed = available.timed and consumes_hours(offering)
    if available.timed:
        # A visit booked by its start time: one team for the visit's set duration, sold by the hour.
        places = Decimal("1")
        if consumes_hours(offering):
            quantity = available.hours.quantize(Decimal("0.001"))
    else:
        places = places_for(offering, quantity)
    _check_places(offering, places, capacity=available.capacity)
    slot = _reserve(offering, available, places=places, at=at)
    resource = _free_resource(offering, slot.starts_at, slot.ends_at, at=at)
    if resource is not None and places != 1:
        raise BookingError(
            _("Une réservation porte sur un seul véhicule pour le jour du créneau : réservez chacun à part.")
        )

    booking = Booking(
        offering=offering,
        slot=slot,
        resource=resource,
        customer=user,
        organisation=organisation,
        series=series,
        pickup_point=pickup_point,
        collection_fee=collection_fee,
        starts_at=slot.starts_at,
        ends_at=slot.ends_at,
        places=places,
        quantity=quantity,
        address=address.strip(),
        destination=destination.strip(),
        postcode=postcode.strip(),
        note=note.strip()[:300],
        labour_hours_per_unit=offering.labour_hours_per_unit,
        labour_headcount=offering.labour_headcount,
        required_skill_id=offering.required_skill_id,
        status=BookingStatus.HELD,
        hold_expires_at=at + datetime.timedelta(minutes=hold_minutes())
        if payment_method == PaymentMethod.CARD
        else None,
        laundry_step=LaundryStep.SCHEDULED if offering.kind == OfferingKind.LAUNDRY else "",
        created_at=at,
    )
    monthly = on_monthly_invoicing(organisation, offering, series=series)
    if not monthly:
        items = [(offering, quantity)]
        if collection_fee is not None:
            items.append((collection_fee, Decimal("1")))
        try:
            order = place_order_for_items(
                user=user,
                items=items,
                payment_method=payment_method,
                billing=billing,
                organisation=organisation,
                pickup_point=pickup_point,
                at=at,
                for_booking=True,  # the booking flow: its slots are held by bookings
                at_address=collection_fee is not None,
                fixed=fixed,
            )
        except MarketplaceError as error:
            raise BookingError(error.message) from error
        lines = list(order.lines.order_by("pk"))
        booking.order_line = lines[0]
        booking.collection_line = lines[1] if collection_fee is not None else None
    booking.save()
    BookingTransition.objects.create(
        booking=booking, field="status", from_status="", to_status=BookingStatus.HELD, by=user, at=at
    )
    if monthly:
        note = (
            _("Facturé au mois, sur les heures réalisées.")
            if series is not None and offering.kind == OfferingKind.HOME_SERVICE
            else _("Compte mensuel de l'organisation.")
        )
        booking.set_status(BookingStatus.CONFIRMED, by=user, note=note, at=at)
        booking.save(update_fields=["status", "confirmed_at"])
        if not (series is not None and offering.kind == OfferingKind.HOME_SERVICE):
            # A series of visits is confirmed as a whole, in one e-mail (`create_recurring_booking`).
            notify.booking_email(booking.pk, BookingEmail.CONFIRMED)
    return booking


def _collection_fee(offering: Offering, organisation: Organisation | None) -> Offering:
    """The fee offering of a collection at the organisation's address; refused for a person or a laundry
    that does not collect."""
    if organisation is None:
        raise BookingError(_("La collecte à l'adresse est réservée aux organisations."))
    fee = collection_fee_offering(offering)
    if fee is None:
        raise BookingError(_("Ce service ne propose pas de collecte à l'adresse."))
    return fee


def _order_of(booking: Booking):
    return booking.order_line.order if booking.order_line_id else None


def late_fee_for(booking: Booking, *, at: datetime.datetime | None = None) -> Offering | None:
    """The late-cancellation fee cancelling `booking` now would cost (None when free): inside the
    BOOKING_FREE_CANCELLATION_HOURS window and only if its offering has a fee line. What the
    confirmation page states and what `cancel_booking` charges, from this one rule."""
    at = at or timezone.now()
    if at <= booking.free_cancellation_until:
        return None
    fee = CancellationFee.objects.select_related("fee_offering__structure").filter(offering=booking.offering).first()
    return fee.fee_offering if fee is not None else None


def _locked_open_booking(booking: Booking, *, by, at) -> Booking:
    booking = (
        Booking.objects.select_for_update(of=("self",))
        .select_related("order_line__order", "offering")
        .get(pk=booking.pk)
    )
    if not can_manage_booking(by, booking):
        raise NotAllowed(_("Vous ne pouvez pas annuler cette réservation."))
    if not booking.is_open:
        raise BookingError(_("Cette réservation ne peut plus être annulée."))
    if booking.starts_at <= at:
        raise BookingError(_("Ce créneau est commencé ou passé : il ne peut plus être annulé."))
    return booking


@transaction.atomic
def cancel_booking(*, booking: Booking, by, at: datetime.datetime | None = None, reason: str = "") -> Booking:
    """Cancel a booking: free until BOOKING_FREE_CANCELLATION_HOURS (48 h) before it starts, later with a fee line.

    Its unpaid order is cancelled (invoices credited); a paid one is refunded by the seller's
    staff from the back-office. The late fee is a separate order of the offering's fee line.
    """
    at = at or timezone.now()
    booking = _locked_open_booking(booking, by=by, at=at)
    _cancel_one(booking, by=by, at=at, reason=reason)
    notify.booking_email(booking.pk, BookingEmail.CANCELLED)
    return booking


@transaction.atomic
def cancel_following(*, booking: Booking, by, at: datetime.datetime | None = None, reason: str = "") -> list[Booking]:
    """Cancel a recurring series from this date on (« toutes les suivantes »): this date and every later
    open one, each as `cancel_booking` would (late fee included); the series stops booking new dates,
    and the customer gets one e-mail for them all. Returns the bookings cancelled, in date order."""
    at = at or timezone.now()
    booking = _locked_open_booking(booking, by=by, at=at)
    if booking.series_id is None:
        raise BookingError(_("Cette réservation ne fait pas partie d'une série."))
    series = RecurringBooking.objects.select_for_update(of=("self",)).get(pk=booking.series_id)
    series.is_active = False
    series.ends_on = timezone.localdate(booking.starts_at) - datetime.timedelta(days=1)
    series.save(update_fields=["is_active", "ends_on"])
    later = list(
        Booking.objects.select_for_update(of=("self",))
        .select_related("order_line__order", "offering")
        .filter(series=series, starts_at__gte=booking.starts_at, status__in=BookingStatus.open())
        .order_by("starts_at", "pk")
    )
    for occurrence in later:
        _cancel_one(occurrence, by=by, at=at, reason=reason or _("Série annulée à partir de cette date."))
    notify.booking_email(booking.pk, BookingEmail.SERIES_CANCELLED)
    return later


def _cancel_one(booking: Booking, *, by, at, reason: str) -> None:
    fee_offering = late_fee_for(booking, at=at)
    booking.set_status(BookingStatus.CANCELLED, by=by, note=reason or _("Annulée par la personne."), at=at)
    booking.save(update_fields=["status", "cancelled_at"])
    order = _order_of(booking)
    if (
        order is not None
        and order.fulfilment_status != FulfilmentStatus.CANCELLED
        and order.payment_status == PaymentStatus.UNPAID
    ):
        cancel_order(order=order, by=by, reason=_("Réservation annulée."), at=at)
    if fee_offering is not None:
        booking.cancellation_fee_line = _place_fee_order(booking, fee_offering, order=order, at=at)
        booking.save(update_fields=["cancellation_fee_line"])


def _place_fee_order(booking: Booking, fee_offering: Offering, *, order, at):
    if order is not None and order.payment_method in PaymentMethod.pay_later():
        method = order.payment_method
    else:
        method = PaymentMethod.TRANSFER if booking.organisation_id else PaymentMethod.CASH
    billing = (
        Billing(name=order.billing_name, address=order.billing_address, email=order.billing_email)
        if order is not None
        else billing_for(booking.customer, booking.organisation, address=booking.address or "—")
    )
    try:
        fee_order = place_order_for_items(
            user=booking.customer,
            items=[(fee_offering, Decimal("1"))],
            payment_method=method,
            billing=billing,
            organisation=booking.organisation,
            pickup_point=booking.pickup_point or (order.pickup_point if order else None),
            at=at,
            for_booking=True,  # the booking flow: its slots are held by bookings
            at_address=booking.collection_fee_id is not None,
        )
    except MarketplaceError as error:
        raise BookingError(error.message) from error
    return fee_order.lines.get()


def billing_for(user, organisation: Organisation | None = None, *, address: str = "") -> Billing:
    """Who an order is billed to: the organisation (its address), or the person at the address they give."""
    if organisation is None:
        return Billing(name=user.get_full_name() or user.email, address=address.strip(), email=user.email)
    return Billing(
        name=organisation.name, address="\n".join(organisation.address_lines), email=organisation.email or user.email
    )


@transaction.atomic
def reschedule_booking(
    *, booking: Booking, starts_at: datetime.datetime, by, at: datetime.datetime | None = None
) -> Booking:
    """Move a booking to another slot of the same offering: the same booking and order line, capacity re-checked."""
    at = at or timezone.now()
    booking = Booking.objects.select_for_update(of=("self",)).select_related("offering").get(pk=booking.pk)
    if not can_manage_booking(by, booking):
        raise NotAllowed(_("Vous ne pouvez pas modifier cette réservation."))
    if not booking.is_open or booking.starts_at <= at:
        raise BookingError(_("Cette réservation ne peut plus être déplacée."))
    if booking.laundry_step not in ("", LaundryStep.SCHEDULED):
        raise BookingError(_("Le linge est déjà collecté : la réservation ne peut plus être déplacée."))
    available = find_slot(offering=booking.offering, starts_at=starts_at, at=at, exclude_booking=booking)
    if available is None:
        raise SlotUnavailable(_("Ce créneau n'est pas ouvert à la réservation."))
    slot = _reserve(booking.offering, available, places=booking.places, at=at, exclude=booking)
    resource = _free_resource(booking.offering, slot.starts_at, slot.ends_at, at=at, exclude=booking)
    previous = booking.starts_at
    booking.slot, booking.starts_at, booking.ends_at, booking.resource = slot, slot.starts_at, slot.ends_at, resource
    booking.save(update_fields=["slot", "starts_at", "ends_at", "resource"])
    BookingTransition.objects.create(
        booking=booking,
        field="starts_at",
        from_status=timezone.localtime(previous).strftime("%Y-%m-%d %H:%M"),
        to_status=timezone.localtime(slot.starts_at).strftime("%Y-%m-%d %H:%M"),
        by=by,
        at=at,
        note=_("Réservation déplacée."),
    )
    return booking


@transaction.atomic
def release_expired_holds(*, at: datetime.datetime | None = None) -> int:
    """Cancel held bookings whose card payment did not come in time (they already stopped counting)."""
    at = at or timezone.now()
    count = 0
    for booking in Booking.objects.select_for_update(of=("self",)).filter(
        status__in=[BookingStatus.HELD, BookingStatus.UNPAID], hold_expires_at__lte=at
    ):
        booking.set_status(BookingStatus.CANCELLED, note=_("Option expirée."), at=at)
        booking.save(update_fields=["status", "cancelled_at"])
        count += 1
    return count


@transaction.atomic
def record_actual_hours(*, booking: Booking, hours: Decimal, by) -> Booking:
    """Hours actually worked on a home visit (from validated timesheets, or staff until then): the line is re-priced.

    The order line's final quantity goes through marketplace's `record_final_quantity`, which
    invoices it; the booking is then done. A visit booked by its start time was sold at a fixed price
    for its length: its line is not re-priced.
    """
    booking = (
        Booking.objects.select_for_update(of=("self",))
        .select_related("offering__structure", "order_line")
        .get(pk=booking.pk)
    )
    if not is_booking_staff(by, booking.offering.structure):
        raise NotAllowed(_("Vous ne saisissez pas les heures de cette structure."))
    if not consumes_hours(booking.offering):
        raise BookingError(_("Cette réservation ne se compte pas en heures."))
    if hours <= 0:
        raise BookingError(_("Les heures réalisées doivent être positives."))
    if booking.status not in {BookingStatus.CONFIRMED, BookingStatus.IN_PROGRESS}:
        raise BookingError(_("Seule une intervention confirmée reçoit ses heures réalisées."))
    at = timezone.now()
    booking.final_quantity = hours
    if booking.status == BookingStatus.CONFIRMED:
        booking.set_status(BookingStatus.IN_PROGRESS, by=by, at=at)
    booking.set_status(BookingStatus.DONE, by=by, note=_("%(hours)s h réalisées.") % {"hours": hours}, at=at)
    booking.save(update_fields=["final_quantity", "status", "started_at", "done_at"])
    # A visit sold at a fixed price for its length keeps its price (invoiced at confirmation): its hours are
    # recorded for the team and the tax certificate, not re-priced.
    if booking.order_line_id and booking.order_line.quantity_measured_later:
        try:
            record_final_quantity(line=booking.order_line, quantity=hours, by=by)
        except MarketplaceError as error:
            raise BookingError(error.message) from error
    return booking


@transaction.atomic
def issue_monthly_home_service_invoices(*, year: int, month: int, at: datetime.datetime | None = None) -> list:
    """One order (and invoice) per recurring series and month, on the hours actually done (DOMAIN.md rule 19).

    The visits of a recurring series are confirmed without an order; once their hours are recorded
    they wait here. Idempotent: a billed visit points to its order line, and visits are locked.
    """
    at = at or timezone.now()
    paris = timezone.get_current_timezone()
    start = datetime.datetime(year, month, 1, tzinfo=paris)
    end = datetime.datetime(year + month // 12, month % 12 + 1, 1, tzinfo=paris)
    visits = list(
        Booking.objects.select_for_update(of=("self",))
        .filter(
            offering__kind=OfferingKind.HOME_SERVICE,
            series__isnull=False,
            order_line__isnull=True,
            status=BookingStatus.DONE,
            starts_at__gte=start,
            starts_at__lt=end,
        )
        .select_related("series", "offering", "organisation", "customer")
        .order_by("series_id", "starts_at")
    )
    by_series: dict[int, list[Booking]] = {}
    for visit in visits:
        by_series.setdefault(visit.series_id, []).append(visit)
    orders = []
    for group in by_series.values():
        series = group[0].series
        hours = sum((visit.final_quantity for visit in group), Decimal("0"))
        try:
            order = place_order_for_items(
                user=series.customer,
                items=[(series.offering, hours)],
                payment_method=series.payment_method,
                billing=Billing(name=series.billing_name, address=series.billing_address, email=series.billing_email),
                organisation=series.organisation,
                at=at,
                for_booking=True,  # the booking flow: its slots are held by bookings
                # a client on the URSSAF's immediate advance (the sap app switched the series)
                urssaf_advance=series.payment_method == PaymentMethod.URSSAF,
            )
        except MarketplaceError as error:
            raise BookingError(error.message) from error
        line = order.lines.get()
        Booking.objects.filter(pk__in=[visit.pk for visit in group]).update(order_line=line)
        if line.quantity_measured_later:
            record_final_quantity(line=line, quantity=hours, by=None, issue=False)  # the hours are the final ones
        issue_order_invoices(order=order)
        orders.append(order)
    return orders


@transaction.atomic
def mark_no_show(*, booking: Booking, by, at: datetime.datetime | None = None) -> Booking:
    """The customer did not come (or was not home): the booking ends as a no-show, billed as booked."""
    at = at or timezone.now()
    booking = Booking.objects.select_for_update(of=("self",)).select_related("offering__structure").get(pk=booking.pk)
    if not is_booking_staff(by, booking.offering.structure):
        raise NotAllowed(_("Seule l'équipe de la structure constate une absence."))
    if booking.status != BookingStatus.CONFIRMED or booking.starts_at > at:
        raise BookingError(_("Seule une réservation confirmée dont l'heure est passée peut être notée absente."))
    booking.set_status(BookingStatus.NO_SHOW, by=by, note=_("Client·e absent·e."), at=at)
    booking.save(update_fields=["status"])
    return booking
