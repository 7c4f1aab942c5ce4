from django.contrib import admin

from hub.admin import StatusLogInline
from hub.admin_scoping import HubOnlyAdmin, ScopedAdmin
from services.admin import OfferingScopedAdmin
from subscriptions import perms
from subscriptions.models import Subscription, SubscriptionPlan, SubscriptionTransition, WaitingListEntry


@admin.register(SubscriptionPlan)
class SubscriptionPlanAdmin(OfferingScopedAdmin):
    list_display = ["offering", "size_label", "frequency", "weekday", "season_start", "season_end", "is_active"]
    list_filter = ["frequency", "is_active"]
    list_select_related = ["offering"]


class SubscriptionTransitionInline(StatusLogInline):
    model = SubscriptionTransition


@admin.register(Subscription)
class SubscriptionAdmin(ScopedAdmin):
    """Read-only: subscriptions change through their actions (and the transition log). The basket
    seller's staff see their structure's subscriptions, nobody else's."""

    structure_field = "plan__offering__structure"
    scoped_roles = perms.BASKET_STAFF_ROLES

    list_display = ["customer", "plan", "pickup_point", "status", "paused_until", "payment_mode"]
    list_filter = ["status", "payment_mode"]
    list_select_related = ["customer", "plan__offering", "pickup_point"]
    inlines = [SubscriptionTransitionInline]

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(WaitingListEntry)
class WaitingListEntryAdmin(HubOnlyAdmin):
    """Hub admins only: its form names a customer, chosen among every account."""

    list_display = ["customer", "plan", "pickup_point", "status", "created_at", "notified_at"]
    list_filter = ["status"]
    list_select_related = ["customer", "plan__offering", "pickup_point"]
