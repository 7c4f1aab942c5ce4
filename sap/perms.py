"""Who sees the tax certificates: the client their own; the provider's managers and accountants (and hub
admins) all of the structure's — the certificates name the workers, like the payroll they keep."""

from hub import perms as hub_perms
from hub.enums import StaffRole
from hub.models import Structure

CERTIFICATE_ROLES = (StaffRole.MANAGER, StaffRole.ACCOUNTANT)


def can_manage_certificates(user, structure: Structure) -> bool:
    return hub_perms.has_structure_role(user, structure, *CERTIFICATE_ROLES)


def structures_with_certificates(user):
    """The declared structures whose certificates this person manages, in display order."""
    ids = hub_perms.structures_with_role(user, *CERTIFICATE_ROLES)
    return Structure.objects.filter(pk__in=ids).exclude(sap_declaration_number="").order_by("position", "name")
