"""Who may see orders and invoices, and do what with them."""

from hub import perms
from hub.enums import StaffRole
from marketplace.models import Invoice, Order


def can_view_invoice(user, invoice: Invoice) -> bool:
    """The buyer (or a member of the buying organisation) and the seller's staff; nobody else."""
    if not user.is_authenticated:
        return False
    if invoice.organisation_id is not None:
        if perms.is_organisation_member(user, invoice.organisation):
            return True
    elif invoice.customer_id == user.pk:
        return True
    if invoice.buyer_structure_id is not None and perms.is_structure_staff(user, invoice.buyer_structure):
        return True
    return perms.is_structure_staff(user, invoice.structure)


def can_handle_order(user, order: Order, structure) -> bool:
    """Staff who prepare, hand over and cash orders for a structure."""
    return perms.has_structure_role(user, structure, StaffRole.MANAGER, StaffRole.STAFF)


def can_refund(user, structure) -> bool:
    return perms.has_structure_role(user, structure, StaffRole.MANAGER)
