"""Who handles, sees and refunds a structure's sales: every staff role, in its own structure only."""

import pytest
from django.contrib.auth.models import AnonymousUser

from hub.enums import StaffRole
from marketplace import perms
from tests.accounts.factories import UserFactory
from tests.hub.factories import StructureFactory, StructureRoleFactory

pytestmark = pytest.mark.django_db

# role held in structure A → (handles orders, sees takings, refunds) there; nothing in B
MATRIX = {
    StaffRole.MANAGER: (True, True, True),
    StaffRole.STAFF: (True, True, False),
    StaffRole.ACCOUNTANT: (False, True, False),
    StaffRole.SUPERVISOR: (False, False, False),
}


@pytest.mark.parametrize("role", list(MATRIX))
def test_staff_roles_matrix(role):
    a, b = StructureFactory(), StructureFactory()
    user = StructureRoleFactory(structure=a, role=role).user
    handles, takings, refunds = MATRIX[role]

    in_a = (perms.can_handle_orders(user, a), perms.can_handle_takings(user, a), perms.can_refund(user, a))
    in_b = (perms.can_handle_orders(user, b), perms.can_handle_takings(user, b), perms.can_refund(user, b))

    assert in_a == MATRIX[role]
    assert in_b == (False, False, False)
    assert perms.structures_handling_orders(user) == ({a.pk} if handles else set())
    assert perms.structures_with_takings(user) == ({a.pk} if takings else set())
    assert perms.structures_refunding(user) == ({a.pk} if refunds else set())


def test_residents_and_visitors_handle_nothing():
    structure = StructureFactory()
    for user in (UserFactory(), AnonymousUser()):
        assert perms.can_handle_orders(user, structure) is False
        assert perms.can_handle_takings(user, structure) is False
        assert perms.can_refund(user, structure) is False
        assert perms.structures_with_takings(user) == set()
