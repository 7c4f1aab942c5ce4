"""Bookings factories, built from nothing: bookable offerings with their opening rules, and bookings made
through the real `bookings.actions.booking.book` (slot row, order and order line stay consistent).

The actions take the clock as an argument: tests book in the week of Monday 2 March 2026 (no public
holiday; summer time starts on Sunday 29 March, which the recurring pickups cross), a week in the
past so that what runs on the real clock afterwards (a credit note, an invoice number, a payment)
comes later, as it would. Pages and the API read the real clock: their tests use `next_weekday()`.
"""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import factory
from django.utils import timezone

from accounting.actions import setup_books
from accounts.models import User
from bookings.actions.booking import book
from bookings.actions.orders import confirm_order_bookings
from bookings.models import Booking, CollectionFee, OpeningRule, OrganisationAccount, Resource, ServiceArea
from bookings.selectors import is_public_holiday
from hub.enums import OrganisationRole, SapInterventionMode, StaffRole, StructureKind, VatRegime
from hub.models import Organisation, OrganisationMembership
from marketplace.actions.checkout import Billing
from marketplace.enums import PaymentMethod
from marketplace.models import SellerSettings
from services.enums import Audience, OfferingKind, RevenueAccount, Unit
from tests.accounts.factories import UserFactory
from tests.hub.factories import OrganisationFactory, SiteFactory, StructureFactory, StructureRoleFactory
from tests.services.factories import OfferingFactory

PARIS = ZoneInfo("Europe/Paris")
# Monday 2 March 2026, 10:00.
NOW = datetime.datetime(2026, 3, 2, 10, 0, tzinfo=PARIS)
# Sellers' books are open from the start of that year: a structure's books are set up when it is created.
BOOKS_SINCE = datetime.date(2026, 1, 1)
BILLING = Billing(
    name="Camille Martin", address="4 rue des Tilleuls\n77140 Nemours", email="nouvelle.cliente@exemple.test"
)
HOME = "4 rue des Tilleuls, Nemours"
MON, TUE, WED, THU, FRI, SAT = range(6)
WEEKDAYS = (MON, TUE, WED, THU, FRI)
T = datetime.time


def at(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime.datetime:
    """A moment of 2026, Paris time (March by default)."""
    return datetime.datetime(2026, month, day, hour, minute, tzinfo=PARIS)


def next_weekday(weekday: int, hour: int, *, weeks: int = 1) -> datetime.datetime:
    """`weekday` (0 = Monday) at `hour`, `weeks` weeks after this week's, a week later again if that day
    is a public holiday (no slot opens then): for pages, which run on the real clock."""
    today = timezone.localdate()
    day = today + datetime.timedelta(days=(weekday - today.weekday()) % 7 + 7 * weeks)
    while is_public_holiday(day):
        day += datetime.timedelta(weeks=1)
    return timezone.make_aware(datetime.datetime.combine(day, T(hour)))


def org_billing(organisation: Organisation) -> Billing:
    return Billing(name=organisation.name, address="\n".join(organisation.address_lines), email=organisation.email)


def person_billing(user) -> Billing:
    return Billing(name=user.get_full_name() or user.email, address="4 rue des Tilleuls\n77140 Nemours",
                   email=user.email)  # fmt: skip


class SellerFactory(StructureFactory):
    """A selling structure with its books open since BOOKS_SINCE (chart, journals, fiscal year)."""

    class Meta:
        skip_postgeneration_save = True

    @factory.post_generation
    def books(self, create, extracted, **kwargs):
        if create:
            setup_books(structure=self, on=BOOKS_SINCE)


class CollectiveFactory(SellerFactory):
    """The hub's Collectif (one per hub, the database says so): it receives card payments and bears Stripe's
    fees. The one already there if any, else a new one, with its books open."""

    class Meta:
        django_get_or_create = ("kind",)

    kind = StructureKind.COLLECTIVE
    name = factory.Sequence(lambda n: f"Collectif d'essai {n}")


class BookableOfferingFactory(OfferingFactory):
    """An offering open to booking, created with its weekly opening rules.

    By default seats at a training session: « Séance de code de la route », 12,00 €, Wednesday
    14–16 h and Saturday 10–12 h, 8 seats a slot. Traits:
    - `laundry`: « Linge plat au kilo », 4,20 €/kg weighed at the laundry, pickups Tuesday and
      Thursday 9–12 h, 6 an hour;
    - `home_visit`: « Ménage à domicile », 24,00 €/h, services à la personne (SAP, CESU accepted)
      of a structure declared SAP that goes to postcode 77140 only; one whole-day slot Monday to
      Friday 8–18 h holding 28 team hours;
    - `vehicle_rental`: « Location de voiture à la journée », 15,00 €/day, two cars (Clio bleue,
      Clio grise, 300,00 € deposit), Monday to Saturday 8–18 h;
    - `trip`: « Transport solidaire au kilomètre », 0,45 €/km, hourly slots Monday to Friday
      9–17 h, 2 drivers.
    - `timed` (with `home_visit`): « Petits travaux de jardinage », 27,00 €/h, booked by start time: a
      2-hour visit starting every 30 minutes from 8:00 to 16:00, Monday to Friday, 2 teams at a time.
    `schedule`, `vehicles`, `deposit`, `service_area` and `accepts_cesu` say what is created with it.
    """

    structure = factory.SubFactory(SellerFactory)
    name = "Séance de code de la route"
    slug = factory.Sequence(lambda n: f"reservable-{n}")
    kind = OfferingKind.TRAINING
    unit = Unit.SESSION
    price = Decimal("12.00")
    revenue_account = RevenueAccount.TRAINING
    # (weekdays, from, to, slot minutes, capacity) of each opening rule.
    schedule = (((WED,), T(14), T(16), 120, Decimal("8")), ((SAT,), T(10), T(12), 120, Decimal("8")))
    vehicles = ()
    deposit = None
    service_area = ()
    accepts_cesu = False

    class Params:
        laundry = factory.Trait(
            name="Linge plat au kilo",
            kind=OfferingKind.LAUNDRY,
            unit=Unit.KG,
            price=Decimal("4.20"),
            quantity_measured_later=True,
            revenue_account=RevenueAccount.LAUNDRY,
            schedule=(((TUE, THU), T(9), T(12), 60, Decimal("6")),),
        )
        home_visit = factory.Trait(
            name="Ménage à domicile",
            kind=OfferingKind.HOME_SERVICE,
            unit=Unit.HOUR,
            audience=Audience.RESIDENTS,
            price=Decimal("24.00"),
            sap_eligible=True,
            quantity_measured_later=True,
            labour_hours_per_unit=Decimal("1.00"),  # an hour sold is an hour of the team's work
            revenue_account=RevenueAccount.HOME_SERVICES,
            structure=factory.SubFactory(
                SellerFactory,
                kind=StructureKind.AI,
                vat_regime=VatRegime.EXEMPT,
                vat_exemption_mention="TVA non applicable, art. 261-7-1° bis du CGI",
                sap_declaration_number="SAP845678937",
                sap_declaration_date=datetime.date(2019, 3, 1),
                sap_intervention_mode=SapInterventionMode.PLACEMENT,
            ),
            vat_exemption_mention="TVA non applicable, art. 261-7-1° bis du CGI",
            schedule=((WEEKDAYS, T(8), T(18), 600, Decimal("28")),),
            service_area=("77140",),
            accepts_cesu=True,
        )
        # With `home_visit`: booked by start time — « Petits travaux de jardinage », 27,00 €/h, a 2-hour
        # visit starting every 30 minutes from 8:00 to 16:00, Monday to Friday, two teams at the same time.
        timed = factory.Trait(
            name="Petits travaux de jardinage",
            price=Decimal("27.00"),
            schedule=((WEEKDAYS, T(8), T(18), 30, Decimal("2"), 120),),
        )
        vehicle_rental = factory.Trait(
            name="Location de voiture à la journée",
            kind=OfferingKind.MOBILITY,
            unit=Unit.DAY,
            price=Decimal("15.00"),
            revenue_account=RevenueAccount.MOBILITY,
            schedule=(((MON, TUE, WED, THU, FRI, SAT), T(8), T(18), 600, Decimal("2")),),
            vehicles=("Clio bleue", "Clio grise"),
            deposit=Decimal("300.00"),
        )
        trip = factory.Trait(
            name="Transport solidaire au kilomètre",
            kind=OfferingKind.MOBILITY,
            unit=Unit.KM,
            audience=Audience.RESIDENTS,
            price=Decimal("0.45"),
            quantity_measured_later=True,
            revenue_account=RevenueAccount.MOBILITY,
            schedule=((WEEKDAYS, T(9), T(17), 60, Decimal("2")),),
        )

    @classmethod
    def _create(cls, model_class, *args, schedule, vehicles, deposit, service_area, accepts_cesu, **kwargs):
        offering = super()._create(model_class, *args, **kwargs)
        OpeningRule.objects.bulk_create(
            OpeningRule(
                offering=offering,
                weekday=weekday,
                start_time=start,
                end_time=end,
                slot_minutes=minutes,
                capacity=capacity,
                visit_minutes=visit[0] if visit else None,
            )  # fmt: skip
            for weekdays, start, end, minutes, capacity, *visit in schedule
            for weekday in weekdays
        )
        Resource.objects.bulk_create(Resource(offering=offering, name=name, deposit=deposit) for name in vehicles)
        ServiceArea.objects.bulk_create(
            ServiceArea(structure=offering.structure, postcode=postcode) for postcode in service_area
        )
        if accepts_cesu:
            SellerSettings.objects.update_or_create(structure=offering.structure, defaults={"accepts_cesu": True})
        return offering


class OrganisationAccountFactory(factory.django.DjangoModelFactory):
    """An organisation served on account: its laundry is billed once a month."""

    class Meta:
        model = OrganisationAccount
        django_get_or_create = ("organisation",)

    organisation = factory.SubFactory(OrganisationFactory)
    monthly_invoicing = True


class CollectionFeeFactory(factory.django.DjangoModelFactory):
    """A laundry's collection and delivery at an organisation's address: « Collecte et livraison du linge »,
    6,00 € a collection, a line of the laundry booking (pass `structure=` the laundry's)."""

    class Meta:
        model = CollectionFee
        django_get_or_create = ("structure",)

    structure = factory.SubFactory(SellerFactory)
    fee_offering = factory.SubFactory(
        OfferingFactory,
        structure=factory.SelfAttribute("..structure"),
        name="Collecte et livraison du linge",
        kind=OfferingKind.LAUNDRY,
        unit=Unit.DELIVERY,
        price=Decimal("6.00"),
        revenue_account=RevenueAccount.LAUNDRY,
    )


class BillingOrganisationFactory(OrganisationFactory):
    """A customer organisation with a billing e-mail (what its invoices are sent to)."""

    email = factory.LazyAttribute(lambda o: f"{o.slug}@exemple.test")


def laundry_staff(offering) -> User:
    """A permanent staff member of the offering's laundry (records the steps)."""
    return StructureRoleFactory(structure=offering.structure, role=StaffRole.STAFF).user


def first_slot(offering) -> datetime.datetime:
    """The first slot of each default schedule in the week of NOW."""
    if offering.kind == OfferingKind.TRAINING:
        return at(4, 14)  # Wednesday 14:00
    if offering.kind == OfferingKind.MOBILITY and offering.unit == Unit.KM:
        return at(3, 9)  # Tuesday 9:00
    if offering.kind == OfferingKind.LAUNDRY:
        return at(3, 9)
    return at(3, 8)  # home visits and vehicles: Tuesday's whole-day slot


class BookingFactory(factory.django.DjangoModelFactory):
    """A booking made through `book()`: by default a seat at the training session of Wednesday
    4 March 2026, 14:00, booked on NOW and paid in cash, so *held* until its order's confirmation
    (an on-commit event) reaches it.

    Traits: `confirmed` (that confirmation, through `confirm_order_bookings`), `held` (paid by card:
    held, its hold running), `laundry` (8 kg of « Linge plat au kilo » picked up on Tuesday 3 March,
    9:00, at a pickup point of its own), `for_organisation` (booked by a member of a new organisation,
    by transfer), `on_account` (that organisation is billed monthly: confirmed at once, no order),
    `home_visit` (3 hours on Tuesday 3 March at 4 rue des Tilleuls, 77140, by cheque), `vehicle`
    (a car for Tuesday 3 March). Pass `organisation=` to book for an existing one: the user is made
    a member of it first.
    """

    class Meta:
        model = Booking

    user = factory.SubFactory(UserFactory)
    offering = factory.SubFactory(BookableOfferingFactory)
    starts_at = factory.LazyAttribute(lambda o: first_slot(o.offering))
    quantity = Decimal("1")
    organisation = None
    # Organisations pay by transfer on invoice, people in cash.
    payment_method = factory.LazyAttribute(
        lambda o: PaymentMethod.CASH if o.organisation is None else PaymentMethod.TRANSFER
    )
    billing = factory.LazyAttribute(
        lambda o: org_billing(o.organisation) if o.organisation is not None else person_billing(o.user)
    )
    pickup_point = None
    address = ""
    postcode = ""
    note = ""
    destination = ""
    at = NOW  # the clock `book` runs on
    confirmed = False
    monthly_invoicing = False

    class Params:
        held = factory.Trait(payment_method=PaymentMethod.CARD)
        laundry = factory.Trait(
            offering=factory.SubFactory(BookableOfferingFactory, laundry=True),
            quantity=Decimal("8"),
            pickup_point=factory.SubFactory(SiteFactory, pickup_point=True),
        )
        for_organisation = factory.Trait(organisation=factory.SubFactory(BillingOrganisationFactory))
        home_visit = factory.Trait(
            offering=factory.SubFactory(BookableOfferingFactory, home_visit=True),
            quantity=Decimal("3"),
            address=HOME,
            postcode="77140",
            payment_method=PaymentMethod.CHEQUE,
        )
        vehicle = factory.Trait(offering=factory.SubFactory(BookableOfferingFactory, vehicle_rental=True))
        on_account = factory.Trait(for_organisation=True, monthly_invoicing=True)

    @classmethod
    def _create(cls, model_class, *, user, organisation, confirmed, monthly_invoicing, **kwargs):
        if organisation is not None:
            OrganisationMembership.objects.get_or_create(
                user=user, organisation=organisation, defaults={"role": OrganisationRole.MEMBER}
            )
            if monthly_invoicing:
                OrganisationAccountFactory(organisation=organisation)
        booking = book(user=user, organisation=organisation, **kwargs)
        if confirmed and booking.order_line_id is not None:
            confirm_order_bookings(order_id=booking.order_line.order_id)
            booking.refresh_from_db()
        return booking
