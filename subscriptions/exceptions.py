"""Refusals of the subscription workflows; `message` is French and shown as is (UI and API)."""

from hub import exceptions as hub_exceptions


class SubscriptionError(hub_exceptions.DomainError):
    code = "subscription_refused"


class NotAllowed(SubscriptionError):
    code = "not_allowed"


class InvalidSubscriptionTransition(SubscriptionError, hub_exceptions.InvalidTransition):
    code = "invalid_transition"


class PastCutOff(SubscriptionError):
    code = "past_cutoff"


class DeliveryNotDue(SubscriptionError):
    """A basket marked handed over before its distribution day."""

    code = "delivery_not_due"


class AbsenceQuotaExceeded(SubscriptionError):
    code = "absence_quota_exceeded"


class PickupPointFull(SubscriptionError):
    """The resident was put on the waiting list instead (the entry is on the exception)."""

    code = "pickup_point_full"

    def __init__(self, message: str, *, entry=None) -> None:
        super().__init__(message)
        self.entry = entry
