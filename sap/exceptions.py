"""Domain errors of the services à la personne: each carries a French message for the person who tried."""

from hub.exceptions import DomainError


class SapError(DomainError):
    code = "sap_refused"
