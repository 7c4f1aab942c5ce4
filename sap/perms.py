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


# --- The immediate advance ------------------------------------------------------------------------------
# The provider's managers (and hub admins) enrol clients, resend or settle requests otherwise and withdraw
# clients; its accountants read the lists and each client's requests (money they reconcile) but act on
# nothing and do not see the identity entered for the URSSAF (birth data, bank account). Nobody else.

ADVANCE_READ_ROLES = (StaffRole.MANAGER, StaffRole.ACCOUNTANT)


def can_manage_advance(user, structure: Structure) -> bool:
    return hub_perms.has_structure_role(user, structure, StaffRole.MANAGER)


def can_read_advance(user, structure: Structure) -> bool:
    return hub_perms.has_structure_role(user, structure, *ADVANCE_READ_ROLES)


def structures_with_advance(user):
    """The declared structures whose immediate advance this person follows, in display order."""
    ids = hub_perms.structures_with_role(user, *ADVANCE_READ_ROLES)
    return Structure.objects.filter(pk__in=ids).exclude(sap_declaration_number="").order_by("position", "name")


def structures_managing_advance(user):
    """The declared structures whose clients this person may register (managers, hub admins)."""
    ids = hub_perms.structures_with_role(user, StaffRole.MANAGER)
    return Structure.objects.filter(pk__in=ids).exclude(sap_declaration_number="").order_by("position", "name")
