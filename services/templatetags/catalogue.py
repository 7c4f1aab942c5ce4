"""Catalogue cards rendered once per offering and kept in this process.

The catalogue page is the hub's busiest; rendering 24 cards through the template engine on each
request cost most of its time (bench/catalogue.py). A card depends only on the offering (its
`updated_at` moves on every save), whether it is in stock, whether prices show excl. VAT, and the
language; the CSRF token is put in at each request.
"""

import threading
from collections import OrderedDict

from django import template
from django.template.loader import get_template
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from services.catalogue_cache import CSRF_PLACEHOLDER

register = template.Library()

MAX_CARDS = 4096
_cards: OrderedDict[tuple, str] = OrderedDict()
_lock = threading.Lock()


def _key(offering, show_excl: bool) -> tuple:
    in_stock = None if offering.stock is None else offering.stock > 0
    return (offering.pk, offering.updated_at, in_stock, bool(show_excl), get_language(), offering.structure.name)


@register.simple_tag(takes_context=True)
def offering_card(context, offering, show_excl) -> str:
    key = _key(offering, show_excl)
    with _lock:
        html = _cards.get(key)
        if html is not None:
            _cards.move_to_end(key)
    if html is None:
        html = get_template("services/_offering_card.html").render(
            {"offering": offering, "show_excl": show_excl, "csrf_token": CSRF_PLACEHOLDER}
        )
        with _lock:
            _cards[key] = html
            while len(_cards) > MAX_CARDS:
                _cards.popitem(last=False)
    return mark_safe(html.replace(CSRF_PLACEHOLDER, str(context.get("csrf_token", ""))))  # noqa: S308 — our own HTML


def clear() -> None:
    with _lock:
        _cards.clear()
