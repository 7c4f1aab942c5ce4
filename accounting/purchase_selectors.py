"""Reads of the purchases: the invoices of a structure, its suppliers' balances, its chart."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, DecimalField, ExpressionWrapper, F, Min, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from accounting.enums import SupplierInvoiceStatus
from accounting.models import Account, EntryLine, Supplier, SupplierInvoice
from hub.models import Structure

ZERO = Decimal("0.00")
MONEY = DecimalField(max_digits=14, decimal_places=2)


def supplier_invoices(structure: Structure, *, status: str = "", supplier: Supplier | None = None) -> QuerySet:
    invoices = SupplierInvoice.objects.filter(structure=structure).select_related("supplier")
    if status:
        invoices = invoices.filter(status=status)
    if supplier is not None:
        invoices = invoices.filter(supplier=supplier)
    return invoices.order_by("-date", "-pk")


def suppliers(structure: Structure) -> QuerySet:
    return Supplier.objects.filter(structure=structure).order_by("name")


@dataclass(frozen=True)
class SupplierBalances:
    rows: list  # suppliers annotated with open_count, due, overdue, next_due
    open_invoices: list  # posted, unpaid invoices, by due date
    total_due: Decimal
    total_overdue: Decimal


def supplier_balances(structure: Structure, *, today: datetime.date) -> SupplierBalances:
    """What the structure owes each supplier: open invoices, amount due, overdue, next due date (2 queries)."""
    remaining = ExpressionWrapper(F("invoices__total_incl") - F("invoices__paid_amount"), output_field=MONEY)
    is_open = Q(invoices__status=SupplierInvoiceStatus.POSTED)
    overdue = is_open & Q(invoices__due_date__lt=today)
    rows = list(
        Supplier.objects.filter(structure=structure)
        .annotate(
            open_count=Count("invoices", filter=is_open),
            due=Coalesce(Sum(remaining, filter=is_open), Value(ZERO), output_field=MONEY),
            overdue=Coalesce(Sum(remaining, filter=overdue), Value(ZERO), output_field=MONEY),
            next_due=Min("invoices__due_date", filter=is_open),
        )
        .order_by("name")
    )
    open_invoices = list(
        SupplierInvoice.objects.open().filter(structure=structure).select_related("supplier").order_by("due_date", "pk")
    )
    for invoice in open_invoices:
        invoice.overdue = invoice.due_date < today
    return SupplierBalances(
        rows=rows,
        open_invoices=open_invoices,
        total_due=sum((row.due for row in rows), ZERO),
        total_overdue=sum((row.overdue for row in rows), ZERO),
    )


def chart(structure: Structure) -> list[Account]:
    """The structure's accounts, each with `used` (it has entry lines): 2 queries."""
    accounts = list(Account.objects.filter(structure=structure).order_by("code"))
    used = set(EntryLine.objects.filter(account__structure=structure).values_list("account_id", flat=True).distinct())
    for account in accounts:
        account.used = account.pk in used
    return accounts


def expense_accounts(structure: Structure) -> list[tuple[str, str]]:
    """(code, label) of the active accounts a purchase line may go to: fixed assets (2) and expenses (6)."""
    return list(
        Account.objects.filter(structure=structure, is_active=True, account_class__in=(2, 6))
        .order_by("code")
        .values_list("code", "label")
    )
