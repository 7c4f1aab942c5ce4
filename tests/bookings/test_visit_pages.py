"""The pages of a home visit booked by start time: the start times, the address offered, the price and
tax credit before confirming, the messages; and cancelling any booking through its confirmation page."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from bookings.actions.laundry import create_recurring_booking
from bookings.enums import BookingStatus
from bookings.models import Booking, BookingTransition, CancellationFee, RecurringBooking
from services.enums import OfferingKind, RevenueAccount, Unit
from tests.accounts.factories import UserFactory
from tests.bookings.factories import BILLING, HOME, TUE, BookableOfferingFactory, BookingFactory, next_weekday
from tests.services.factories import OfferingFactory

pytestmark = pytest.mark.django_db
NBSP = "\u00a0"  # between an amount and its euro sign


def _garden():
    """« Petits travaux de jardinage », 27,00 €/h: 2-hour visits from 8:00 to 16:00 every 30 minutes, 2 teams."""
    return BookableOfferingFactory(home_visit=True, timed=True)


def _form(starts: datetime.datetime, **extra) -> dict:
    return {
        "slot": starts.isoformat(),
        "buyer": "self",
        "quantity": "1",
        "address": "12 route de Chaintreauville, 77140 Nemours",
        "postcode": "77140",
        "note": "Portail vert",
        "billing_address": "12 route de Chaintreauville\n77140 Nemours",
        "payment_method": "cesu",
        **extra,
    }


def _messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_the_week_offers_start_times_of_a_two_hour_visit(client):
    garden = _garden()
    client.force_login(UserFactory())
    tuesday = next_weekday(TUE, 10, weeks=2)

    response = client.get(reverse("bookings:calendar", args=[garden.slug]), {"semaine": tuesday.date().isoformat()})

    html = response.content.decode()
    assert "Choisissez l'heure de début : l'intervention dure 2 h." in html
    assert html.count(f'name="slot" value="{tuesday.date().isoformat()}T') == 17  # 8:00, 8:30 … 16:00
    assert f'value="{tuesday.isoformat()}"' in html
    assert "08:00–18:00" not in html
    assert "au retrait" not in html
    assert "CESU, à réception de la facture" in html
    assert "Voir le prix et confirmer" in html


def test_the_address_of_the_last_visit_is_offered(client):
    garden = _garden()
    user = UserFactory()
    BookingFactory(home_visit=True, user=user, address="7 impasse des Lilas, 77140 Nemours", postcode="77140")
    client.force_login(user)

    html = client.get(reverse("bookings:calendar", args=[garden.slug])).content.decode()

    assert 'id="id_address">\n7 impasse des Lilas, 77140 Nemours</textarea>' in html
    assert 'name="postcode" value="77140"' in html


def test_the_price_and_tax_credit_come_before_anything_is_booked(client, django_capture_on_commit_callbacks):
    garden = _garden()
    user = UserFactory()
    client.force_login(user)
    starts = next_weekday(TUE, 10, weeks=2)
    url = reverse("bookings:calendar", args=[garden.slug])

    review = client.post(url, _form(starts))

    html = review.content.decode()
    assert review.status_code == 200
    assert "Vérifiez votre réservation" in html
    assert f"2 h × 27,00{NBSP}€ de l'heure" in html
    assert html.count(f"54,00{NBSP}€") == 3  # the line, the total and when it is invoiced
    assert f"Prix fixe pour la durée de la visite : la facture de 54,00{NBSP}€ vous est envoyée dès" in html
    assert f"50 % de crédit d'impôt, soit 27,00{NBSP}€ ; il vous en coûte 27,00{NBSP}€ après crédit." in html
    assert "de 10:00 à 12:00" in html
    assert "CESU, à réception de la facture" in html
    assert Booking.objects.filter(customer=user).count() == 0

    with django_capture_on_commit_callbacks(execute=True):
        confirmed = client.post(url, {**_form(starts), "confirmer": "1"})

    booking = Booking.objects.get(customer=user)
    assert confirmed.url == reverse("bookings:mine")
    assert (booking.starts_at, booking.ends_at - booking.starts_at, booking.quantity) == (
        starts, datetime.timedelta(hours=2), Decimal("2.000"))  # fmt: skip
    assert (booking.address, booking.postcode, booking.note) == (
        "12 route de Chaintreauville, 77140 Nemours", "77140", "Portail vert")  # fmt: skip
    assert booking.order_line.total_incl == Decimal("54.00")
    with translation.override("fr"):
        day, long_day = date_format(starts, "j F"), date_format(starts, "l j F Y")
    assert _messages(confirmed) == [
        f"C'est réservé : « Petits travaux de jardinage » le {long_day}, de 10:00 à 12:00, à votre adresse."
    ]
    # The order and its invoice (issued at confirmation: a fixed price) have their own e-mails.
    visit_mails = [m for m in mail.outbox if "commande" not in m.subject.lower()]
    assert [m.subject for m in visit_mails] == [
        f"[Pôle Économie Solidaire] Intervention confirmée : Petits travaux de jardinage le {day}"
    ]
    assert f"Le {long_day}, de 10:00 à 12:00.\nÀ l'adresse : 12 route de Chaintreauville" in visit_mails[0].body


def test_going_back_from_the_summary_books_nothing(client):
    garden = _garden()
    user = UserFactory()
    client.force_login(user)
    starts = next_weekday(TUE, 10, weeks=2)

    response = client.post(reverse("bookings:calendar", args=[garden.slug]), {**_form(starts), "modifier": "1"})

    assert response.status_code == 200
    assert "Portail vert" in response.content.decode()  # the form comes back filled in
    assert Booking.objects.filter(customer=user).count() == 0


def test_a_weekly_series_from_the_page_says_so_once(client, django_capture_on_commit_callbacks):
    garden = _garden()
    user = UserFactory()
    client.force_login(user)
    starts = next_weekday(TUE, 10, weeks=1)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("bookings:calendar", args=[garden.slug]), {**_form(starts, frequency="weekly"), "confirmer": "1"}
        )

    series = RecurringBooking.objects.get(customer=user)
    count = series.occurrences.count()
    assert count >= 3
    message = _messages(response)[0]
    assert "chaque semaine de 10:00 à 12:00" in message
    assert f"({count} dates déjà prévues)" in message
    assert "collecte" not in message
    assert [m.subject for m in mail.outbox] == [
        "[Pôle Économie Solidaire] Interventions régulières confirmées : Petits travaux de jardinage"
    ]


def _fee(offering) -> None:
    """A late cancellation of `offering` costs 15,00 €."""
    fee = OfferingFactory(
        structure=offering.structure,
        name="Frais d'annulation tardive",
        kind=OfferingKind.HOME_SERVICE,
        unit=Unit.ITEM,
        price=Decimal("15.00"),
        revenue_account=RevenueAccount.HOME_SERVICES,
        vat_exemption_mention="TVA non applicable, art. 261-7-1° bis du CGI",
    )
    CancellationFee.objects.create(offering=offering, fee_offering=fee)


def _own_visit(offering=None, **kwargs):
    offering = offering or _garden()
    return BookingFactory(
        home_visit=True, offering=offering, starts_at=next_weekday(TUE, 10, weeks=2), at=timezone.now(), **kwargs
    )


def test_my_bookings_offers_move_as_secondary_and_cancel_as_danger(client):
    booking = _own_visit()
    client.force_login(booking.customer)

    html = client.get(reverse("bookings:mine")).content.decode()

    cancel_url = reverse("bookings:cancel", args=[booking.pk])
    assert f'class="button button-small button-danger button-outline" href="{cancel_url}"' in html
    assert (
        f'class="button button-small button-secondary" href="{reverse("bookings:reschedule", args=[booking.pk])}"'
        in html
    )
    assert f'action="{cancel_url}"' not in html  # no one-click cancel any more


def test_the_confirmation_page_states_the_late_fee(client, settings):
    settings.BOOKING_FREE_CANCELLATION_HOURS = 24 * 60  # every booking of the next two months is "late"
    booking = _own_visit()
    _fee(booking.offering)
    client.force_login(booking.customer)

    html = client.get(reverse("bookings:cancel", args=[booking.pk])).content.decode()

    assert "Annuler cette intervention ?" in html
    assert "Annulation tardive" in html
    assert f"Des frais de 15,00{NBSP}€ vous seront facturés." in html
    assert 'class="button-danger"' in html
    assert "Non, garder la réservation" in html


def test_the_confirmation_page_says_free_outside_the_window(client):
    booking = _own_visit()
    _fee(booking.offering)
    client.force_login(booking.customer)

    html = client.get(reverse("bookings:cancel", args=[booking.pk])).content.decode()

    assert "Sans frais : vous annulez plus de 48 heures avant." in html
    assert "Annulation tardive" not in html


def test_a_post_without_the_confirmation_cancels_nothing(client):
    booking = _own_visit()
    client.force_login(booking.customer)
    transitions = BookingTransition.objects.count()

    response = client.post(reverse("bookings:cancel", args=[booking.pk]))

    booking.refresh_from_db()
    assert response.url == reverse("bookings:cancel", args=[booking.pk])
    assert booking.status == BookingStatus.HELD
    assert booking.order_line.order.fulfilment_status == "confirmed"
    assert BookingTransition.objects.count() == transitions


def test_confirmed_late_cancellation_charges_the_fee_it_stated(client, settings):
    settings.BOOKING_FREE_CANCELLATION_HOURS = 24 * 60
    booking = _own_visit()
    _fee(booking.offering)
    client.force_login(booking.customer)

    response = client.post(reverse("bookings:cancel", args=[booking.pk]), {"confirmer": "1", "portee": "date"})

    booking.refresh_from_db()
    assert response.url == reverse("bookings:mine")
    assert booking.status == BookingStatus.CANCELLED
    assert booking.cancellation_fee_line.total_incl == Decimal("15.00")
    assert _messages(response) == ["Réservation annulée. Des frais d'annulation tardive de 15,00\u00a0€ s'appliquent."]


def test_a_refused_cancellation_changes_nothing(client):
    booking = _own_visit()
    client.force_login(booking.customer)
    Booking.objects.filter(pk=booking.pk).update(starts_at=timezone.now() - datetime.timedelta(hours=1))
    transitions = BookingTransition.objects.count()

    page = client.get(reverse("bookings:cancel", args=[booking.pk])).content.decode()
    response = client.post(reverse("bookings:cancel", args=[booking.pk]), {"confirmer": "1", "portee": "date"})

    booking.refresh_from_db()
    assert "ne peut plus être annulée" in page
    assert response.status_code == 400
    assert "Ce créneau est commencé ou passé" in response.content.decode()
    assert booking.status == BookingStatus.HELD
    assert booking.cancellation_fee_line is None
    assert BookingTransition.objects.count() == transitions


def _weekly_series(user):
    garden = _garden()
    return create_recurring_booking(
        user=user, offering=garden, first_starts_at=next_weekday(TUE, 10, weeks=1), frequency="weekly",
        quantity=Decimal("2"), payment_method="cesu", billing=BILLING, address=HOME, postcode="77140",
    )  # fmt: skip


def test_a_series_is_cancelled_from_a_date_on_through_its_page(client, django_capture_on_commit_callbacks):
    user = UserFactory()
    series = _weekly_series(user)
    dates = list(series.occurrences.order_by("starts_at"))
    client.force_login(user)
    mail.outbox.clear()

    page = client.get(reverse("bookings:cancel", args=[dates[1].pk])).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("bookings:cancel", args=[dates[1].pk]), {"confirmer": "1", "portee": "suivantes"}
        )

    assert "Cette date seulement" in page
    assert f"Cette date et toutes les suivantes ({len(dates) - 1} dates prévues, puis plus aucune)" in page
    statuses = list(series.occurrences.order_by("starts_at").values_list("status", flat=True))
    assert statuses == [BookingStatus.CONFIRMED] + [BookingStatus.CANCELLED] * (len(dates) - 1)
    assert _messages(response) == [f"{len(dates) - 1} dates annulées ; la série s'arrête. Sans frais."]
    assert len(mail.outbox) == 1


def test_a_series_date_alone_is_cancelled_through_its_page(client):
    user = UserFactory()
    series = _weekly_series(user)
    dates = list(series.occurrences.order_by("starts_at"))
    client.force_login(user)

    client.post(reverse("bookings:cancel", args=[dates[1].pk]), {"confirmer": "1", "portee": "date"})

    statuses = list(series.occurrences.order_by("starts_at").values_list("status", flat=True))
    assert statuses[1] == BookingStatus.CANCELLED
    assert statuses.count(BookingStatus.CANCELLED) == 1
    assert RecurringBooking.objects.get(pk=series.pk).is_active is True


def test_a_visit_moves_to_another_day_and_start_time(client):
    booking = _own_visit()
    client.force_login(booking.customer)
    url = reverse("bookings:reschedule", args=[booking.pk])
    target = timezone.localtime(booking.starts_at + datetime.timedelta(days=1, hours=4))  # Wednesday 14:00

    html = client.get(url).content.decode()
    response = client.post(url, {"slot": target.isoformat()})

    assert "Choisissez le jour et l'heure de début :" in html
    assert f'value="{target.isoformat()}"' in html
    assert 'class="button button-secondary" href="/reservations/mes-reservations/">Ne rien changer' in html
    booking.refresh_from_db()
    assert response.url == reverse("bookings:mine")
    assert (booking.starts_at, booking.ends_at) == (target, target + datetime.timedelta(hours=2))


def test_the_visit_calendar_costs_a_fixed_number_of_queries(client, django_assert_num_queries):
    garden = _garden()
    user = UserFactory()
    BookingFactory(home_visit=True, user=user, offering=garden)
    client.force_login(user)
    url = reverse("bookings:calendar", args=[garden.slug])
    week = (timezone.localdate() + datetime.timedelta(days=21)).isoformat()
    client.get(url, {"semaine": week})

    # session, user, offering, organisations, rules, closures, resources, usage, timed rules, last
    # visit's address, seller settings, cancellation fee, deposit
    with django_assert_num_queries(13):
        response = client.get(url, {"semaine": week})

    assert response.status_code == 200


@pytest.mark.parametrize(
    ("address", "status", "error"),
    [
        ("12 route\x00 de Chaintreauville", 400, "La requête contient un caractère nul : elle est refusée."),
        ("x" * 601, 200, "Assurez-vous que cette valeur comporte au plus 600 caractères (actuellement 601)."),
        ("   ", 200, "Indiquez l&#x27;adresse d&#x27;intervention."),
    ],
)
def test_a_bad_address_is_refused_in_french_and_books_nothing(client, address, status, error):
    garden = _garden()
    user = UserFactory()
    client.force_login(user)

    response = client.post(
        reverse("bookings:calendar", args=[garden.slug]),
        {**_form(next_weekday(TUE, 10, weeks=2), address=address), "confirmer": "1"},
    )

    assert response.status_code == status
    assert error in response.content.decode()
    assert Booking.objects.filter(customer=user).count() == 0
