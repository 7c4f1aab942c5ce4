"""Money rules, in one place: euros as Decimal, rounded half-up per line; cents only for Stripe.

DOMAIN.md rule 2: prices are stored incl. VAT; per line VAT = round_half_up(incl × r / (1 + r), 0.01)
and excl. = incl − VAT. Unit prices excl. VAT may show 4 decimals.
"""

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
TEN_THOUSANDTH = Decimal("0.0001")
HUNDRED = Decimal("100")
NBSP = "\u00a0"
NARROW_NBSP = "\u202f"


def quantize(amount: Decimal) -> Decimal:
    """Round to the cent, half-up (never banker's rounding)."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def vat_included(amount_incl: Decimal, rate_percent: Decimal) -> Decimal:
    """The VAT contained in an amount incl. VAT, rounded to the cent."""
    if not rate_percent:
        return Decimal("0.00")
    rate = rate_percent / HUNDRED
    return quantize(amount_incl * rate / (1 + rate))


def split_incl(amount_incl: Decimal, rate_percent: Decimal) -> tuple[Decimal, Decimal]:
    """(excl. VAT, VAT) of an amount incl. VAT; they add up exactly to the amount."""
    amount_incl = quantize(amount_incl)
    vat = vat_included(amount_incl, rate_percent)
    return amount_incl - vat, vat


def unit_price_excl(unit_price_incl: Decimal, rate_percent: Decimal) -> Decimal:
    """A unit price excl. VAT to 4 decimals (for display on B2B documents)."""
    rate = rate_percent / HUNDRED
    return (unit_price_incl / (1 + rate)).quantize(TEN_THOUSANDTH, rounding=ROUND_HALF_UP)


def line_total(unit_price_incl: Decimal, quantity: Decimal) -> Decimal:
    return quantize(unit_price_incl * quantity)


def to_cents(amount: Decimal) -> int:
    """Euros to Stripe's integer minor units; refuses sub-cent amounts rather than rounding silently."""
    cents = amount * HUNDRED
    if cents != cents.to_integral_value():
        raise ValueError(f"{amount} has more than two decimals")
    return int(cents)


def from_cents(cents: int) -> Decimal:
    return (Decimal(cents) / HUNDRED).quantize(CENT)


def format_eur(amount: Decimal) -> str:
    """French display: 1 234,50 € (narrow no-break space for thousands)."""
    sign = "-" if amount < 0 else ""
    whole, _, decimals = f"{abs(quantize(amount)):.2f}".partition(".")
    groups = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    return sign + NARROW_NBSP.join(groups) + "," + decimals + NBSP + "€"
