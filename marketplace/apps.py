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

        # The e-mails the actions write to the outbox, composed when hub.outbox sends them.
        outbox.register(notify.ORDER_EMAIL, notifications.compose_order_email)
        outbox.register(notify.STAFF_ALERT, notifications.compose_staff_alert)
        personal_data.register("achats", export=marketplace_personal_data.export, erase=marketplace_personal_data.erase)
        # « Mon compte » links to the pages each person can open (the same checks as the views).
        staff_tools.register(
            "marketplace:pickup_day",
            label=_("Commandes à préparer"),
            can_open=lambda user: bool(perms.structures_handling_orders(user)),
            position=10,
        )
        staff_tools.register(
            "marketplace:cheques",
            label=_("Chèques à remettre"),
            can_open=lambda user: bool(perms.structures_with_takings(user)),
            position=20,
        )
        staff_tools.register(
            "marketplace:cash_up",
            label=_("Caisse du jour"),
            can_open=lambda user: bool(perms.structures_with_takings(user)),
            position=30,
        )
        staff_tools.register(
            "marketplace:stripe_events",
            label=_("Événements Stripe"),
            can_open=perms.can_view_stripe_events,
            position=80,
        )

        def _merge(sender, request, user, **kwargs):
            merge_session_cart(request, user)

        # Framework plumbing (allauth's login signal), not a domain event.
        user_logged_in.connect(_merge, dispatch_uid="marketplace_merge_cart", weak=False)
