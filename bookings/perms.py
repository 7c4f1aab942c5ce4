"""Who may see or change a booking. Views, API and templates all ask here."""

from hub import perms
from hub.enums import StaffRole

# Staff who run a structure's bookings (laundry rounds, visits): managers, supervisors and staff.
BOOKING_STAFF_ROLES = (StaffRole.MANAGER, StaffRole.SUPERVISOR, StaffRole.STAFF)


def is_booking_staff(user, structure) -> bool:
    return perms.has_structure_role(user, structure, *BOOKING_STAFF_ROLES)


def staff_structures(user) -> list[int]:
    """The structures whose bookings (the laundry week) the user runs."""
    return perms.structures_with_role(user, *BOOKING_STAFF_ROLES)


def can_view_booking(user, booking) -> bool:
    if not user.is_authenticated:
        return False
    if booking.organisation_id is not None:
        if perms.is_organisation_member(user, booking.organisation):
            return True
    elif booking.customer_id == user.pk:
        return True
    return is_booking_staff(user, booking.offering.structure)


def can_manage_booking(user, booking) -> bool:
    """Cancel or reschedule: the customer (any member for an organisation) and the seller's staff."""
    return can_view_booking(user, booking)


def can_view_organisation_account(user, organisation) -> bool:
    """The organisation page (its bookings, invoices, statements, balance): its members and hub admins."""
    return user.is_authenticated and perms.can_view_organisation(user, organisation)
