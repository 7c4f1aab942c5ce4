from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from bookings import perms
from bookings.actions.booking import mark_no_show
from bookings.exceptions import BookingError
from bookings.models import (
    Booking,
    BookingTransition,
    CancellationFee,
    Closure,
    CollectionFee,
    OpeningRule,
    OrganisationAccount,
    RecurringBooking,
    Resource,
    ServiceArea,
)
from hub.admin import StatusLogInline
from hub.admin_scoping import HubOnlyAdmin, ScopedAdmin
from hub.enums import StaffRole
from services.admin import OfferingScopedAdmin


@admin.register(OpeningRule)
class OpeningRuleAdmin(OfferingScopedAdmin):
    list_display = [
        "offering",
        "weekday",
        "start_time",
        "end_time",
        "slot_minutes",
        "capacity",
        "valid_from",
        "valid_until",
    ]
    list_filter = ["weekday", "offering__structure"]
    list_select_related = ["offering"]


@admin.register(Resource)
class ResourceAdmin(OfferingScopedAdmin):
    list_display = ["name", "offering", "is_active"]
    list_select_related = ["offering"]


@admin.register(Closure)
class ClosureAdmin(ScopedAdmin):
    scoped_roles = (StaffRole.MANAGER,)
    list_display = ["structure", "offering", "start_date", "end_date", "reason"]
    list_select_related = ["structure", "offering"]


@admin.register(ServiceArea)
class ServiceAreaAdmin(ScopedAdmin):
    scoped_roles = (StaffRole.MANAGER,)
    list_display = ["structure", "postcode"]
    list_select_related = ["structure"]


@admin.register(CancellationFee)
class CancellationFeeAdmin(OfferingScopedAdmin):
    list_display = ["offering", "fee_offering"]
    list_select_related = ["offering", "fee_offering"]


@admin.register(CollectionFee)
class CollectionFeeAdmin(ScopedAdmin):
    scoped_roles = (StaffRole.MANAGER,)
    list_display = ["structure", "fee_offering"]
    list_select_related = ["structure", "fee_offering"]


@admin.register(OrganisationAccount)
class OrganisationAccountAdmin(HubOnlyAdmin):
    list_display = ["organisation", "monthly_invoicing"]
    list_select_related = ["organisation"]


class BookingTransitionInline(StatusLogInline):
    model = BookingTransition


@admin.register(Booking)
class BookingAdmin(ScopedAdmin):
    """Read-only: bookings change through their actions (and the transition log). The seller's booking
    staff see their structure's bookings (customers' addresses and door codes: nobody else's)."""

    structure_field = "offering__structure"
    scoped_roles = perms.BOOKING_STAFF_ROLES
    list_display = ["offering", "starts_at", "customer", "organisation", "status", "laundry_step"]
    list_filter = ["status", "offering__kind"]
    list_select_related = ["offering", "customer", "organisation"]
    inlines = [BookingTransitionInline]
    actions = ["no_show"]

    @admin.action(description=_("Noter absent·e (heure passée, réservation confirmée)"))
    def no_show(self, request, queryset):
        done = 0
        for booking in queryset:
            try:
                mark_no_show(booking=booking, by=request.user)
            except BookingError as error:
                self.message_user(request, f"{booking} : {error.message}", level="error")
            else:
                done += 1
        if done:
            self.message_user(
                request,
                ngettext("%(count)s réservation notée absente.", "%(count)s réservations notées absentes.", done)
                % {"count": done},
            )

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(RecurringBooking)
class RecurringBookingAdmin(HubOnlyAdmin):
    """Hub admins only: its form names a customer, chosen among every account."""

    list_display = ["offering", "customer", "organisation", "frequency", "first_starts_at", "is_active"]
    list_select_related = ["offering", "customer", "organisation"]
