from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BookingsConfig(AppConfig):
    name = "bookings"
    verbose_name = _("Réservations et abonnements")

    def ready(self) -> None:
        from bookings import receivers, selectors
        from marketplace import cart_rules, events

        # Offerings sold on a slot are booked, not bought through the cart.
        cart_rules.register(selectors.cart_refusals)

        # Domain events (sent on commit by marketplace): one idempotent task each.
        events.order_confirmed.connect(receivers.on_order_confirmed, dispatch_uid="bookings_order_confirmed")
        events.order_payment_failed.connect(
            receivers.on_order_payment_failed, dispatch_uid="bookings_order_payment_failed"
        )
        events.order_cancelled.connect(receivers.on_order_cancelled, dispatch_uid="bookings_order_cancelled")
        events.order_lines_refunded.connect(
            receivers.on_order_lines_refunded, dispatch_uid="bookings_order_lines_refunded"
        )
