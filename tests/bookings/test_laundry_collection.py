"""An organisation's laundry in one booking: collected and delivered at its address, the collection fee a
line of the same order (of the month's order on account), an estimated price before confirming, one row
for the laundry staff."""

import datetime
import importlib
from decimal import Decimal

import pytest
from django.apps import apps as global_apps
from django.urls import reverse
from django.utils import timezone

from bookings.actions.laundry import create_recurring_booking, issue_monthly_laundry_invoices, record_laundry_step
from bookings.enums import BookingStatus, LaundryStep
from bookings.exceptions import BookingError
from bookings.models import Booking, CollectionFee, OpeningRule
from bookings.selectors import booking_estimate, collection_fee_offering
from hub.enums import Frequency
from marketplace.models import Order
from services.enums import Audience, OfferingKind, Unit
from tests.accounts.factories import UserFactory
from tests.bookings.factories import (
    NOW,
    TUE,
    BillingOrganisationFactory,
    BookableOfferingFactory,
    BookingFactory,
    CollectionFeeFactory,
    OrganisationAccountFactory,
    at,
    laundry_staff,
    next_weekday,
    org_billing,
)
from tests.hub.factories import OrganisationMembershipFactory, SiteFactory
from tests.services.factories import OfferingFactory

pytestmark = pytest.mark.django_db

CRECHE_ADDRESS = "3 rue des Écoles\n77140 Nemours"


def _sheets_with_collection():
    """« Linge plat au kilo » (4,20 €/kg) of a laundry that collects at organisations' addresses for 6,00 €."""
    sheets = BookableOfferingFactory(laundry=True)
    fee = CollectionFeeFactory(structure=sheets.structure).fee_offering
    return sheets, fee


def _creche_member(**organisation):
    return OrganisationMembershipFactory(
        organisation=BillingOrganisationFactory(name="Crèche Les P'tits Loups", **organisation)
    ).user


def test_organisation_laundry_is_collected_at_its_address_with_the_fee_on_the_same_order():
    sheets, fee = _sheets_with_collection()
    member = _creche_member()
    creche = member.organisations.get()

    booking = BookingFactory(
        laundry=True,
        offering=sheets,
        user=member,
        organisation=creche,
        pickup_point=None,
        collect_at_address=True,
    )

    order = booking.order_line.order
    lines = list(order.lines.order_by("pk").values_list("offering_id", "quantity", "total_incl"))
    assert lines == [(sheets.pk, Decimal("8.000"), Decimal("33.60")), (fee.pk, Decimal("1.000"), Decimal("6.00"))]
    assert (booking.collection_fee, booking.collection_line_id, booking.pickup_point) == (
        fee,
        order.lines.order_by("pk").last().pk,
        None,
    )
    assert (booking.address, booking.postcode, order.pickup_point, order.total_incl) == (
        CRECHE_ADDRESS,
        "77140",
        None,
        Decimal("39.60"),
    )
    assert Booking.objects.filter(organisation=creche).count() == 1  # no second « collecte » booking


def test_a_person_cannot_ask_for_a_collection_and_nothing_is_booked():
    sheets, _fee = _sheets_with_collection()
    person = UserFactory()
    before = (Booking.objects.count(), Order.objects.count())

    with pytest.raises(BookingError, match="réservée aux organisations"):
        BookingFactory(laundry=True, offering=sheets, user=person, pickup_point=None, collect_at_address=True)

    assert (Booking.objects.count(), Order.objects.count()) == before


def test_a_laundry_without_collection_refuses_it_and_nothing_is_booked():
    sheets = BookableOfferingFactory(laundry=True)
    member = _creche_member()
    before = (Booking.objects.count(), Order.objects.count())

    with pytest.raises(BookingError, match="ne propose pas de collecte"):
        BookingFactory(
            laundry=True,
            offering=sheets,
            user=member,
            organisation=member.organisations.get(),
            pickup_point=None,
            collect_at_address=True,
        )

    assert (Booking.objects.count(), Order.objects.count()) == before


def test_the_fee_offering_itself_has_no_collection():
    _sheets, fee = _sheets_with_collection()

    assert collection_fee_offering(fee) is None


def test_estimate_is_the_kilos_times_the_price_plus_the_collection_fee():
    sheets, fee = _sheets_with_collection()
    member = _creche_member()

    estimate = booking_estimate(
        user=member,
        offering=sheets,
        quantity=Decimal("12"),
        organisation=member.organisations.get(),
        collection_fee=fee,
    )

    assert [(line.item.offering, line.total_incl) for line in estimate.lines] == [
        (sheets, Decimal("50.40")),
        (fee, Decimal("6.00")),
    ]
    assert (estimate.total_incl, estimate.measured_later) == (Decimal("56.40"), True)


def _deliver(booking, *, kilos, day):
    staff = laundry_staff(booking.offering)
    for step, extra in (
        (LaundryStep.COLLECTED, {}),
        (LaundryStep.WEIGHED, {"weight": Decimal(kilos)}),
        (LaundryStep.WASHING, {}),
        (LaundryStep.READY, {}),
        (LaundryStep.DELIVERED, {}),
    ):
        record_laundry_step(booking=booking, step=step, by=staff, at=at(day, 11), **extra)


def test_on_account_the_month_order_has_one_collection_line_per_collection(django_capture_on_commit_callbacks):
    sheets, fee = _sheets_with_collection()
    first = BookingFactory(
        laundry=True, on_account=True, offering=sheets, pickup_point=None, collect_at_address=True, quantity=12
    )
    creche, member = first.organisation, first.customer
    second = BookingFactory(
        laundry=True,
        offering=sheets,
        user=member,
        organisation=creche,
        starts_at=at(10, 9),
        pickup_point=None,
        collect_at_address=True,
    )
    assert (first.status, first.order_line, second.order_line) == (BookingStatus.CONFIRMED, None, None)
    _deliver(first, kilos="11.5", day=3)
    _deliver(second, kilos="13", day=10)

    with django_capture_on_commit_callbacks(execute=True):
        (order,) = issue_monthly_laundry_invoices(year=2026, month=3, at=at(1, 6, month=4))

    lines = list(order.lines.order_by("pk"))
    assert [(line.offering, line.quantity, line.total_incl) for line in lines] == [
        (sheets, Decimal("24.500"), Decimal("102.90")),
        (fee, Decimal("2.000"), Decimal("12.00")),
    ]
    assert (order.pickup_point, order.total_incl) == (None, Decimal("114.90"))
    assert set(Booking.objects.filter(organisation=creche).values_list("order_line", "collection_line")) == {
        (lines[0].pk, lines[1].pk)
    }


def test_a_recurring_collection_books_every_occurrence_at_the_address():
    sheets, fee = _sheets_with_collection()
    member = _creche_member()
    creche = member.organisations.get()

    series = create_recurring_booking(
        user=member,
        offering=sheets,
        first_starts_at=at(3, 9),
        frequency=Frequency.WEEKLY,
        quantity=Decimal("12"),
        payment_method="transfer",
        billing=org_billing(creche),
        organisation=creche,
        pickup_point=SiteFactory(pickup_point=True),  # ignored: collected at the address
        collect_at_address=True,
        at=NOW,
    )

    occurrences = list(series.occurrences.order_by("starts_at"))
    assert (series.collected_at_address, series.pickup_point) == (True, None)
    assert [b.starts_at for b in occurrences] == [at(3, 9), at(10, 9), at(17, 9), at(24, 9)]
    assert {(b.collection_fee_id, b.pickup_point_id, b.address) for b in occurrences} == {
        (fee.pk, None, CRECHE_ADDRESS)
    }


def _form(slot, **extra):
    return {
        "slot": slot.isoformat(),
        "buyer": extra.pop("buyer"),
        "quantity": "12",
        "frequency": "",
        "handover": "address",
        "payment_method": "transfer",
        **extra,
    }


def test_the_booker_sees_the_estimated_price_then_confirms(client, django_capture_on_commit_callbacks):
    sheets, _fee = _sheets_with_collection()
    member = _creche_member()
    creche = member.organisations.get()
    client.force_login(member)
    slot = next_weekday(TUE, 9, weeks=3)
    url = reverse("bookings:calendar", args=[sheets.slug])

    preview = client.post(url, _form(slot, buyer=str(creche.pk)))

    html = preview.content.decode()
    assert preview.status_code == 200
    assert "Vérifiez votre réservation" in html
    assert "56,40\u00a0€" in html  # 12 kg × 4,20 € + 6,00 €
    assert "3 rue des Écoles" in html
    assert "Virement à réception de facture" in html  # not on account: each collection is invoiced
    assert not Booking.objects.filter(organisation=creche).exists()  # nothing booked before confirming

    back = client.post(url, {**_form(slot, buyer=str(creche.pk)), "modifier": "1"})
    assert (back.status_code, Booking.objects.filter(organisation=creche).exists()) == (200, False)
    assert 'value="12"' in back.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(url, {**_form(slot, buyer=str(creche.pk)), "confirmer": "1"})

    assert (done.status_code, done.url) == (302, reverse("bookings:mine"))
    booking = Booking.objects.get(organisation=creche)
    assert (booking.organisation, booking.address, booking.status) == (creche, CRECHE_ADDRESS, BookingStatus.CONFIRMED)
    assert booking.order_line.order.total_incl == Decimal("56.40")


def test_on_account_the_estimate_says_it_is_billed_at_month_end(client):
    sheets, _fee = _sheets_with_collection()
    member = _creche_member()
    creche = member.organisations.get()
    OrganisationAccountFactory(organisation=creche)
    client.force_login(member)

    preview = client.post(
        reverse("bookings:calendar", args=[sheets.slug]), _form(next_weekday(TUE, 9, weeks=3), buyer=str(creche.pk))
    )

    html = preview.content.decode()
    assert "Sur le compte de l'organisation : facturé en fin de mois, au poids réel." in html
    assert "56,40\u00a0€" in html
    assert not Booking.objects.filter(organisation=creche).exists()


def test_a_member_booking_for_themself_must_choose_a_drop_off_point(client):
    sheets, _fee = _sheets_with_collection()
    member = _creche_member()
    client.force_login(member)
    slot = next_weekday(TUE, 9, weeks=3)

    response = client.post(
        reverse("bookings:calendar", args=[sheets.slug]),
        _form(slot, buyer="self", billing_address="1 rue Haute\n77140 Nemours"),
    )

    assert response.status_code == 200
    assert "Choisissez un point de dépôt." in response.content.decode()
    assert not Booking.objects.filter(customer=member).exists()


def test_laundry_week_shows_one_row_per_booking_with_the_collection(client, django_assert_num_queries):
    sheets, _fee = _sheets_with_collection()
    member = _creche_member()
    booking = BookingFactory(
        laundry=True,
        offering=sheets,
        user=member,
        organisation=member.organisations.get(),
        pickup_point=None,
        collect_at_address=True,
        starts_at=next_weekday(TUE, 9, weeks=2),
        at=timezone.now(),
    )
    client.force_login(laundry_staff(sheets))
    client.get(reverse("bookings:laundry_week"))

    with django_assert_num_queries(4):  # session, user, roles, bookings (with their collection fee)
        page = client.get(reverse("bookings:laundry_week"), {"semaine": booking.starts_at.date().isoformat()})

    html = page.content.decode()
    assert html.count('<tr id="laundry-') == 1
    assert "Collecte et livraison à l" in html
    assert "3 rue des Écoles<br>77140 Nemours" in html


def test_migration_makes_the_delivery_offering_the_collection_fee_and_unbookable():
    laundry_offering = OfferingFactory(
        kind=OfferingKind.LAUNDRY, unit=Unit.DELIVERY, price=Decimal("6.00"), audience=Audience.BOTH
    )
    OpeningRule.objects.create(
        offering=laundry_offering,
        weekday=1,
        start_time=datetime.time(9),
        end_time=datetime.time(12),
        slot_minutes=60,
        capacity=6,
    )
    migration = importlib.import_module("bookings.migrations.0012_collection_fee_from_catalogue")

    migration.forwards(global_apps, None)
    migration.forwards(global_apps, None)  # twice: the same

    fee = CollectionFee.objects.get(structure_id=laundry_offering.structure_id)
    assert fee.fee_offering == laundry_offering
    assert OpeningRule.objects.filter(offering=laundry_offering).count() == 0
