"""Structures, sites, organisations and people's roles, built from nothing (never looked up in the demo seed).

Every structure gets its own name, slug, SIRET and invoice prefix from a sequence, so factories never
collide with each other nor with the demo hub when a test session has seeded it.
"""

import datetime
from decimal import Decimal

import factory
from stdnum import luhn

from accounting.actions import setup_books
from hub.enums import LegalPageKind, OrganisationRole, SapInterventionMode, StaffRole, StructureKind, VatRegime
from hub.models import (
    LegalPage,
    Organisation,
    OrganisationMembership,
    Site,
    SiteClosure,
    SiteOpening,
    Skill,
    Structure,
    StructureRole,
)
from hub.validators import french_vat_number
from tests.accounts.factories import UserFactory

NOT_LIABLE_MENTION = "TVA non applicable, art. 261-7-1°-b du CGI"
SAP_MENTION = "TVA non applicable, art. 261-7-1° bis du CGI"
TRAINING_MENTION = "Exonération de TVA, art. 261-4-4° a du CGI (formation professionnelle continue)"


def make_siren(n: int) -> str:
    base = f"{90000000 + n:08d}"
    return base + luhn.calc_check_digit(base)


def make_siret(n: int) -> str:
    base = make_siren(n) + "0001"
    return base + luhn.calc_check_digit(base)


def make_organisation_siren(n: int) -> str:
    # A range of its own (6…), apart from the structures' (9…).
    base = f"{60000000 + n:08d}"
    return base + luhn.calc_check_digit(base)


class StructureFactory(factory.django.DjangoModelFactory):
    """An ACI association, not liable to VAT, whose books are set up when it is created (as the app does).

    Traits: `liable` (VAT-liable, 20 % by default: pass `default_vat_rate` for 5.5 %), `ai` (the
    intermediary association, exempt, declared for services à la personne), `company` (an EI run as
    a Scop: share capital, RCS), `training_centre` (exempt), `inactive`.
    `books=<date>` moves the start of its (still empty) books to the fiscal year covering that day.
    The hub's one Collectif is `CollectiveFactory`.
    """

    class Meta:
        model = Structure
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Structure d'essai {n}")
    slug = factory.Sequence(lambda n: f"structure-essai-{n}")
    kind = StructureKind.ACI
    legal_form = "Association loi 1901"
    siret = factory.Sequence(make_siret)
    vat_regime = VatRegime.NOT_LIABLE
    vat_exemption_mention = NOT_LIABLE_MENTION
    invoice_prefix = factory.Sequence(lambda n: f"T{n:04d}")
    address_line1 = "1 place de la Mairie"
    postcode = "77000"
    city = "Melun"
    email = factory.LazyAttribute(lambda o: f"contact@{o.slug}.test")

    class Params:
        liable = factory.Trait(
            vat_regime=VatRegime.LIABLE,
            vat_exemption_mention="",
            vat_number=factory.LazyAttribute(lambda o: french_vat_number(o.siret[:9])),
            default_vat_rate=Decimal("20.00"),
        )
        ai = factory.Trait(
            kind=StructureKind.AI,
            vat_regime=VatRegime.EXEMPT,
            vat_exemption_mention=SAP_MENTION,
            sap_declaration_number=factory.LazyAttribute(lambda o: f"SAP{o.siret[:9]}"),
            sap_declaration_date=datetime.date(2019, 3, 1),
            sap_intervention_mode=SapInterventionMode.PLACEMENT,
        )
        company = factory.Trait(
            kind=StructureKind.EI,
            legal_form="SARL Scop à capital variable",
            share_capital=Decimal("15000.00"),
            registration_number=factory.LazyAttribute(lambda o: f"RCS Melun {o.siret[:9]}"),
        )
        training_centre = factory.Trait(
            kind=StructureKind.TRAINING_CENTRE,
            vat_regime=VatRegime.EXEMPT,
            vat_exemption_mention=TRAINING_MENTION,
        )
        inactive = factory.Trait(is_active=False)

    @factory.post_generation
    def books(self, create, extracted, **kwargs):
        if create and extracted:
            on = extracted if isinstance(extracted, datetime.date) else None
            setup_books(structure=self, on=on)


class CollectiveFactory(StructureFactory):
    """The Collectif: there is one per hub (a database constraint), so this returns it when it exists."""

    class Meta:
        django_get_or_create = ("kind",)

    name = factory.Sequence(lambda n: f"Collectif d'essai {n}")
    slug = factory.Sequence(lambda n: f"collectif-essai-{n}")
    kind = StructureKind.COLLECTIVE
    vat_exemption_mention = "Association non assujettie à la TVA (art. 261-7-1° du CGI)"


class SkillFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Skill

    name = factory.Sequence(lambda n: f"Compétence {n}")
    slug = factory.Sequence(lambda n: f"competence-{n}")


class SiteFactory(factory.django.DjangoModelFactory):
    """A place of the hub; `pickup_point=True` makes it an open pickup point with a capacity."""

    class Meta:
        model = Site

    name = factory.Sequence(lambda n: f"Lieu {n}")
    slug = factory.Sequence(lambda n: f"lieu-{n}")
    address_line1 = "2 rue du Marché"
    postcode = "77140"
    city = "Nemours"

    class Params:
        pickup_point = factory.Trait(is_pickup_point=True, capacity=20, opening_hours="Mardi, 16 h – 19 h")
        closed = factory.Trait(is_active=False)


class SiteOpeningFactory(factory.django.DjangoModelFactory):
    """A weekly collection window of a place (default: Friday 17 h – 18 h 30)."""

    class Meta:
        model = SiteOpening

    site = factory.SubFactory(SiteFactory, pickup_point=True)
    weekday = 4
    starts_at = datetime.time(17, 0)
    ends_at = datetime.time(18, 30)


class SiteClosureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SiteClosure

    site = factory.SubFactory(SiteFactory, pickup_point=True)
    first_day = datetime.date(2026, 12, 11)
    last_day = datetime.date(2026, 12, 11)
    reason = "Fête du village"


class OrganisationFactory(factory.django.DjangoModelFactory):
    """A customer organisation with its SIREN and billing e-mail; `liable=True` registers it for VAT, with its number.

    `members=[user, …]` makes those people members (`admins=[…]` administrators).
    """

    class Meta:
        model = Organisation
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Association cliente {n}")
    slug = factory.Sequence(lambda n: f"association-cliente-{n}")
    siren = factory.Sequence(make_organisation_siren)
    email = factory.LazyAttribute(lambda o: f"tresorerie@{o.slug}.test")
    address_line1 = "3 rue des Écoles"
    postcode = "77140"
    city = "Nemours"

    class Params:
        liable = factory.Trait(
            vat_registered=True, vat_number=factory.LazyAttribute(lambda o: french_vat_number(o.siren))
        )

    @factory.post_generation
    def members(self, create, extracted, **kwargs):
        for user in extracted or ():
            OrganisationMembership.objects.create(user=user, organisation=self, role=OrganisationRole.MEMBER)

    @factory.post_generation
    def admins(self, create, extracted, **kwargs):
        for user in extracted or ():
            OrganisationMembership.objects.create(user=user, organisation=self, role=OrganisationRole.ADMIN)


class OrganisationMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrganisationMembership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = OrganisationRole.MEMBER

    class Params:
        admin = factory.Trait(role=OrganisationRole.ADMIN)


class StructureRoleFactory(factory.django.DjangoModelFactory):
    """A staff role in a structure: `manager`, `supervisor`, `accountant` (default: permanent staff)."""

    class Meta:
        model = StructureRole

    user = factory.SubFactory(UserFactory)
    structure = factory.SubFactory(StructureFactory)
    role = StaffRole.STAFF

    class Params:
        manager = factory.Trait(role=StaffRole.MANAGER)
        supervisor = factory.Trait(role=StaffRole.SUPERVISOR)
        accountant = factory.Trait(role=StaffRole.ACCOUNTANT)


def staff_of(*structures: Structure, role: str = StaffRole.STAFF, **user_fields):
    """One person holding `role` in each of `structures` (e.g. reception staff for several sellers)."""
    user = UserFactory(**user_fields)
    for structure in structures:
        StructureRoleFactory(user=user, structure=structure, role=role)
    return user


class LegalPageFactory(factory.django.DjangoModelFactory):
    """A legal page; there is one per kind, so an existing page of that kind is returned as it is."""

    class Meta:
        model = LegalPage
        django_get_or_create = ("kind",)

    kind = LegalPageKind.LEGAL_NOTICE
    title = factory.LazyAttribute(lambda o: str(LegalPageKind(o.kind).label))
    body = "Premier paragraphe.\n\nSecond paragraphe."
