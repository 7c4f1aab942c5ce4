"""Admin for insertion data: supervisors and managers of a structure see only their structure's rows.

Workers' personal data (contracts, PASS IAE, absences) is theirs alone (`insertion.perms`): the
accountant, who reads names and hours on the hours pages, has no admin access to it."""

from django.contrib import admin

from hub.admin import StatusLogInline
from hub.admin_scoping import ScopedAdmin, ScopedInline
from insertion import perms
from insertion.enums import EXIT_CATEGORY_OF
from insertion.models import (
    Absence,
    Approval,
    ApprovalSuspension,
    Contract,
    ContractExit,
    Job,
    JobTransition,
    Team,
    Worker,
    WorkerSkill,
)


@admin.register(Team)
class TeamAdmin(ScopedAdmin):
    scoped_roles = perms.PLANNING_ROLES
    list_display = ["name", "structure", "base_site"]
    list_filter = ["structure"]
    list_select_related = ["structure", "base_site"]
    filter_horizontal = ["supervisors", "skills"]


class WorkerSkillInline(ScopedInline, admin.TabularInline):
    model = WorkerSkill
    extra = 0


class ContractInline(ScopedInline, admin.TabularInline):
    model = Contract
    extra = 0


class ApprovalInline(ScopedInline, admin.TabularInline):
    model = Approval
    extra = 0


class AbsenceInline(ScopedInline, admin.TabularInline):
    model = Absence
    extra = 0


@admin.register(Worker)
class WorkerAdmin(ScopedAdmin):
    scoped_roles = perms.PLANNING_ROLES
    list_display = ["last_name", "first_name", "identifier", "structure", "team", "is_active"]
    list_filter = ["structure", "team", "is_active"]
    list_select_related = ["structure", "team"]
    search_fields = ["last_name", "first_name", "identifier"]
    readonly_fields = ["identifier"]  # set at creation, never changed nor reused
    inlines = [WorkerSkillInline, ContractInline, ApprovalInline, AbsenceInline]


@admin.register(ApprovalSuspension)
class ApprovalSuspensionAdmin(ScopedAdmin):
    structure_field = "approval__worker__structure"
    scoped_roles = perms.PLANNING_ROLES
    choice_structure_fields = {"approval": "worker__structure"}  # PASS IAE: inlines of the worker
    list_display = ["approval", "reason", "start_date", "end_date"]


class JobTransitionInline(StatusLogInline):
    """The status log, read only: a job's status moves through `insertion.models.JOB_STATUS` only."""

    model = JobTransition

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Job)
class JobAdmin(ScopedAdmin):
    scoped_roles = perms.PLANNING_ROLES
    readonly_fields = ["status", "source_version"]  # the sync's record of what the source last said
    inlines = [JobTransitionInline]
    list_display = ["title", "structure", "date", "start_time", "end_time", "headcount", "status", "source_kind"]
    list_filter = ["structure", "status", "source_kind"]
    list_select_related = ["structure"]
    date_hierarchy = "date"


@admin.register(ContractExit)
class ContractExitAdmin(ScopedAdmin):
    """Exits are recorded from the worker's page (`actions.record_exit`); the admin corrects them. The
    category always follows the reason, and the author is whoever saves it first."""

    structure_field = "contract__worker__structure"
    scoped_roles = perms.PLANNING_ROLES
    choice_structure_fields = {"contract": "worker__structure"}
    list_display = ["contract", "date", "category", "reason", "recorded_by"]
    list_filter = ["category", "reason"]
    list_select_related = ["contract__worker", "recorded_by"]
    readonly_fields = ["category", "recorded_by", "recorded_at"]
    date_hierarchy = "date"

    def save_model(self, request, obj, form, change) -> None:
        obj.category = EXIT_CATEGORY_OF[obj.reason]
        if not change:
            obj.recorded_by = request.user
        super().save_model(request, obj, form, change)
