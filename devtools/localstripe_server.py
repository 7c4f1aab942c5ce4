"""A local fake Stripe server for tests and for the demo: localstripe with Stripe Connect.

    python -m devtools.localstripe_server --port 8420            # in memory, on 127.0.0.1
    python -m devtools.localstripe_server --store /tmp/ls.pickle  # keeps its data across restarts

It serves the Stripe API under /v1/ (any `sk_test_…` key), the fake Stripe.js at
/js.stripe.com/v3/, and localstripe's configuration routes:

* `POST /_config/webhooks/<id>` with `url`, `secret` (and optionally `events[]`) registers a webhook
  endpoint: each event is POSTed there about 1 s after it happens, signed with `secret` in the
  `Stripe-Signature` header exactly as Stripe does (`stripe.Webhook.construct_event` verifies it);
* `DELETE /_config/webhooks/<id>` unregisters it (ours); `DELETE /_config/data` empties the store.

Connect (accounts, transfers, reversals, destination charges) comes from
`devtools.localstripe_connect`. `start_in_background()` / `stop()` run it in a subprocess for
pytest fixtures (see tests/stripe_fixtures.py).
"""

import argparse
import logging
import os
import pickle
import subprocess
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from devtools import background

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PORT = 8420
TEST_SECRET_KEY = "sk_test_localstripe"
TEST_PUBLISHABLE_KEY = "pk_test_localstripe"

_started: list[subprocess.Popen] = []


def _use_store(path: str | None) -> None:
    """localstripe pickles its whole store to /tmp/localstripe.pickle on every write and reloads it
    at start: two servers (tests and demo) would share and clobber it. Keep it in memory, or in
    `path` when given."""
    from localstripe.resources import Store, store

    def dump_to_disk(self):
        if path:
            with open(path, "wb") as f:
                pickle.dump(dict(self), f, protocol=pickle.HIGHEST_PROTOCOL)

    def try_load_from_disk(self):
        if path and os.path.exists(path):
            with open(path, "rb") as f:
                self.clear()
                dict.update(self, pickle.load(f))

    Store.dump_to_disk = dump_to_disk
    Store.try_load_from_disk = try_load_from_disk
    store.try_load_from_disk()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--store", help="pickle file to keep the data in across restarts (default: memory only)")
    args = parser.parse_args(argv)

    from aiohttp import web
    from localstripe import server

    from devtools import localstripe_connect

    localstripe_connect.install()
    _use_store(args.store)

    logging.basicConfig(level=logging.INFO, format="%(asctime)s localstripe %(message)s")
    web.run_app(
        server.app,
        host=args.host,
        port=args.port,
        access_log=logging.getLogger("aiohttp.access"),
        print=lambda message: logging.getLogger("localstripe").info(message.strip()),
    )


free_port = background.free_port


def wait_until_ready(base_url: str, process: subprocess.Popen | None = None, timeout: float = 20.0) -> None:
    """Poll the server until it answers (the fake Stripe.js needs no key), or fail."""
    background.wait_until_ready(base_url + "/js.stripe.com/v3/", name="localstripe", process=process, timeout=timeout)


def start_in_background(port: int | None = None, *, log_file=None, attempts: int = 3) -> tuple[subprocess.Popen, str]:
    """Start the server in a subprocess on 127.0.0.1:`port` (a free one if None); wait until it
    answers; return `(process, base_url)`. Stop it with `stop(process)`."""
    return background.start("devtools.localstripe_server", ready=wait_until_ready, started=_started, port=port, log_file=log_file,
                            attempts=attempts)  # fmt: skip


def stop(process: subprocess.Popen | None = None, timeout: float = 10.0) -> None:
    """Stop `process` (or every server this module started): SIGTERM, then SIGKILL."""
    background.stop(process, _started, timeout=timeout)


def register_webhook(base_url: str, endpoint_id: str, url: str, secret: str, events: list[str] | None = None) -> None:
    """Have localstripe POST its events, signed with `secret`, to `url` (all events, or `events`)."""
    fields = [("url", url), ("secret", secret)] + [("events[]", event) for event in events or []]
    request = urllib.request.Request(
        f"{base_url}/_config/webhooks/{urllib.parse.quote(endpoint_id)}",
        data=urllib.parse.urlencode(fields).encode(),
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=5):
        pass


def unregister_webhook(base_url: str, endpoint_id: str) -> None:
    request = urllib.request.Request(f"{base_url}/_config/webhooks/{urllib.parse.quote(endpoint_id)}", method="DELETE")
    with urllib.request.urlopen(request, timeout=5):
        pass


if __name__ == "__main__":
    main()
