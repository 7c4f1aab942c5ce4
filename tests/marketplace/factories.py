"""Carts, orders, payments and invoices built from nothing, through the marketplace's own actions.

An order is placed with `place_order` from a cart filled with `add_to_cart`, so its lines, totals,
stock, invoices and entries are what the real checkout makes; payments, handover, cancellation and
refunds go through their actions too. Nothing is looked up in the demo seed.

    OrderFactory()                        one seller, one taxed item with stock, cash, confirmed and invoiced
    OrderFactory(sellers=2)               two sellers, one item each
    OrderFactory(items=[(basket, "1"), (coffee, "2")], payment_method="cheque")
    OrderFactory(paid=True)               each seller's share received (cash, cheque, transfer or CESU)
    OrderFactory(card=True)               placed, waiting for Stripe
    OrderFactory(card=True, paid=True)    paid by card: Stripe's `payment_intent.succeeded` stored and processed
    OrderFactory(business=True)           ordered by a member for their organisation, by transfer
    OrderFactory(paid=True, collected=True) / (cancelled=True) / (paid=True, refunded=True)
"""

import datetime
from decimal import Decimal

import factory
from django.conf import settings
from django.utils import timezone

from hub.enums import StaffRole
from hub.money import to_cents
from marketplace import stripe_gateway
from marketplace.actions.cart import add_to_cart
from marketplace.actions.checkout import Billing, place_order, sellers_of
from marketplace.actions.payments import (
    mark_collected,
    process_stripe_event,
    record_offline_payment,
    record_stripe_event,
    start_card_payment,
)
from marketplace.actions.refunds import cancel_order, perform_refund, refund_order
from marketplace.actions.settlement import owed_by_seller
from marketplace.actions.transfers import transfer_order_shares
from marketplace.enums import PaymentMethod
from marketplace.models import (
    AllocationMethod,
    Cart,
    Order,
    SellerSettings,
    SharedServicesPlan,
    SharedServicesShare,
    SolidarityStatus,
    StripeEvent,
)
from tests.accounts.factories import UserFactory
from tests.hub.factories import CollectiveFactory, OrganisationFactory, SiteFactory, staff_of
from tests.marketplace.seed_helpers import order_for, resident  # noqa: F401  (bookings and insertion, on the seed)
from tests.services.factories import OfferingFactory

ADDRESS = "4 rue des Tilleuls\n77140 Nemours"


def billing_for(user) -> Billing:
    return Billing(name=user.get_full_name(), address=ADDRESS, email=user.email)


class CustomerFactory(UserFactory):
    """A resident with a verified e-mail, named as on their invoices."""

    first_name = "Camille"
    last_name = "Martin"


class SellerSettingsFactory(factory.django.DjangoModelFactory):
    """How a structure sells: every method but CESU by default; `cesu` (SAP sellers), `fee` (2 % platform fee)."""

    class Meta:
        model = SellerSettings
        django_get_or_create = ("structure",)

    structure = factory.SubFactory("tests.hub.factories.StructureFactory")

    class Params:
        cesu = factory.Trait(accepts_cesu=True)
        fee = factory.Trait(platform_fee_percent=Decimal("2.00"))


class SolidarityStatusFactory(factory.django.DjangoModelFactory):
    """A resident's solidarity status, checked by staff, valid for another month (`expired` ended yesterday)."""

    class Meta:
        model = SolidarityStatus

    user = factory.SubFactory(CustomerFactory)
    valid_until = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=30))
    verified_by = factory.SubFactory(UserFactory)
    note = "Attestation CAF"

    class Params:
        expired = factory.Trait(
            valid_until=factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=1))
        )


class CartFactory(factory.django.DjangoModelFactory):
    """A person's cart; `items=[(offering, quantity), …]` adds them through `add_to_cart` (stock checked)."""

    class Meta:
        model = Cart
        django_get_or_create = ("user",)
        skip_postgeneration_save = True

    user = factory.SubFactory(CustomerFactory)

    @factory.post_generation
    def items(self, create, extracted, **kwargs):
        for item, quantity in extracted or ():
            add_to_cart(cart=self, offering=item, quantity=Decimal(quantity))


def _default_items(sellers: int) -> list[tuple]:
    """One taxed item with stock per seller, each seller a structure of its own."""
    return [(OfferingFactory(taxed=True, with_stock=True), Decimal("1")) for _ in range(sellers)]


class OrderFactory(factory.django.DjangoModelFactory):
    """An order placed through `place_order`: see the module docstring for the traits."""

    class Meta:
        model = Order
        skip_postgeneration_save = True

    customer = factory.SubFactory(CustomerFactory)
    items = factory.LazyAttribute(lambda o: _default_items(o.sellers))
    payment_method = PaymentMethod.CASH
    organisation = None
    pickup_point = factory.SubFactory(SiteFactory, pickup_point=True)
    purchase_order_number = ""
    billing = factory.LazyAttribute(lambda o: billing_for(o.customer))
    at = None

    class Params:
        sellers = 1
        card = factory.Trait(payment_method=PaymentMethod.CARD)
        business = factory.Trait(
            organisation=factory.LazyAttribute(lambda o: OrganisationFactory(members=[o.customer])),
            payment_method=PaymentMethod.TRANSFER,
        )

    @classmethod
    def _create(cls, model_class, *, customer, items, billing, **kwargs):
        cart = CartFactory(user=customer, items=items)
        return place_order(user=customer, cart=cart, billing=billing, **kwargs)

    @factory.post_generation
    def paid(self, create, extracted, **kwargs):
        if extracted:
            pay(self)

    @factory.post_generation
    def collected(self, create, extracted, **kwargs):
        if extracted:
            mark_collected(order=self, by=staff_of(*sellers_of(self)))
            self.refresh_from_db()

    @factory.post_generation
    def cancelled(self, create, extracted, **kwargs):
        if extracted:
            cancel_order(order=self, by=staff_of(*sellers_of(self)), reason="Annulée à la demande du client")
            self.refresh_from_db()

    @factory.post_generation
    def refunded(self, create, extracted, **kwargs):
        if extracted:
            refunds = refund_order(
                order=self, by=staff_of(*sellers_of(self), role=StaffRole.MANAGER), reason="Remboursée"
            )
            if self.payment_method == PaymentMethod.CARD:
                perform_refund(refund_id=refunds[0].pk)  # what the task queued on commit does
            self.refresh_from_db()


def pay(order: Order) -> Order:
    """Settle the order as its method does: each seller's share at the counter, or Stripe's webhook for a card."""
    if order.payment_method == PaymentMethod.CARD:
        pay_by_card(order)
    else:
        sellers = {structure.pk: structure for structure in sellers_of(order)}
        reception = staff_of(*sellers.values())
        for structure_id, due in sorted(owed_by_seller(order).items()):
            record_offline_payment(
                order=order,
                structure=sellers[structure_id],
                method=order.payment_method,
                amount=due,
                by=reception,
                site=order.pickup_point,
                cheque_number="0001234" if order.payment_method == PaymentMethod.CHEQUE else "",
            )
    order.refresh_from_db()
    return order


def card_payment_event(order: Order, intent: dict) -> StripeEvent:
    """Stripe's `payment_intent.succeeded` for the order, stored as the webhook stores it (not yet processed)."""
    payload = {
        "id": f"evt_{intent['id']}",
        "object": "event",
        "type": "payment_intent.succeeded",
        "data": {"object": intent},
    }
    event, _created = record_stripe_event(event_id=payload["id"], event_type=payload["type"], payload=payload)
    return event


def pay_by_card(order: Order) -> StripeEvent:
    """Pay a card order the way Stripe confirms it: a stored `payment_intent.succeeded`, then processed.

    With Stripe configured (the `stripe_env` fixture: the local Stripe server), the PaymentIntent is
    real and confirmed with a test card, and a mixed order's transfers reach the sellers' connected
    accounts. Without it, only a one-seller order can be paid: its intent is described here, as
    Stripe would send it, and no call to Stripe is needed.
    """
    sellers = sellers_of(order)
    if settings.STRIPE_API_BASE:
        if len(sellers) > 1:
            CollectiveFactory()  # the platform receives a mixed order's charge
        connect(*sellers)
        start_card_payment(order=order)
        order.refresh_from_db()
        client = stripe_gateway.client()
        intent = client.v1.payment_intents.confirm(
            order.stripe_payment_intent_id, params={"payment_method": "pm_card_visa"}
        ).to_dict()
    elif len(sellers) > 1:
        raise RuntimeError("A mixed order paid by card makes transfers: use the stripe_env fixture.")
    else:
        intent_id = f"pi_test_{order.reference}"
        Order.objects.filter(pk=order.pk).update(stripe_payment_intent_id=intent_id)
        cents = to_cents(order.total_incl)
        intent = {
            "id": intent_id,
            "object": "payment_intent",
            "status": "succeeded",
            "amount": cents,
            "amount_received": cents,
            "currency": "eur",
            "latest_charge": f"ch_test_{order.reference}",
            "metadata": {"order": order.reference},
        }
    event = card_payment_event(order, intent)
    process_stripe_event(event_pk=event.pk)
    if len(sellers) > 1:
        transfer_order_shares(order_id=order.pk)  # what the task queued on commit does
    order.refresh_from_db()
    return event


def connect(*structures) -> None:
    """Give each structure without one a connected account on the (local) Stripe server."""
    client = stripe_gateway.client()
    for structure in structures:
        if not structure.stripe_account_id:
            account = client.v1.accounts.create(params={"type": "express", "country": "FR"})
            structure.stripe_account_id = account.id
            structure.save(update_fields=["stripe_account_id"])


class SharedServicesPlanFactory(factory.django.DjangoModelFactory):
    """The Collectif's shared-services plan: 1 000,00 € a month in fixed shares (`turnover` splits by sales).

    `shares={structure: percent, …}`. The hub bills with its one active plan, so any other is
    switched off first (a seeded demo hub has its own).
    """

    class Meta:
        model = SharedServicesPlan
        skip_postgeneration_save = True

    monthly_amount = Decimal("1000.00")
    method = AllocationMethod.FIXED_SHARES

    class Params:
        turnover = factory.Trait(method=AllocationMethod.TURNOVER)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        CollectiveFactory()
        SharedServicesPlan.objects.filter(is_active=True).update(is_active=False)
        return super()._create(model_class, *args, **kwargs)

    @factory.post_generation
    def shares(self, create, extracted, **kwargs):
        for structure, percent in (extracted or {}).items():
            SharedServicesShare.objects.create(plan=self, structure=structure, percent=Decimal(percent))
