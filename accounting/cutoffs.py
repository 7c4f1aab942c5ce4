"""Year-end cut-offs other apps can propose (the books know nothing of orders or baskets).

An app registers a provider in its `AppConfig.ready()`: given a structure and a fiscal year, it
returns the cut-offs it knows of (e.g. baskets paid and not delivered: prepaid revenue, 487). The
accountant sees them on the closing page and posts each one in a click, or types their own.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Suggestion:
    kind: str  # a CutOffKind value: "418", "487", "408", "486"
    account: str  # the revenue (7xx) or expense (6xx) account
    amount: Decimal
    label: str  # in French, the entry's label


@dataclass(frozen=True)
class Provider:
    code: str
    label: str  # in French
    suggest: Callable[..., Iterable[Suggestion]]  # (structure, fiscal_year) → suggestions


_providers: dict[str, Provider] = {}


def register(code: str, label: str, suggest: Callable[..., Iterable[Suggestion]]) -> None:
    _providers[code] = Provider(code=code, label=label, suggest=suggest)


def providers() -> list[Provider]:
    return list(_providers.values())


def suggestions(structure, fiscal_year) -> list[tuple[Provider, Suggestion]]:
    return [(provider, s) for provider in providers() for s in provider.suggest(structure, fiscal_year)]
