"""Ordering and booking on a supported person's behalf (ADR 0034).

A social worker of the support's organisation, while the person's consent stands, subscribes them to a
basket plan (each basket paid at the pickup point, the organisation's share taken off by its funding) or
books a trip, a laundry pickup or a training seat for them. The order is the person's — their account,
their invoice for their part — and records who placed it; `OrderForPerson` keeps what the organisation
follows. Every refusal raises `SupportError` with the app's French sentence and writes nothing.
"""

import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bookings.actions.booking import billing_for, book
from bookings.exceptions import BookingError
from bookings.selectors import bookable_offerings, payment_methods_for
from hub.models import Site
from marketplace.enums import PaymentMethod
from marketplace.models import Order
from prescribers import perms
from prescribers.enums import FUNDABLE_KINDS, SupportEventKind
from prescribers.exceptions import SupportError
from prescribers.models import OrderForPerson, Support, SupportEvent
from services.enums import Audience, OfferingKind
from subscriptions.actions.subscribing import subscribe
from subscriptions.enums import SubscriptionPaymentMode
from subscriptions.exceptions import PickupPointFull, SubscriptionError
from subscriptions.models import Subscription, SubscriptionPlan

# What a social worker books for a person (home services have their own immediate-advance rules, ADR 0029).
BOOKABLE_KINDS = [kind for kind in FUNDABLE_KINDS if kind != OfferingKind.BASKET]


def _check(support: Support, by) -> Support:
    support = (
        Support.objects.select_for_update(of=("self",)).select_related("person", "organisation").get(pk=support.pk)
    )
    if not perms.can_order_for(by, support):
        raise SupportError(
            _("Vous ne pouvez commander pour cette personne que pendant son accompagnement, avec son accord.")
        )
    return support


def _log(support: Support, *, by, at, label: str, order=None, subscription=None, booking=None) -> OrderForPerson:
    SupportEvent.objects.create(support=support, kind=SupportEventKind.ORDERED, by=by, at=at, note=label[:200])
    return OrderForPerson.objects.create(
        support=support, order=order, subscription=subscription, booking=booking, label=label[:200],
        placed_by=by, placed_at=at,
    )  # fmt: skip


def plans_for_people():
    return (
        SubscriptionPlan.objects.filter(is_active=True)
        .select_related("offering")
        .order_by("weekday", "offering__position", "pk")
    )


def subscribe_for(
    *, support: Support, by, plan: SubscriptionPlan, pickup_point: Site, start_date: datetime.date
) -> Subscription:
    """A basket subscription for the person, each basket paid at the pickup point (the funding's share off).

    Not one transaction: a full pickup point puts the person on its waiting list, and that entry must stay
    when the refusal is raised (`subscribe`'s own rule), so the check, the subscription and the log commit
    each on their own."""
    with transaction.atomic():
        support = _check(support, by)
    at = timezone.now()
    try:
        with transaction.atomic():
            subscription = subscribe(
                user=support.person,
                plan=plan,
                pickup_point=pickup_point,
                start_date=start_date,
                payment_mode=SubscriptionPaymentMode.AT_PICKUP,
                at=at,
            )
    except PickupPointFull as error:
        # The person is on the waiting list (the entry was kept): say so, nothing else was ordered.
        raise SupportError(error.message) from error
    except SubscriptionError as error:
        raise SupportError(error.message) from error
    label = _("Abonnement « %(plan)s » à %(point)s, à partir du %(date)s") % {
        "plan": str(plan), "point": pickup_point.name, "date": start_date.strftime("%d/%m/%Y"),
    }  # fmt: skip
    with transaction.atomic():
        _log(support, by=by, at=at, label=label, subscription=subscription)
    return subscription


def offerings_to_book():
    return (
        bookable_offerings()
        .filter(kind__in=BOOKABLE_KINDS, audience__in=[Audience.RESIDENTS, Audience.BOTH])
        .order_by("kind", "position", "name")
    )


def methods_for(offering) -> list[str]:
    """Paid by the person at the pickup point or the start (a social worker has no card of theirs to use)."""
    return [
        m for m in payment_methods_for(offering, organisations=[]) if m in {PaymentMethod.CASH, PaymentMethod.CHEQUE}
    ]


@transaction.atomic
def book_for(
    *,
    support: Support,
    by,
    offering,
    starts_at: datetime.datetime,
    quantity: Decimal,
    payment_method: str,
    billing_address: str,
    pickup_point: Site | None = None,
    address: str = "",
    destination: str = "",
):
    support = _check(support, by)
    if offering.kind not in BOOKABLE_KINDS or not offerings_to_book().filter(pk=offering.pk).exists():
        raise SupportError(_("Cette prestation ne se réserve pas pour une personne accompagnée."))
    if payment_method not in methods_for(offering):
        raise SupportError(_("Choisissez un moyen de paiement proposé."))
    at = timezone.now()
    try:
        with transaction.atomic():
            booking = book(
                user=support.person,
                offering=offering,
                starts_at=starts_at,
                quantity=quantity,
                payment_method=payment_method,
                billing=billing_for(support.person, address=billing_address),
                pickup_point=pickup_point,
                address=address,
                destination=destination,
                at=at,
            )
    except BookingError as error:
        raise SupportError(error.message) from error
    order = booking.order_line.order if booking.order_line_id else None
    if order is not None:
        Order.objects.filter(pk=order.pk).update(placed_by=by)
    label = _("%(offering)s, %(date)s") % {
        "offering": offering.name, "date": timezone.localtime(booking.starts_at).strftime("%d/%m/%Y %H:%M"),
    }  # fmt: skip
    _log(support, by=by, at=at, label=label, order=order, booking=booking)
    return booking
