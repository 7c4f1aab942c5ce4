from hub.models import OrganisationMembership, OutboundEmail, StructureRole


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


def _emails_to(user) -> list[OutboundEmail]:
    """The outbox's e-mails addressed to the person (their address is personal data)."""
    address = user.email.lower()
    if not address:
        return []
    candidates = OutboundEmail.objects.filter(recipients__icontains=address).order_by("created_at", "pk")
    return [email for email in candidates if address in {recipient.lower() for recipient in email.recipients}]


def export_emails(user) -> list[dict]:
    return [
        {
            "sujet": email.subject,
            "etat": email.get_state_display(),
            "cree_le": email.created_at.isoformat(),
            "envoye_le": email.sent_at.isoformat() if email.sent_at else None,
        }
        for email in _emails_to(user)
    ]


def erase_emails(user) -> None:
    """E-mails to the person alone are deleted; on an e-mail to several people, their address is removed."""
    address = user.email.lower()
    for email in _emails_to(user):
        others = [recipient for recipient in email.recipients if recipient.lower() != address]
        if others:
            email.recipients = others
            email.save(update_fields=["recipients"])
        else:
            email.delete()
