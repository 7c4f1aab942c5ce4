import datetime
from decimal import Decimal

import pytest
from django.core import mail

from bookings.actions.booking import cancel_booking, release_expired_holds, reschedule_booking
from bookings.enums import BookingStatus
from bookings.exceptions import NotAllowed, SlotFull, SlotUnavailable
from bookings.models import Booking, BookingTransition, CancellationFee
from bookings.selectors import find_slot
from marketplace import events
from marketplace.actions.checkout import confirm_order
from marketplace.actions.payments import record_offline_payment
from marketplace.actions.refunds import refund_order
from marketplace.enums import FulfilmentStatus, PaymentMethod
from marketplace.models import Order
from services.enums import OfferingKind, RevenueAccount, Unit
from services.models import Offering
from tests.accounts.factories import UserFactory
from tests.bookings.factories import NOW, BookableOfferingFactory, BookingFactory, at
from tests.services.factories import OfferingFactory

pytestmark = pytest.mark.django_db


def _statuses(booking: Booking) -> list[tuple[str, str, str]]:
    return list(booking.transitions.order_by("pk").values_list("field", "from_status", "to_status"))


def test_pay_later_booking_is_confirmed_by_order_confirmed(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        booking = BookingFactory()

    booking.refresh_from_db()
    order = booking.order_line.order
    assert booking.status == BookingStatus.CONFIRMED
    assert booking.hold_expires_at is None
    assert (order.payment_method, order.fulfilment_status) == (PaymentMethod.CASH, FulfilmentStatus.CONFIRMED)
    assert (booking.order_line.offering, booking.order_line.quantity) == (booking.offering, Decimal("1.000"))
    assert _statuses(booking) == [("status", "", "held"), ("status", "held", "confirmed")]
    subjects = [m.subject for m in mail.outbox if "Réservation" in m.subject]
    assert subjects == ["[Pôle Économie Solidaire] Réservation confirmée : Séance de code de la route"]


def test_card_booking_is_held_until_paid(django_capture_on_commit_callbacks):
    booking = BookingFactory(held=True)

    assert booking.status == BookingStatus.HELD
    assert booking.hold_expires_at == NOW + datetime.timedelta(minutes=15)
    with django_capture_on_commit_callbacks(execute=True):
        confirm_order(order=booking.order_line.order)

    booking.refresh_from_db()
    assert (booking.status, booking.hold_expires_at) == (BookingStatus.CONFIRMED, None)


def test_hold_minutes_come_from_the_settings(settings):
    settings.BOOKING_HOLD_MINUTES = 30

    booking = BookingFactory(held=True)

    assert booking.hold_expires_at == NOW + datetime.timedelta(minutes=30)


def test_expired_holds_stop_counting_before_any_cleanup():
    code = BookableOfferingFactory()  # 8 seats a session
    for _ in range(8):
        BookingFactory(offering=code, held=True)

    with pytest.raises(SlotFull):
        BookingFactory(offering=code, at=NOW + datetime.timedelta(minutes=14))
    later = NOW + datetime.timedelta(minutes=15)
    slot = find_slot(offering=code, starts_at=at(4, 14), at=later)

    assert (slot.used, slot.remaining) == (Decimal("0"), Decimal("8"))
    assert Booking.objects.filter(offering=code, status=BookingStatus.HELD).count() == 8
    assert release_expired_holds(at=later) == 8
    assert Booking.objects.filter(offering=code, status=BookingStatus.CANCELLED).count() == 8
    assert BookingFactory(offering=code, at=later).status == BookingStatus.HELD


def test_full_slot_refuses_and_changes_nothing():
    code = BookableOfferingFactory()
    BookingFactory.create_batch(8, offering=code)
    user = UserFactory()
    orders, bookings = Order.objects.count(), Booking.objects.count()

    with pytest.raises(SlotFull, match="Ce créneau est complet"):
        BookingFactory(offering=code, user=user)

    assert (Order.objects.count(), Booking.objects.count()) == (orders, bookings)


def test_a_slot_that_does_not_exist_is_refused():
    code = BookableOfferingFactory()

    with pytest.raises(SlotUnavailable):
        BookingFactory(offering=code, starts_at=at(4, 15))

    assert Booking.objects.filter(offering=code).count() == 0


def test_payment_failed_marks_unpaid_and_cancelled_order_cancels(django_capture_on_commit_callbacks):
    booking = BookingFactory(held=True)
    order_id = booking.order_line.order_id

    events.order_payment_failed.send(sender="marketplace", order_id=order_id)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.UNPAID
    events.order_payment_failed.send(sender="marketplace", order_id=order_id)  # twice: idempotent
    events.order_cancelled.send(sender="marketplace", order_id=order_id)
    events.order_cancelled.send(sender="marketplace", order_id=order_id)

    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    assert _statuses(booking) == [
        ("status", "", "held"),
        ("status", "held", "unpaid"),
        ("status", "unpaid", "cancelled"),
    ]


def test_refunded_lines_cancel_their_booking(django_capture_on_commit_callbacks):
    admin = UserFactory(hub_admin=True)
    with django_capture_on_commit_callbacks(execute=True):
        booking = BookingFactory()
    order = booking.order_line.order
    record_offline_payment(
        order=order, structure=order.lines.get().seller, method="cash", amount=Decimal("12.00"), by=admin
    )

    with django_capture_on_commit_callbacks(execute=True):
        refund_order(order=order, by=admin, reason="Séance annulée")

    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED


def _fee_offering(code: Offering) -> Offering:
    """A late cancellation of `code` costs one line of 5,00 €."""
    fee = OfferingFactory(
        structure=code.structure,
        name="Frais d'annulation tardive",
        kind=OfferingKind.TRAINING,
        unit=Unit.ITEM,
        price=Decimal("5.00"),
        revenue_account=RevenueAccount.TRAINING,
    )
    CancellationFee.objects.create(offering=code, fee_offering=fee)
    return fee


def test_cancellation_is_free_until_48_hours_before(django_capture_on_commit_callbacks):
    booking = BookingFactory()
    _fee_offering(booking.offering)
    user = booking.customer

    with django_capture_on_commit_callbacks(execute=True):
        cancel_booking(booking=booking, by=user, at=at(2, 13, 59))

    booking.refresh_from_db()
    assert (booking.status, booking.cancelled_at, booking.cancellation_fee_line) == (
        BookingStatus.CANCELLED,
        at(2, 13, 59),
        None,
    )
    assert booking.order_line.order.fulfilment_status == FulfilmentStatus.CANCELLED
    assert Order.objects.filter(customer=user).count() == 1
    assert [m.subject for m in mail.outbox if "Réservation" in m.subject] == [
        "[Pôle Économie Solidaire] Réservation annulée : Séance de code de la route"
    ]


def test_late_cancellation_adds_a_fee_line(django_capture_on_commit_callbacks):
    booking = BookingFactory()
    fee = _fee_offering(booking.offering)
    user = booking.customer

    with django_capture_on_commit_callbacks(execute=True):
        cancel_booking(booking=booking, by=user, at=at(2, 14, 1))

    booking.refresh_from_db()
    line = booking.cancellation_fee_line
    assert booking.status == BookingStatus.CANCELLED
    assert booking.order_line.order.fulfilment_status == FulfilmentStatus.CANCELLED
    assert (line.offering, line.quantity, line.total_incl) == (fee, Decimal("1.000"), Decimal("5.00"))
    assert (line.order.payment_method, line.order.fulfilment_status) == ("cash", FulfilmentStatus.CONFIRMED)


def test_the_free_cancellation_delay_comes_from_the_settings(settings):
    settings.BOOKING_FREE_CANCELLATION_HOURS = 24
    booking = BookingFactory()
    _fee_offering(booking.offering)
    user = booking.customer

    cancel_booking(booking=booking, by=user, at=at(3, 13, 0))

    booking.refresh_from_db()
    assert booking.cancellation_fee_line is None


def test_someone_else_cannot_cancel():
    booking = BookingFactory()
    transitions = BookingTransition.objects.count()

    with pytest.raises(NotAllowed):
        cancel_booking(booking=booking, by=UserFactory(), at=NOW)

    booking.refresh_from_db()
    assert booking.status == BookingStatus.HELD
    assert booking.order_line.order.fulfilment_status == FulfilmentStatus.CONFIRMED
    assert BookingTransition.objects.count() == transitions


def test_reschedule_keeps_the_same_booking_and_line():
    booking = BookingFactory()
    user = booking.customer
    line_id = booking.order_line_id

    moved = reschedule_booking(booking=booking, starts_at=at(7, 10), by=user, at=NOW)

    moved.refresh_from_db()
    assert (moved.pk, moved.order_line_id, moved.starts_at, moved.ends_at) == (
        booking.pk,
        line_id,
        at(7, 10),
        at(7, 12),
    )
    assert moved.transitions.filter(field="starts_at").values_list("from_status", "to_status").get() == (
        "2026-03-04 14:00",
        "2026-03-07 10:00",
    )
    assert find_slot(offering=booking.offering, starts_at=at(4, 14), at=NOW).used == Decimal("0")


def test_reschedule_into_a_full_slot_is_refused():
    booking = BookingFactory()
    user = booking.customer
    BookingFactory.create_batch(8, offering=booking.offering, starts_at=at(7, 10))  # Saturday's 8 seats

    with pytest.raises(SlotFull):
        reschedule_booking(booking=booking, starts_at=at(7, 10), by=user, at=NOW)

    booking.refresh_from_db()
    assert booking.starts_at == at(4, 14)


def test_vehicles_are_booked_one_per_day():
    car = BookableOfferingFactory(vehicle_rental=True)  # two cars

    first, second = BookingFactory(offering=car), BookingFactory(offering=car)
    with pytest.raises(SlotFull):
        BookingFactory(offering=car)

    assert sorted([first.resource.name, second.resource.name]) == ["Clio bleue", "Clio grise"]
