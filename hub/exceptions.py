"""The base of every domain refusal: a stable code and a French sentence shown as is (UI and API)."""

from django.utils.translation import gettext as _


class DomainError(Exception):
    """An action was refused and nothing was written. Each app's errors derive from it."""

    code = "refused"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = str(message)
        if code is not None:
            self.code = code


class InvalidTransition(DomainError):
    """A status change outside the model's transition table."""

    code = "invalid_transition"

    def __init__(
        self, *, field: str, current: str, target: str, current_label: str = "", target_label: str = ""
    ) -> None:
        super().__init__(
            _("Changement d'état impossible : de « %(current)s » à « %(target)s ».")
            % {"current": current_label or current, "target": target_label or target}
        )
        self.field, self.current, self.target = field, current, target
