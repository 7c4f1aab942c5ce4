"""Domain refusals of the insertion app: a stable code and a French sentence naming the rule."""

from hub import exceptions as hub_exceptions


class InsertionError(hub_exceptions.DomainError):
    code = "insertion_error"


class InvalidJobTransition(InsertionError, hub_exceptions.InvalidTransition):
    code = "invalid_transition"


class AssignmentRefused(InsertionError):
    """An assignment breaks one rule of DOMAIN.md rule 16 (the code names the rule)."""

    code = "assignment_refused"


class ProposalStale(AssignmentRefused):
    """The week's assignments changed since the planner's proposal was made: accepting it would undo that."""

    code = "proposal_stale"


class ContractRefused(InsertionError):
    code = "contract_refused"


class TimesheetLocked(InsertionError):
    code = "timesheet_locked"


class TimesheetRefused(InsertionError):
    """Hours outside one day's range (0 to MAX_DAY_HOURS), or a day outside the platform's dates."""

    code = "invalid_hours"


class ExitRefused(InsertionError):
    """An exit that cannot be recorded: already recorded, a contract followed by another, a date off the contract."""

    code = "exit_refused"
