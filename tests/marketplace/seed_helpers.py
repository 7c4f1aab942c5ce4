"""Helpers that stand on the demo seed (its offerings, pickup point and logins).

Kept for the bookings and insertion tests that still use the demo hub (they import them through
tests/marketplace/factories.py); new tests build their rows with the factories instead.
"""

from decimal import Decimal

from accounts.models import User
from hub.models import Site
from marketplace.actions.cart import add_to_cart
from marketplace.actions.checkout import Billing, place_order
from marketplace.models import Cart
from services.models import Offering


def resident() -> User:
    """A resident with no history (the demo's own residents already have orders)."""
    from allauth.account.models import EmailAddress

    user = User.objects.filter(email="nouvelle.cliente@exemple.test").first()
    if user is None:
        user = User.objects.create_user(
            email="nouvelle.cliente@exemple.test", password="demo-pole-2026", first_name="Camille", last_name="Martin"
        )
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def pickup_point() -> Site:
    return Site.objects.get(slug="pole-accueil")


def offering(slug: str) -> Offering:
    return Offering.objects.select_related("structure").get(slug=slug)


def fill_cart(user: User, items: dict[str, str]) -> Cart:
    cart, _created = Cart.objects.get_or_create(user=user)
    for slug, quantity in items.items():
        add_to_cart(cart=cart, offering=offering(slug), quantity=Decimal(quantity))
    return cart


def order_for(user: User, items: dict[str, str], *, method: str = "cash", organisation=None, **kwargs):
    cart = fill_cart(user, items)
    billing = Billing(name=user.get_full_name(), address="4 rue des Tilleuls\n77140 Nemours", email=user.email)
    return place_order(
        user=user,
        cart=cart,
        payment_method=method,
        billing=billing,
        organisation=organisation,
        pickup_point=kwargs.pop("pickup_point", pickup_point()),
        **kwargs,
    )
