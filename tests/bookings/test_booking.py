import datetime
from decimal import Decimal

import pytest
from django.core import mail

from accounts.models import User
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
from tests.bookings.factories import NOW, at, book_training, offering
from tests.marketplace.factories import resident

pytestmark = pytest.mark.django_db

CODE = "seance-de-code-de-la-route"


def _statuses(booking: Booking) -> list[tuple[str, str, str]]:
    return list(booking.transitions.order_by("pk").values_list("field", "from_status", "to_status"))


def test_pay_later_booking_is_confirmed_by_order_confirmed(demo_hub, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        booking = book_training()

    booking.refresh_from_db()
    order = booking.order_line.order
    assert booking.status == BookingStatus.CONFIRMED
    assert booking.hold_expires_at is None
    assert (order.payment_method, order.fulfilment_status) == (PaymentMethod.CASH, FulfilmentStatus.CONFIRMED)
    assert (booking.order_line.offering, booking.order_line.quantity) == (offering(CODE), Decimal("1.000"))
    assert _statuses(booking) == [("status", "", "held"), ("status", "held", "confirmed")]
    subjects = [m.subject for m in mail.outbox if "Réservation" in m.subject]
    assert subjects == ["[Pôle Économie Solidaire] Réservation confirmée : Séance de code de la route"]


def test_card_booking_is_held_until_paid(demo_hub, django_capture_on_commit_callbacks):
    booking = book_training(method="card")

    assert booking.status == BookingStatus.HELD
    assert booking.hold_expires_at == NOW + datetime.timedelta(minutes=15)
    with django_capture_on_commit_callbacks(execute=True):
        confirm_order(order=booking.order_line.order)

    booking.refresh_from_db()
    assert (booking.status, booking.hold_expires_at) == (BookingStatus.CONFIRMED, None)


def test_hold_minutes_come_from_the_settings(demo_hub, settings):
    settings.BOOKING_HOLD_MINUTES = 30

    booking = book_training(method="card")

    assert booking.hold_expires_at == NOW + datetime.timedelta(minutes=30)


def test_expired_holds_stop_counting_before_any_cleanup(demo_hub):
    for _ in range(8):
        book_training(UserFactory(), method="card")
    code = offering(CODE)

    with pytest.raises(SlotFull):
        book_training(now=NOW + datetime.timedelta(minutes=14))
    later = NOW + datetime.timedelta(minutes=15)
    slot = find_slot(offering=code, starts_at=at(3, 14), at=later)

    assert (slot.used, slot.remaining) == (Decimal("0"), Decimal("8"))
    assert Booking.objects.filter(offering=code, status=BookingStatus.HELD).count() == 8
    assert release_expired_holds(at=later) == 8
    assert Booking.objects.filter(offering=code, status=BookingStatus.CANCELLED).count() == 8
    assert book_training(now=later).status == BookingStatus.HELD


def test_full_slot_refuses_and_changes_nothing(demo_hub):
    for _ in range(8):
        book_training(UserFactory())
    orders, bookings = Order.objects.count(), Booking.objects.count()

    with pytest.raises(SlotFull, match="Ce créneau est complet"):
        book_training()

    assert (Order.objects.count(), Booking.objects.count()) == (orders, bookings)


def test_a_slot_that_does_not_exist_is_refused(demo_hub):
    with pytest.raises(SlotUnavailable):
        book_training(starts_at=at(3, 15))
    assert Booking.objects.filter(starts_at=at(3, 15)).count() == 0


def test_payment_failed_marks_unpaid_and_cancelled_order_cancels(demo_hub, django_capture_on_commit_callbacks):
    booking = book_training(method="card")
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


def test_refunded_lines_cancel_their_booking(demo_hub, django_capture_on_commit_callbacks):
    admin = User.objects.get(email="admin@demo.pole.test")
    with django_capture_on_commit_callbacks(execute=True):
        booking = book_training()
    order = booking.order_line.order
    record_offline_payment(
        order=order, structure=order.lines.get().seller, method="cash", amount=Decimal("12.00"), by=admin
    )

    with django_capture_on_commit_callbacks(execute=True):
        refund_order(order=order, by=admin, reason="Séance annulée")

    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED


def _fee_offering() -> Offering:
    code = offering(CODE)
    fee = Offering.objects.create(
        structure=code.structure,
        name="Frais d'annulation tardive",
        slug="frais-annulation-formation",
        kind=OfferingKind.TRAINING,
        unit=Unit.ITEM,
        price=Decimal("5.00"),
        vat_rate=Decimal("0"),
        vat_exemption_mention=code.vat_exemption_mention,
        revenue_account=RevenueAccount.TRAINING,
    )
    CancellationFee.objects.create(offering=code, fee_offering=fee)
    return fee


def test_cancellation_is_free_until_48_hours_before(demo_hub, django_capture_on_commit_callbacks):
    _fee_offering()
    user = resident()
    booking = book_training(user)

    with django_capture_on_commit_callbacks(execute=True):
        cancel_booking(booking=booking, by=user, at=at(1, 13, 59))

    booking.refresh_from_db()
    assert (booking.status, booking.cancelled_at, booking.cancellation_fee_line) == (
        BookingStatus.CANCELLED,
        at(1, 13, 59),
        None,
    )
    assert booking.order_line.order.fulfilment_status == FulfilmentStatus.CANCELLED
    assert Order.objects.filter(customer=user).count() == 1
    assert [m.subject for m in mail.outbox if "Réservation" in m.subject] == [
        "[Pôle Économie Solidaire] Réservation annulée : Séance de code de la route"
    ]


def test_late_cancellation_adds_a_fee_line(demo_hub, django_capture_on_commit_callbacks):
    fee = _fee_offering()
    user = resident()
    booking = book_training(user)

    with django_capture_on_commit_callbacks(execute=True):
        cancel_booking(booking=booking, by=user, at=at(1, 14, 1))

    booking.refresh_from_db()
    line = booking.cancellation_fee_line
    assert booking.status == BookingStatus.CANCELLED
    assert booking.order_line.order.fulfilment_status == FulfilmentStatus.CANCELLED
    assert (line.offering, line.quantity, line.total_incl) == (fee, Decimal("1.000"), Decimal("5.00"))
    assert (line.order.payment_method, line.order.fulfilment_status) == ("cash", FulfilmentStatus.CONFIRMED)


def test_the_free_cancellation_delay_comes_from_the_settings(demo_hub, settings):
    settings.BOOKING_FREE_CANCELLATION_HOURS = 24
    _fee_offering()
    user = resident()
    booking = book_training(user)

    cancel_booking(booking=booking, by=user, at=at(2, 13, 0))

    booking.refresh_from_db()
    assert booking.cancellation_fee_line is None


def test_someone_else_cannot_cancel(demo_hub):
    booking = book_training()
    transitions = BookingTransition.objects.count()

    with pytest.raises(NotAllowed):
        cancel_booking(booking=booking, by=UserFactory(), at=NOW)

    booking.refresh_from_db()
    assert booking.status == BookingStatus.HELD
    assert booking.order_line.order.fulfilment_status == FulfilmentStatus.CONFIRMED
    assert BookingTransition.objects.count() == transitions


def test_reschedule_keeps_the_same_booking_and_line(demo_hub):
    user = resident()
    booking = book_training(user)
    line_id = booking.order_line_id

    moved = reschedule_booking(booking=booking, starts_at=at(6, 10), by=user, at=NOW)

    moved.refresh_from_db()
    assert (moved.pk, moved.order_line_id, moved.starts_at, moved.ends_at) == (
        booking.pk,
        line_id,
        at(6, 10),
        at(6, 12),
    )
    assert moved.transitions.filter(field="starts_at").values_list("from_status", "to_status").get() == (
        "2027-03-03 14:00",
        "2027-03-06 10:00",
    )
    assert find_slot(offering=offering(CODE), starts_at=at(3, 14), at=NOW).used == Decimal("0")


def test_reschedule_into_a_full_slot_is_refused(demo_hub):
    user = resident()
    booking = book_training(user)
    for _ in range(8):
        book_training(UserFactory(), starts_at=at(6, 10))

    with pytest.raises(SlotFull):
        reschedule_booking(booking=booking, starts_at=at(6, 10), by=user, at=NOW)

    booking.refresh_from_db()
    assert booking.starts_at == at(3, 14)


def test_vehicles_are_booked_one_per_day(demo_hub):
    from bookings.actions.booking import book
    from tests.bookings.factories import BILLING

    car = offering("location-de-voiture-a-la-journee")

    def rent(user):
        return book(
            user=user,
            offering=car,
            starts_at=at(2, 8),
            quantity=Decimal("1"),
            payment_method="cash",
            billing=BILLING,
            at=NOW,
        )

    first, second = rent(UserFactory()), rent(UserFactory())
    with pytest.raises(SlotFull):
        rent(UserFactory())

    assert sorted([first.resource.name, second.resource.name]) == ["Clio bleue", "Clio grise"]
