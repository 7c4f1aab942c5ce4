import datetime
from decimal import Decimal

import pytest
from django.core import mail

from bookings.actions.booking import book, record_actual_hours
from bookings.enums import BookingStatus
from bookings.exceptions import BookingError, NotAllowed, SlotFull
from bookings.models import Booking
from bookings.notifications import send_reminders
from bookings.selectors import find_slot
from marketplace.models import Invoice
from tests.accounts.factories import UserFactory
from tests.bookings.factories import BILLING, NOW, at, book_training, offering
from tests.marketplace.factories import resident

pytestmark = pytest.mark.django_db

HOUSEWORK = "menage-a-domicile"


def _visit(user=None, *, hours="3", postcode="23400", method="cheque"):
    return book(
        user=user or resident(),
        offering=offering(HOUSEWORK),
        starts_at=at(2, 8),
        quantity=Decimal(hours),
        payment_method=method,
        billing=BILLING,
        address="4 rue des Tilleuls, Bourganeuf",
        postcode=postcode,
        note="Plutôt le matin",
        at=NOW,
    )


def test_a_visit_uses_team_hours_of_the_day(demo_hub):
    booking = _visit(hours="3")

    slot = find_slot(offering=offering(HOUSEWORK), starts_at=at(2, 8), at=NOW)
    assert (booking.places, booking.quantity, booking.status) == (Decimal("3.00"), Decimal("3.000"), BookingStatus.HELD)
    assert (slot.capacity, slot.used, slot.remaining) == (Decimal("28"), Decimal("3.00"), Decimal("25.00"))
    assert (booking.order_line.total_incl, booking.order_line.sap_eligible) == (Decimal("72.00"), True)


def test_hours_beyond_the_day_capacity_are_refused(demo_hub):
    for _ in range(9):
        _visit(UserFactory(), hours="3")
    bookings = Booking.objects.count()

    with pytest.raises(SlotFull):
        _visit(hours="2")

    assert Booking.objects.count() == bookings


def test_outside_the_service_area_is_refused(demo_hub):
    bookings = Booking.objects.count()

    with pytest.raises(BookingError, match=r"code postal \(75001\)"):
        _visit(postcode="75001")

    assert Booking.objects.count() == bookings


def test_actual_hours_reprice_and_invoice_the_visit(demo_hub, django_capture_on_commit_callbacks):
    from accounts.models import User

    with django_capture_on_commit_callbacks(execute=True):
        booking = _visit(hours="3")
    admin = User.objects.get(email="admin@demo.pole.test")

    record_actual_hours(booking=booking, hours=Decimal("2.5"), by=admin)

    booking.refresh_from_db()
    invoice = Invoice.objects.get(order=booking.order_line.order)
    assert (booking.status, booking.final_quantity) == (BookingStatus.DONE, Decimal("2.500"))
    assert (invoice.total_incl, invoice.sap, invoice.lines.get().quantity) == (Decimal("60.00"), True, Decimal("2.500"))


def test_only_the_structure_records_hours(demo_hub, django_capture_on_commit_callbacks):
    user = resident()
    with django_capture_on_commit_callbacks(execute=True):
        booking = _visit(user)

    with pytest.raises(NotAllowed):
        record_actual_hours(booking=booking, hours=Decimal("2"), by=user)

    booking.refresh_from_db()
    assert (booking.status, booking.final_quantity) == (BookingStatus.CONFIRMED, None)


def test_reminder_is_sent_once_the_day_before(demo_hub, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        booking = book_training()
    mail.outbox.clear()

    assert send_reminders(at=at(2, 13)) == 0  # 25 hours before
    assert send_reminders(at=at(2, 15)) == 1
    assert send_reminders(at=at(2, 16)) == 0

    assert [(m.subject, m.to) for m in mail.outbox] == [
        ("[Pôle Économie Solidaire] Rappel : Séance de code de la route demain", [booking.customer.email])
    ]
    assert "mercredi 3 mars 2027, 14:00" in mail.outbox[0].body
    assert booking.starts_at - at(2, 15) == datetime.timedelta(hours=23)


def test_staff_note_a_no_show_once_the_time_has_passed(demo_hub, django_capture_on_commit_callbacks):
    import datetime

    from accounts.models import User
    from bookings.actions.booking import mark_no_show

    with django_capture_on_commit_callbacks(execute=True):
        booking = _visit()
    booking.refresh_from_db()
    admin = User.objects.get(email="admin@demo.pole.test")
    with pytest.raises(BookingError) as excinfo:
        mark_no_show(booking=booking, by=admin, at=NOW)  # before the visit
    assert excinfo.value.message == "Seule une réservation confirmée dont l'heure est passée peut être notée absente."
    with pytest.raises(NotAllowed):
        mark_no_show(booking=booking, by=resident(), at=booking.starts_at + datetime.timedelta(hours=1))
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED

    mark_no_show(booking=booking, by=admin, at=booking.starts_at + datetime.timedelta(hours=1))
    booking.refresh_from_db()
    assert booking.status == BookingStatus.NO_SHOW
    assert booking.transitions.filter(to_status="no_show").count() == 1
