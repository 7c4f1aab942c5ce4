"""Nothing lost when the broker is down at an order's commit: the tasks its domain events should have
queued (confirm or cancel the bookings, plan the deliveries again) are redone by a beat sweep.

In these tests the on-commit callbacks of the test's transaction never run: exactly what a broker
that refused the receivers' tasks leaves behind."""

import datetime

import pytest
from django.utils import timezone

from bookings.actions.orders import sweep_order_events
from bookings.enums import BookingStatus
from marketplace.enums import FulfilmentStatus
from marketplace.models import Order
from tests.bookings.factories import NOW, BookingFactory

pytestmark = pytest.mark.django_db
LATER = NOW + datetime.timedelta(minutes=3)


def _order(booking) -> Order:
    return Order.objects.get(pk=booking.order_line.order_id)


def test_bookings_of_an_order_confirmed_while_the_broker_was_down_are_confirmed_by_the_sweep():
    booking = BookingFactory()  # cash: its order confirmed at once; the event never reached bookings
    assert (booking.status, _order(booking).fulfilment_status) == (BookingStatus.HELD, FulfilmentStatus.CONFIRMED)

    assert sweep_order_events(now=NOW + datetime.timedelta(minutes=1)) == 0  # the event may only be late
    booking.refresh_from_db()
    assert booking.status == BookingStatus.HELD

    assert sweep_order_events(now=LATER) == 1
    booking.refresh_from_db()
    assert (booking.status, booking.hold_expires_at) == (BookingStatus.CONFIRMED, None)
    assert sweep_order_events(now=LATER) == 0  # done once


def test_a_card_booking_waiting_for_its_payment_is_left_held():
    booking = BookingFactory(held=True)  # card: the order waits for Stripe's webhook
    assert _order(booking).fulfilment_status == FulfilmentStatus.PLACED

    assert sweep_order_events(now=LATER) == 0
    booking.refresh_from_db()
    assert booking.status == BookingStatus.HELD


def test_bookings_of_an_order_cancelled_while_the_broker_was_down_are_cancelled_by_the_sweep():
    booking = BookingFactory(confirmed=True)
    Order.objects.filter(pk=booking.order_line.order_id).update(
        fulfilment_status=FulfilmentStatus.CANCELLED, cancelled_at=NOW
    )  # what `cancel_order` commits; its `order_cancelled` event lost

    assert sweep_order_events(now=LATER) == 1
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    assert sweep_order_events(now=timezone.now()) == 0
