import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from bookings.enums import BookingStatus, LaundryStep
from bookings.models import Booking, CalendarFeed
from services.enums import Audience
from tests.accounts.factories import UserFactory
from tests.bookings.factories import (
    MON,
    TUE,
    WED,
    BillingOrganisationFactory,
    BookableOfferingFactory,
    BookingFactory,
    laundry_staff,
    next_weekday,
)
from tests.hub.factories import OrganisationMembershipFactory

pytestmark = pytest.mark.django_db


def _sportswear():
    return BookableOfferingFactory(
        laundry=True, name="Tenues sportives au kilo", price=Decimal("3.80"), audience=Audience.ORGANISATIONS
    )


def _club_member():
    """A member of the Association sportive de Souppes-sur-Loing."""
    return OrganisationMembershipFactory(
        organisation=BillingOrganisationFactory(name="Association sportive de Souppes-sur-Loing")
    ).user


def _club_pickup(member, offering, *, weeks: int):
    """A pickup of the member's club on a Tuesday `weeks` weeks ahead, 9:00, booked now."""
    return BookingFactory(
        laundry=True,
        user=member,
        organisation=member.organisation_memberships.get().organisation,
        offering=offering,
        starts_at=next_weekday(TUE, 9, weeks=weeks),
        at=timezone.now(),
    )


def test_calendar_shows_the_week_to_visitors(client):
    code = BookableOfferingFactory()
    starts = next_weekday(WED, 14, weeks=3)
    monday = starts.date() - datetime.timedelta(days=2)

    response = client.get(reverse("bookings:calendar", args=[code.slug]), {"semaine": monday})

    assert response.status_code == 200
    html = response.content.decode()
    assert "Se connecter pour réserver" in html
    assert "14:00–16:00" in html
    assert 'name="slot"' not in html


def test_calendar_for_a_member_costs_a_fixed_number_of_queries(client, django_assert_num_queries):
    client.force_login(_club_member())
    url = reverse("bookings:calendar", args=[_sportswear().slug])
    client.get(url)

    # session, user, offering, organisations, rules, closures, resources, usage, seller settings
    # (as a person, then as an organisation, whatever their number), the laundry's collection fee (for a
    # member), cancellation fee, deposit, pickup points
    with django_assert_num_queries(14):
        response = client.get(url, {"semaine": (timezone.localdate() + datetime.timedelta(days=21)).isoformat()})

    assert response.status_code == 200


def test_week_navigation_with_htmx_returns_the_calendar_only(client):
    code = BookableOfferingFactory()

    response = client.get(
        reverse("bookings:calendar", args=[code.slug]),
        {"semaine": (timezone.localdate() + datetime.timedelta(days=21)).isoformat()},
        headers={"HX-Request": "true"},
    )

    html = response.content.decode()
    assert html.lstrip().startswith('<div id="booking-calendar"')
    assert "<html" not in html


def test_resident_books_a_seat_and_sees_it(client, django_capture_on_commit_callbacks):
    code = BookableOfferingFactory()
    user = UserFactory()
    client.force_login(user)
    starts = next_weekday(WED, 14, weeks=3)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("bookings:calendar", args=[code.slug]),
            {
                "slot": starts.isoformat(),
                "buyer": "self",
                "quantity": "1",
                "billing_address": "4 rue des Tilleuls\n77140 Nemours",
                "payment_method": "cheque",
            },
        )

    assert response.status_code == 302
    assert response.url == reverse("bookings:mine")
    booking = Booking.objects.get(customer=user, starts_at=starts)
    assert (booking.status, booking.order_line.order.payment_method) == (BookingStatus.CONFIRMED, "cheque")
    page = client.get(reverse("bookings:mine")).content.decode()
    assert "Séance de code de la route" in page
    assert "Gratuit jusqu'au" in page


def test_card_booking_goes_to_the_payment_page(client):
    code = BookableOfferingFactory()
    user = UserFactory()
    client.force_login(user)
    starts = next_weekday(WED, 14, weeks=3)

    response = client.post(
        reverse("bookings:calendar", args=[code.slug]),
        {
            "slot": starts.isoformat(),
            "buyer": "self",
            "quantity": "1",
            "billing_address": "1 rue",
            "payment_method": "card",
        },
    )

    booking = Booking.objects.get(customer=user, starts_at=starts)
    assert response.url == reverse("marketplace:order_pay", args=[booking.order_line.order.reference])
    assert booking.status == BookingStatus.HELD


def test_refused_booking_shows_the_reason_and_books_nothing(client):
    housework = BookableOfferingFactory(home_visit=True)  # goes to 77140 only
    user = UserFactory()
    client.force_login(user)

    response = client.post(
        reverse("bookings:calendar", args=[housework.slug]),
        {
            "slot": next_weekday(MON, 8, weeks=3).isoformat(),
            "buyer": "self",
            "quantity": "2",
            "address": "1 place de la Mairie",
            "postcode": "75001",
            "billing_address": "1 place de la Mairie\n75001 Paris",
            "payment_method": "cheque",
        },
    )

    assert response.status_code == 200  # the page stays on the calendar
    assert "Nous n&#x27;intervenons pas encore dans la commune de ce code postal (75001)." in response.content.decode()
    assert Booking.objects.filter(customer=user).count() == 0


def test_cancel_someone_elses_booking_is_404_and_changes_nothing(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        booking = _club_pickup(_club_member(), _sportswear(), weeks=5)
    client.force_login(UserFactory())

    response = client.post(reverse("bookings:cancel", args=[booking.pk]))

    booking.refresh_from_db()
    assert response.status_code == 404
    assert booking.status == BookingStatus.CONFIRMED


def test_my_bookings_costs_a_fixed_number_of_queries(client, django_assert_num_queries):
    member, sportswear = _club_member(), _sportswear()
    for weeks in (5, 6, 7):
        _club_pickup(member, sportswear, weeks=weeks)
    client.force_login(member)
    client.get(reverse("bookings:mine"))  # warm the session

    # session, user, memberships, bookings, fees, calendar feed
    with django_assert_num_queries(6):
        response = client.get(reverse("bookings:mine"))

    assert response.content.decode().count(">Tenues sportives au kilo") == 3  # one row each


def test_laundry_week_page_and_a_step_with_htmx(client, django_capture_on_commit_callbacks, django_assert_num_queries):
    sportswear = _sportswear()
    with django_capture_on_commit_callbacks(execute=True):
        booking = _club_pickup(_club_member(), sportswear, weeks=5)
    client.force_login(laundry_staff(sportswear))
    client.get(reverse("bookings:laundry_week"))

    with django_assert_num_queries(4):  # session, user, roles, bookings
        page = client.get(reverse("bookings:laundry_week"), {"semaine": booking.starts_at.date().isoformat()})
    assert "Association sportive de Souppes-sur-Loing" in page.content.decode()

    response = client.post(
        reverse("bookings:laundry_step", args=[booking.pk]), {"step": "collected"}, headers={"HX-Request": "true"}
    )

    booking.refresh_from_db()
    assert (booking.laundry_step, booking.status) == (LaundryStep.COLLECTED, BookingStatus.IN_PROGRESS)
    assert response.content.decode().lstrip().startswith(f'<tr id="laundry-{booking.pk}">')
    assert "Enregistrer la pesée" in response.content.decode()

    refused = client.post(
        reverse("bookings:laundry_step", args=[booking.pk]),
        {"step": "weighed", "weight": ""},
        headers={"HX-Request": "true"},
    )
    booking.refresh_from_db()
    assert "Indiquez le poids pesé, en kg." in refused.content.decode()
    assert (booking.laundry_step, booking.final_quantity) == (LaundryStep.COLLECTED, None)


def test_laundry_week_is_404_for_customers(client):
    client.force_login(_club_member())

    assert client.get(reverse("bookings:laundry_week")).status_code == 404


def test_private_ical_feed(client):
    member = _club_member()
    _club_pickup(member, _sportswear(), weeks=5)
    client.force_login(member)
    client.post(reverse("bookings:calendar_token"))
    token = CalendarFeed.objects.get(user=member).token
    client.logout()

    response = client.get(reverse("bookings:ical", args=[token]))
    missing = client.get(reverse("bookings:ical", args=["not-a-token"]))

    body = response.content.decode()
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert "SUMMARY:Tenues sportives au kilo" in body
    assert body.count("BEGIN:VEVENT") == 1
    assert missing.status_code == 404


def test_home_service_price_shows_the_tax_credit_apart(client):
    housework = BookableOfferingFactory(home_visit=True)  # 24,00 € an hour

    response = client.get(reverse("bookings:calendar", args=[housework.slug]))

    html = response.content.decode()
    assert "heures × taux horaire" in html
    assert "50 % de crédit d'impôt : soit 12,00" in html
    assert housework.price == Decimal("24.00")


@pytest.mark.parametrize(
    "name",
    [
        "admin:bookings_openingrule_changelist",
        "admin:bookings_booking_changelist",
        "admin:bookings_closure_changelist",
        "admin:bookings_servicearea_changelist",
    ],
)
def test_admin_pages_load_for_a_hub_admin(client, name):
    BookingFactory(home_visit=True)  # a row on each page but closures'

    client.force_login(UserFactory(hub_admin=True))

    assert client.get(reverse(name)).status_code == 200
