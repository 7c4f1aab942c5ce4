"""From cart to order: prices snapshotted, stock taken under the database's protection."""

import datetime
import secrets
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from hub import money, perms, schedules
from hub.models import Organisation, Site, Structure
from marketplace import cart_rules, covers, events, notify
from marketplace.actions import settlement
from marketplace.actions.cart import (
    CartLine,
    CartSummary,
    check_available,
    has_solidarity_pricing,
    parse_quantity,
    summarise,
)
from marketplace.actions.invoicing import issue_order_invoices_in_transaction
from marketplace.enums import FulfilmentStatus, OrderEmailKind, PaymentMethod, PaymentStatus
from marketplace.exceptions import BookedNotBought, CartError, CheckoutError, InsufficientStock
from marketplace.models import Cart, CartItem, Order, OrderLine, SellerSettings
from marketplace.models.fields import BILLING_ADDRESS_MAX_LENGTH, BILLING_NAME_MAX_LENGTH
from services.enums import Audience, OfferingKind
from services.models import Offering

REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
KINDS_COLLECTED_AT_A_PICKUP_POINT = {OfferingKind.GOODS, OfferingKind.BASKET, OfferingKind.LAUNDRY}


@dataclass(frozen=True)
class Billing:
    name: str
    address: str
    email: str


def new_reference() -> str:
    return "CMD-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))


def seller_methods(structures) -> set[str]:
    """Methods accepted by every structure of the cart (a structure without settings takes the defaults)."""
    settings = {s.structure_id: s for s in SellerSettings.objects.filter(structure__in=structures)}
    methods: set[str] | None = None
    for structure in structures:
        accepted = (settings.get(structure.pk) or SellerSettings(structure=structure)).accepted_methods()
        methods = accepted if methods is None else methods & accepted
    return methods or set()


def allowed_payment_methods(*, structures, for_organisation: bool, all_sap: bool, measured_later: bool) -> list[str]:
    """What a sale of `structures` may be paid with (DOMAIN.md rule 6), in the enum's order."""
    methods = seller_methods(structures)
    if not for_organisation:
        methods.discard(PaymentMethod.TRANSFER)  # bank transfer on invoice is for organisations
    if not all_sap:
        methods.discard(PaymentMethod.CESU)  # CESU pays only services à la personne
    if measured_later:
        methods.discard(PaymentMethod.CARD)  # weighed or hour-based lines are paid once known
    return [method for method in PaymentMethod.values if method in methods]


def available_payment_methods(*, summary, organisation: Organisation | None) -> list[str]:
    """What this cart may be paid with (DOMAIN.md rule 6)."""
    offerings = [line.item.offering for line in summary.lines]
    return allowed_payment_methods(
        structures=list(summary.by_structure),
        for_organisation=organisation is not None,
        all_sap=bool(offerings) and all(o.sap_eligible for o in offerings),
        measured_later=any(line.measured_later for line in summary.lines),
    )


def order_payment_methods(order: Order) -> list[str]:
    """What a placed order may be paid with: the same rules as its cart, read from its lines' snapshots."""
    flags = list(order.lines.values_list("sap_eligible", "quantity_measured_later"))
    return allowed_payment_methods(
        structures=sellers_of(order),
        for_organisation=order.organisation_id is not None,
        all_sap=bool(flags) and all(sap for sap, _later in flags),
        measured_later=any(later for _sap, later in flags),
    )


def preparation_time(structures) -> datetime.timedelta:
    """The longest preparation time of the order's sellers (a seller without settings: the default)."""
    default = SellerSettings._meta.get_field("preparation_hours").default
    hours = dict(
        SellerSettings.objects.filter(structure__in=structures).values_list("structure_id", "preparation_hours")
    )
    return datetime.timedelta(hours=max((hours.get(s.pk, default) for s in structures), default=default))


def collection_window(
    *, pickup_point: Site, preparation: datetime.timedelta, at: datetime.datetime
) -> schedules.Window | None:
    """When an order placed `at` is collected at `pickup_point`: the point's first opening that starts
    at least `preparation` later, skipping public holidays and the point's closures (ADR 0015)."""
    return schedules.next_collection(pickup_point, not_before=at + preparation)


def needs_pickup_point(summary) -> bool:
    return any(line.item.offering.kind in KINDS_COLLECTED_AT_A_PICKUP_POINT for line in summary.lines)


def _take_stock(offering: Offering, quantity: Decimal) -> None:
    # A conditional update: the database refuses to go below zero even under parallel checkouts;
    # updated_at moves too, so cached catalogue pages show the new stock.
    taken = Offering.objects.filter(pk=offering.pk, stock__gte=quantity).update(
        stock=F("stock") - quantity, updated_at=timezone.now()
    )
    if not taken:
        raise InsufficientStock(
            _("« %(name)s » n'est plus disponible dans la quantité demandée.") % {"name": offering.name}
        )


@transaction.atomic
def place_order(
    *,
    user,
    cart: Cart,
    payment_method: str,
    billing: Billing,
    organisation: Organisation | None = None,
    pickup_point: Site | None = None,
    purchase_order_number: str = "",
    terms_accepted: bool = False,
    terms_version: datetime.datetime | None = None,
    at: datetime.datetime | None = None,
    placed_by=None,
) -> Order:
    """Turn the cart into one order (whatever the number of sellers) and empty the cart.

    `terms_accepted`: the customer ticked the terms of sale at checkout; the moment and the terms'
    version (the CGV page's `updated_at`, when there is one) are kept on the order.

    Pay-later orders are confirmed at once and their fixed-price lines invoiced; card orders wait
    for Stripe's `payment_intent.succeeded`. `at` records an order taken earlier (e.g. on paper).
    """
    at = at or timezone.now()
    cart = Cart.objects.select_for_update(of=("self",)).get(pk=cart.pk)
    if organisation is not None and not perms.can_order_for_organisation(user, organisation):
        raise CheckoutError(_("Vous n'êtes pas membre de cette organisation."))
    solidarity = organisation is None and has_solidarity_pricing(user)
    summary = summarise(cart, solidarity=solidarity)
    if not summary.lines:
        raise CheckoutError(_("Votre panier est vide."))
    return _place(
        user=user,
        summary=summary,
        solidarity=solidarity,
        payment_method=payment_method,
        billing=billing,
        organisation=organisation,
        pickup_point=pickup_point,
        purchase_order_number=purchase_order_number,
        at=at,
        before_confirm=lambda: cart.items.all().delete(),
        terms_accepted=terms_accepted,
        terms_version=terms_version,
        placed_by=placed_by,
    )


def _summarise_items(items: list[tuple[Offering, Decimal]], *, solidarity: bool, fixed: bool = False) -> CartSummary:
    """Price a list of (offering, quantity) exactly as `summarise` prices a cart (one line each).

    `fixed`: the quantities are final, even of offerings usually measured afterwards (a timed home visit).
    """
    summary = CartSummary(solidarity=solidarity)
    grouped: dict[Structure, list[CartLine]] = {}
    for offering, quantity in items:
        item = CartItem(offering=offering, quantity=quantity)
        unit_price = offering.price_for(solidarity=solidarity)
        total_incl = money.line_total(unit_price, quantity)
        total_excl, total_vat = money.split_incl(total_incl, offering.vat_rate)
        problem = ""
        try:
            check_available(offering, quantity)
        except CartError as error:
            problem = error.message
        line = CartLine(item, unit_price, total_incl, total_excl, total_vat, problem, fixed=fixed)
        summary.lines.append(line)
        grouped.setdefault(offering.structure, []).append(line)
        summary.total_incl += total_incl
        summary.total_excl += total_excl
        summary.total_vat += total_vat
    summary.by_structure = grouped
    return summary


def price_items(
    *, user, items: list[tuple[Offering, Decimal]], organisation: Organisation | None, fixed: bool = False
) -> CartSummary:
    """What `place_order_for_items` would charge for these items, without placing anything (an estimate
    shown before a booking is confirmed)."""
    return _summarise_items(items, solidarity=organisation is None and has_solidarity_pricing(user), fixed=fixed)


@transaction.atomic
def place_order_for_items(
    *,
    user,
    items: list[tuple[Offering, Decimal]],
    payment_method: str,
    billing: Billing,
    organisation: Organisation | None = None,
    pickup_point: Site | None = None,
    at: datetime.datetime | None = None,
    advance_reference: str = "",
    for_booking: bool = False,
    at_address: bool = False,
    urssaf_advance: bool = False,
    fixed: bool = False,
    placed_by=None,
) -> Order:
    """Place an order for given offerings and quantities, without a cart (a booking, a delivery).

    The same rules as `place_order`: membership, audience, accepted payment methods, pickup
    point, stock taken under the database's protection, pay-later orders confirmed at once.
    The same offering may appear twice: each item becomes its own line, in the given order.
    `advance_reference` makes it an advance (a prepaid season): a deposit invoice once paid.
    Offerings sold on a slot are refused unless `for_booking` (the booking flow, which holds the slot).
    `at_address`: collected and delivered at the buyer's address (an organisation's laundry), so no
    pickup point is asked for.
    `fixed`: the quantities are final (a home visit booked by its start time, sold for its set length):
    the lines are invoiced at confirmation and may be paid by card, even of offerings usually measured
    afterwards.
    `placed_by`: who placed it for the customer (a social worker ordering on a supported person's behalf).
    """
    at = at or timezone.now()
    if organisation is not None and not perms.can_order_for_organisation(user, organisation):
        raise CheckoutError(_("Vous n'êtes pas membre de cette organisation."))
    if not items:
        raise CheckoutError(_("Votre panier est vide."))
    if not for_booking and (refused := cart_rules.refusals(offering for offering, _quantity in items)):
        raise BookedNotBought(" ".join(refused.values()))
    for offering, quantity in items:
        parse_quantity(quantity, offering=offering)
    solidarity = organisation is None and has_solidarity_pricing(user)
    summary = _summarise_items(items, solidarity=solidarity, fixed=fixed)
    return _place(
        urssaf_advance=urssaf_advance,
        at_address=at_address,
        user=user,
        summary=summary,
        solidarity=solidarity,
        payment_method=payment_method,
        billing=billing,
        organisation=organisation,
        pickup_point=pickup_point,
        purchase_order_number="",
        at=at,
        before_confirm=None,
        advance_reference=advance_reference,
        placed_by=placed_by,
    )


def _place(
    *,
    user,
    summary: CartSummary,
    solidarity: bool,
    payment_method: str,
    billing: Billing,
    organisation: Organisation | None,
    pickup_point: Site | None,
    purchase_order_number: str,
    at: datetime.datetime,
    before_confirm,
    advance_reference: str = "",
    terms_accepted: bool = False,
    terms_version: datetime.datetime | None = None,
    at_address: bool = False,
    urssaf_advance: bool = False,
    placed_by=None,
) -> Order:
    """The checkout rules shared by a cart and a list of items: checks, order, lines, stock, confirmation.

    `urssaf_advance`: the month's home services of a client registered for the URSSAF's immediate advance
    (a series the sap app switched to it), paid by the URSSAF — never offered at a checkout."""
    problems = [line.problem for line in summary.lines if line.problem]
    if problems:
        raise CheckoutError(" ".join(problems))
    audience = Audience.ORGANISATIONS if organisation else Audience.RESIDENTS
    for line in summary.lines:
        if line.item.offering.audience not in (audience, Audience.BOTH):
            raise CheckoutError(
                _("« %(name)s » n'est pas proposé aux %(who)s.")
                % {
                    "name": line.item.offering.name,
                    "who": _("organisations") if organisation else _("particuliers"),
                }
            )
    if urssaf_advance:
        if (
            payment_method != PaymentMethod.URSSAF
            or organisation is not None
            or not all(line.item.offering.sap_eligible for line in summary.lines)
        ):
            raise CheckoutError(_("L'avance immédiate ne paie que les services à la personne d'un particulier."))
    elif payment_method not in available_payment_methods(summary=summary, organisation=organisation):
        raise CheckoutError(_("Ce moyen de paiement n'est pas possible pour cette commande."))
    needs_point = needs_pickup_point(summary) and not at_address
    if needs_point:
        if pickup_point is None:
            raise CheckoutError(_("Choisissez un point de retrait."))
        if not pickup_point.is_pickup_point or not pickup_point.is_active:
            raise CheckoutError(_("Ce lieu n'est pas un point de retrait ouvert."))
    if not billing.name.strip() or not billing.address.strip():
        raise CheckoutError(_("Le nom et l'adresse de facturation sont obligatoires."))
    # Printed on every invoice PDF, whatever form or endpoint they came from.
    if len(billing.name.strip()) > BILLING_NAME_MAX_LENGTH:
        raise CheckoutError(
            _("Le nom de facturation est trop long (%(max)s caractères au plus).") % {"max": BILLING_NAME_MAX_LENGTH}
        )
    if len(billing.address.strip()) > BILLING_ADDRESS_MAX_LENGTH:
        raise CheckoutError(
            _("L'adresse de facturation est trop longue (%(max)s caractères au plus).")
            % {"max": BILLING_ADDRESS_MAX_LENGTH}
        )

    priced = _priced_lines(user=user, summary=summary, coverable=organisation is None and not urssaf_advance
                           and not advance_reference, at=at)  # fmt: skip
    window = None
    if needs_point:
        window = collection_window(
            pickup_point=pickup_point, preparation=preparation_time(list(summary.by_structure)), at=at
        )
    order = Order.objects.create(
        placed_at=at,
        pickup_starts_at=window.starts_at if window else None,
        pickup_ends_at=window.ends_at if window else None,
        terms_accepted_at=at if terms_accepted else None,
        terms_version=terms_version if terms_accepted else None,
        reference=new_reference(),
        customer=user,
        organisation=organisation,
        payment_method=payment_method,
        pickup_point=pickup_point if needs_point else None,
        purchase_order_number=purchase_order_number.strip() if organisation else "",
        solidarity_pricing=solidarity,
        billing_name=organisation.name if organisation else billing.name.strip(),
        billing_address=billing.address.strip(),
        billing_email=billing.email,
        billing_siren=organisation.siren if organisation else "",
        billing_vat_number=organisation.vat_number if organisation else "",
        total_excl=sum((p.total_excl for p in priced.lines), Decimal("0")),
        total_vat=sum((p.total_vat for p in priced.lines), Decimal("0")),
        total_incl=sum((p.total_incl for p in priced.lines), Decimal("0")),
        advance_reference=advance_reference,
        placed_by=placed_by if placed_by is not None and placed_by != user else None,
    )
    lines = []
    for line, price in zip(summary.lines, priced.lines, strict=True):
        offering = line.item.offering
        if offering.stock is not None:
            _take_stock(offering, line.item.quantity)
        lines.append(
            OrderLine(
                order=order,
                offering=offering,
                seller=offering.structure,
                name=offering.name,
                unit=offering.unit,
                quantity=line.item.quantity,
                unit_price=price.unit_price,
                vat_rate=offering.vat_rate,
                vat_exemption_mention=offering.vat_exemption_mention,
                revenue_account=offering.revenue_account,
                is_goods=offering.kind in {OfferingKind.GOODS, OfferingKind.BASKET},
                sap_eligible=offering.sap_eligible,
                quantity_measured_later=line.measured_later,
                labour_hours_per_unit=offering.labour_hours_per_unit,
                labour_headcount=offering.labour_headcount,
                required_skill_id=offering.required_skill_id,
                total_excl=price.total_excl,
                total_vat=price.total_vat,
                total_incl=price.total_incl,
                third_party=price.share.payer if price.share else None,
                third_party_unit_price=price.share.unit_price if price.share else Decimal("0"),
            )
        )
    OrderLine.objects.bulk_create(lines)
    if priced.provider is not None:
        priced.provider.record(shares=[p.share for p in priced.lines], lines=lines)
    settlement.open_shares(order=order)
    if before_confirm is not None:
        before_confirm()
    notify.order_email(order.pk, OrderEmailKind.PLACED)
    if priced.provider is not None and order.total_incl == 0:
        # Wholly paid by third parties: nothing for the person to pay; their invoice reads 0.
        order = confirm_locked_order(order=order, by=placed_by or user, at=at)
        order.set_payment(PaymentStatus.PAID, by=placed_by or user, note=_("Pris en charge en totalité."), at=at)
        order.save(update_fields=["payment_status", "paid_at"])
    elif payment_method in PaymentMethod.pay_later():
        order = confirm_locked_order(order=order, by=user, at=at)  # created in this transaction
    return order


@dataclass(frozen=True)
class PricedLine:
    """What the customer pays for one line, and the share a third party pays (ADR 0034)."""

    unit_price: Decimal
    total_excl: Decimal
    total_vat: Decimal
    total_incl: Decimal
    share: covers.CoverShare | None = None
    full_total: Decimal = Decimal("0")  # what the line would cost the customer alone

    @property
    def third_party_total(self) -> Decimal:
        return Decimal("0") if self.share is None else self.full_total - self.total_incl


@dataclass(frozen=True)
class Priced:
    lines: list[PricedLine]
    provider: object = None

    @property
    def total_incl(self) -> Decimal:
        return sum((line.total_incl for line in self.lines), Decimal("0"))

    @property
    def third_party_total(self) -> Decimal:
        return sum((line.third_party_total for line in self.lines), Decimal("0"))

    @property
    def payers(self) -> list[str]:
        return sorted({line.share.payer.name for line in self.lines if line.share is not None})


def _priced_lines(
    *, user, summary: CartSummary, coverable: bool, at: datetime.datetime, preview: bool = False
) -> Priced:
    """The summary's lines at the customer's price: a registered cover provider (a prescriber's funding) may
    take part of each unit (`marketplace.covers`); the line is then priced at the rest."""
    provider, shares = (None, None)
    if coverable and summary.lines:
        items = [covers.CoverItem(line.item.offering, line.item.quantity, line.unit_price) for line in summary.lines]
        provider, shares = covers.propose(customer=user, items=items, at=at, preview=preview)
    lines = []
    for index, line in enumerate(summary.lines):
        share = shares[index] if shares else None
        if share is None:
            lines.append(
                PricedLine(line.unit_price, line.total_excl, line.total_vat, line.total_incl, None, line.total_incl)
            )
            continue
        unit_price = line.unit_price - share.unit_price
        total_incl = money.line_total(unit_price, line.item.quantity)
        total_excl, total_vat = money.split_incl(total_incl, line.item.offering.vat_rate)
        lines.append(PricedLine(unit_price, total_excl, total_vat, total_incl, share, line.total_incl))
    return Priced(lines, provider)


def preview_cover(*, user, summary: CartSummary, at: datetime.datetime | None = None) -> Priced:
    """What a third party would pay of this summary if it were placed now (shown before placing; nothing is
    locked or recorded)."""
    return _priced_lines(user=user, summary=summary, coverable=True, at=at or timezone.now(), preview=True)


@transaction.atomic
def confirm_order(*, order: Order, by=None, at: datetime.datetime | None = None) -> Order:
    """Confirm (paid by card, or placed with a pay-later method): invoice what is fixed, tell bookings."""
    order = Order.objects.select_for_update(of=("self",)).get(pk=order.pk)
    return confirm_locked_order(order=order, by=by, at=at)


def confirm_locked_order(*, order: Order, by=None, at: datetime.datetime | None = None) -> Order:
    """`confirm_order` for a caller already inside a transaction that holds the order's row lock (or
    created the order in it): the order is neither read again nor locked twice."""
    if order.fulfilment_status != FulfilmentStatus.PLACED:
        return order  # already confirmed: idempotent
    order.set_fulfilment(FulfilmentStatus.CONFIRMED, by=by, at=at)
    order.save(update_fields=["fulfilment_status", "confirmed_at"])
    issue_order_invoices_in_transaction(order=order, at=at)
    events.send_on_commit(events.order_confirmed, order_id=order.pk)
    return order


def sellers_of(order: Order) -> list[Structure]:
    return list(Structure.objects.filter(pk__in=order.lines.values("seller_id")).order_by("position"))
