"""Pytest fixtures for the local fake Stripe server (devtools/localstripe_server.py).

Import the fixture where it is needed (or from a conftest):

    from tests.stripe_fixtures import localstripe  # noqa: F401

`localstripe` (session scope) starts one server on a free port for the whole run (one per xdist
worker) and gives a `LocalStripe`. It does *not* touch the `stripe` library's global settings:
call `configure_stripe(localstripe.url)` (or use `stripe_settings(...)`, which restores them), or
build a client with `localstripe.client()`. The stripe library (16.x) supports both:

* module-level: `stripe.api_key = "sk_test_…"`, `stripe.api_base = url` (all of `stripe.Xxx.create`
  etc. go there; `stripe.api_base` is a documented setting of the library);
* client: `stripe.StripeClient(api_key, base_addresses={"api": url})`.

In both, network retries are turned off: the library retries POSTs on 409/5xx with an
idempotency key, which localstripe ignores, so a retry would create the object twice.
"""

import contextlib
import dataclasses

import pytest
import stripe

from devtools import localstripe_server


@dataclasses.dataclass(frozen=True)
class LocalStripe:
    url: str
    secret_key: str = localstripe_server.TEST_SECRET_KEY
    publishable_key: str = localstripe_server.TEST_PUBLISHABLE_KEY

    @property
    def stripe_js_url(self) -> str:
        """Load this instead of https://js.stripe.com/v3/ in pages under test or in the demo."""
        return self.url + "/js.stripe.com/v3/"

    def client(self) -> stripe.StripeClient:
        return stripe.StripeClient(self.secret_key, base_addresses={"api": self.url}, max_network_retries=0)

    def register_webhook(self, endpoint_id: str, url: str, secret: str, events: list[str] | None = None) -> None:
        """Deliver events (all, or `events`) to `url`, signed with `secret`, about 1 s after each."""
        localstripe_server.register_webhook(self.url, endpoint_id, url, secret, events)

    def unregister_webhook(self, endpoint_id: str) -> None:
        localstripe_server.unregister_webhook(self.url, endpoint_id)


def configure_stripe(url: str, api_key: str = localstripe_server.TEST_SECRET_KEY) -> None:
    """Point the `stripe` library's module-level settings at the local server."""
    stripe.api_key = api_key
    stripe.api_base = url
    stripe.max_network_retries = 0


@contextlib.contextmanager
def stripe_settings(url: str, api_key: str = localstripe_server.TEST_SECRET_KEY):
    """`configure_stripe` for the duration of a `with` block, then put the settings back."""
    saved = (stripe.api_key, stripe.api_base, stripe.max_network_retries)
    configure_stripe(url, api_key)
    try:
        yield
    finally:
        stripe.api_key, stripe.api_base, stripe.max_network_retries = saved


@pytest.fixture(scope="session")
def localstripe(tmp_path_factory):
    log_path = tmp_path_factory.mktemp("localstripe") / "server.log"
    with log_path.open("wb") as log_file:
        process, url = localstripe_server.start_in_background(log_file=log_file)
        try:
            yield LocalStripe(url=url)
        finally:
            localstripe_server.stop(process)
