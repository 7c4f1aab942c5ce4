from decimal import Decimal

import pytest

from tests.hub.factories import StructureFactory
from tests.insertion.factories import JobFactory, WorkerFactory, day, skill, supervisor_of


@pytest.fixture
def structure(db):
    return StructureFactory()


@pytest.fixture
def supervisor_user(structure):
    return supervisor_of(structure)


# A week of the planning board: three ready gardeners and five two-person harvests (each test
# module gives its own `team`).
@pytest.fixture
def workers(structure, team):
    return [
        WorkerFactory(structure=structure, team=team, ready=True, skills=["maraichage"], first_name=name)
        for name in ("Alice", "Bruno", "Chloé")
    ]


@pytest.fixture
def jobs(structure, team):
    return [
        JobFactory(
            structure=structure,
            team=team,
            title=f"Récolte {offset}",
            date=day(offset),
            required_skill=skill(),
            headcount=2,
            estimated_hours=Decimal("7.00"),
        )  # fmt: skip
        for offset in range(5)
    ]


@pytest.fixture
def supervisor(client, supervisor_user):
    client.force_login(supervisor_user)
    return client
