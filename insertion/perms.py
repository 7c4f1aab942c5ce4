"""Who may see insertion workers' data (sensitive) — views, API and templates ask here, nowhere else.

- supervisors and managers of the worker's structure, and hub admins: everything;
- the structure's accountant: names and hours only (payroll), never contact, PASS IAE or absences;
- everyone else (customers, other structures' staff, anonymous): nothing — views answer 404.
"""

from django.http import Http404
from django.shortcuts import get_object_or_404

from hub import perms as hub_perms
from hub.enums import StaffRole
from hub.models import Structure

# The staff roles that plan a structure's work, and those that may also read its hours.
PLANNING_ROLES = (StaffRole.SUPERVISOR, StaffRole.MANAGER)
HOURS_ROLES = (*PLANNING_ROLES, StaffRole.ACCOUNTANT)


def can_view_workers(user, structure: Structure) -> bool:
    """Full records of the structure's workers: identity, contact, contracts, PASS IAE, absences."""
    return hub_perms.can_supervise(user, structure)


def can_view_worker(user, worker) -> bool:
    """Full record: identity, contact, contracts, PASS IAE, absences."""
    return can_view_workers(user, worker.structure)


def can_view_worker_hours(user, worker) -> bool:
    """Name and hours (planned, actual): also the structure's accountant."""
    return can_view_worker(user, worker) or hub_perms.can_view_books(user, worker.structure)


def can_plan(user, structure: Structure) -> bool:
    """The board, assignments, the planner and timesheets of a structure."""
    return hub_perms.can_supervise(user, structure)


def can_view_hours(user, structure: Structure) -> bool:
    """Monthly hours reports and FTE (payroll, IAE reports)."""
    return hub_perms.can_supervise(user, structure) or hub_perms.can_view_books(user, structure)


def planning_structure_ids(user) -> list[int]:
    return hub_perms.structures_with_role(user, *PLANNING_ROLES)


def hours_structure_ids(user) -> list[int]:
    return hub_perms.structures_with_role(user, *HOURS_ROLES)


def structure_for_planning_or_404(user, slug: str) -> Structure:
    structure = get_object_or_404(Structure, slug=slug)
    if not can_plan(user, structure):
        raise Http404
    return structure


def structure_for_hours_or_404(user, slug: str) -> Structure:
    structure = get_object_or_404(Structure, slug=slug)
    if not can_view_hours(user, structure):
        raise Http404
    return structure


def structure_for_workers_or_404(user, slug: str) -> Structure:
    """A structure whose workers' full records this person reads (the monthly IAE return, exits)."""
    structure = get_object_or_404(Structure, slug=slug)
    if not can_view_workers(user, structure):
        raise Http404
    return structure
