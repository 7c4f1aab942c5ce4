"""Who may see a structure's books: its accountants and hub admins (hub.perms decides); and,
reading only, the staff given the read-only view of them (`StaffRole.BOOKS_VIEWER`).

Anyone else gets a 404, never a 403: the books of a structure one may not read do not exist.
`get_structure_or_404` admits the accountants only — every page that writes (an entry, a purchase,
the chart) uses it; the pages that only read use `get_readable_structure_or_404`.
"""

from django.http import Http404

from hub import perms as hub_perms
from hub.enums import StaffRole
from hub.models import Structure


def can_view_books(user, structure: Structure) -> bool:
    return hub_perms.can_view_books(user, structure)


def structures_with_books(user):
    """The structures whose books this person may read, in display order."""
    ids = hub_perms.structures_with_role(user, StaffRole.ACCOUNTANT)
    return Structure.objects.filter(pk__in=ids).order_by("position", "name")


def get_structure_or_404(user, slug: str) -> Structure:
    """The structure by slug if the person keeps its books; a 404 whether it exists or not."""
    structure = Structure.objects.filter(slug=slug).first()
    if structure is None or not can_view_books(user, structure):
        raise Http404
    return structure


def can_read_books(user, structure: Structure) -> bool:
    return hub_perms.can_read_books(user, structure)


def can_keep_books(user, structure: Structure) -> bool:
    """Post, enter purchases, edit the chart: the accountants (not the read-only view)."""
    return hub_perms.can_view_books(user, structure)


def structures_with_readable_books(user):
    """The structures whose books this person may read (keep or only read), in display order."""
    ids = hub_perms.structures_with_role(user, StaffRole.ACCOUNTANT, StaffRole.BOOKS_VIEWER)
    return Structure.objects.filter(pk__in=ids).order_by("position", "name")


def get_readable_structure_or_404(user, slug: str) -> Structure:
    """The structure by slug if the person may read its books; a 404 whether it exists or not."""
    structure = Structure.objects.filter(slug=slug).first()
    if structure is None or not can_read_books(user, structure):
        raise Http404
    return structure


def can_reconcile(user) -> bool:
    """The reconciliation page: hub admins, and whoever keeps the books of at least one structure."""
    return hub_perms.is_hub_admin(user) or bool(hub_perms.structures_with_role(user, StaffRole.ACCOUNTANT))
