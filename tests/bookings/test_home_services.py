import datetime
from decimal import Decimal

import pytest
from django.core import mail

from bookings.actions.booking import mark_no_show, record_actual_hours
from bookings.enums import BookingStatus
from bookings.exceptions import BookingError, NotAllowed, SlotFull
from bookings.models import Booking
from bookings.notifications import send_reminders
from bookings.selectors import find_slot
from marketplace.models import Invoice
from tests.accounts.factories import UserFactory
from tests.bookings.factories import NOW, BookableOfferingFactory, BookingFactory, at

pytestmark = pytest.mark.django_db


def _visit(**kwargs):
    """3 hours of « Ménage à domicile » (24,00 €/h) on Tuesday 3 March 2026, at 4 rue des Tilleuls, 77140."""
    return BookingFactory(home_visit=True, note="Plutôt le matin", **kwargs)


def test_a_visit_uses_team_hours_of_the_day():
    booking = _visit()

    slot = find_slot(offering=booking.offering, starts_at=at(3, 8), at=NOW)
    assert (booking.places, booking.quantity, booking.status) == (Decimal("3.00"), Decimal("3.000"), BookingStatus.HELD)
    assert (slot.capacity, slot.used, slot.remaining) == (Decimal("28"), Decimal("3.00"), Decimal("25.00"))
    assert (booking.order_line.total_incl, booking.order_line.sap_eligible) == (Decimal("72.00"), True)


def test_hours_beyond_the_day_capacity_are_refused():
    housework = BookableOfferingFactory(home_visit=True)  # 28 team hours a day
    BookingFactory.create_batch(9, home_visit=True, offering=housework)  # 27 hours
    bookings = Booking.objects.count()

    with pytest.raises(SlotFull):
        _visit(offering=housework, quantity=Decimal("2"))

    assert Booking.objects.count() == bookings


def test_outside_the_service_area_is_refused():
    housework = BookableOfferingFactory(home_visit=True)  # goes to 77140 only
    bookings = Booking.objects.count()

    with pytest.raises(BookingError, match=r"code postal \(75001\)"):
        _visit(offering=housework, postcode="75001")

    assert Booking.objects.count() == bookings


def test_actual_hours_reprice_and_invoice_the_visit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        booking = _visit()
    admin = UserFactory(hub_admin=True)

    record_actual_hours(booking=booking, hours=Decimal("2.5"), by=admin)

    booking.refresh_from_db()
    invoice = Invoice.objects.get(order=booking.order_line.order)
    assert (booking.status, booking.final_quantity) == (BookingStatus.DONE, Decimal("2.500"))
    assert (invoice.total_incl, invoice.sap, invoice.lines.get().quantity) == (Decimal("60.00"), True, Decimal("2.500"))


def test_only_the_structure_records_hours(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        booking = _visit()

    with pytest.raises(NotAllowed):
        record_actual_hours(booking=booking, hours=Decimal("2"), by=booking.customer)

    booking.refresh_from_db()
    assert (booking.status, booking.final_quantity) == (BookingStatus.CONFIRMED, None)


def test_reminder_is_sent_once_the_day_before(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        booking = BookingFactory()  # a seat at the training session of Wednesday 4 March 2026, 14:00
    mail.outbox.clear()

    # Each reminder goes through the e-mail outbox, sent once its transaction commits.
    with django_capture_on_commit_callbacks(execute=True):
        assert send_reminders(at=at(3, 13)) == 0  # 25 hours before
    with django_capture_on_commit_callbacks(execute=True):
        assert send_reminders(at=at(3, 15)) == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert send_reminders(at=at(3, 16)) == 0

    assert [(m.subject, m.to) for m in mail.outbox] == [
        ("[Pôle Économie Solidaire] Rappel : Séance de code de la route demain", [booking.customer.email])
    ]
    assert "mercredi 4 mars 2026, 14:00" in mail.outbox[0].body
    assert booking.starts_at - at(3, 15) == datetime.timedelta(hours=23)


def test_staff_note_a_no_show_once_the_time_has_passed(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        booking = _visit()
    booking.refresh_from_db()
    admin = UserFactory(hub_admin=True)
    with pytest.raises(BookingError) as excinfo:
        mark_no_show(booking=booking, by=admin, at=NOW)  # before the visit
    assert excinfo.value.message == "Seule une réservation confirmée dont l'heure est passée peut être notée absente."
    with pytest.raises(NotAllowed):
        mark_no_show(booking=booking, by=booking.customer, at=booking.starts_at + datetime.timedelta(hours=1))
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED

    mark_no_show(booking=booking, by=admin, at=booking.starts_at + datetime.timedelta(hours=1))
    booking.refresh_from_db()
    assert booking.status == BookingStatus.NO_SHOW
    assert booking.transitions.filter(to_status="no_show").count() == 1
