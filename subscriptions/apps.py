from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SubscriptionsConfig(AppConfig):
    name = "subscriptions"
    verbose_name = _("Abonnements aux paniers")

    def ready(self) -> None:
        # reason: these modules import models, which cannot load before the app registry is ready.
        from accounts import events as account_events
        from accounts import personal_data, staff_tools
        from bookings import calendar_feed
        from hub import outbox
        from marketplace import events

        # reason: registers the 4191 check with accounting.reconciliation; it imports models.
        from subscriptions import (
            calendar,
            notifications,
            notify,
            receivers,
            reconciliation,  # noqa: F401
            selectors,
        )
        from subscriptions import perms as subscriptions_perms
        from subscriptions import personal_data as subscriptions_personal_data

        # The e-mails the actions write to the outbox, composed when hub.outbox sends them.
        outbox.register(notify.SUBSCRIPTION_EMAIL, notifications.compose_subscription_email)
        outbox.register(notify.PLACE_FREED_EMAIL, notifications.compose_place_freed)
        # Domain events (sent on commit by marketplace): one idempotent task each.
        events.order_confirmed.connect(receivers.on_order_confirmed, dispatch_uid="subscriptions_order_confirmed")
        events.order_payment_failed.connect(
            receivers.on_order_payment_failed, dispatch_uid="subscriptions_order_payment_failed"
        )
        # Basket deliveries appear in the person's calendar feed, beside their bookings.
        calendar_feed.register_events(calendar.delivery_events)
        # The person closes their account: waiting lists left, subscriptions cancelled (synchronously).
        account_events.account_closing.connect(
            receivers.on_account_closing, dispatch_uid="subscriptions_account_closing"
        )
        personal_data.register("abonnements", export=subscriptions_personal_data.export)
        staff_tools.register(
            "subscriptions:pick_list",
            label=_("Listes de paniers"),
            can_open=lambda user: bool(subscriptions_perms.staff_structures(user)),
            position=50,
            sections={"staff": 30, "supervisor": 40, "manager": 40},
        )
        staff_tools.register_panel(
            "baskets",
            section="resident",
            template="subscriptions/_dashboard_baskets.html",
            context=lambda user: {"baskets": selectors.dashboard_baskets(user)},
            position=10,
        )
        staff_tools.register(
            "subscriptions:mine",
            label=_("Mes abonnements"),
            can_open=lambda user: user.is_authenticated,
            position=5,
            sections={"resident": 40},
        )
