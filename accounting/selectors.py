"""The read side of the books: every report is a few SQL queries, whatever the number of entries.

Totals are aggregated by the database (Sum, Case/When, GROUP BY) and lists are paginated by it;
Python only reshapes a bounded number of rows (one per account, per customer or per month).
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Case, DecimalField, F, Max, OuterRef, Prefetch, Q, Subquery, Sum, Value, When, Window
from django.db.models.expressions import RowRange
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from accounting.documents import ZERO
from accounting.models import Account, Entry, EntryLine, FiscalYear
from hub.models import Structure

CUSTOMER_ACCOUNT_PREFIX = "411"
REVENUE_ACCOUNT_PREFIX = "70"
CHART_COLOURS = 8  # .books-color-x0 … x7 in site.css
MONEY = DecimalField(max_digits=14, decimal_places=2)
CENT = Decimal("0.01")


def _sum(expression) -> Coalesce:
    return Coalesce(Sum(expression), Value(ZERO), output_field=MONEY)


@dataclass(frozen=True)
class Period:
    start: datetime.date
    end: datetime.date


def open_books_lines():
    """Entry lines of each structure's open books: from the first day of its first fiscal year not closed.

    What an account holds today. Summing every line ever posted would count twice what a closed year
    carried forward: its balances come back in the next year's à-nouveaux. A reopened year is open
    again (its successor's à-nouveaux reversed), so its lines count once more, by themselves.
    """
    first_open = (
        FiscalYear.objects.filter(structure_id=OuterRef("entry__structure_id"), is_closed=False)
        .order_by("start_date")
        .values("start_date")[:1]
    )
    return EntryLine.objects.alias(books_start=Subquery(first_open)).filter(
        Q(books_start__isnull=True) | Q(entry__date__gte=F("books_start"))
    )


def fiscal_years(structure: Structure) -> list[FiscalYear]:
    return list(FiscalYear.objects.filter(structure=structure).order_by("-start_date"))


def current_fiscal_year(structure: Structure, *, today: datetime.date | None = None) -> FiscalYear | None:
    """The fiscal year covering today, else the latest one (one query)."""
    today = today or timezone.localdate()
    covering = Case(When(start_date__lte=today, end_date__gte=today, then=Value(0)), default=Value(1))
    return FiscalYear.objects.filter(structure=structure).order_by(covering, "-start_date").first()


def default_period(structure: Structure, *, today: datetime.date | None = None) -> Period:
    """The current fiscal year; the calendar year when the books have none yet."""
    today = today or timezone.localdate()
    year = current_fiscal_year(structure, today=today)
    if year is None:
        return Period(datetime.date(today.year, 1, 1), datetime.date(today.year, 12, 31))
    return Period(year.start_date, year.end_date)


# --- Journal ---------------------------------------------------------------------------------


def journal_entries(structure: Structure, period: Period, *, journal_code: str | None = None):
    """Entries of a period (and journal), in journal order, their lines prefetched with accounts.

    Paginated, a page costs three queries: the count, the entries, their lines.
    """
    entries = Entry.objects.filter(structure=structure, date__range=(period.start, period.end))
    if journal_code:
        entries = entries.filter(journal__code=journal_code)
    return (
        entries.select_related("journal")
        .prefetch_related(Prefetch("lines", queryset=EntryLine.objects.select_related("account").order_by("position")))
        .order_by("date", "journal__code", "number", "pk")
    )


def journal_lines(structure: Structure, period: Period, *, journal_code: str | None = None):
    """The same entries flat, one row per line (for the CSV export): one query."""
    lines = EntryLine.objects.filter(entry__structure=structure, entry__date__range=(period.start, period.end))
    if journal_code:
        lines = lines.filter(entry__journal__code=journal_code)
    return lines.order_by("entry__date", "entry__journal__code", "entry__number", "entry_id", "position").values_list(
        "entry__journal__code",
        "entry__reference",
        "entry__date",
        "entry__piece_ref",
        "account__code",
        "auxiliary_code",
        "label",
        "entry__label",
        "debit",
        "credit",
        "lettering_code",
    )


# --- General ledger --------------------------------------------------------------------------


def ledger_lines(account: Account, period: Period):
    """Lines of one account over a period with their running balance (debit − credit).

    The balance is a window function over the whole period, computed before LIMIT/OFFSET, so
    every page carries the balance of the pages before it in the same single query.
    """
    order = ("entry__date", "entry__journal__code", "entry__number", "entry_id", "position")
    return (
        EntryLine.objects.filter(account=account, entry__date__range=(period.start, period.end))
        .select_related("entry__journal")
        .annotate(
            running_balance=Window(
                expression=Sum(F("debit") - F("credit"), output_field=MONEY),
                order_by=[F(name).asc() for name in order],
                frame=RowRange(start=None, end=0),
            )
        )
        .order_by(*order)
    )


def ledger_totals(account: Account, period: Period) -> dict[str, Decimal]:
    totals = EntryLine.objects.filter(account=account, entry__date__range=(period.start, period.end)).aggregate(
        debit=_sum("debit"), credit=_sum("credit")
    )
    return {**totals, "balance": totals["debit"] - totals["credit"]}


# --- Trial balance ---------------------------------------------------------------------------


@dataclass
class TrialBalance:
    rows: list[dict] = field(default_factory=list)
    total_debit: Decimal = ZERO
    total_credit: Decimal = ZERO
    total_debit_balance: Decimal = ZERO
    total_credit_balance: Decimal = ZERO

    @property
    def is_balanced(self) -> bool:
        return self.total_debit == self.total_credit and self.total_debit_balance == self.total_credit_balance


def trial_balance(structure: Structure, period: Period) -> TrialBalance:
    """Balance générale: per account with movements, debit and credit totals and the balance.

    One GROUP BY query; the rows are as many as the accounts used, never as the entries.
    """
    rows = (
        EntryLine.objects.filter(entry__structure=structure, entry__date__range=(period.start, period.end))
        .values("account__code", "account__label")
        .annotate(debit=_sum("debit"), credit=_sum("credit"))
        .order_by("account__code")
    )
    result = TrialBalance()
    for row in rows:
        # SQLite sums decimals as floats: back to cents, or a long year would not balance by 1e-10.
        row["debit"], row["credit"] = row["debit"].quantize(CENT), row["credit"].quantize(CENT)
        balance = row["debit"] - row["credit"]
        result.rows.append(
            {
                "code": row["account__code"],
                "label": row["account__label"],
                "debit": row["debit"],
                "credit": row["credit"],
                "balance": balance,
                "debit_balance": max(balance, ZERO),
                "credit_balance": max(-balance, ZERO),
            }
        )
        result.total_debit += row["debit"]
        result.total_credit += row["credit"]
        result.total_debit_balance += max(balance, ZERO)
        result.total_credit_balance += max(-balance, ZERO)
    return result


# --- Customer balances -----------------------------------------------------------------------


def customer_balances(structure: Structure, period: Period) -> list[dict]:
    """Customers (411 by auxiliary account) whose balance over the period is not zero.

    With the unlettered amount: what remains open once matched invoices and payments are set
    aside. One query (GROUP BY … HAVING).
    """
    signed = F("debit") - F("credit")
    return list(
        EntryLine.objects.filter(
            entry__structure=structure,
            entry__date__range=(period.start, period.end),
            account__code__startswith=CUSTOMER_ACCOUNT_PREFIX,
        )
        .values("auxiliary_code")
        # Balance first: once annotated, "debit" and "credit" name the sums, no longer the columns.
        .annotate(
            name=Max("auxiliary_name"),
            balance=_sum(signed),
            unlettered=_sum(Case(When(lettering_code="", then=signed), default=Value(ZERO), output_field=MONEY)),
            debit=_sum("debit"),
            credit=_sum("credit"),
        )
        .exclude(balance=0)
        .order_by("auxiliary_code")
    )


# --- Revenue ---------------------------------------------------------------------------------


@dataclass
class Revenue:
    months: list[datetime.date]
    accounts: list[tuple[str, str]]
    # rows[i] = {"month": date, "amounts": [per account], "total": Decimal, "percent": int}
    rows: list[dict]
    totals: list[Decimal]
    total: Decimal


def _month_starts(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    months, month = [], start.replace(day=1)
    while month <= end:
        months.append(month)
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    return months


def revenue_by_month(fiscal_year: FiscalYear) -> Revenue:
    """Net revenue (credit − debit of 70x accounts) per month and account over a fiscal year.

    One GROUP BY query; months without sales show as zero.
    """
    amounts = (
        EntryLine.objects.filter(entry__fiscal_year=fiscal_year, account__code__startswith=REVENUE_ACCOUNT_PREFIX)
        .annotate(month=TruncMonth("entry__date"))
        .values("month", "account__code", "account__label")
        .annotate(amount=_sum(F("credit") - F("debit")))
        .order_by("account__code", "month")
    )
    months = _month_starts(fiscal_year.start_date, fiscal_year.end_date)
    cells: dict[tuple[datetime.date, str], Decimal] = {}
    accounts: dict[str, str] = {}
    for row in amounts:
        month = row["month"]
        if isinstance(month, datetime.datetime):  # some backends truncate to a datetime
            month = month.date()
        accounts[row["account__code"]] = row["account__label"]
        cells[(month, row["account__code"])] = row["amount"]
    codes = sorted(accounts)
    rows = []
    for month in months:
        values = [cells.get((month, code), ZERO) for code in codes]
        rows.append({"month": month, "amounts": values, "total": sum(values, ZERO)})
    peak = max((row["total"] for row in rows), default=ZERO)
    for row in rows:
        # Bar widths in percent of the best month, one segment per account (CSS bars, no JS).
        row["segments"] = [
            (index, f"{amount * 100 / peak:.2f}")
            for index, amount in enumerate(row["amounts"])
            if amount > 0 and peak > 0
        ]
    totals = [sum((cells.get((month, code), ZERO) for month in months), ZERO) for code in codes]
    return Revenue(
        months=months,
        accounts=[(code, accounts[code]) for code in codes],
        rows=rows,
        totals=totals,
        total=sum(totals, ZERO),
    )


# --- VAT ------------------------------------------------------------------------------------

VAT_COLLECTED_PREFIX = "4457"  # 44571x: VAT due on sales, one account per rate
VAT_PENDING_ACCOUNT = "44587"  # VAT on services invoiced, due only once paid (CGI 269-2-c)


@dataclass
class VatReturn:
    accounts: list[tuple[str, str]]  # the 44571x accounts (code, label)
    # rows[i] = {"month": date, "amounts": [due per account], "total": Decimal,
    #            "pending_change": Decimal, "pending_end": Decimal}
    rows: list[dict]
    totals: list[Decimal]
    total: Decimal
    pending_opening: Decimal


def vat_by_month(fiscal_year: FiscalYear) -> VatReturn:
    """VAT made due per month (credit − debit of each 44571x account: invoices of goods, services' VAT
    moved from 44587 on each payment, back on refunds), and the VAT on services still awaiting payment
    (44587) at each month's end — read from the ledger itself, so the page is the books' own figure.

    Two GROUP BY queries (movements of the year, and 44587 before it); twelve rows reshaped in Python.
    """
    lines = EntryLine.objects.filter(
        Q(account__code__startswith=VAT_COLLECTED_PREFIX) | Q(account__code=VAT_PENDING_ACCOUNT),
        entry__fiscal_year=fiscal_year,
    )
    amounts = (
        lines.annotate(month=TruncMonth("entry__date"))
        .values("month", "account__code", "account__label")
        .annotate(amount=_sum(F("credit") - F("debit")))
        .order_by("account__code", "month")
    )
    opening = EntryLine.objects.filter(
        entry__structure_id=fiscal_year.structure_id,
        entry__date__lt=fiscal_year.start_date,
        account__code=VAT_PENDING_ACCOUNT,
    ).aggregate(amount=_sum(F("credit") - F("debit")))["amount"]
    months = _month_starts(fiscal_year.start_date, fiscal_year.end_date)
    due: dict[tuple[datetime.date, str], Decimal] = {}
    pending: dict[datetime.date, Decimal] = {}
    accounts: dict[str, str] = {}
    for row in amounts:
        month = row["month"].date() if isinstance(row["month"], datetime.datetime) else row["month"]
        if row["account__code"] == VAT_PENDING_ACCOUNT:
            pending[month] = pending.get(month, ZERO) + row["amount"]
            continue
        accounts[row["account__code"]] = row["account__label"]
        due[(month, row["account__code"])] = row["amount"]
    codes = sorted(accounts)
    rows, balance = [], opening
    for month in months:
        values = [due.get((month, code), ZERO) for code in codes]
        balance += pending.get(month, ZERO)
        rows.append(
            {
                "month": month,
                "amounts": values,
                "total": sum(values, ZERO),
                "pending_change": pending.get(month, ZERO),
                "pending_end": balance,
            }
        )
    totals = [sum((due.get((month, code), ZERO) for month in months), ZERO) for code in codes]
    return VatReturn(
        accounts=[(code, accounts[code]) for code in codes],
        rows=rows,
        totals=totals,
        total=sum(totals, ZERO),
        pending_opening=opening,
    )


def chart_of_accounts(structure: Structure):
    """The chart of accounts for the ledger's selector."""
    return Account.objects.filter(structure=structure).order_by("code").only("pk", "code", "label")
