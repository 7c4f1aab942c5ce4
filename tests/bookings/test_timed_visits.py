"""Home services booked by start time: a visit of a set length, several teams at once, the price shown
before confirming, the address kept per booking, a weekly series confirmed and cancelled as a whole."""

import datetime
from decimal import Decimal

import pytest
from django.core import mail

from bookings.actions.booking import cancel_booking, cancel_following, reschedule_booking
from bookings.actions.laundry import create_recurring_booking, generate_occurrences
from bookings.enums import BookingStatus
from bookings.exceptions import SlotFull
from bookings.models import Booking, BookingTransition, RecurringBooking, Slot
from bookings.selectors import available_slots, find_slot, peak_use
from tests.accounts.factories import UserFactory
from tests.bookings.factories import BILLING, HOME, NOW, BookableOfferingFactory, BookingFactory, at

pytestmark = pytest.mark.django_db


def _garden():
    """« Petits travaux de jardinage », 27,00 €/h: 2-hour visits from 8:00 to 16:00 every 30 minutes, 2 teams."""
    return BookableOfferingFactory(home_visit=True, timed=True)


def _visit(offering, hour: int, minute: int = 0, **kwargs):
    """A visit on Tuesday 3 March 2026 at `hour`:`minute`, at 4 rue des Tilleuls, 77140, by cheque."""
    return BookingFactory(home_visit=True, offering=offering, starts_at=at(3, hour, minute), **kwargs)


def test_a_day_offers_a_start_every_half_hour_for_visits_that_end_by_closing_time():
    garden = _garden()

    slots = available_slots(offering=garden, start=datetime.date(2026, 3, 3), end=datetime.date(2026, 3, 3), at=NOW)

    assert [slot.starts_at for slot in slots] == [at(3, 8) + datetime.timedelta(minutes=30 * n) for n in range(17)]
    assert (slots[0].ends_at, slots[-1].starts_at, slots[-1].ends_at) == (at(3, 10), at(3, 16), at(3, 18))
    assert {(slot.capacity, slot.used, slot.hours, slot.timed) for slot in slots} == {
        (Decimal("2"), Decimal("0"), Decimal("2"), True)
    }


def test_a_visit_takes_one_team_for_its_two_hours_and_keeps_its_address():
    garden = _garden()

    booking = _visit(garden, 10, quantity=Decimal("7"))  # the quantity asked is not the visit's: its length is

    assert (booking.starts_at, booking.ends_at, booking.places, booking.quantity) == (
        at(3, 10), at(3, 12), Decimal("1.00"), Decimal("2.000"))  # fmt: skip
    assert (booking.address, booking.postcode) == (HOME, "77140")
    assert (booking.order_line.quantity, booking.order_line.total_incl) == (Decimal("2.000"), Decimal("54.00"))
    assert Slot.objects.filter(offering=garden).count() == 2  # the visit's own and the day's first (the lock)


def test_overlapping_visits_count_against_the_teams_of_every_start_they_cover():
    garden = _garden()
    _visit(garden, 10)  # 10:00–12:00
    _visit(garden, 11)  # 11:00–13:00
    bookings = Booking.objects.count()

    slots = {
        slot.starts_at: slot.used
        for slot in available_slots(
            offering=garden, start=datetime.date(2026, 3, 3), end=datetime.date(2026, 3, 3), at=NOW
        )
    }
    with pytest.raises(SlotFull):
        _visit(garden, 10, 30)  # 10:30–12:30 would be a third team from 11:00 to 12:00

    assert [slots[at(3, h, m)] for h, m in ((8, 0), (9, 0), (9, 30), (10, 30), (11, 30), (12, 0), (13, 0))] == [
        Decimal("0"), Decimal("1"), Decimal("2"), Decimal("2"), Decimal("2"), Decimal("1"), Decimal("0")]  # fmt: skip
    assert Booking.objects.count() == bookings
    assert _visit(garden, 13).starts_at == at(3, 13)  # after the first has ended, a team is free again


def test_peak_use_counts_only_what_runs_at_the_same_time():
    booked = [(at(3, 8), at(3, 10), Decimal("1")), (at(3, 10), at(3, 12), Decimal("1"))]

    assert peak_use(booked, at(3, 9), at(3, 11)) == Decimal("1")  # one ends when the other starts
    assert peak_use(booked + [(at(3, 9), at(3, 11), Decimal("1"))], at(3, 9), at(3, 11)) == Decimal("2")


def test_a_visit_moves_to_another_start_time_with_the_teams_rechecked():
    garden = _garden()
    first = _visit(garden, 10)
    _visit(garden, 10)  # both teams from 10:00 to 12:00
    moving = _visit(garden, 14)

    with pytest.raises(SlotFull):
        reschedule_booking(booking=moving, starts_at=at(3, 11), by=moving.customer, at=NOW)  # a third team at 11:00
    moving.refresh_from_db()
    assert (moving.starts_at, moving.ends_at) == (at(3, 14), at(3, 16))

    reschedule_booking(booking=first, starts_at=at(3, 10, 30), by=first.customer, at=NOW)  # only itself is counted off

    first.refresh_from_db()
    assert (first.starts_at, first.ends_at) == (at(3, 10, 30), at(3, 12, 30))
    assert [find_slot(offering=garden, starts_at=at(3, h), at=NOW).used for h in (8, 10, 12)] == [
        Decimal("0"), Decimal("2"), Decimal("1")]  # fmt: skip


def _weekly(user, offering, **kwargs):
    """Every Tuesday at 10:00 from 3 March 2026, billed monthly by CESU."""
    return create_recurring_booking(
        user=user, offering=offering, first_starts_at=at(3, 10), frequency="weekly", quantity=Decimal("2"),
        payment_method="cesu", billing=BILLING, address=HOME, postcode="77140", at=NOW, **kwargs,
    )  # fmt: skip


def test_a_weekly_series_is_confirmed_in_one_email(django_capture_on_commit_callbacks):
    user = UserFactory(first_name="Camille")
    garden = _garden()

    with django_capture_on_commit_callbacks(execute=True):
        series = _weekly(user, garden)

    visits = list(series.occurrences.order_by("starts_at"))
    assert [(v.starts_at, v.status, v.quantity) for v in visits] == [
        (at(day, 10), BookingStatus.CONFIRMED, Decimal("2.000")) for day in (3, 10, 17, 24)
    ]
    assert [(m.subject, m.to) for m in mail.outbox] == [
        ("[Pôle Économie Solidaire] Interventions régulières confirmées : Petits travaux de jardinage", [user.email])
    ]
    body = mail.outbox[0].body
    assert "(chaque semaine)" in body
    for day in ("mardi 3 mars 2026, 10:00–12:00", "mardi 10 mars 2026", "mardi 17 mars 2026", "mardi 24 mars 2026"):
        assert day in body
    assert "une facture par mois, sur les heures réalisées" in body
    assert "collecte" not in body


def test_cancel_this_date_only_keeps_the_series(django_capture_on_commit_callbacks):
    user = UserFactory()
    series = _weekly(user, _garden())
    second = series.occurrences.order_by("starts_at")[1]
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        cancel_booking(booking=second, by=user, at=NOW)

    statuses = list(series.occurrences.order_by("starts_at").values_list("status", flat=True))
    assert statuses == [
        BookingStatus.CONFIRMED,
        BookingStatus.CANCELLED,
        BookingStatus.CONFIRMED,
        BookingStatus.CONFIRMED,
    ]
    series.refresh_from_db()
    assert (series.is_active, series.ends_on) == (True, None)
    assert [m.subject for m in mail.outbox] == [
        "[Pôle Économie Solidaire] Intervention annulée : Petits travaux de jardinage le 10 mars"
    ]


def test_cancel_all_following_dates_stops_the_series_in_one_email(django_capture_on_commit_callbacks):
    user = UserFactory()
    series = _weekly(user, _garden())
    second = series.occurrences.order_by("starts_at")[1]
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        cancelled = cancel_following(booking=second, by=user, at=NOW)

    assert [b.starts_at for b in cancelled] == [at(10, 10), at(17, 10), at(24, 10)]
    statuses = list(series.occurrences.order_by("starts_at").values_list("status", flat=True))
    assert statuses == [BookingStatus.CONFIRMED] + [BookingStatus.CANCELLED] * 3
    series.refresh_from_db()
    assert (series.is_active, series.ends_on) == (False, datetime.date(2026, 3, 9))
    assert generate_occurrences(series=series, at=NOW + datetime.timedelta(weeks=3)) == 0  # no new date
    assert [m.subject for m in mail.outbox] == [
        "[Pôle Économie Solidaire] Interventions régulières annulées : Petits travaux de jardinage"
    ]
    body = mail.outbox[0].body
    assert "annulées à partir du 10 mars 2026" in body
    assert ("mardi 10 mars 2026" in body, "mardi 17 mars 2026" in body, "mardi 3 mars 2026" in body) == (
        True, True, False)  # fmt: skip


def test_someone_else_cannot_cancel_the_following_dates():
    user = UserFactory()
    series = _weekly(user, _garden())
    first = series.occurrences.order_by("starts_at")[0]
    transitions = BookingTransition.objects.count()

    with pytest.raises(Exception, match="Vous ne pouvez pas annuler"):
        cancel_following(booking=first, by=UserFactory(), at=NOW)

    assert set(series.occurrences.values_list("status", flat=True)) == {BookingStatus.CONFIRMED}
    assert RecurringBooking.objects.get(pk=series.pk).is_active is True
    assert BookingTransition.objects.count() == transitions
