from django.apps import AppConfig
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class BookingsConfig(AppConfig):
    name = "bookings"
    verbose_name = _("Réservations et abonnements")

    def ready(self) -> None:
        from accounts import events as account_events
        from accounts import personal_data, staff_tools
        from bookings import notifications, notify, receivers, selectors
        from bookings import perms as bookings_perms
        from bookings import personal_data as bookings_personal_data
        from bookings.models import Booking
        from hub import outbox
        from hub import perms as hub_perms
        from marketplace import cart_rules, events

        # Offerings sold on a slot are booked, not bought through the cart.
        cart_rules.register(selectors.cart_refusals)

        # The e-mails the actions write to the outbox, composed when hub.outbox sends them.
        outbox.register(notify.BOOKING_EMAIL, notifications.compose_booking_email)
        # Domain events (sent on commit by marketplace): one idempotent task each.
        events.order_confirmed.connect(receivers.on_order_confirmed, dispatch_uid="bookings_order_confirmed")
        events.order_payment_failed.connect(
            receivers.on_order_payment_failed, dispatch_uid="bookings_order_payment_failed"
        )
        events.order_cancelled.connect(receivers.on_order_cancelled, dispatch_uid="bookings_order_cancelled")
        events.order_lines_refunded.connect(
            receivers.on_order_lines_refunded, dispatch_uid="bookings_order_lines_refunded"
        )
        # The person closes their account: future bookings cancelled, feed revoked (synchronously).
        account_events.account_closing.connect(receivers.on_account_closing, dispatch_uid="bookings_account_closing")
        personal_data.register("reservations", export=bookings_personal_data.export)
        staff_tools.register(
            "bookings:laundry_week",
            label=_("Blanchisserie : la semaine"),
            can_open=lambda user: bool(bookings_perms.staff_structures(user)),
            position=40,
            sections={"staff": 10, "supervisor": 30, "manager": 30},
        )
        # The person's bookings and their organisations' (the same list).
        staff_tools.register_panel(
            "bookings",
            section="resident",
            template="bookings/_dashboard_bookings.html",
            context=lambda user: {
                "bookings": list(Booking.objects.visible_to(user).upcoming(now=timezone.now()).for_list()[:5])
            },
            position=20,
        )
        staff_tools.register(
            "bookings:mine",
            label=_("Mes réservations"),
            can_open=lambda user: user.is_authenticated,
            position=4,
            sections={"organisation": 10, "resident": 30},
        )
        # Members of a customer organisation: its bookings, invoices, statements and balance due.
        staff_tools.register(
            "bookings:organisations",
            label=_("Compte et factures de l’organisation"),
            can_open=hub_perms.is_member_of_an_organisation,
            position=5,
            sections={"organisation": 5},
        )
