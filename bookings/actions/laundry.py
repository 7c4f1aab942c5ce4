"""Laundry rounds: recurring pickups, the steps from collection to delivery, and monthly invoices on account."""

import datetime
from collections import defaultdict
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bookings import notify
from bookings.actions.booking import book
from bookings.enums import BookingEmail, BookingStatus, LaundryStep
from bookings.exceptions import BookingError, NotAllowed
from bookings.models import LAUNDRY, Booking, MonthlyStatement, OrganisationAccount, RecurringBooking
from bookings.perms import is_booking_staff
from hub import perms
from hub.enums import Frequency
from hub.models import Organisation, Site
from marketplace.actions.checkout import Billing, place_order_for_items
from marketplace.actions.invoicing import issue_order_invoices
from marketplace.actions.payments import record_final_quantity
from marketplace.enums import PaymentMethod
from marketplace.exceptions import MarketplaceError
from services.enums import OfferingKind, Unit
from services.models import Offering


def weeks_ahead() -> int:
    return getattr(settings, "BOOKING_RECURRING_WEEKS_AHEAD", 4)


@transaction.atomic
def create_recurring_booking(
    *,
    user,
    offering: Offering,
    first_starts_at: datetime.datetime,
    frequency: str,
    quantity: Decimal,
    payment_method: str,
    billing: Billing,
    organisation: Organisation | None = None,
    pickup_point: Site | None = None,
    ends_on: datetime.date | None = None,
    address: str = "",
    postcode: str = "",
    note: str = "",
    collect_at_address: bool = False,
    at: datetime.datetime | None = None,
) -> RecurringBooking:
    """A weekly or fortnightly booking; its first occurrences are booked at once (the first one must succeed)."""
    at = at or timezone.now()
    if organisation is not None and not perms.can_order_for_organisation(user, organisation):
        raise NotAllowed(_("Vous n'êtes pas membre de cette organisation."))
    if frequency not in Frequency.values:
        raise BookingError(_("Fréquence inconnue."))
    if offering.kind == OfferingKind.HOME_SERVICE and payment_method == PaymentMethod.CARD:
        # Invoiced each month on the hours done (`issue_monthly_home_service_invoices`): no card at booking.
        raise BookingError(
            _(
                "Les visites régulières sont facturées chaque mois, sur les heures réalisées : choisissez un "
                "règlement à réception de la facture."
            )
        )
    series = RecurringBooking.objects.create(
        offering=offering,
        customer=user,
        organisation=organisation,
        frequency=frequency,
        first_starts_at=first_starts_at,
        ends_on=ends_on,
        quantity=quantity,
        payment_method=payment_method,
        pickup_point=None if collect_at_address else pickup_point,
        collected_at_address=collect_at_address,
        billing_name=billing.name,
        billing_address=billing.address,
        billing_email=billing.email,
        address=address.strip(),
        postcode=postcode.strip(),
        note=note.strip()[:300],
        created_at=at,
    )
    # The first occurrence is the one the person picked: refuse the whole series if it fails.
    first = _book_occurrence(series, first_starts_at, at=at)
    generate_occurrences(series=series, at=at)
    if offering.kind == OfferingKind.HOME_SERVICE:
        # Home visits are confirmed as a series: one e-mail listing its dates, not one per date.
        notify.booking_email(first.pk, BookingEmail.SERIES_CONFIRMED)
    return series


def _occurrence_starts(series: RecurringBooking, *, until: datetime.date):
    local = timezone.localtime(series.first_starts_at)
    step = datetime.timedelta(weeks=Frequency(series.frequency).weeks)
    day = local.date()
    while day <= until and (series.ends_on is None or day <= series.ends_on):
        # Same wall-clock time each week, across daylight-saving changes.
        yield timezone.make_aware(datetime.datetime.combine(day, local.time()))
        day += step


def _book_occurrence(series: RecurringBooking, starts_at: datetime.datetime, *, at) -> Booking:
    return book(
        user=series.customer,
        offering=series.offering,
        starts_at=starts_at,
        quantity=series.quantity,
        payment_method=series.payment_method,
        billing=Billing(name=series.billing_name, address=series.billing_address, email=series.billing_email),
        organisation=series.organisation,
        pickup_point=series.pickup_point,
        address=series.address,
        postcode=series.postcode,
        note=series.note,
        series=series,
        collect_at_address=series.collected_at_address,
        at=at,
    )


@transaction.atomic
def generate_occurrences(*, series: RecurringBooking, at: datetime.datetime | None = None) -> int:
    """Book the series' slots of the next BOOKING_RECURRING_WEEKS_AHEAD weeks; run twice, books nothing new.

    A slot that is closed (public holiday, closure) or full is skipped.
    """
    at = at or timezone.now()
    series = RecurringBooking.objects.select_for_update(of=("self",)).get(pk=series.pk)
    if not series.is_active:
        return 0
    until = timezone.localdate(at) + datetime.timedelta(weeks=weeks_ahead())
    existing = set(series.occurrences.values_list("starts_at", flat=True))
    created = 0
    for starts_at in _occurrence_starts(series, until=until):
        if starts_at in existing or starts_at <= at:
            continue
        try:
            with transaction.atomic():
                _book_occurrence(series, starts_at, at=at)
        except BookingError:
            continue
        created += 1
    return created


def generate_all_occurrences(*, at: datetime.datetime | None = None) -> int:
    return sum(generate_occurrences(series=series, at=at) for series in RecurringBooking.objects.filter(is_active=True))


@transaction.atomic
def record_laundry_step(
    *, booking: Booking, step: str, by, weight: Decimal | None = None, at: datetime.datetime | None = None
) -> Booking:
    """Laundry staff record one step: collected, weighed (final kg), washing, ready, delivered — each timestamped.

    Weighing re-prices the order line through marketplace (`record_final_quantity`, DOMAIN.md rule 4),
    which invoices it; an organisation on monthly invoicing is billed at month end instead.
    """
    at = at or timezone.now()
    booking = (
        Booking.objects.select_for_update(of=("self",))
        .select_related("offering__structure", "order_line")
        .get(pk=booking.pk)
    )
    if not is_booking_staff(by, booking.offering.structure):
        raise NotAllowed(_("Vous ne travaillez pas pour cette blanchisserie."))
    if booking.offering.kind != OfferingKind.LAUNDRY:
        raise BookingError(_("Cette réservation n'est pas une collecte de linge."))
    if booking.status not in {BookingStatus.CONFIRMED, BookingStatus.IN_PROGRESS}:
        raise BookingError(_("Seule une collecte confirmée avance d'étape."))
    per_kg = booking.offering.unit == Unit.KG
    if step == LaundryStep.WASHING and per_kg and booking.laundry_step != LaundryStep.WEIGHED:
        raise BookingError(_("Pesez le linge avant de le laver : le prix suit le poids."))
    if step == LaundryStep.WEIGHED:
        if not per_kg:
            raise BookingError(_("Ce service se facture à la pièce : rien à peser."))
        if weight is None or weight <= 0:
            raise BookingError(_("Indiquez le poids pesé, en kg."))
    fields = LAUNDRY.fields_set(step)
    note = _("%(kg)s kg") % {"kg": weight} if step == LaundryStep.WEIGHED else ""
    booking.set_laundry_step(step, by=by, note=note, at=at)
    if step == LaundryStep.COLLECTED:
        booking.set_status(BookingStatus.IN_PROGRESS, by=by, at=at)
        fields += ["status", "started_at"]
    elif step == LaundryStep.WEIGHED:
        booking.final_quantity = weight
        booking.weighed_by = by
        fields += ["final_quantity", "weighed_by"]
    elif step == LaundryStep.READY:
        notify.booking_email(booking.pk, BookingEmail.LAUNDRY_READY)
    elif step == LaundryStep.DELIVERED:
        booking.set_status(BookingStatus.DONE, by=by, at=at)
        fields += ["status", "done_at"]
    booking.save(update_fields=fields)
    if step == LaundryStep.WEIGHED and booking.order_line_id:
        try:
            record_final_quantity(line=booking.order_line, quantity=weight, by=by)
        except MarketplaceError as error:
            raise BookingError(error.message) from error
    return booking


def _month_bounds(year: int, month: int) -> tuple[datetime.datetime, datetime.datetime]:
    first = datetime.date(year, month, 1)
    following = datetime.date(year + month // 12, month % 12 + 1, 1)
    return (
        timezone.make_aware(datetime.datetime.combine(first, datetime.time.min)),
        timezone.make_aware(datetime.datetime.combine(following, datetime.time.min)),
    )


@transaction.atomic
def issue_monthly_laundry_invoices(*, year: int, month: int, at: datetime.datetime | None = None) -> list:
    """Bill each organisation on account for the laundry delivered in a month, once (net 30, through marketplace).

    One order per organisation and laundry per month, one line per laundry service at the
    weighed kilos, placed by bank transfer: marketplace confirms it and issues the invoice with
    the structure's payment terms. Idempotent: a `MonthlyStatement` row per (organisation,
    seller, month) is the key, and billed bookings point to their line.
    """
    at = at or timezone.now()
    start, end = _month_bounds(year, month)
    accounts = OrganisationAccount.objects.filter(monthly_invoicing=True).select_related("organisation")
    orders = []
    for account in accounts:
        organisation = account.organisation
        bookings = list(
            Booking.objects.select_for_update(of=("self",))
            .filter(
                organisation=organisation,
                offering__kind=OfferingKind.LAUNDRY,
                laundry_step=LaundryStep.DELIVERED,
                delivered_at__gte=start,
                delivered_at__lt=end,
                order_line__isnull=True,
            )
            .select_related("offering__structure", "customer", "weighed_by", "pickup_point", "collection_fee")
            .order_by("delivered_at", "pk")
        )
        by_seller: dict[int, list[Booking]] = defaultdict(list)
        for booking in bookings:
            by_seller[booking.offering.structure_id].append(booking)
        for structure_id, seller_bookings in sorted(by_seller.items()):
            statement, _created = MonthlyStatement.objects.get_or_create(
                organisation=organisation, structure_id=structure_id, year=year, month=month
            )
            statement = MonthlyStatement.objects.select_for_update(of=("self",)).get(pk=statement.pk)
            if statement.order_id is not None:
                continue  # already billed
            per_offering: dict[int, list[Booking]] = defaultdict(list)
            per_fee: dict[int, list[Booking]] = defaultdict(list)
            for booking in seller_bookings:
                per_offering[booking.offering_id].append(booking)
                # Collected at the organisation's address: one line per fee offering, one unit per collection.
                if booking.collection_fee_id is not None:
                    per_fee[booking.collection_fee_id].append(booking)
            groups = list(per_offering.values())
            items = [(group[0].offering, sum((b.billed_quantity for b in group), Decimal("0"))) for group in groups]
            items += [(group[0].collection_fee, Decimal(len(group))) for group in per_fee.values()]
            buyer = _member_for(organisation, seller_bookings)
            if buyer is None:
                continue
            # Dropped at a pickup point (the last one used) unless every pickup was collected at the address.
            dropped = [b.pickup_point for b in seller_bookings if b.pickup_point_id is not None]
            pickup_point = dropped[-1] if dropped else None
            order = place_order_for_items(
                user=buyer,
                items=items,
                payment_method=PaymentMethod.TRANSFER,
                billing=Billing(
                    name=organisation.name,
                    address="\n".join(organisation.address_lines),
                    email=organisation.email or buyer.email,
                ),
                organisation=organisation,
                pickup_point=pickup_point,
                at=at,
                for_booking=True,  # the booking flow: its slots are held by bookings
                at_address=pickup_point is None,
            )
            lines = list(order.lines.order_by("pk"))
            for line, group in zip(lines[len(groups) :], per_fee.values(), strict=True):
                Booking.objects.filter(pk__in=[b.pk for b in group]).update(collection_line=line)
            for line, group in zip(lines[: len(groups)], groups, strict=True):
                Booking.objects.filter(pk__in=[b.pk for b in group]).update(order_line=line)
                if line.quantity_measured_later:
                    # The kilos were weighed at each pickup: the month's sum is final.
                    record_final_quantity(line=line, quantity=line.quantity, by=None, issue=False)
            issue_order_invoices(order=order)  # one invoice for the whole month
            statement.order = order
            statement.save(update_fields=["order"])
            orders.append(order)
    return orders


def _member_for(organisation: Organisation, bookings: list[Booking]):
    """The order is placed in the name of the last member who booked (and is still a member)."""
    for booking in reversed(bookings):
        if perms.can_order_for_organisation(booking.customer, organisation):
            return booking.customer
    return None
