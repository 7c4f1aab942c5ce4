"""Rendered catalogue pages kept in this process, keyed on what they show.

The key holds the catalogue's version — the number of active offerings and their latest
`updated_at` — so any save of an offering (price, stock, activation) changes it at once; entries
also expire after a minute, which bounds how long a renamed structure can show its old name. The
CSRF token is put in at each request (the cached HTML holds a placeholder).
"""

import threading
import time
from collections import OrderedDict

TTL_SECONDS = 60
MAX_PAGES = 512
CSRF_PLACEHOLDER = "csrf-token-placeholder-7b1e"

_pages: OrderedDict[tuple, tuple[float, str]] = OrderedDict()
_lock = threading.Lock()


def get(key: tuple) -> str | None:
    with _lock:
        entry = _pages.get(key)
        if entry is None:
            return None
        stored_at, html = entry
        if time.monotonic() - stored_at > TTL_SECONDS:
            del _pages[key]
            return None
        _pages.move_to_end(key)
        return html


def put(key: tuple, html: str) -> None:
    with _lock:
        _pages[key] = (time.monotonic(), html)
        while len(_pages) > MAX_PAGES:
            _pages.popitem(last=False)


def size() -> int:
    """How many pages are kept (expired ones included until read)."""
    with _lock:
        return len(_pages)


def clear() -> None:
    with _lock:
        _pages.clear()
