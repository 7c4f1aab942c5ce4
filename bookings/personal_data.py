"""What bookings hold about a person (RGPD export): the bookings they made, their recurring pickups,
whether a private calendar link exists. Erasing is done when the account closes
(`bookings.actions.account.close_account_bookings`, on `account_closing`)."""

from django.utils import timezone

from bookings.models import Booking, CalendarFeed, RecurringBooking


def _moment(value) -> str:
    return timezone.localtime(value).isoformat()


def export(user) -> dict:
    bookings = (
        Booking.objects.filter(customer=user)
        .select_related("offering__structure", "organisation", "pickup_point")
        .order_by("starts_at", "pk")
    )
    series = RecurringBooking.objects.filter(customer=user).select_related("offering").order_by("created_at", "pk")
    return {
        "reservations": [
            {
                "offre": booking.offering.name,
                "structure": booking.offering.structure.name,
                "pour": booking.organisation.name if booking.organisation else "moi",
                "debut": _moment(booking.starts_at),
                "fin": _moment(booking.ends_at),
                "quantite": str(booking.quantity),
                "etat": booking.get_status_display(),
                "point_de_depot": booking.pickup_point.name if booking.pickup_point else "",
                "adresse": booking.address,
                "code_postal": booking.postcode,
                "destination": booking.destination,
                "precisions": booking.note,
                "reservee_le": _moment(booking.created_at),
            }
            for booking in bookings
        ],
        "reservations_recurrentes": [
            {
                "offre": item.offering.name,
                "frequence": item.get_frequency_display(),
                "premier_creneau": _moment(item.first_starts_at),
                "jusqu_au": item.ends_on.isoformat() if item.ends_on else None,
                "adresse": item.address,
                "precisions": item.note,
                "active": item.is_active,
            }
            for item in series
        ],
        "agenda_prive": CalendarFeed.objects.filter(user=user).exists(),
    }
