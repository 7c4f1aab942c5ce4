"""The nightly reconciliation of the books with what the platform says happened.

Each app that moves money registers its checks here in its `AppConfig.ready()` (this module never
imports them, as for the RGPD sections): a check is a function returning the differences it
found, each naming the structure whose books differ, the piece concerned (an order reference, an
invoice number, a subscription, an account), the expected and the booked amounts, and a French
sentence the accountant can act on. No difference means the books tell the same story.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone


@dataclass(frozen=True)
class Difference:
    check: str  # the code of the check that found it
    structure: str  # the name of the structure whose books differ ("" when not one structure's)
    reference: str  # the piece: order reference, invoice number, subscription reference, account…
    expected: Decimal | None
    actual: Decimal | None
    message: str  # in French, for the accountant


CheckFunction = Callable[[], Iterable[Difference]]


class CheckSkipped(Exception):  # noqa: N818 — a signal, not an error
    """Raised by a check that cannot run here (e.g. Stripe not configured): reported « non vérifié »."""


@dataclass(frozen=True)
class Check:
    code: str
    label: str  # in French
    run: CheckFunction


@dataclass
class Report:
    checks: list[Check]
    differences: list[Difference] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)  # check code → why it was not verified
    started_at: object = None
    finished_at: object = None

    @property
    def clean(self) -> bool:
        return not self.differences


_checks: dict[str, Check] = {}


def register(code: str, label: str) -> Callable[[CheckFunction], CheckFunction]:
    """Decorator: `@register("invoices_posted", "Chaque facture émise a son écriture")`."""

    def decorator(function: CheckFunction) -> CheckFunction:
        _checks[code] = Check(code=code, label=label, run=function)
        return function

    return decorator


def checks() -> list[Check]:
    return list(_checks.values())


def reconcile(*, codes: Iterable[str] | None = None) -> Report:
    """Run every registered check (or those named) and gather their differences."""
    wanted = set(codes) if codes is not None else None
    selected = [check for check in checks() if wanted is None or check.code in wanted]
    report = Report(checks=selected, started_at=timezone.now())
    for check in selected:
        try:
            report.differences.extend(check.run())
        except CheckSkipped as skipped:
            report.skipped[check.code] = str(skipped)
    report.finished_at = timezone.now()
    return report
