import datetime

import pytest

from accounting.models import FiscalYear
from tests.accounting.factories import StructureFactory


@pytest.fixture
def structure(db):
    """A structure with its books set up and one open fiscal year: calendar 2025."""
    return StructureFactory(books=datetime.date(2025, 6, 1))


@pytest.fixture
def fiscal_year(structure):
    return FiscalYear.objects.get(structure=structure)
