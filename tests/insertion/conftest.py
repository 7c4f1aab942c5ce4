import pytest

from tests.hub.factories import StructureFactory
from tests.insertion.factories import supervisor_of


@pytest.fixture
def structure(db):
    return StructureFactory()


@pytest.fixture
def supervisor_user(structure):
    return supervisor_of(structure)
