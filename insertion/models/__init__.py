"""The insertion models, one module per aggregate; every name other code imports is re-exported here.

- `teams`: Team;
- `workers`: Worker (sensitive data), WorkerSkill, Contract (CDDI), Approval (PASS IAE) and its
  suspensions, Absence;
- `jobs`: Job, its status machine and log, Assignment;
- `timesheets`: TimesheetEntry;
- `proposals`: PlanProposal (the planner's proposal, kept until accepted or discarded);
- `exits`: ContractExit (where a person went on leaving the structure);
- `alerts`: SentAlert, JobAlert (a job's source changed after workers were assigned).

Who may read what is decided in `insertion.perms`; nothing here is ever shown on a public page.
"""

from insertion.models.alerts import JobAlert, SentAlert
from insertion.models.exits import EXIT_NOTE_MAX_LENGTH, ContractExit, ContractExitQuerySet
from insertion.models.jobs import JOB_STATUS, Assignment, AssignmentQuerySet, Job, JobQuerySet, JobTransition
from insertion.models.proposals import PlanProposal
from insertion.models.teams import Team
from insertion.models.timesheets import MAX_DAY_HOURS, TimesheetEntry
from insertion.models.units import HOURS
from insertion.models.workers import (
    APPROVAL_DAYS,
    CDDI_MAX_MONTHS,
    CDDI_MAX_WEEKLY_HOURS,
    CDDI_MIN_MONTHS,
    CDDI_MIN_WEEKLY_HOURS,
    Absence,
    Approval,
    ApprovalSuspension,
    Contract,
    ContractQuerySet,
    Worker,
    WorkerQuerySet,
    WorkerSkill,
)

__all__ = [
    "EXIT_NOTE_MAX_LENGTH",
    "ContractExit",
    "ContractExitQuerySet",
    "APPROVAL_DAYS",
    "CDDI_MAX_MONTHS",
    "CDDI_MAX_WEEKLY_HOURS",
    "CDDI_MIN_MONTHS",
    "CDDI_MIN_WEEKLY_HOURS",
    "HOURS",
    "JOB_STATUS",
    "Absence",
    "Approval",
    "ApprovalSuspension",
    "Assignment",
    "AssignmentQuerySet",
    "Contract",
    "ContractQuerySet",
    "Job",
    "JobAlert",
    "JobQuerySet",
    "JobTransition",
    "PlanProposal",
    "SentAlert",
    "Team",
    "MAX_DAY_HOURS",
    "TimesheetEntry",
    "Worker",
    "WorkerQuerySet",
    "WorkerSkill",
]
