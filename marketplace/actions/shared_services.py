"""The Collectif's monthly shared-services invoices to its member structures (DOMAIN.md rule 12)."""

import calendar
import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from hub.models import Structure
from hub.money import quantize, split_incl
from marketplace.actions.invoicing import issue
from marketplace.enums import AllocationMethod, InvoiceKind, OperationCategory
from marketplace.models import Invoice, InvoiceLine, SharedServicesPlan

MONTHS = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
]


def month_bounds(year: int, month: int) -> tuple[datetime.date, datetime.date]:
    return datetime.date(year, month, 1), datetime.date(year, month, calendar.monthrange(year, month)[1])


def allocation(*, plan: SharedServicesPlan, start: datetime.date, end: datetime.date) -> dict[int, Decimal]:
    """{member structure id: amount excl. VAT}; the rounding cent goes to the largest share so it sums exactly."""
    if plan.method == AllocationMethod.FIXED_SHARES:
        weights = {share.structure_id: share.percent for share in plan.shares.all()}
    else:
        rows = (
            Invoice.objects.issued()
            .filter(issue_date__range=(start, end), buyer_structure__isnull=True)
            .exclude(structure__kind="collective")
            .values("structure_id", "kind")
            .annotate(total=Sum("total_excl"))
        )
        weights: dict[int, Decimal] = {}
        for row in rows:
            sign = -1 if row["kind"] == InvoiceKind.CREDIT_NOTE else 1
            weights[row["structure_id"]] = weights.get(row["structure_id"], Decimal("0")) + sign * row["total"]
        weights = {k: v for k, v in weights.items() if v > 0}
    total_weight = sum(weights.values(), Decimal("0"))
    if not total_weight:
        return {}
    amounts = {pk: quantize(plan.monthly_amount * weight / total_weight) for pk, weight in weights.items()}
    gap = plan.monthly_amount - sum(amounts.values(), Decimal("0"))
    if gap:
        largest = max(amounts, key=lambda pk: (amounts[pk], -pk))
        amounts[largest] += gap
    return amounts


@transaction.atomic
def issue_shared_services_invoices(*, year: int, month: int) -> list[Invoice]:
    """One invoice per member for the month; running it again issues nothing more.

    Every active plan is billed (the hub's members' shared services; the bookkeeping of the outside
    associations whose books the Collectif keeps, a plan of its own). A structure is billed by one
    plan a month: the first, by plan id, that allots it something.
    """
    plans = list(SharedServicesPlan.objects.filter(is_active=True).prefetch_related("shares").order_by("pk"))
    if not plans:
        return []
    collective = Structure.objects.collective()
    start, end = month_bounds(year, month)
    already = set(
        Invoice.objects.filter(structure=collective, period_start=start, kind=InvoiceKind.INVOICE).values_list(
            "buyer_structure_id", flat=True
        )
    )
    invoices = []
    for plan in plans:
        invoices += _issue_plan(plan=plan, collective=collective, year=year, month=month, already=already)
    return invoices


def _issue_plan(*, plan: SharedServicesPlan, collective: Structure, year: int, month: int, already: set) -> list:
    start, end = month_bounds(year, month)
    vat_rate = collective.default_vat_rate if collective.is_vat_liable else Decimal("0.00")
    mention = "" if collective.is_vat_liable else collective.vat_exemption_mention
    invoices = []
    amounts = allocation(plan=plan, start=start, end=end)
    members = Structure.objects.in_bulk(list(amounts))
    for structure_id, amount_excl in sorted(amounts.items()):
        if structure_id in already or amount_excl <= 0:
            continue
        already.add(structure_id)
        member = members[structure_id]
        amount_incl = quantize(amount_excl * (1 + vat_rate / 100))
        excl, vat = split_incl(amount_incl, vat_rate)
        description = _("%(label)s — %(month)s %(year)s") % {
            "label": plan.label,
            "month": MONTHS[month - 1],
            "year": year,
        }
        invoice = Invoice.objects.create(
            kind=InvoiceKind.INVOICE,
            structure=collective,
            buyer_structure=member,
            category=OperationCategory.SERVICES,
            buyer_name=member.name,
            buyer_address="\n".join(member.address_lines),
            buyer_siren=member.siren,
            buyer_vat_number=member.vat_number,
            buyer_is_business=True,
            total_excl=excl,
            total_vat=vat,
            total_incl=amount_incl,
            period_start=start,
            period_end=end,
        )
        InvoiceLine.objects.create(
            invoice=invoice,
            description=description,
            quantity=Decimal("1"),
            unit="item",
            unit_price_incl=amount_incl,
            unit_price_excl=excl,
            vat_rate=vat_rate,
            vat_exemption_mention=mention,
            revenue_account="7065",
            is_goods=False,
            total_excl=excl,
            total_vat=vat,
            total_incl=amount_incl,
        )
        invoices.append(issue(invoice))
    return invoices
