"""The factories build valid, consistent rows, whatever the trait, with or without a demo hub around."""

import datetime
from decimal import Decimal

import pytest

from accounting.models import Account, Books, FiscalYear, Journal
from hub import perms
from hub.enums import OrganisationRole, StaffRole, StructureKind, VatRegime
from hub.models import Site, Structure
from hub.validators import french_vat_number
from tests.accounts.factories import UserFactory
from tests.hub.factories import (
    CollectiveFactory,
    OrganisationFactory,
    SiteFactory,
    StructureFactory,
    StructureRoleFactory,
    staff_of,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("traits", "kind", "regime"),
    [
        ({}, StructureKind.ACI, VatRegime.NOT_LIABLE),
        ({"liable": True}, StructureKind.ACI, VatRegime.LIABLE),
        ({"ai": True}, StructureKind.AI, VatRegime.EXEMPT),
        ({"company": True, "liable": True}, StructureKind.EI, VatRegime.LIABLE),
        ({"training_centre": True}, StructureKind.TRAINING_CENTRE, VatRegime.EXEMPT),
    ],
)
def test_every_kind_of_structure_is_valid(traits, kind, regime):
    structure = StructureFactory(**traits)

    structure.full_clean()
    assert (structure.kind, structure.vat_regime) == (kind, regime)
    assert structure.is_company is (kind == StructureKind.EI)
    assert bool(structure.sap_declaration_number) is (kind == StructureKind.AI)
    assert structure.default_vat_rate == (Decimal("20.00") if regime == VatRegime.LIABLE else None)


def test_books_are_set_up_with_the_structure_and_may_start_earlier():
    without = StructureFactory()
    structure = StructureFactory(books=datetime.date(2025, 6, 1))

    assert Books.objects.filter(structure=without).count() == 1
    assert Books.objects.filter(structure=structure).count() == 1
    assert Journal.objects.filter(structure=structure).count() == 7
    assert list(FiscalYear.objects.filter(structure=structure).values_list("start_date", "end_date")) == [
        (datetime.date(2025, 1, 1), datetime.date(2025, 12, 31))
    ]
    assert Account.objects.filter(structure=structure, code=f"467{without.pk:03d}").exists()


def test_there_is_one_collective_whoever_asks():
    first = CollectiveFactory()
    again = CollectiveFactory()

    assert first == again == Structure.objects.collective()
    assert Structure.objects.filter(kind=StructureKind.COLLECTIVE).count() == 1
    first.full_clean()


def test_pickup_point_and_organisation_are_valid():
    site = SiteFactory(pickup_point=True)
    member, admin = UserFactory(), UserFactory()
    organisation = OrganisationFactory(liable=True, members=[member], admins=[admin])

    site.full_clean()
    organisation.full_clean()
    assert list(Site.objects.pickup_points().filter(pk=site.pk)) == [site]
    assert organisation.vat_registered is True
    assert organisation.vat_number == french_vat_number(organisation.siren)
    assert dict(organisation.memberships.values_list("user", "role")) == {
        member.pk: OrganisationRole.MEMBER,
        admin.pk: OrganisationRole.ADMIN,
    }
    assert perms.can_order_for_organisation(member, organisation) is True
    assert perms.can_manage_organisation(member, organisation) is False


@pytest.mark.parametrize("trait", ["manager", "supervisor", "accountant"])
def test_staff_roles(trait):
    role = StructureRoleFactory(**{trait: True})

    assert role.role == StaffRole(trait)
    assert perms.has_structure_role(role.user, role.structure, StaffRole(trait)) is True


def test_one_person_on_the_staff_of_several_structures():
    first, second = StructureFactory(), StructureFactory()

    person = staff_of(first, second, role=StaffRole.MANAGER)

    assert set(person.structure_roles.values_list("structure", "role")) == {
        (first.pk, StaffRole.MANAGER),
        (second.pk, StaffRole.MANAGER),
    }
