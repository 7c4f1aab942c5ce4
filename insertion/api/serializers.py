"""Explicit input and output serializers. Worker output comes in two shapes: full (supervisors) and
names-and-hours (the structure's accountant, DOMAIN.md rule 17)."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers


@extend_schema_field({"type": "string", "pattern": r"^\d{2}:\d{2}$", "example": "08:30"})
class HourMinuteField(serializers.TimeField):
    """A time of day as HH:MM (OpenAPI's `time` format would promise seconds)."""

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", **kwargs)


class TeamOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    structure = serializers.CharField(source="structure.slug")
    base_site = serializers.CharField(source="base_site.name", default=None, allow_null=True)
    skills = serializers.SerializerMethodField()

    def get_skills(self, team) -> list[str]:
        return [skill.slug for skill in team.skills.all()]


class WorkerHoursOutputSerializer(serializers.Serializer):
    """What the accountant may read: names and hours, nothing else."""

    id = serializers.IntegerField()
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    structure = serializers.CharField(source="structure.slug")
    weekly_hours = serializers.DecimalField(max_digits=4, decimal_places=2, allow_null=True)


class WorkerOutputSerializer(WorkerHoursOutputSerializer):
    team = serializers.CharField(source="team.name", default=None, allow_null=True)
    email = serializers.EmailField(allow_blank=True)  # blank in the model
    phone = serializers.CharField()
    skills = serializers.SerializerMethodField()

    def get_skills(self, worker) -> list[dict]:
        return [{"skill": link.skill.slug, "level": link.level} for link in worker.worker_skills.all()]


class AssignmentOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    job = serializers.IntegerField(source="job_id")
    worker = serializers.IntegerField(source="worker_id")
    worker_name = serializers.CharField(source="worker.full_name")
    hours = serializers.DecimalField(max_digits=6, decimal_places=2)
    locked = serializers.BooleanField()


class JobOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    structure = serializers.CharField(source="structure.slug")
    title = serializers.CharField()
    source_kind = serializers.CharField()
    source_id = serializers.CharField()
    team = serializers.IntegerField(source="team_id", allow_null=True)
    place = serializers.CharField(source="place.name", default=None, allow_null=True)
    date = serializers.DateField()
    start_time = HourMinuteField()
    end_time = HourMinuteField()
    estimated_hours = serializers.DecimalField(max_digits=6, decimal_places=2)
    headcount = serializers.IntegerField()
    required_skill = serializers.CharField(source="required_skill.slug", default=None, allow_null=True)
    status = serializers.CharField()
    assignments = AssignmentOutputSerializer(many=True)


class AssignmentInputSerializer(serializers.Serializer):
    job = serializers.IntegerField()
    worker = serializers.IntegerField()
    locked = serializers.BooleanField(default=False)


class PlanInputSerializer(serializers.Serializer):
    structure = serializers.SlugField()
    week = serializers.RegexField(r"^\d{4}-W\d{2}$")


class UnassignedOutputSerializer(serializers.Serializer):
    job = serializers.IntegerField(source="job_id")
    missing = serializers.IntegerField()
    reason = serializers.CharField()


class PlanOutputSerializer(serializers.Serializer):
    status = serializers.CharField()
    gap = serializers.FloatField()
    seconds = serializers.FloatField()
    coverage = serializers.FloatField()
    covered_hours = serializers.DecimalField(max_digits=8, decimal_places=2)
    total_hours = serializers.DecimalField(max_digits=8, decimal_places=2)
    fairness_mad = serializers.FloatField()
    assignments = serializers.SerializerMethodField()
    unassigned = UnassignedOutputSerializer(many=True)

    def get_assignments(self, plan) -> list[dict]:
        return [{"job": job_id, "worker": worker_id} for job_id, worker_id in plan.pairs]


class TimesheetOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    worker = serializers.IntegerField(source="worker_id")
    worker_name = serializers.CharField(source="worker.full_name")
    date = serializers.DateField()
    hours = serializers.DecimalField(max_digits=6, decimal_places=2)
    validated = serializers.BooleanField(source="is_validated")


class TimesheetInputSerializer(serializers.Serializer):
    worker = serializers.IntegerField()
    date = serializers.DateField()
    hours = serializers.DecimalField(max_digits=4, decimal_places=2, min_value=0, max_value=12)


class IaeReturnQuerySerializer(serializers.Serializer):
    """`?structure=<slug>&month=YYYY-MM` of the monthly IAE return."""

    structure = serializers.SlugField(max_length=50)
    month = serializers.RegexField(
        r"^\d{4}-\d{2}$",
        max_length=7,
        error_messages={"invalid": "Indiquez le mois sous la forme AAAA-MM (2026-03 par exemple)."},
    )


class IaeReturnExitSerializer(serializers.Serializer):
    date = serializers.DateField()
    category = serializers.CharField()
    reason = serializers.CharField()


class IaeReturnRowSerializer(serializers.Serializer):
    """One employee's contract in the month, in the order of the ASP's statement (ADR 0031)."""

    worker = serializers.IntegerField(source="worker.pk")
    approval_number = serializers.CharField(source="approval.number", default=None, allow_null=True)
    last_name = serializers.CharField(source="worker.last_name")
    first_name = serializers.CharField(source="worker.first_name")
    birth_date = serializers.DateField(source="worker.birth_date", allow_null=True)
    contract_kind = serializers.CharField(source="contract.kind")
    contract_start = serializers.DateField(source="contract.start_date")
    contract_end = serializers.DateField(source="contract.end_date")
    hours_worked = serializers.DecimalField(max_digits=8, decimal_places=2)
    hours_paid = serializers.DecimalField(max_digits=8, decimal_places=2)
    absence_days = serializers.DictField(child=serializers.IntegerField(), help_text="Jours ouvrés par motif.")
    exit = serializers.SerializerMethodField()

    @extend_schema_field(IaeReturnExitSerializer(allow_null=True))
    def get_exit(self, row) -> dict | None:
        """The exit when it falls in the month: codes, not labels."""
        exit_ = row.exit
        return {"date": exit_.date.isoformat(), "category": exit_.category, "reason": exit_.reason} if exit_ else None


class IaeReturnBlockerSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    worker = serializers.IntegerField(source="worker.pk", default=None, allow_null=True)


class IaeReturnOutputSerializer(serializers.Serializer):
    structure = serializers.CharField(source="structure.slug")
    month = serializers.SerializerMethodField()
    can_declare = serializers.BooleanField()
    blockers = IaeReturnBlockerSerializer(many=True)
    rows = IaeReturnRowSerializer(many=True)
    hours_worked = serializers.DecimalField(max_digits=10, decimal_places=2)
    hours_paid = serializers.DecimalField(max_digits=10, decimal_places=2)

    def get_month(self, data) -> str:
        return f"{data.year:04d}-{data.month:02d}"
