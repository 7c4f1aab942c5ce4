"""The insertion API: staff only, object-level permissions from `insertion.perms`; 404 for anyone else."""

from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, generics, status
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from hub.api.errors import Refused
from hub.models import Structure
from hub.params import MAX_YEAR, MIN_YEAR, parse_day
from insertion import actions, perms
from insertion.api.serializers import (
    AssignmentInputSerializer,
    AssignmentOutputSerializer,
    IaeReturnOutputSerializer,
    IaeReturnQuerySerializer,
    JobOutputSerializer,
    PlanInputSerializer,
    PlanOutputSerializer,
    TeamOutputSerializer,
    TimesheetInputSerializer,
    TimesheetOutputSerializer,
    WorkerHoursOutputSerializer,
    WorkerOutputSerializer,
)
from insertion.exceptions import InsertionError
from insertion.iae_return import monthly_return
from insertion.models import Assignment, Contract, Job, Team, TimesheetEntry, Worker, WorkerSkill
from insertion.planner import plan_week
from insertion.workdays import parse_week


class StaffOnly(BasePermission):
    """Let the request reach the view, which answers 404 to anyone the object-level checks refuse."""

    answers_not_found = True  # documented as a 404 in the OpenAPI schema (hub.api.schema)

    def has_permission(self, request, view) -> bool:
        return True


def _require(ids: list[int]) -> list[int]:
    if not ids:
        raise Http404
    return ids


def _with_weekly_hours(workers):
    today = timezone.localdate()
    current = Contract.objects.filter(start_date__lte=today, end_date__gte=today)
    return workers.select_related("structure", "team").prefetch_related(
        Prefetch("contracts", queryset=current, to_attr="current_contracts")
    )


class TeamListView(generics.ListAPIView):
    permission_classes = [StaffOnly]

    serializer_class = TeamOutputSerializer

    def get_queryset(self):
        ids = _require(perms.planning_structure_ids(self.request.user))
        return (
            Team.objects.filter(structure_id__in=ids)
            .select_related("structure", "base_site")
            .prefetch_related("skills")
            .order_by("structure__position", "name")
        )


class WorkerListView(generics.ListAPIView):
    """Supervisors and managers: the full record; accountants: names and hours only. `?structure=<slug>`."""

    permission_classes = [StaffOnly]

    serializer_class = WorkerOutputSerializer

    def get_queryset(self):
        ids = _require(perms.hours_structure_ids(self.request.user))
        workers = Worker.objects.filter(structure_id__in=ids)
        if slug := self.request.query_params.get("structure"):
            workers = workers.filter(structure__slug=slug)
        return _with_weekly_hours(workers).prefetch_related(
            Prefetch("worker_skills", queryset=WorkerSkill.objects.select_related("skill"))
        )

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        data = [_worker_data(worker, full=perms.can_view_worker(request.user, worker)) for worker in page]
        return self.get_paginated_response(data)


def _worker_data(worker: Worker, *, full: bool) -> dict:
    contracts = worker.current_contracts  # prefetched by _with_weekly_hours
    worker.weekly_hours = contracts[0].weekly_hours if contracts else None
    serializer = WorkerOutputSerializer if full else WorkerHoursOutputSerializer
    return serializer(worker).data


class WorkerDetailView(APIView):
    permission_classes = [StaffOnly]

    @extend_schema(responses=WorkerOutputSerializer)
    def get(self, request, pk: int):
        worker = get_object_or_404(_with_weekly_hours(Worker.objects.all()), pk=pk)
        if not perms.can_view_worker_hours(request.user, worker):
            raise Http404
        return Response(_worker_data(worker, full=perms.can_view_worker(request.user, worker)))


class JobListView(generics.ListAPIView):
    """`?week=2026-W49` (and optionally `&structure=<slug>`): the jobs of the structures one plans."""

    permission_classes = [StaffOnly]

    serializer_class = JobOutputSerializer

    def get_queryset(self):
        ids = _require(perms.planning_structure_ids(self.request.user))
        jobs = Job.objects.filter(structure_id__in=ids)
        if week := self.request.query_params.get("week"):
            try:
                jobs = jobs.in_week(parse_week(week))
            except ValueError as error:
                raise Http404 from error
        if slug := self.request.query_params.get("structure"):
            jobs = jobs.filter(structure__slug=slug)
        return jobs.select_related("structure", "place", "required_skill").prefetch_related(
            Prefetch("assignments", queryset=Assignment.objects.select_related("worker"))
        )


class AssignmentCreateView(APIView):
    permission_classes = [StaffOnly]

    @extend_schema(request=AssignmentInputSerializer, responses={201: AssignmentOutputSerializer})
    def post(self, request):
        serializer = AssignmentInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        ids = _require(perms.planning_structure_ids(request.user))
        job = get_object_or_404(Job, pk=serializer.validated_data["job"], structure_id__in=ids)
        worker = get_object_or_404(Worker, pk=serializer.validated_data["worker"], structure_id__in=ids)
        try:
            assignment = actions.assign_worker(
                job=job, worker=worker, by=request.user, locked=serializer.validated_data["locked"]
            )
        except InsertionError as error:
            raise Refused(error) from error
        return Response(AssignmentOutputSerializer(assignment).data, status=status.HTTP_201_CREATED)


class AssignmentDetailView(APIView):
    permission_classes = [StaffOnly]

    @extend_schema(responses={204: None})
    def delete(self, request, pk: int):
        ids = _require(perms.planning_structure_ids(request.user))
        assignment = get_object_or_404(Assignment, pk=pk, job__structure_id__in=ids)
        try:
            actions.unassign_worker(assignment=assignment, by=request.user)
        except InsertionError as error:
            raise Refused(error) from error
        return Response(status=status.HTTP_204_NO_CONTENT)


class PlanView(APIView):
    """Run the planner for one structure and week; returns the proposal (nothing is saved)."""

    permission_classes = [StaffOnly]

    @extend_schema(request=PlanInputSerializer, responses=PlanOutputSerializer)
    def post(self, request):
        serializer = PlanInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        structure = perms.structure_for_planning_or_404(request.user, serializer.validated_data["structure"])
        try:
            monday = parse_week(serializer.validated_data["week"])
        except ValueError as error:
            raise Http404 from error
        return Response(PlanOutputSerializer(plan_week(structure=structure, monday=monday)).data)


class TimesheetView(generics.ListAPIView):
    """GET `?month=2026-11`: the entries of the structures one supervises (or keeps the books of);
    POST: record actual hours (supervisors; a validated day is locked)."""

    permission_classes = [StaffOnly]

    serializer_class = TimesheetOutputSerializer

    def get_queryset(self):
        ids = _require(perms.hours_structure_ids(self.request.user))
        entries = TimesheetEntry.objects.filter(worker__structure_id__in=ids).select_related("worker")
        if month := self.request.query_params.get("month"):
            first_day = parse_day(f"{month}-01")
            if first_day is None or len(month) != 7:
                raise Http404
            entries = entries.filter(date__year=first_day.year, date__month=first_day.month)
        return entries.order_by("date", "worker__last_name")

    @extend_schema(request=TimesheetInputSerializer, responses={201: TimesheetOutputSerializer})
    def post(self, request):
        serializer = TimesheetInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        ids = _require(perms.planning_structure_ids(request.user))
        worker = get_object_or_404(Worker, pk=serializer.validated_data["worker"], structure_id__in=ids)
        try:
            entry = actions.record_hours(
                worker=worker,
                day=serializer.validated_data["date"],
                hours=serializer.validated_data["hours"],
                by=request.user,
            )
        except InsertionError as error:
            raise Refused(error) from error
        return Response(TimesheetOutputSerializer(entry).data, status=status.HTTP_201_CREATED)


class BadParameter(exceptions.APIException):
    """A query parameter that cannot be read: 400 with {"code", "message"}."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "invalid_parameter"


class IaeReturnView(APIView):
    """GET `?structure=<slug>&month=YYYY-MM`: the month's IAE return of the structure (ADR 0031).

    Supervisors and managers of the structure and hub admins; anyone else signed in gets 403 (the
    figures carry PASS IAE numbers and absences). A malformed, unknown or out-of-range parameter is 400.
    """

    @extend_schema(parameters=[IaeReturnQuerySerializer], responses=IaeReturnOutputSerializer)
    def get(self, request):
        query = IaeReturnQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        structure = Structure.objects.filter(slug=query.validated_data["structure"]).first()
        if structure is None:
            raise BadParameter(_("Structure inconnue."), code="unknown_structure")
        year, month = (int(part) for part in query.validated_data["month"].split("-"))
        if not (MIN_YEAR <= year <= MAX_YEAR and 1 <= month <= 12):
            raise BadParameter(
                _("Le mois doit tomber entre %(min)d-01 et %(max)d-12.") % {"min": MIN_YEAR, "max": MAX_YEAR},
                code="month_out_of_range",
            )
        if not perms.can_view_workers(request.user, structure):
            raise exceptions.PermissionDenied(
                _("Seul l'encadrement de la structure consulte son état mensuel IAE."), code="permission_denied"
            )
        data = monthly_return(structure, year, month, today=timezone.localdate())
        return Response(IaeReturnOutputSerializer(data).data)
