"""Domain errors of the prescribers' supports: each carries a French message for the person who tried."""

from hub.exceptions import DomainError


class SupportError(DomainError):
    code = "support_refused"
