"""The URSSAF stand-in (devtools/urssaf_server.py), started once per session (per xdist worker) on a
free port and emptied before each test that uses it."""

import dataclasses

import pytest

from devtools import urssaf_server
from tests.hub.factories import StructureFactory
from tests.marketplace.factories import SellerSettingsFactory


@dataclasses.dataclass(frozen=True)
class UrssafStandIn:
    url: str
    client_id: str = urssaf_server.TEST_CLIENT_ID
    client_secret: str = urssaf_server.TEST_CLIENT_SECRET

    def control(self, path: str, payload: dict | None = None) -> dict:
        return urssaf_server.control(self.url, path, payload)


@pytest.fixture(scope="session")
def _urssaf_server():
    process, url = urssaf_server.start_in_background()
    try:
        yield UrssafStandIn(url)
    finally:
        urssaf_server.stop(process)


@pytest.fixture
def urssaf(_urssaf_server):
    _urssaf_server.control("reset")
    return _urssaf_server


@pytest.fixture
def provider(urssaf, settings):
    """A declared AI (« Services du Plateau ») with its access to the stand-in, which answers at once."""
    structure = StructureFactory(name="Services du Plateau", invoice_prefix="SDP", ai=True)
    SellerSettingsFactory(structure=structure, cesu=True)
    settings.URSSAF_API_BASE = urssaf.url
    settings.URSSAF_CREDENTIALS = {
        structure.slug: {"client_id": urssaf.client_id, "client_secret": urssaf.client_secret, "billing_id": "TP-1"}
    }
    settings.URSSAF_RETRIES = 0
    settings.URSSAF_BACKOFF = 0
    return structure
