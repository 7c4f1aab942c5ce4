"""What the prescribers app holds about a person (RGPD export): who supported them, on what ground, when.
On erasure the supports are closed and their note blanked (the person's row is anonymised, not deleted)."""

from django.utils import timezone

from prescribers.models import Support


def export(user) -> dict:
    return {
        "accompagnements": [
            {
                "organisation": s.organisation.name,
                "motif": s.get_ground_display(),
                "note": s.note,
                "debut": s.starts_on.isoformat(),
                "fin": s.ends_on.isoformat(),
                "tarif_solidaire": s.grants_tier,
                "accord_le": s.consent_at.isoformat() if s.consent_at else None,
                "accord_retire_le": s.consent_withdrawn_at.isoformat() if s.consent_withdrawn_at else None,
                "clos_le": s.closed_at.isoformat() if s.closed_at else None,
            }
            for s in Support.objects.filter(person=user).select_related("organisation").order_by("starts_on", "pk")
        ]
    }


def erase(user) -> None:
    now = timezone.now()
    Support.objects.filter(person=user, closed_at__isnull=True).update(closed_at=now)
    Support.objects.filter(person=user).update(note="")
