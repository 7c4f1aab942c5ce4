"""Who may see or change a basket subscription. Views, API and templates all ask here."""

from hub import perms
from hub.enums import StaffRole

# Staff who run a structure's basket distributions: managers, supervisors and staff.
BASKET_STAFF_ROLES = (StaffRole.MANAGER, StaffRole.SUPERVISOR, StaffRole.STAFF)


def is_basket_staff(user, structure) -> bool:
    return perms.has_structure_role(user, structure, *BASKET_STAFF_ROLES)


def staff_structures(user) -> list[int]:
    """The structures whose pick lists the user may see and hand over."""
    return perms.structures_with_role(user, *BASKET_STAFF_ROLES)


def can_view_subscription(user, subscription) -> bool:
    if not user.is_authenticated:
        return False
    if subscription.customer_id == user.pk:
        return True
    return is_basket_staff(user, subscription.plan.offering.structure)


def can_manage_subscription(user, subscription) -> bool:
    """Pause, skip, resume, cancel: the resident and the basket seller's staff."""
    return can_view_subscription(user, subscription)
