import pytest

from tests.accounting.factories import StructureFactory


@pytest.fixture
def structure(demo_hub):
    return StructureFactory()


@pytest.fixture
def supervisor_user(structure):
    from hub.enums import StaffRole
    from hub.models import StructureRole
    from tests.accounts.factories import UserFactory

    user = UserFactory()
    StructureRole.objects.create(user=user, structure=structure, role=StaffRole.SUPERVISOR)
    return user
