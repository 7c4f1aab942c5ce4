"""Who may see or do what with supports. A prescriber sees only the people it supports, and nothing more of
a person once they withdrew their consent; the person sees their own supports. Hub admins and structure
staff get no special sight here (the people are the prescribers' to follow; the admin site stays)."""

from hub import perms as hub_perms
from hub.models import Organisation
from prescribers.models import Support


def social_worker_organisations(user) -> list[int]:
    return hub_perms.prescriber_organisations(user)


def can_open_support(user, organisation: Organisation) -> bool:
    return bool(organisation.prescriber_kind) and organisation.pk in social_worker_organisations(user)


def can_view_support(user, support: Support) -> bool:
    """A social worker of the support's organisation, as long as the person has not withdrawn their consent."""
    return support.consent_withdrawn_at is None and support.organisation_id in social_worker_organisations(user)


def can_close_support(user, support: Support) -> bool:
    return can_view_support(user, support) and support.closed_at is None


def can_follow_orders(user, support: Support) -> bool:
    """The person's orders, only while their consent stands (given, not withdrawn, support open)."""
    return can_view_support(user, support) and support.consent_stands


def is_supported_person(user, support: Support) -> bool:
    return user.is_authenticated and support.person_id == user.pk


def has_supports(user) -> bool:
    return user.is_authenticated and Support.objects.filter(person=user).exists()


def can_order_for(user, support: Support) -> bool:
    """Order, book and pay part for the person: a social worker of the organisation, while consent stands."""
    return can_view_support(user, support) and support.consent_stands
