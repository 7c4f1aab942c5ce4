"""Who may see or do what in the hub. Views, API and templates all ask here.

A hub admin is an active superuser and may do everything. Structure roles are loaded once per
user object (one query) and cached on it, so a page asking many questions costs one query.
"""

from django.contrib.auth.models import AnonymousUser

from hub.enums import OrganisationRole, StaffRole, StructureKind
from hub.models import Organisation, Structure

_ROLES_CACHE = "_hub_structure_roles"
_ORGS_CACHE = "_hub_organisation_roles"


def is_hub_admin(user) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_superuser)


def structure_roles(user) -> dict[int, frozenset[str]]:
    """{structure id: roles} for a signed-in user; empty for anonymous or inactive users."""
    if isinstance(user, AnonymousUser) or not user.is_authenticated or not user.is_active:
        return {}
    cached = getattr(user, _ROLES_CACHE, None)
    if cached is None:
        roles: dict[int, set[str]] = {}
        for structure_id, role in user.structure_roles.values_list("structure_id", "role"):
            roles.setdefault(structure_id, set()).add(role)
        cached = {structure_id: frozenset(values) for structure_id, values in roles.items()}
        setattr(user, _ROLES_CACHE, cached)
    return cached


def _memberships(user) -> list[tuple[int, str, str]]:
    """[(organisation id, role, prescriber kind)] of a signed-in user, in one query, cached on the user."""
    if isinstance(user, AnonymousUser) or not user.is_authenticated or not user.is_active:
        return []
    cached = getattr(user, _ORGS_CACHE, None)
    if cached is None:
        cached = list(
            user.organisation_memberships.values_list("organisation_id", "role", "organisation__prescriber_kind")
        )
        setattr(user, _ORGS_CACHE, cached)
    return cached


def organisation_roles(user) -> dict[int, str]:
    """{organisation id: role} of the *customer* organisations a signed-in user belongs to. A prescriber's
    social workers (`prescriber_organisations`) neither buy for it nor see its account: that comes with
    third-party payment (ADR 0033)."""
    return {pk: role for pk, role, kind in _memberships(user) if not kind}


def has_structure_role(user, structure: Structure, *roles: str) -> bool:
    if is_hub_admin(user):
        return True
    held = structure_roles(user).get(structure.pk, frozenset())
    return bool(held & set(roles))


def is_structure_staff(user, structure: Structure) -> bool:
    return has_structure_role(user, structure, *StaffRole.values)


def can_manage_structure(user, structure: Structure) -> bool:
    """Offerings, prices, staff and refunds of a structure."""
    return has_structure_role(user, structure, StaffRole.MANAGER)


def can_supervise(user, structure: Structure) -> bool:
    """Teams, workers, jobs and timesheets of a structure."""
    return has_structure_role(user, structure, StaffRole.SUPERVISOR, StaffRole.MANAGER)


def can_view_books(user, structure: Structure) -> bool:
    """Keeping the books of a structure: ledgers, FEC, reports, entries, purchases, the chart (its
    accountants; also the names and hours of its workers, for payroll)."""
    return has_structure_role(user, structure, StaffRole.ACCOUNTANT)


def can_read_books(user, structure: Structure) -> bool:
    """Reading a structure's books, changing nothing: its accountants, and the staff given the
    read-only view (an outside association's treasurer); nothing of its workers."""
    return has_structure_role(user, structure, StaffRole.ACCOUNTANT, StaffRole.BOOKS_VIEWER)


def keeps_platform_books(user) -> bool:
    """The platform's Stripe account is the Collectif's: its accountants (and hub admins) follow what
    Stripe reported — disputes, failed payouts, events the platform does not act on."""
    if is_hub_admin(user):
        return True
    collective = Structure.objects.filter(kind=StructureKind.COLLECTIVE).first()
    return collective is not None and has_structure_role(user, collective, StaffRole.ACCOUNTANT)


def structures_with_role(user, *roles: str) -> list[int]:
    """Ids of the structures where the user holds one of these roles (all for a hub admin)."""
    if is_hub_admin(user):
        return list(Structure.objects.values_list("pk", flat=True))
    return [pk for pk, held in structure_roles(user).items() if held & set(roles)]


def can_enter_back_office(user) -> bool:
    """The admin site: Django staff, and structure staff (who then see only their structures' rows);
    not those whose only role is the read-only view of some books."""
    held = set().union(*structure_roles(user).values()) if user.is_active else set()
    return bool(user.is_active and (user.is_staff or held - {StaffRole.BOOKS_VIEWER}))


def holds_staff_role(user, role: str) -> bool:
    """Whether the person holds this staff role in at least one structure (hub admins: only if given)."""
    return any(role in held for held in structure_roles(user).values())


def structure_names_with_role(user, role: str) -> list[str]:
    """Names of the structures where the person holds this role, in display order."""
    ids = [pk for pk, held in structure_roles(user).items() if role in held]
    return list(Structure.objects.filter(pk__in=ids).order_by("position", "name").values_list("name", flat=True))


def organisation_names(user) -> list[str]:
    return list(
        Organisation.objects.filter(pk__in=organisation_roles(user)).order_by("name").values_list("name", flat=True)
    )


def is_organisation_member(user, organisation: Organisation) -> bool:
    return organisation.pk in organisation_roles(user)


def is_member_of_an_organisation(user) -> bool:
    """Members of any organisation buy B2B (they are shown prices excl. VAT too)."""
    return bool(organisation_roles(user))


def can_order_for_organisation(user, organisation: Organisation) -> bool:
    """Any member may order and book for the organisation, billed to it."""
    return is_organisation_member(user, organisation)


def can_manage_organisation(user, organisation: Organisation) -> bool:
    """Members, billing details: the organisation's admins and hub admins."""
    if is_hub_admin(user):
        return True
    return organisation_roles(user).get(organisation.pk) == OrganisationRole.ADMIN


def can_view_organisation(user, organisation: Organisation) -> bool:
    return is_hub_admin(user) or is_organisation_member(user, organisation)


def prescriber_organisations(user) -> list[int]:
    """Ids of the prescriber organisations (CCAS, Mission locale…) the person works for, as a social worker."""
    return sorted(pk for pk, _role, kind in _memberships(user) if kind)


def prescriber_roles(user) -> dict[int, str]:
    """{organisation id: role} of the prescriber organisations the person works for (admin: head of service)."""
    return {pk: role for pk, role, kind in _memberships(user) if kind}


def is_social_worker(user) -> bool:
    """A member of a prescriber organisation (its admins are heads of service)."""
    return bool(prescriber_organisations(user))
