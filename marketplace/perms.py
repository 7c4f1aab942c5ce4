"""Who may see orders and invoices, and do what with them. Views, back-office, API and actions ask here."""

from hub import perms
from hub.enums import StaffRole
from hub.models import Structure
from marketplace.models import Invoice

# Staff who prepare, weigh, hand over and cash orders for their structure.
HANDLING_ROLES = (StaffRole.MANAGER, StaffRole.STAFF)
# Who sees a structure's takings (orders, cheques, deposit slips, cash-up): the handlers and the accountant.
TAKINGS_ROLES = (StaffRole.MANAGER, StaffRole.STAFF, StaffRole.ACCOUNTANT)
# Money given back is the management's decision.
REFUND_ROLES = (StaffRole.MANAGER,)


def can_view_invoice(user, invoice: Invoice) -> bool:
    """The buyer (or a member of the buying organisation, a prescriber's social workers) and the seller's staff."""
    if not user.is_authenticated:
        return False
    if invoice.organisation_id is not None:
        if perms.is_organisation_member(user, invoice.organisation):
            return True
        # A prescriber's social workers: the invoices of the shares it pays for the people it supports.
        if invoice.organisation_id in perms.prescriber_organisations(user):
            return True
    elif invoice.customer_id == user.pk:
        return True
    if invoice.buyer_structure_id is not None and perms.is_structure_staff(user, invoice.buyer_structure):
        return True
    return perms.is_structure_staff(user, invoice.structure)


def can_handle_orders(user, structure: Structure) -> bool:
    """Prepare, weigh, hand over and record the payments of a structure's sales."""
    return perms.has_structure_role(user, structure, *HANDLING_ROLES)


def structures_handling_orders(user) -> set[int]:
    """Ids of the structures whose sales this person handles (all for a hub admin)."""
    return set(perms.structures_with_role(user, *HANDLING_ROLES))


def can_handle_takings(user, structure: Structure) -> bool:
    """See a structure's orders and takings, and take its cheques to the bank."""
    return perms.has_structure_role(user, structure, *TAKINGS_ROLES)


def structures_with_takings(user) -> set[int]:
    """Ids of the structures whose orders and takings this person sees (all for a hub admin)."""
    return set(perms.structures_with_role(user, *TAKINGS_ROLES))


def can_refund(user, structure: Structure) -> bool:
    """Refund a structure's sales."""
    return perms.has_structure_role(user, structure, *REFUND_ROLES)


def structures_refunding(user) -> set[int]:
    """Ids of the structures whose sales this person may refund (all for a hub admin)."""
    return set(perms.structures_with_role(user, *REFUND_ROLES))


def can_view_stripe_events(user) -> bool:
    """« Événements Stripe »: the Collectif's accountants and hub admins (`hub.perms.keeps_platform_books`)."""
    return perms.keeps_platform_books(user)
