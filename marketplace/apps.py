from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MarketplaceConfig(AppConfig):
    name = "marketplace"
    verbose_name = _("Boutique")

    def ready(self) -> None:
        from allauth.account.signals import user_logged_in

        from accounts import personal_data, staff_tools
        from hub import outbox

        # reason: the checks import models, which cannot load before the app registry is ready.
        from marketplace import (
            notifications,
            notify,
            perms,
            reconciliation,  # noqa: F401 — registers its checks
        )
        from marketplace import personal_data as marketplace_personal_data
        from marketplace.carts import merge_session_cart
        from marketplace.models import Order

        # The e-mails the actions write to the outbox, composed when hub.outbox sends them.
        outbox.register(notify.ORDER_EMAIL, notifications.compose_order_email)
        outbox.register(notify.STAFF_ALERT, notifications.compose_staff_alert)
        outbox.register(notify.REMINDER_EMAIL, notifications.compose_reminder_email)
        personal_data.register("achats", export=marketplace_personal_data.export, erase=marketplace_personal_data.erase)
        # « Mon compte » links to the pages each person can open (the same checks as the views).
        staff_tools.register(
            "marketplace:pickup_day",
            label=_("Commandes à préparer"),
            can_open=lambda user: bool(perms.structures_handling_orders(user)),
            position=10,
            sections={"manager": 10, "staff": 20},
        )
        staff_tools.register(
            "marketplace:cheques",
            label=_("Chèques à remettre"),
            can_open=lambda user: bool(perms.structures_with_takings(user)),
            position=20,
            sections={"accountant": 20, "manager": 70, "staff": 40},
        )
        staff_tools.register(
            "marketplace:cash_up",
            label=_("Caisse du jour"),
            can_open=lambda user: bool(perms.structures_with_takings(user)),
            position=30,
            sections={"accountant": 30, "manager": 80, "staff": 50},
        )
        staff_tools.register(
            "marketplace:stripe_events",
            label=_("Événements Stripe"),
            can_open=perms.can_view_stripe_events,
            position=80,
            sections={"accountant": 60, "admin": 20},
        )
        staff_tools.register_panel(
            "unpaid-orders",
            section="resident",
            template="marketplace/_dashboard_orders.html",
            context=lambda user: {
                "orders": list(
                    Order.objects.visible_to_customer(user).awaiting_payment().order_by("-placed_at", "-pk")[:5]
                )
            },
            position=30,
        )
        # Every signed-in person buys for themselves.
        staff_tools.register(
            "marketplace:orders",
            label=_("Mes commandes"),
            can_open=lambda user: user.is_authenticated,
            position=3,
            sections={"resident": 20},
        )

        def _merge(sender, request, user, **kwargs):
            merge_session_cart(request, user)

        # Framework plumbing (allauth's login signal), not a domain event.
        user_logged_in.connect(_merge, dispatch_uid="marketplace_merge_cart", weak=False)
