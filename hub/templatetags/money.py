from decimal import Decimal

from django import template

from hub import money

register = template.Library()


@register.filter
def eur(amount: Decimal | None) -> str:
    """1234.5 → « 1 234,50 € »."""
    if amount is None or amount == "":
        return ""
    return money.format_eur(Decimal(amount))


@register.filter
def percent(rate: Decimal | None) -> str:
    """5.50 → « 5,5 % », 20.00 → « 20 % »."""
    if rate is None:
        return ""
    text = f"{Decimal(rate).normalize():f}".replace(".", ",")
    return f"{text}\u00a0%"
