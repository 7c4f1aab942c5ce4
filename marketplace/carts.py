"""Which cart a request uses: the signed-in person's, or the visitor's (its id kept in the session)."""

from django.http import HttpRequest

from marketplace.actions.cart import merge_carts
from marketplace.models import Cart

SESSION_KEY = "cart_id"


def current_cart(request: HttpRequest, *, create: bool = False) -> Cart | None:
    if request.user.is_authenticated:
        cart = Cart.objects.filter(user=request.user).first()
        if cart is None and create:
            cart = Cart.objects.create(user=request.user)
        return cart
    cart_id = request.session.get(SESSION_KEY)
    cart = Cart.objects.filter(pk=cart_id, user__isnull=True).first() if cart_id else None
    if cart is None and create:
        cart = Cart.objects.create()
        request.session[SESSION_KEY] = cart.pk
    return cart


def merge_session_cart(request: HttpRequest, user) -> None:
    """At login, the visitor's cart joins the person's own (allauth's user_logged_in)."""
    cart_id = request.session.pop(SESSION_KEY, None)
    if not cart_id:
        return
    visitor_cart = Cart.objects.filter(pk=cart_id, user__isnull=True).first()
    if visitor_cart is None:
        return
    own, _created = Cart.objects.get_or_create(user=user)
    merge_carts(source=visitor_cart, target=own)
