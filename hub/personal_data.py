from hub.models import OrganisationMembership, StructureRole


def export_roles(user) -> dict:
    return {
        "organisations": [
            {"organisation": m.organisation.name, "role": m.get_role_display(), "depuis": m.created_at.isoformat()}
            for m in OrganisationMembership.objects.filter(user=user).select_related("organisation")
        ],
        "structures": [
            {"structure": r.structure.name, "role": r.get_role_display(), "depuis": r.created_at.isoformat()}
            for r in StructureRole.objects.filter(user=user).select_related("structure")
        ],
    }


def erase_roles(user) -> None:
    OrganisationMembership.objects.filter(user=user).delete()
    StructureRole.objects.filter(user=user).delete()
