"""The permission matrix: every role against every question, on two structures and two organisations."""

import pytest
from django.contrib.auth.models import AnonymousUser

from hub import perms
from hub.enums import OrganisationRole, StaffRole
from tests.accounts.factories import UserFactory
from tests.hub.factories import (
    OrganisationFactory,
    OrganisationMembershipFactory,
    StructureFactory,
    StructureRoleFactory,
)

pytestmark = pytest.mark.django_db

STRUCTURE_QUESTIONS = {
    "staff": perms.is_structure_staff,
    "manage": perms.can_manage_structure,
    "supervise": perms.can_supervise,
    "books": perms.can_view_books,
}
ORGANISATION_QUESTIONS = {
    "view": perms.can_view_organisation,
    "order": perms.can_order_for_organisation,
    "manage": perms.can_manage_organisation,
}

# role held in structure A → what the person may do in A (never anything in B)
STRUCTURE_MATRIX = {
    StaffRole.MANAGER: {"staff", "manage", "supervise"},
    StaffRole.SUPERVISOR: {"staff", "supervise"},
    StaffRole.ACCOUNTANT: {"staff", "books"},
    StaffRole.STAFF: {"staff"},
}
ORGANISATION_MATRIX = {
    OrganisationRole.ADMIN: {"view", "order", "manage"},
    OrganisationRole.MEMBER: {"view", "order"},
}


@pytest.fixture
def world():
    return {
        "a": StructureFactory(),
        "b": StructureFactory(),
        "org_a": OrganisationFactory(),
        "org_b": OrganisationFactory(),
    }


@pytest.mark.parametrize("role", list(STRUCTURE_MATRIX))
def test_structure_roles_matrix(world, role):
    user = StructureRoleFactory(structure=world["a"], role=role).user
    for name, question in STRUCTURE_QUESTIONS.items():
        assert question(user, world["a"]) is (name in STRUCTURE_MATRIX[role]), (role, name)
        assert question(user, world["b"]) is False, (role, name)
    for question in ORGANISATION_QUESTIONS.values():
        assert question(user, world["org_a"]) is False


@pytest.mark.parametrize("role", list(ORGANISATION_MATRIX))
def test_organisation_roles_matrix(world, role):
    user = OrganisationMembershipFactory(organisation=world["org_a"], role=role).user
    for name, question in ORGANISATION_QUESTIONS.items():
        assert question(user, world["org_a"]) is (name in ORGANISATION_MATRIX[role]), (role, name)
        assert question(user, world["org_b"]) is False, (role, name)
    for question in STRUCTURE_QUESTIONS.values():
        assert question(user, world["a"]) is False


def test_resident_and_anonymous_may_do_nothing_staff_side(world):
    for user in (UserFactory(), AnonymousUser()):
        for question in STRUCTURE_QUESTIONS.values():
            assert question(user, world["a"]) is False
        for question in ORGANISATION_QUESTIONS.values():
            assert question(user, world["org_a"]) is False
        assert perms.is_hub_admin(user) is False


def test_hub_admin_may_do_everything_but_order_for_an_organisation(world):
    admin = UserFactory(hub_admin=True)
    assert perms.is_hub_admin(admin) is True
    for question in STRUCTURE_QUESTIONS.values():
        assert question(admin, world["a"]) is True
    assert perms.can_view_organisation(admin, world["org_a"]) is True
    assert perms.can_manage_organisation(admin, world["org_a"]) is True
    # Ordering binds the organisation to pay: only its members do that.
    assert perms.can_order_for_organisation(admin, world["org_a"]) is False


def test_inactive_users_lose_every_role(world):
    user = StructureRoleFactory(structure=world["a"], role=StaffRole.MANAGER).user
    OrganisationMembershipFactory(user=user, organisation=world["org_a"], role=OrganisationRole.ADMIN)
    user.is_active = False
    user.is_superuser = True
    assert perms.can_manage_structure(user, world["a"]) is False
    assert perms.can_manage_organisation(user, world["org_a"]) is False
    assert perms.is_hub_admin(user) is False


def test_roles_are_loaded_in_one_query(world, django_assert_num_queries):
    user = StructureRoleFactory(structure=world["a"], role=StaffRole.MANAGER).user
    StructureRoleFactory(user=user, structure=world["b"], role=StaffRole.ACCOUNTANT)
    with django_assert_num_queries(1):
        for _ in range(3):
            for question in STRUCTURE_QUESTIONS.values():
                question(user, world["a"])
                question(user, world["b"])
    assert perms.structures_with_role(user, StaffRole.ACCOUNTANT) == [world["b"].pk]


def test_only_django_staff_and_structure_staff_enter_the_back_office(world):
    structure_staff = StructureRoleFactory(structure=world["a"], role=StaffRole.STAFF).user
    django_staff = UserFactory(is_staff=True)
    member = OrganisationMembershipFactory(organisation=world["org_a"], role=OrganisationRole.ADMIN).user
    left = StructureRoleFactory(structure=world["a"], role=StaffRole.MANAGER).user
    left.is_active = False

    assert perms.can_enter_back_office(structure_staff) is True
    assert perms.can_enter_back_office(django_staff) is True
    assert perms.can_enter_back_office(member) is False
    assert perms.can_enter_back_office(UserFactory()) is False
    assert perms.can_enter_back_office(AnonymousUser()) is False
    assert perms.can_enter_back_office(left) is False


def test_members_of_any_organisation_buy_b2b(world):
    member = OrganisationMembershipFactory(organisation=world["org_b"], role=OrganisationRole.MEMBER).user
    staff = StructureRoleFactory(structure=world["a"], role=StaffRole.MANAGER).user

    assert perms.is_member_of_an_organisation(member) is True
    assert perms.is_member_of_an_organisation(staff) is False
    assert perms.is_member_of_an_organisation(UserFactory()) is False
    assert perms.is_member_of_an_organisation(AnonymousUser()) is False
