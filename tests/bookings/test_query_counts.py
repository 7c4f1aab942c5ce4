"""Query counts pinned on the hot booking action, so an N+1 fails the build (STYLE.md, Tests)."""

from decimal import Decimal

import pytest

from bookings.actions.booking import book
from tests.accounts.factories import UserFactory
from tests.bookings.factories import NOW, BookableOfferingFactory, BookingFactory, at, person_billing

pytestmark = pytest.mark.django_db


def test_booking_a_seat_costs_a_fixed_number_of_queries(django_assert_num_queries):
    code = BookableOfferingFactory()  # a training session: 8 seats on Wednesdays 14–16 h, no vehicle
    BookingFactory(offering=code)  # one seat taken: the slot row exists, the seller has invoiced before
    user = UserFactory()
    billing = person_billing(user)

    # 43 (61 before issue 10) on SQLite and PostgreSQL, for one seat paid in cash (pay later: the order
    # is confirmed and invoiced at once, in the transaction that created it): the slot (rules, closures,
    # vehicles, the slot row created-or-ignored then locked, expired holds, seats taken, the booking and
    # its log row), the order (solidarity status, seller settings, order, line, its share, its
    # confirmation), the invoice (number allocated under the series lock with its date-order check,
    # issued, posted: 6, "is this share paid yet": 2), the savepoints of the nested atomic blocks; + 2
    # e-mails written to the outbox in the same transaction (order placed, invoice ready; issue 11); + does a
    # prescriber's funding pay part of it (the person's running fundings, ADR 0034).
    with django_assert_num_queries(43):
        booking = book(user=user, offering=code, starts_at=at(4, 14), quantity=Decimal("1"), payment_method="cash",
                       billing=billing, at=NOW)  # fmt: skip

    assert (booking.slot.bookings.count(), booking.order_line.order.customer) == (2, user)
