"""Who worked on which order line, for the SAP invoice's interventions (DOMAIN.md rule 9).

Workers live in `insertion`, above marketplace: insertion registers the one function that reads
them (`insertion.interventions.interventions_for_order_lines`) in its AppConfig.ready(). Without
it (insertion not installed), invoices simply list no interventions.
"""

import datetime
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Protocol


class InterventionLike(Protocol):
    """One worker's part of a visit billed on an order line (`insertion.interventions.Intervention`)."""

    order_line_id: int
    day: datetime.date
    hours: Decimal
    worker_name: str
    worker_identifier: str


InterventionSource = Callable[[Iterable[int]], dict[int, list[InterventionLike]]]

# The one registered function, filled once at start-up (a dict: no module-level `global`).
_registry: dict[str, InterventionSource] = {}


def register_intervention_source(fn: InterventionSource) -> None:
    """Set the function that lists the interventions of order lines (registering again replaces it)."""
    _registry["source"] = fn


def interventions_of(order_line_ids: Iterable[int]) -> dict[int, list[InterventionLike]]:
    """{order line id: its interventions, by day then worker}; {} when no source is registered."""
    ids = list(order_line_ids)
    source = _registry.get("source")
    if source is None or not ids:
        return {}
    return source(ids)
