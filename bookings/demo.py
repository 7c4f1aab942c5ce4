"""Opening rules for every bookable offering of the demo catalogue, vehicles, the service area, the
organisations' recurring laundry and a few residents' bookings. Idempotent: keyed on natural keys,
and recurring occurrences are unique per series and start.
"""

import datetime
from decimal import Decimal as D

from allauth.account.models import EmailAddress
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from bookings.actions.booking import book
from bookings.actions.laundry import create_recurring_booking, generate_occurrences
from bookings.exceptions import BookingError
from bookings.models import (
    Booking,
    CollectionFee,
    OpeningRule,
    OrganisationAccount,
    RecurringBooking,
    Resource,
    ServiceArea,
)
from hub import notify
from hub.demo import DEMO_PASSWORD
from hub.enums import Frequency, OrganisationRole, StaffRole
from hub.models import Organisation, OrganisationMembership, Site, Structure, StructureRole
from marketplace.actions.checkout import Billing
from services.enums import OfferingKind, Unit
from services.models import Offering

MON, TUE, WED, THU, FRI, SAT = range(6)
T = datetime.time

# (offering slug, [(weekdays, start, end, slot minutes, capacity[, visit minutes])])
RULES = {
    # Laundry pickups: Tuesday and Thursday 9:00–12:00, 6 per hourly slot.
    **{
        slug: [((TUE, THU), T(9), T(12), 60, D("6"))]
        for slug in (
            "linge-plat-au-kilo",
            "lavage-et-repassage-au-kilo",
            "repassage-dune-chemise",
            "couette-ou-couverture",
            "tenues-sportives-au-kilo",
            "nappes-et-serviettes-de-table-au-kilo",
        )
    },
    # Home services, booked by start time: a visit of a set length starting every 30 minutes; the
    # capacity is the number of visits at the same time (teams available).
    "menage-a-domicile": [((MON, TUE, WED, THU, FRI), T(8), T(18), 30, D("3"), 180)],
    "repassage-a-domicile": [((MON, TUE, WED, THU, FRI), T(8), T(18), 30, D("2"), 120)],
    "petits-travaux-de-jardinage": [((MON, TUE, WED, THU, FRI), T(8), T(18), 30, D("2"), 120)],
    "petit-bricolage-homme-toutes-mains": [((MON, TUE, WED, THU, FRI), T(8), T(18), 30, D("2"), 120)],
    "mise-a-disposition-de-personnel": [((MON, TUE, WED, THU, FRI), T(8), T(18), 60, D("2"), 240)],
    # Vehicles: rented per day; the capacity is the number of vehicles.
    "location-de-voiture-a-la-journee": [((MON, TUE, WED, THU, FRI, SAT), T(8), T(18), 600, D("2"))],
    "location-de-scooter-a-la-journee": [((MON, TUE, WED, THU, FRI, SAT), T(8), T(18), 600, D("3"))],
    "location-de-velo-a-assistance-electrique": [((MON, TUE, WED, THU, FRI, SAT), T(8), T(18), 600, D("4"))],
    "transport-solidaire-au-kilometre": [((MON, TUE, WED, THU, FRI), T(9), T(17), 60, D("2"))],
    "forfait-rendez-vous-medical": [((MON, TUE, WED, THU, FRI), T(9), T(17), 60, D("2"))],
    # Training sessions with seats.
    "seance-de-code-de-la-route": [((WED,), T(14), T(16), 120, D("8")), ((SAT,), T(10), T(12), 120, D("8"))],
    "stage-de-code-intensif-5-seances": [((MON,), T(9), T(12), 180, D("6"))],
    "initiation-a-linformatique": [((TUE,), T(14), T(16), 120, D("8"))],
    "preparer-un-entretien-dembauche": [((THU,), T(14), T(16), 120, D("10"))],
    "formation-hygiene-alimentaire-haccp": [((FRI,), T(9), T(17), 480, D("12"))],
}
VEHICLES = {
    "location-de-voiture-a-la-journee": ["Clio bleue", "Clio grise"],
    "location-de-scooter-a-la-journee": ["Scooter 1", "Scooter 2", "Scooter 3"],
    "location-de-velo-a-assistance-electrique": ["VAE 1", "VAE 2", "VAE 3", "VAE 4"],
}
DEPOSITS = {
    "location-de-voiture-a-la-journee": D("300.00"),
    "location-de-scooter-a-la-journee": D("150.00"),
    "location-de-velo-a-assistance-electrique": D("100.00"),
}
# Pôle Services goes to the communes around Nemours, in the Gâtinais (south Seine-et-Marne).
SERVICE_AREA = ["77140", "77167", "77460", "77570", "77620", "77710", "77760", "77890"]
LAUNDRY_STAFF = "linge@demo.pole.test"
CLUB_MEMBER = "club@demo.pole.test"


def _user(email: str, first_name: str, last_name: str) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=DEMO_PASSWORD, first_name=first_name, last_name=last_name)
    EmailAddress.objects.update_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
    return user


def _next(weekday: int, hour: int, *, after: datetime.date) -> datetime.datetime:
    day = after + datetime.timedelta(days=(weekday - after.weekday()) % 7 or 7)
    return timezone.make_aware(datetime.datetime.combine(day, T(hour)))


def _billing(organisation: Organisation) -> Billing:
    return Billing(name=organisation.name, address="\n".join(organisation.address_lines), email=organisation.email)


@transaction.atomic
def seed_demo() -> dict[str, int]:
    offerings = {o.slug: o for o in Offering.objects.filter(slug__in=RULES)}
    for slug, rules in RULES.items():
        offering = offerings[slug]
        for weekdays, start, end, minutes, capacity, *visit in rules:
            for weekday in weekdays:
                OpeningRule.objects.update_or_create(
                    offering=offering,
                    weekday=weekday,
                    start_time=start,
                    defaults={
                        "end_time": end,
                        "slot_minutes": minutes,
                        "capacity": capacity,
                        "visit_minutes": visit[0] if visit else None,
                    },
                )
    for slug, names in VEHICLES.items():
        for name in names:
            Resource.objects.get_or_create(offering=offerings[slug], name=name, defaults={"deposit": DEPOSITS[slug]})
    services = Structure.objects.get(slug="pole-services")
    for postcode in SERVICE_AREA:
        ServiceArea.objects.get_or_create(structure=services, postcode=postcode)

    laundry = Structure.objects.get(slug="blanchisserie-solidaire")
    # Organisations' laundry is collected and delivered at their address, this fee a line of the booking.
    CollectionFee.objects.get_or_create(
        structure=laundry, defaults={"fee_offering": Offering.objects.get(slug="collecte-et-livraison-du-linge")}
    )
    staff = _user(LAUNDRY_STAFF, "Inès", "Moreau")
    StructureRole.objects.get_or_create(user=staff, structure=laundry, role=StaffRole.STAFF)
    creche = Organisation.objects.get(slug="creche-les-ptits-loups")
    club = Organisation.objects.get(slug="as-souppes")
    club_member = _user(CLUB_MEMBER, "Julien", "Petit")
    OrganisationMembership.objects.get_or_create(
        user=club_member, organisation=club, defaults={"role": OrganisationRole.ADMIN}
    )
    # The crèche is served on account and billed monthly; the club pays each pickup by transfer.
    OrganisationAccount.objects.get_or_create(organisation=creche, defaults={"monthly_invoicing": True})

    today = timezone.localdate()
    accueil = Site.objects.get(slug="pole-accueil")
    with notify.suppressed():
        for organisation, member, slug, weekday, hour, frequency, kilos, at_address in (
            (
                creche,
                User.objects.get(email="asso@demo.pole.test"),
                "linge-plat-au-kilo",
                TUE,
                9,
                Frequency.WEEKLY,
                "12",
                True,
            ),
            (club, club_member, "tenues-sportives-au-kilo", THU, 10, Frequency.FORTNIGHTLY, "8", False),
        ):
            series = RecurringBooking.objects.filter(organisation=organisation, offering=offerings[slug]).first()
            if series is not None:
                generate_occurrences(series=series)
                continue
            create_recurring_booking(
                user=member,
                offering=offerings[slug],
                first_starts_at=_next(weekday, hour, after=today),
                frequency=frequency,
                quantity=D(kilos),
                payment_method="transfer",
                billing=_billing(organisation),
                organisation=organisation,
                pickup_point=accueil,
                collect_at_address=at_address,
            )
        resident = User.objects.get(email="resident@demo.pole.test")
        if not Booking.objects.filter(customer=resident).exists():
            billing = Billing(name="Camille Martin", address="4 rue des Tilleuls\n77140 Nemours", email=resident.email)
            for slug, starts_at, quantity, extra in (
                ("location-de-voiture-a-la-journee", _next(WED, 8, after=today), "1", {}),
                ("seance-de-code-de-la-route", _next(SAT, 10, after=today), "1", {}),
                (
                    "menage-a-domicile",
                    _next(FRI, 9, after=today),
                    "2",
                    {"address": "4 rue des Tilleuls, 77140 Nemours", "postcode": "77140"},
                ),
            ):
                try:
                    book(
                        user=resident,
                        offering=offerings[slug],
                        starts_at=starts_at,
                        quantity=D(quantity),
                        payment_method="cash" if offerings[slug].unit != Unit.HOUR else "cheque",
                        billing=billing,
                        pickup_point=accueil if offerings[slug].kind == OfferingKind.LAUNDRY else None,
                        **extra,
                    )
                except BookingError:
                    continue  # e.g. a public holiday that week
    return {
        "horaires de réservation": OpeningRule.objects.count(),
        "réservations": Booking.objects.count(),
    }
