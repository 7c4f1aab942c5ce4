"""Domain refusals of the insertion app: a stable code and a French sentence naming the rule."""


class InsertionError(Exception):
    code = "insertion_error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = str(message)
        if code is not None:
            self.code = code


class AssignmentRefused(InsertionError):
    """An assignment breaks one rule of DOMAIN.md rule 16 (the code names the rule)."""

    code = "assignment_refused"


class ContractRefused(InsertionError):
    code = "contract_refused"


class TimesheetLocked(InsertionError):
    code = "timesheet_locked"
