"""Who reads the impact figures: hub admins the whole hub and each structure; a structure's managers and
accountants (ADR 0032) their structure's. Nobody else — the figures join revenue to insertion hours."""

from hub import perms as hub_perms
from hub.enums import StaffRole
from hub.models import Structure

IMPACT_ROLES = (StaffRole.MANAGER, StaffRole.ACCOUNTANT)


def can_view_hub_impact(user) -> bool:
    return hub_perms.is_hub_admin(user)


def can_view_impact(user, structure: Structure) -> bool:
    return hub_perms.has_structure_role(user, structure, *IMPACT_ROLES)


def structures_with_impact(user):
    """The structures whose figures this person reads, in display order."""
    ids = hub_perms.structures_with_role(user, *IMPACT_ROLES)
    return Structure.objects.filter(pk__in=ids).order_by("position", "name")


def can_open_dashboard(user) -> bool:
    return can_view_hub_impact(user) or bool(hub_perms.structures_with_role(user, *IMPACT_ROLES))
