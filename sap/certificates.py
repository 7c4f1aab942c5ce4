"""The figures of a tax certificate (attestation fiscale, CGI art. 199 sexdecies; REFERENCE.md §3.3).

What counts is what the client **paid in the year** (cash basis) to a provider declared for SAP, for the
SAP-eligible part of its orders placed as a person (an organisation's orders give no tax credit): the
money each payment brought to the provider's share of the order (the settlement's allocations), less the
refunds of the year, times the SAP-eligible share of what the provider invoiced on that order. Each
payment carries its source: CESU préfinancés (`cesu`), the Département's APA/PCH (`apa_pch`), the
URSSAF's immediate advance (`advance`: half of what the URSSAF paid, the other half being the client's
own money it debited), the client's own money (everything else). The amount to declare
is the client's own: the total less the other sources.

The interventions paid (worker, date, hours) come from the insertion teams' assignments
(`insertion.interventions`): listed one by one, or as a monthly summary per worker for a client served
regularly (more than `DETAILED_UP_TO` interventions in the year).

Queries: the allocations (with their payment and order), the refunds, the SAP-eligible and invoiced
amounts per order, the SAP lines, then the interventions' own — whatever the number of payments.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from hub.models import Structure
from hub.money import quantize
from insertion.interventions import Intervention, interventions_for_order_lines
from marketplace.enums import InvoiceKind, PaymentMethod, PaymentState, RefundState
from marketplace.models import InvoiceLine, OrderLine, PaymentAllocation, Refund

ZERO = Decimal("0.00")
PERSONAL, CESU, ADVANCE, APA_PCH = "personal", "cesu", "advance", "apa_pch"
SOURCES = (PERSONAL, CESU, ADVANCE, APA_PCH)
SOURCE_OF_METHOD = {PaymentMethod.CESU: CESU, PaymentMethod.APA_PCH: APA_PCH}
CREDIT_RATE = Decimal("0.5")
# Beyond this many interventions in the year, the certificate gives a monthly summary per worker.
DETAILED_UP_TO = 24


def source_of(method: str) -> str:
    return SOURCE_OF_METHOD.get(method, PERSONAL)


@dataclass(frozen=True)
class PaidLine:
    """One payment (or refund, negative) of the year, for the SAP part of one order."""

    day: datetime.date
    order_reference: str
    method_label: str
    source: str
    amount: Decimal


@dataclass
class CertificateFigures:
    structure: Structure
    customer_id: int
    year: int
    lines: list[PaidLine] = field(default_factory=list)
    order_ids: set[int] = field(default_factory=set)
    interventions: list[Intervention] = field(default_factory=list)

    @property
    def hours(self) -> Decimal:
        return sum((item.hours for item in self.interventions), Decimal("0.00"))

    @property
    def detailed(self) -> bool:
        return len(self.interventions) <= DETAILED_UP_TO

    def monthly_summary(self) -> list[dict]:
        """[{month (1st day), worker_name, worker_identifier, count, hours}] in month then worker order."""
        rows: dict[tuple, dict] = {}
        for item in self.interventions:
            month = item.day.replace(day=1)
            key = (month, item.worker_name, item.worker_identifier)
            row = rows.setdefault(key, {"month": month, "worker_name": item.worker_name,
                                        "worker_identifier": item.worker_identifier, "count": 0,
                                        "hours": Decimal("0.00")})  # fmt: skip
            row["count"] += 1
            row["hours"] += item.hours
        return [rows[key] for key in sorted(rows)]

    def by_source(self) -> dict[str, Decimal]:
        totals = dict.fromkeys(SOURCES, ZERO)
        for line in self.lines:
            totals[line.source] += line.amount
        return totals

    @property
    def total_paid(self) -> Decimal:
        return sum((line.amount for line in self.lines), ZERO)

    @property
    def personal(self) -> Decimal:
        return self.by_source()[PERSONAL]

    @property
    def tax_credit(self) -> Decimal:
        """What the client may still claim: half of what they paid personally (the advance was already received)."""
        return quantize(max(self.personal, ZERO) * CREDIT_RATE)


def _year_bounds(year: int) -> tuple[datetime.datetime, datetime.datetime]:
    zone = timezone.get_current_timezone()
    return datetime.datetime(year, 1, 1, tzinfo=zone), datetime.datetime(year + 1, 1, 1, tzinfo=zone)


def sap_ratios(structure: Structure, order_ids) -> dict[int, Decimal]:
    """{order id: the SAP-eligible share of what the structure invoiced on it}, for orders with SAP lines."""
    eligible: dict[int, Decimal] = defaultdict(lambda: ZERO)
    invoiced: dict[int, Decimal] = defaultdict(lambda: ZERO)
    rows = (
        InvoiceLine.objects.filter(invoice__structure=structure, invoice__order_id__in=order_ids)
        .exclude(invoice__number="")
        .values("invoice__order_id", "invoice__kind", "sap_eligible")
        .annotate(total=Sum("total_incl"))
    )
    for row in rows:
        sign = -1 if row["invoice__kind"] == InvoiceKind.CREDIT_NOTE else 1
        invoiced[row["invoice__order_id"]] += sign * row["total"]
        if row["sap_eligible"]:
            eligible[row["invoice__order_id"]] += sign * row["total"]
    return {
        order_id: min(max(amount, ZERO) / invoiced[order_id], Decimal("1"))
        for order_id, amount in eligible.items()
        if amount > 0 and invoiced[order_id] > 0
    }


def figures_for_year(structure: Structure, year: int, *, customer_id: int | None = None) -> list[CertificateFigures]:
    """Each client's figures for the year (one client with `customer_id`), clients with nothing paid left out."""
    start, end = _year_bounds(year)
    person = Q(share__order__organisation__isnull=True)
    allocations = PaymentAllocation.objects.filter(
        person,
        share__seller=structure,
        payment__state=PaymentState.SUCCEEDED,
        payment__succeeded_at__gte=start,
        payment__succeeded_at__lt=end,
    ).values_list(
        "share__order_id", "share__order__reference", "share__order__customer_id", "payment__method",
        "payment__succeeded_at", "amount",
    )  # fmt: skip
    refunds = Refund.objects.filter(
        structure=structure,
        order__organisation__isnull=True,
        state=RefundState.SUCCEEDED,
        created_at__gte=start,
        created_at__lt=end,
    ).values_list("order_id", "order__reference", "order__customer_id", "method", "created_at", "amount")
    if customer_id is not None:
        allocations = allocations.filter(share__order__customer_id=customer_id)
        refunds = refunds.filter(order__customer_id=customer_id)
    rows = [(*row, 1) for row in allocations] + [(*row, -1) for row in refunds]
    ratios = sap_ratios(structure, {row[0] for row in rows})
    # How the money came, not where it was handed over (« Chèque au retrait » is a checkout's wording).
    labels = {**dict(PaymentMethod.choices), PaymentMethod.CASH: _("Espèces"), PaymentMethod.CHEQUE: _("Chèque")}
    by_customer: dict[int, CertificateFigures] = {}
    for order_id, reference, customer, method, moment, amount, sign in rows:
        ratio = ratios.get(order_id)
        if ratio is None:
            continue  # nothing eligible in this order
        figures = by_customer.setdefault(
            customer, CertificateFigures(structure=structure, customer_id=customer, year=year)
        )
        figures.order_ids.add(order_id)
        day, label, eligible = timezone.localdate(moment), str(labels.get(method, method)), quantize(amount * ratio)
        if method == PaymentMethod.URSSAF:
            # The URSSAF paid the whole: half is the tax credit it advanced, half it debited from the client.
            advanced = quantize(eligible * CREDIT_RATE)
            figures.lines.append(PaidLine(day, reference, label, ADVANCE, sign * advanced))
            figures.lines.append(PaidLine(day, reference, _("Prélevé par l'URSSAF sur votre compte"), PERSONAL,
                                          sign * (eligible - advanced)))  # fmt: skip
        else:
            figures.lines.append(PaidLine(day, reference, label, source_of(method), sign * eligible))
    result = []
    for figures in by_customer.values():
        figures.lines.sort(key=lambda line: (line.day, line.order_reference, line.amount))
        if figures.total_paid > 0:
            result.append(figures)
    _add_interventions(structure, result)
    return sorted(result, key=lambda figures: figures.customer_id)


def _add_interventions(structure: Structure, figures: list[CertificateFigures]) -> None:
    order_of_client = {order_id: item for item in figures for order_id in item.order_ids}
    lines = dict(
        OrderLine.objects.filter(order_id__in=list(order_of_client), seller=structure, sap_eligible=True).values_list(
            "pk", "order_id"
        )
    )
    for line_id, items in interventions_for_order_lines(list(lines)).items():
        order_of_client[lines[line_id]].interventions.extend(items)
    for item in figures:
        item.interventions.sort(key=lambda intervention: (intervention.day, intervention.worker_name))
