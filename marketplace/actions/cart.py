from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hub import money
from hub.models import Structure
from marketplace import cart_rules
from marketplace.exceptions import BookedNotBought, CartError, InsufficientStock, OfferingUnavailable
from marketplace.models import Cart, CartItem, SolidarityStatus
from services.enums import Unit
from services.models import Offering

INTEGER_UNITS = {Unit.ITEM, Unit.DELIVERY, Unit.SESSION, Unit.DAY}
MAX_QUANTITY = Decimal("999")


def parse_quantity(raw, *, offering: Offering) -> Decimal:
    """A quantity typed by a person: whole for items, up to 3 decimals for kg, hours and km."""
    try:
        quantity = Decimal(str(raw).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        raise CartError(_("« %(value)s » n'est pas une quantité.") % {"value": raw}) from None
    if not quantity.is_finite() or quantity <= 0:
        raise CartError(_("La quantité doit être positive."))
    if quantity > MAX_QUANTITY:
        raise CartError(_("La quantité ne peut pas dépasser %(max)s.") % {"max": MAX_QUANTITY})
    if offering.unit in INTEGER_UNITS and quantity != quantity.to_integral_value():
        raise CartError(
            _("« %(name)s » se commande en quantité entière (%(unit)s).")
            % {"name": offering.name, "unit": offering.get_unit_display()}
        )
    if quantity.as_tuple().exponent < -3:
        raise CartError(_("La quantité a au plus trois décimales."))
    return quantity


def check_available(offering: Offering, quantity: Decimal) -> None:
    # An outside association whose books the Collectif keeps sells nothing on the platform.
    if not offering.is_active or not offering.structure.is_active or offering.structure.is_outside_association:
        raise OfferingUnavailable(_("« %(name)s » n'est plus en vente.") % {"name": offering.name})
    if offering.stock is not None and quantity > offering.stock:
        if offering.stock == 0:
            raise InsufficientStock(_("« %(name)s » est épuisé.") % {"name": offering.name})
        raise InsufficientStock(
            _("Il ne reste que %(stock)s « %(name)s » en stock.") % {"stock": offering.stock, "name": offering.name}
        )


@transaction.atomic
def add_to_cart(*, cart: Cart, offering: Offering, quantity: Decimal) -> CartItem:
    """Add an offering (or more of it); refuses inactive offerings, quantities beyond the stock and offerings
    sold on a slot (those are booked on their own page, so their capacity is checked)."""
    if refusal := cart_rules.refusals([offering]).get(offering.pk):
        raise BookedNotBought(refusal)
    item = CartItem.objects.select_for_update().filter(cart=cart, offering=offering).first()
    new_quantity = quantity + (item.quantity if item else 0)
    if new_quantity > MAX_QUANTITY:
        raise CartError(_("La quantité ne peut pas dépasser %(max)s.") % {"max": MAX_QUANTITY})
    check_available(offering, new_quantity)
    if item is None:
        item = CartItem.objects.create(cart=cart, offering=offering, quantity=new_quantity)
    else:
        item.quantity = new_quantity
        item.save(update_fields=["quantity"])
    Cart.objects.filter(pk=cart.pk).update(updated_at=timezone.now())
    return item


@transaction.atomic
def set_quantity(*, cart: Cart, item: CartItem, quantity: Decimal) -> CartItem:
    if item.cart_id != cart.pk:
        raise CartError(_("Cet article n'est pas dans votre panier."))
    check_available(item.offering, quantity)
    item.quantity = quantity
    item.save(update_fields=["quantity"])
    return item


def remove_item(*, cart: Cart, item: CartItem) -> None:
    if item.cart_id != cart.pk:
        raise CartError(_("Cet article n'est pas dans votre panier."))
    item.delete()


@transaction.atomic
def merge_carts(*, source: Cart, target: Cart) -> None:
    """A visitor's cart joins their own at login; quantities add up, within the stock."""
    for item in source.items.select_related("offering__structure"):
        existing = target.items.filter(offering=item.offering).first()
        quantity = item.quantity + (existing.quantity if existing else 0)
        if item.offering.stock is not None:
            quantity = min(quantity, Decimal(item.offering.stock))
        if quantity <= 0 or not item.offering.is_active:
            continue
        CartItem.objects.update_or_create(cart=target, offering=item.offering, defaults={"quantity": quantity})
    source.delete()


def has_solidarity_pricing(user) -> bool:
    if not user.is_authenticated:
        return False
    status = SolidarityStatus.objects.filter(user=user).first()
    return bool(status and status.is_valid())


@dataclass
class CartLine:
    item: CartItem
    unit_price: Decimal
    total_incl: Decimal
    total_excl: Decimal
    total_vat: Decimal
    problem: str = ""
    # The quantity is final although the offering is usually measured afterwards: a home visit booked by
    # its start time is sold at a fixed price for its set length (ADR 0019).
    fixed: bool = False

    @property
    def measured_later(self) -> bool:
        """Invoiced once the real quantity is known (weighed, hours worked): not payable at once by card."""
        return self.item.offering.quantity_measured_later and not self.fixed


@dataclass
class CartSummary:
    lines: list[CartLine] = field(default_factory=list)
    by_structure: dict[Structure, list[CartLine]] = field(default_factory=dict)
    total_incl: Decimal = Decimal("0.00")
    total_excl: Decimal = Decimal("0.00")
    total_vat: Decimal = Decimal("0.00")
    solidarity: bool = False

    @property
    def count(self) -> int:
        return len(self.lines)

    @property
    def has_problems(self) -> bool:
        return any(line.problem for line in self.lines)


def summarise(cart: Cart | None, *, solidarity: bool = False) -> CartSummary:
    """The cart priced as checkout would price it, line by line (VAT rounded per line)."""
    summary = CartSummary(solidarity=solidarity)
    if cart is None:
        return summary
    grouped: dict[Structure, list[CartLine]] = defaultdict(list)
    items = list(cart.items.select_related("offering__structure").order_by("offering__structure__position", "pk"))
    # Added before the rule, or by another path: shown as the line's problem, so checkout refuses the cart.
    refused = cart_rules.refusals(item.offering for item in items)
    for item in items:
        offering = item.offering
        unit_price = offering.price_for(solidarity=solidarity)
        total_incl = money.line_total(unit_price, item.quantity)
        total_excl, total_vat = money.split_incl(total_incl, offering.vat_rate)
        problem = refused.get(offering.pk, "")
        try:
            check_available(offering, item.quantity)
        except CartError as error:
            problem = problem or error.message
        line = CartLine(item, unit_price, total_incl, total_excl, total_vat, problem)
        summary.lines.append(line)
        grouped[offering.structure].append(line)
        summary.total_incl += total_incl
        summary.total_excl += total_excl
        summary.total_vat += total_vat
    summary.by_structure = dict(grouped)
    return summary
