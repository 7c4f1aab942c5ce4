"""The VAT return (CA3) of a period, computed from the ledger itself.

Every box is a sum of entry lines of the structure dated within the period, on the VAT accounts,
leaving out the opening entries (AN: they only repeat last year's balances) and the settlement
entries of VAT returns (they empty the accounts the return reads). The credit carried forward
(box 22) is the balance of 44567 before the period. So a return reads the same before and after
it is posted, and each box lists the lines behind it (`box_lines`).
"""

import calendar
import datetime
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import F, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from accounting.chart import DEDUCTIBLE_VAT_ACCOUNT, FIXED_ASSET_VAT_ACCOUNT, VAT_ACCOUNTS, VAT_CREDIT_ACCOUNT
from accounting.enums import JournalCode, VatPeriodicity
from accounting.models import EntryLine
from hub.models import Structure

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
SETTLEMENT_SOURCE = "vat_return"
PERIOD_RE = re.compile(r"^(?P<year>\d{4})-(?:(?P<month>0[1-9]|1[0-2])|Q(?P<quarter>[1-4]))$")
MONTHS = (
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
)  # fmt: skip

# (CA3 box, rate, account) for each rate of VAT collected.
RATE_BOXES = (("08", Decimal("20.00"), VAT_ACCOUNTS["20.00"]), ("9B", Decimal("10.00"), VAT_ACCOUNTS["10.00"]),
              ("09", Decimal("5.50"), VAT_ACCOUNTS["5.50"]))  # fmt: skip
# Box → the account whose lines it sums (the boxes a page can open).
BOX_ACCOUNTS = {
    **{box: account for box, _rate, account in RATE_BOXES},
    "19": FIXED_ASSET_VAT_ACCOUNT,
    "20": DEDUCTIBLE_VAT_ACCOUNT,
    "22": VAT_CREDIT_ACCOUNT,
}


class InvalidPeriod(ValueError):
    pass


@dataclass(frozen=True)
class VatPeriod:
    start: datetime.date
    end: datetime.date
    code: str  # "2026-03" or "2026-Q1"

    @property
    def label(self) -> str:
        if "Q" in self.code:
            quarter = int(self.code[-1])
            return _("%(n)s trimestre %(year)s") % {
                "n": _("1er") if quarter == 1 else f"{quarter}e",
                "year": self.start.year,
            }
        return f"{MONTHS[self.start.month - 1]} {self.start.year}"


def _month_end(year: int, month: int) -> datetime.date:
    return datetime.date(year, month, calendar.monthrange(year, month)[1])


def parse_period(code: str) -> VatPeriod:
    """`YYYY-MM` or `YYYY-Qn` → the period; InvalidPeriod otherwise."""
    match = PERIOD_RE.match(code or "")
    if match is None or not 1900 <= int(match["year"]) <= 9999:
        raise InvalidPeriod(_("Période invalide : AAAA-MM (un mois) ou AAAA-Qn (un trimestre) attendu."))
    year = int(match["year"])
    if match["month"]:
        month = int(match["month"])
        return VatPeriod(datetime.date(year, month, 1), _month_end(year, month), f"{year}-{month:02d}")
    quarter = int(match["quarter"])
    return VatPeriod(datetime.date(year, 3 * quarter - 2, 1), _month_end(year, 3 * quarter), f"{year}-Q{quarter}")


def period_containing(periodicity: str, date: datetime.date) -> VatPeriod:
    if periodicity == VatPeriodicity.QUARTERLY:
        return parse_period(f"{date.year}-Q{(date.month - 1) // 3 + 1}")
    return parse_period(f"{date.year}-{date.month:02d}")


def previous_period(periodicity: str, period: VatPeriod) -> VatPeriod:
    return period_containing(periodicity, period.start - datetime.timedelta(days=1))


def periods_between(periodicity: str, start: datetime.date, end: datetime.date) -> list[VatPeriod]:
    """The periods overlapping [start, end], in order."""
    periods, period = [], period_containing(periodicity, start)
    while period.start <= end:
        periods.append(period)
        period = period_containing(periodicity, period.end + datetime.timedelta(days=1))
    return periods


def check_periodicity(periodicity: str, period: VatPeriod) -> None:
    quarterly = "Q" in period.code
    if quarterly != (periodicity == VatPeriodicity.QUARTERLY):
        raise InvalidPeriod(
            _("Cette structure déclare sa TVA chaque trimestre : période AAAA-Qn attendue.")
            if periodicity == VatPeriodicity.QUARTERLY
            else _("Cette structure déclare sa TVA chaque mois : période AAAA-MM attendue.")
        )


def _ledger_lines(structure: Structure):
    return EntryLine.objects.filter(entry__structure=structure).exclude(entry__journal__code=JournalCode.OPENING)


def box_lines(structure: Structure, period: VatPeriod, box: str):
    """The entry lines one box sums (boxes of BOX_ACCOUNTS), in date order."""
    account = BOX_ACCOUNTS[box]
    lines = _ledger_lines(structure).filter(account__code=account)
    if box == "22":
        lines = lines.filter(entry__date__lt=period.start)
    else:
        lines = lines.filter(entry__date__range=(period.start, period.end)).exclude(
            entry__source_kind=SETTLEMENT_SOURCE
        )
    return lines.select_related("entry", "entry__journal").order_by("entry__date", "entry_id", "position")


@dataclass(frozen=True)
class Ca3:
    """The boxes of the CA3 (form 3310-CA3), in euros with cents."""

    period: VatPeriod
    bases: dict[str, Decimal]  # box → taxable base excl. VAT
    collected: dict[str, Decimal]  # box → VAT collected
    fixed_assets: Decimal  # 19
    other_deductible: Decimal  # 20
    credit_brought_forward: Decimal  # 22

    @property
    def total_base(self) -> Decimal:  # 01
        return sum(self.bases.values(), ZERO)

    @property
    def total_collected(self) -> Decimal:  # 16
        return sum(self.collected.values(), ZERO)

    @property
    def total_deductible(self) -> Decimal:  # 23
        return self.fixed_assets + self.other_deductible + self.credit_brought_forward

    @property
    def credit(self) -> Decimal:  # 25 = 27: credit carried to the next return
        return max(self.total_deductible - self.total_collected, ZERO)

    @property
    def net_due(self) -> Decimal:  # 28 = 32
        return max(self.total_collected - self.total_deductible, ZERO)

    @property
    def is_empty(self) -> bool:
        return not (self.total_collected or self.total_deductible)

    def figures(self) -> dict[str, str]:
        """Every box as a string of euros (what is stored with a posted return and sent by the API)."""
        boxes = {"01": self.total_base}
        for box, _rate, _account in RATE_BOXES:
            boxes[f"{box}_base"] = self.bases[box]
            boxes[f"{box}_tva"] = self.collected[box]
        boxes.update({"16": self.total_collected, "19": self.fixed_assets, "20": self.other_deductible,
                      "22": self.credit_brought_forward, "23": self.total_deductible, "25": self.credit,
                      "27": self.credit, "28": self.net_due, "32": self.net_due})  # fmt: skip
        return {box: f"{amount:.2f}" for box, amount in boxes.items()}


def compute_return(structure: Structure, period: VatPeriod) -> Ca3:
    """The CA3 of a period from the ledger: two aggregate queries.

    VAT collected per rate = credit − debit of its 44571x account (invoices of goods at issue, the
    services' VAT moved from 44587 on each payment received, prepaid seasons, credit notes and refunds
    back); deductible = debit − credit of 44566 and 44562; the base of each rate is its VAT ÷ rate,
    to the cent (VAT is rounded per invoice line, so a base read from the revenue accounts of mixed
    invoices could not be split by rate).
    """
    amount = Coalesce(Sum(F("credit") - F("debit")), Value(ZERO))
    sums = dict(
        _ledger_lines(structure)
        .filter(entry__date__range=(period.start, period.end), account__code__in=list(BOX_ACCOUNTS.values()))
        .exclude(account__code=VAT_CREDIT_ACCOUNT)
        .exclude(entry__source_kind=SETTLEMENT_SOURCE)
        .values("account__code")
        .annotate(amount=amount)
        .values_list("account__code", "amount")
    )
    carried = (
        _ledger_lines(structure)
        .filter(Q(account__code=VAT_CREDIT_ACCOUNT), entry__date__lt=period.start)
        .aggregate(amount=amount)["amount"]
    )
    collected = {box: sums.get(account, ZERO) for box, _rate, account in RATE_BOXES}
    bases = {
        box: (collected[box] * 100 / rate).quantize(CENT, rounding=ROUND_HALF_UP) for box, rate, _account in RATE_BOXES
    }
    return Ca3(
        period=period,
        bases=bases,
        collected=collected,
        fixed_assets=-sums.get(FIXED_ASSET_VAT_ACCOUNT, ZERO),
        other_deductible=-sums.get(DEDUCTIBLE_VAT_ACCOUNT, ZERO),
        credit_brought_forward=-carried,
    )
