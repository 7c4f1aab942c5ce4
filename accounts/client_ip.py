"""The client's address, as the rate limits count it.

Behind `TRUSTED_PROXY_COUNT` reverse proxies we run, each proxy appends the address it received the
request from to X-Forwarded-For, so the client is the N-th entry from the right; whatever a client
writes in the header itself sits further left and is never read. With 0 (no proxy) the header is
ignored and REMOTE_ADDR is the client. A header shorter than the proxy chain, or an entry that is
not an address, means the request did not come through our proxies: REMOTE_ADDR is used.
"""

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _address(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str:
    remote = request.META.get("REMOTE_ADDR", "")
    count = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if count > 0 and forwarded:
        entries = forwarded.split(",")
        if len(entries) >= count:
            address = _address(entries[-count])
            if address:
                return address
    # An address-less request (a unix socket without a proxy) is still counted, in one bucket.
    return _address(remote) or "0.0.0.0"
