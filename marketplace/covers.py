"""Third-party payment (« prise en charge », ADR 0034): an organisation pays part of what a person buys.

The rules of who pays what belong to a higher app (a prescriber's fundings, `prescribers`); the money belongs
here. A higher app registers a provider in its `AppConfig.ready()`. When an order is placed for a person
(not for an organisation), `propose` asks each provider in turn; the first that covers something answers
with one share per item (or None): the payer and how much of each unit it pays, incl. VAT. The order's
lines then carry the person's part as their price and the payer's part beside it; `record` is called in the
same transaction once the lines exist (the provider keeps its own trace, e.g. the budget consumed), and the
payer's part is billed to it at month end (`marketplace.actions.third_party`).
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from hub.models import Organisation
from services.models import Offering


@dataclass(frozen=True)
class CoverItem:
    """One item of an order about to be placed, at the price the person would pay alone."""

    offering: Offering
    quantity: Decimal
    unit_price: Decimal


@dataclass(frozen=True)
class CoverShare:
    payer: Organisation
    unit_price: Decimal  # paid by the payer for each unit, incl. VAT; 0 < unit_price ≤ the item's unit price
    key: object = None  # the provider's own reference (its funding), handed back to `record`


class CoverProvider(Protocol):
    def propose(
        self, *, customer, items: list[CoverItem], at: datetime.datetime, preview: bool
    ) -> list[CoverShare | None] | None:
        """One share per item (None: not covered), or None when nothing is covered. Called inside the
        order's transaction, where a provider locks what it consumes (a budget row); `preview`: only shown
        (before an order is placed), nothing locked."""

    def record(self, *, shares: list[CoverShare | None], lines: list) -> None:
        """The order's lines exist (one per item, in order): keep the provider's trace."""


_providers: list[CoverProvider] = []


def register(provider: CoverProvider) -> None:
    if provider not in _providers:
        _providers.append(provider)


def propose(*, customer, items: list[CoverItem], at: datetime.datetime, preview: bool = False):
    """(provider, shares) of the first provider that covers an item, or (None, None)."""
    if not getattr(customer, "is_authenticated", False):
        return None, None
    for provider in _providers:
        shares = provider.propose(customer=customer, items=items, at=at, preview=preview)
        if shares and any(share is not None for share in shares):
            if len(shares) != len(items):
                raise ValueError("A cover provider must answer one share per item.")
            for share, item in zip(shares, items, strict=True):
                if share is not None and not (Decimal("0") < share.unit_price <= item.unit_price):
                    raise ValueError("A covered share lies between nothing and the unit price.")
            return provider, shares
    return None, None
