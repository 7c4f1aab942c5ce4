"""Offerings the cart does not sell, and why: a higher app says which (bookings: those sold on a slot).

The marketplace knows nothing of bookings (ARCHITECTURE.md: lower apps never import higher ones), so
bookings registers its rule here from its `AppConfig.ready()`, as every app registers its section of
the RGPD export with `accounts.personal_data`. Adding to the cart, the cart's summary (hence its
checkout) and `place_order_for_items` ask `refusals`; the booking flow's own orders skip it.
"""

from collections.abc import Callable, Iterable

from services.models import Offering

# A rule takes offerings and returns {offering id: French sentence} for those it refuses.
Rule = Callable[[list[Offering]], dict[int, str]]

_rules: list[Rule] = []


def register(rule: Rule) -> None:
    if rule not in _rules:
        _rules.append(rule)


def refusals(offerings: Iterable[Offering]) -> dict[int, str]:
    """{offering id: why the cart does not sell it} for the offerings some registered rule refuses."""
    offerings = list(offerings)
    refused: dict[int, str] = {}
    if not offerings:
        return refused
    for rule in _rules:
        for pk, message in rule(offerings).items():
            refused.setdefault(pk, message)
    return refused
